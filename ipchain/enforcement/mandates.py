"""Legal representatives: a firm that acts for several rights holders, each under a mandate
the holder grants and can withdraw; both are signed ledger records (docs/enforcement.md).

A representative's user acts for one client at a time: the portal keeps the client chosen in
the session, the API takes it from the X-Act-For header (middleware.py); once the mandate is
checked, accounts.roles.membership_of sees the user as the client's, so every service's check
by organisation sees that client and no other.
"""

import secrets

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from ipchain.accounts.models import Organisation
from ipchain.accounts.roles import membership_of, representative_of, require
from ipchain.errors import DomainError
from ipchain.ledger import log
from ipchain.registry import records
from ipchain.registry.rights import holder_or_office_sign

from .models import Mandate

# Where the portal keeps the client a representative's user acts for (middleware.py).
SESSION_KEY = "ipchain_acting_for"


class MandateError(DomainError):
    pass


def _holder_itself(actor, holder: Organisation) -> None:
    """Only the holder's own administrators give or withdraw mandates, never a representative
    acting for it."""
    membership = require(actor, "enforcement.add_application", holder)
    if membership is not None and getattr(membership, "representative", None) is not None:
        raise PermissionDenied("a representative does not give or withdraw mandates")


@transaction.atomic
def create_representative(*, actor, name: str, slug: str, country: str) -> Organisation:
    """The office admits a legal representative firm (its staff are then invited)."""
    require(actor, "accounts.add_organisation")
    if Organisation.objects.filter(slug=slug).exists():
        raise MandateError("duplicate_slug", f"an organisation named {slug} exists")
    return Organisation.objects.create(
        kind=Organisation.Kind.REPRESENTATIVE, slug=slug, name=name, country=country, status="admitted"
    )


@transaction.atomic
def grant(*, actor, holder: Organisation, representative: Organisation) -> Mandate:
    _holder_itself(actor, holder)
    if representative.kind != Organisation.Kind.REPRESENTATIVE or representative.status != "admitted":
        raise MandateError("not_a_representative", "a mandate goes to an admitted legal representative")
    now = timezone.now()
    ref = f"MAN-{now:%Y}-{secrets.token_hex(4).upper()}"
    record = records.mandate_record(
        records.MANDATE_GRANTED,
        mandate=ref,
        holder=holder.slug,
        representative=representative.slug,
        moment=now,
    )
    try:
        with transaction.atomic():
            return Mandate.objects.create(
                ref=ref,
                holder=holder,
                representative=representative,
                granted_at=now,
                granted_by=actor if getattr(actor, "pk", None) else None,
                entry=log.append(holder_or_office_sign(holder, record)),
            )
    except IntegrityError:
        raise MandateError("already_mandated", f"{representative} already acts for {holder}") from None


@transaction.atomic
def withdraw(*, actor, mandate: Mandate) -> Mandate:
    _holder_itself(actor, mandate.holder)
    mandate = (
        Mandate.objects.select_for_update().select_related("holder", "representative").get(pk=mandate.pk)
    )
    if mandate.withdrawn_at is not None:
        raise MandateError("already_withdrawn", "this mandate is withdrawn already")
    now = timezone.now()
    record = records.mandate_record(
        records.MANDATE_WITHDRAWN,
        mandate=mandate.ref,
        holder=mandate.holder.slug,
        representative=mandate.representative.slug,
        moment=now,
    )
    mandate.withdrawal_entry = log.append(holder_or_office_sign(mandate.holder, record))
    mandate.withdrawn_at = now
    mandate.save(update_fields=["withdrawal_entry", "withdrawn_at"])
    return mandate


def clients_of(representative: Organisation):
    """The holders a representative acts for now."""
    return Organisation.objects.filter(
        mandates_given__representative=representative, mandates_given__withdrawn_at__isnull=True
    ).order_by("name")


def client_for(user, slug: str) -> Organisation | None:
    """The client `slug` if the user's firm holds its live mandate, else None."""
    firm = representative_of(user)
    if firm is None or not slug:
        return None
    return clients_of(firm).filter(slug=slug).first()


def visible_mandates(user):
    """A holder's administrators their mandates; a representative's staff its firm's."""
    membership = membership_of(user)
    if membership is None:
        return Mandate.objects.none()
    found = Mandate.objects.select_related("holder", "representative")
    firm = representative_of(user)
    if firm is not None:
        return found.filter(representative=firm)
    if membership.organisation.kind == Organisation.Kind.BRAND:
        return found.filter(holder=membership.organisation)
    if membership.organisation.kind == Organisation.Kind.OFFICE:
        return found
    return found.none()
