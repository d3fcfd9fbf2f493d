"""What every registry API view shares: the caller's organisation, and items by GTIN and serial."""

from rest_framework.exceptions import PermissionDenied

from ipchain.accounts.models import Organisation
from ipchain.accounts.roles import organisation_of

from ..digital_link import DigitalLinkError, normalize_gtin
from ..errors import RegistryError
from ..models import Item
from ..selectors import visible_item


def my_organisation(request, kind: str | None = None) -> Organisation:
    organisation = organisation_of(request.user)
    if organisation is None or (kind and organisation.kind != kind):
        raise PermissionDenied("this needs a member of a " + (kind or "registered") + " organisation")
    return organisation


def registry_member(request) -> Organisation:
    """The caller's organisation, if it keeps records here (a brand or the office)."""
    organisation = my_organisation(request)
    if organisation.kind == Organisation.Kind.CUSTOMS:
        raise PermissionDenied(
            "customs staff verify items at /verify/; the registry is for brands and the office"
        )
    return organisation


def my_brand(request) -> Organisation:
    return my_organisation(request, Organisation.Kind.BRAND)


def gtin14(value: str) -> str:
    try:
        return normalize_gtin(value)
    except DigitalLinkError as exc:
        raise RegistryError(exc.reason, str(exc)) from None


def item_visible_to(request, gtin: str, serial: str) -> Item:
    """An item the caller's organisation owns or whose brand it is (the office: any); 404
    otherwise, the same for one that does not exist (no leak)."""
    return visible_item(registry_member(request), gtin=gtin, serial=serial)
