"""The office admits rights holders against their IP rights, and suspends them.

Both decisions are ledger records signed by the office, naming the rights relied on.
"""

from django.db import transaction
from django.utils import timezone

from ipchain.accounts.models import Organisation
from ipchain.accounts.roles import require
from ipchain.ledger import log

from . import records
from .errors import RegistryError
from .keys import office_sign
from .models import Admission
from .rights import add_ip_right

__all__ = ["add_ip_right", "decide"]


def _rights_payload(holder: Organisation) -> list[dict]:
    return [
        {"kind": r.kind, "office": r.office, "number": r.registration_number, "nice": r.nice_classes}
        for r in holder.ip_rights.filter(status="registered").order_by("office", "registration_number")
    ]


@transaction.atomic
def decide(*, actor, holder: Organisation, decision: str, reason: str = "") -> Admission:
    """Admit or suspend a rights holder (office administrators only)."""
    require(actor, "registry.admit_rightsholder")
    given = holder
    holder = Organisation.objects.select_for_update().get(pk=holder.pk)
    if holder.kind != Organisation.Kind.BRAND:
        raise RegistryError("not_a_brand", "only rights holders are admitted")
    if decision not in Admission.Decision.values:
        raise RegistryError("bad_decision", "decision is 'admitted' or 'suspended'")
    rights = _rights_payload(holder)
    if decision == Admission.Decision.ADMITTED and not rights:
        raise RegistryError("no_ip_right", "a rights holder is admitted against at least one IP right")
    if decision == Admission.Decision.SUSPENDED and not reason.strip():
        raise RegistryError("reason_required", "a suspension needs a reason")
    if holder.status == decision:
        raise RegistryError("no_change", f"{holder} is already {decision}")
    now = timezone.now()
    record = records.org_decision_record(
        decision=decision,
        org=holder.slug,
        name=holder.name,
        country=holder.country,
        ip_rights=rights,
        reason=reason.strip()[:300],
        moment=now,
    )
    entry = log.append(office_sign(record))
    holder.status = given.status = decision  # the caller's copy too, so it is not stale
    holder.save(update_fields=["status"])
    return Admission.objects.create(
        holder=holder,
        decision=decision,
        reason=reason.strip()[:300],
        decided_at=now,
        decided_by=actor,
        entry=entry,
    )
