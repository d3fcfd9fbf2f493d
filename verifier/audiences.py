"""Who reads a verdict, and so what it shows (docs/security.md, "What a verdict shows").

The public learns the verdict, the product, its brand and what to do; customs officers and
the office also get the identification guide, the rights holder's contacts and the item's
history, customs actions included; a rights holder gets all of it for its own items only.
"""

from enum import StrEnum

from ipchain.accounts.models import Organisation
from ipchain.accounts.roles import membership_of

from . import plugins
from .results import Result
from .scanners import scanner_for


class Audience(StrEnum):
    PUBLIC = "public"
    CUSTOMS = "customs"
    OFFICE = "office"
    HOLDER = "holder"


# Those who see the guide, the contacts and the history.
INSIDE = frozenset({Audience.CUSTOMS, Audience.OFFICE, Audience.HOLDER})


def audience_for(user, result: Result) -> Audience:
    if not getattr(user, "is_authenticated", False):
        return Audience.PUBLIC  # no query: most scans by the public
    if scanner_for(user).trusted:
        return Audience.CUSTOMS  # remembered: no query on the officers' hot path
    membership = membership_of(user)
    if membership is None:
        return Audience.PUBLIC
    if membership.organisation.kind == Organisation.Kind.OFFICE:
        return Audience.OFFICE
    item = result.item
    if item is not None and membership.organisation_id in (item.product.brand_id, item.owner_id):
        return Audience.HOLDER
    return Audience.PUBLIC


def shows_guide(audience: Audience, user, product) -> bool:
    """Whether a verdict read by `audience` shows the product's guide, photos and contacts:
    for customs, only when its rights holder shares them with the officer's authority."""
    if audience not in INSIDE or product is None:
        return False
    if audience != Audience.CUSTOMS:
        return True
    return plugins.guide_shared(scanner_for(user).authority_id, product.brand_id)


def sees_guide(user, product) -> bool:
    """Whether `user` may see a product's identification guide and its photos: customs it is
    shared with, the office, or the product's rights holder."""
    if not getattr(user, "is_authenticated", False):
        return False
    scanner = scanner_for(user)
    if scanner.trusted:
        return plugins.guide_shared(scanner.authority_id, product.brand_id)
    membership = membership_of(user)
    if membership is None:
        return False
    return (
        membership.organisation.kind == Organisation.Kind.OFFICE
        or membership.organisation_id == product.brand_id
    )
