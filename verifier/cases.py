"""Detention cases: customs open them, the rights holder is told and answers, customs close.

Each customs decision about goods bearing a registered label (detained, released,
destroyed) is also a record signed by the customs authority in the item's chain.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from ipchain.accounts.roles import membership_of
from ipchain.errors import DomainError
from ipchain.registry.items import append_customs_outcome
from ipchain.registry.models import Item

from . import clocks
from .models import Alert, Case, CasePhoto, Scan


class CaseError(DomainError):
    pass


def _customs_membership(user):
    membership = membership_of(user)
    if membership is None or membership.organisation.kind != "customs":
        raise PermissionDenied("only customs staff handle detention cases")
    return membership


def open_case(
    *,
    actor,
    goods: str,
    quantity: int = 1,
    item: Item | None = None,
    scan: Scan | None = None,
    notes: str = "",
    perishable: bool = False,
    small_consignment: bool = False,
    photos: list = (),
) -> Case:
    """Detain goods; the rights holder is alerted at once and e-mailed after commit.

    `photos` are uploaded image files (already checked to be images by the form)."""
    from .tasks import notify_holder

    membership = _customs_membership(actor)
    if item is None and scan is not None:
        item = scan.item
    if item is None:
        raise CaseError("no_item", "a case names the registered item whose label the goods bear")
    goods = goods.strip()
    if not goods or quantity < 1:
        raise CaseError("bad_goods", "describe the goods and give a quantity of at least 1")
    now = timezone.now()
    with transaction.atomic():
        case = Case.objects.create(
            authority=membership.organisation,
            opened_by=actor,
            customs_office=membership.customs_office,
            brand=item.product.brand,
            item=item,
            scan=scan,
            goods=goods[:300],
            quantity=quantity,
            notes=notes,
            perishable=perishable,
            small_consignment=small_consignment,
            detained_at=now,
            notify_by=clocks.add_working_days(now, settings.IPCHAIN_CASE_CLOCKS["notify_working_days"]),
        )
        for photo in photos:
            CasePhoto.objects.create(case=case, image=photo, caption=getattr(photo, "name", "")[:200])
        append_customs_outcome(
            authority=membership.organisation,
            item=item,
            outcome="detained",
            case=case.pk,
            office=membership.customs_office,
        )
        Alert.objects.create(
            brand=case.brand,
            item=item,
            scan=scan,
            case=case,
            kind="detained",
            message=f"{quantity} x {goods} detained at {case.customs_office or case.authority}: "
            f"case {case.pk}, please confirm genuine or counterfeit",
        )
        transaction.on_commit(lambda: notify_holder.delay(case.pk))
    return case


def record_suspicion(*, actor, item: Item, scan: Scan | None = None) -> None:
    """An officer suspects goods bearing this label without detaining them (yet): a
    `suspected` customs outcome in the item's chain, with no case, and an alert."""
    membership = _customs_membership(actor)
    with transaction.atomic():
        append_customs_outcome(
            authority=membership.organisation,
            item=item,
            outcome="suspected",
            case=None,
            office=membership.customs_office,
        )
        Alert.objects.create(
            brand=item.product.brand,
            item=item,
            scan=scan,
            kind="suspected",
            message=f"{item}: suspected by {membership.customs_office or membership.organisation}",
        )


def visible_cases(user):
    """The cases a user may see: customs staff their authority's, brand staff their brand's."""
    membership = membership_of(user)
    if membership is None:
        return Case.objects.none()
    if membership.organisation.kind == "customs":
        return Case.objects.filter(authority_id=membership.organisation_id)
    if membership.organisation.kind == "brand":
        return Case.objects.filter(brand_id=membership.organisation_id)
    return Case.objects.none()


def mark_notified(case: Case) -> Case:
    """The holder was told: its clock starts (Art. 23)."""
    now = timezone.now()
    case.notified_at = now
    case.holder_deadline = clocks.holder_deadline(
        now,
        perishable=case.perishable,
        small_consignment=case.small_consignment,
        clocks=settings.IPCHAIN_CASE_CLOCKS,
    )
    case.state = Case.State.AWAITING_HOLDER
    case.save(update_fields=["notified_at", "holder_deadline", "state"])
    return case


def holder_answer(*, actor, case: Case, counterfeit: bool) -> Case:
    membership = membership_of(actor)
    if (
        membership is None
        or membership.organisation_id != case.brand_id
        or not actor.has_perm("registry.add_itemevent")
    ):
        raise PermissionDenied("only the rights holder's staff answer for its goods")
    if case.state not in (Case.State.DETAINED, Case.State.AWAITING_HOLDER):
        raise CaseError("case_closed", f"the case is {case.get_state_display().lower()}", status=409)
    if case.holder_deadline and timezone.now() > case.holder_deadline:
        raise CaseError(
            "deadline_passed", "the answer period is over; ask customs for an extension", status=409
        )
    case.holder_answer = "counterfeit" if counterfeit else "genuine"
    case.holder_answered_at = timezone.now()
    case.state = Case.State.CONFIRMED_COUNTERFEIT if counterfeit else Case.State.CONFIRMED_GENUINE
    case.save(update_fields=["holder_answer", "holder_answered_at", "state"])
    return case


def extend(*, actor, case: Case) -> Case:
    """Art. 23(4): once, by up to 10 working days, never for perishable goods."""
    membership = _customs_membership(actor)
    if membership.organisation_id != case.authority_id:
        raise PermissionDenied("only the detaining authority extends its case")
    if case.closed_at:
        raise CaseError("case_closed", "the case is closed", status=409)
    if case.perishable or case.extended or case.holder_deadline is None:
        raise CaseError(
            "no_extension", "perishable goods, or an extension already given, or the holder not notified"
        )
    case.holder_deadline = clocks.add_working_days(
        case.holder_deadline, settings.IPCHAIN_CASE_CLOCKS["extension_working_days"]
    )
    case.extended = True
    case.save(update_fields=["holder_deadline", "extended"])
    return case


def close(*, actor, case: Case, outcome: str) -> Case:
    """Release or destroy the goods; the decision joins the item's signed history."""
    membership = _customs_membership(actor)
    if membership.organisation_id != case.authority_id:
        raise PermissionDenied("only the detaining authority closes its case")
    if outcome not in ("released", "destroyed"):
        raise CaseError("bad_outcome", "a case closes with released or destroyed")
    if case.closed_at:
        raise CaseError("case_closed", "the case is closed", status=409)
    if outcome == "destroyed" and case.state != Case.State.CONFIRMED_COUNTERFEIT:
        raise CaseError(
            "not_confirmed",
            "goods are destroyed only after the holder confirms they are counterfeit",
            status=409,
        )
    with transaction.atomic():
        append_customs_outcome(
            authority=membership.organisation,
            item=case.item,
            outcome=outcome,
            case=case.pk,
            office=membership.customs_office,
        )
        case.state = Case.State.RELEASED if outcome == "released" else Case.State.DESTROYED
        case.closed_at = timezone.now()
        case.save(update_fields=["state", "closed_at"])
    return case


def clocks_of(case: Case, now=None) -> list[dict]:
    """The deadlines running on a case, for display: what, when, and whether overdue."""
    now = now or timezone.now()
    rows = []
    if case.notified_at is None and case.is_open:
        rows.append({"clock": "notify", "due": case.notify_by, "overdue": now > case.notify_by})
    if case.holder_deadline and not case.holder_answer and case.is_open:
        rows.append({"clock": "holder", "due": case.holder_deadline, "overdue": now > case.holder_deadline})
    for row in rows:
        row["seconds_left"] = round((row["due"] - now).total_seconds())
    return rows
