"""Detention cases: customs open them, the rights holder is told and answers, customs close.

A case moves through one state machine (TRANSITIONS). Every change locks the case's row
first and checks the move from the state it finds there, so two people acting at once
(two officers closing, a holder answering as the case closes) make one change and the other
is refused; each change is kept with who made it (CaseAction). Each customs decision about
goods bearing a registered label (detained, released, destroyed) is also a record signed
by the customs authority in the item's chain.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ipchain.accounts.models import Organisation
from ipchain.accounts.roles import membership_of
from ipchain.errors import DomainError
from ipchain.outbox.enqueue import enqueue
from ipchain.registry.items import append_customs_outcome
from ipchain.registry.models import Item, Product

from . import clocks, recorder
from .models import Alert, Case, CaseAction, CasePhoto, Scan
from .selectors import scan_product

State = Case.State
OPEN = (State.DETAINED, State.AWAITING_HOLDER, State.CONFIRMED_COUNTERFEIT, State.CONFIRMED_GENUINE)
AWAITING = (State.DETAINED, State.AWAITING_HOLDER)
# The moves a case can make, from the states each is allowed in.
TRANSITIONS = {
    "notified": (State.DETAINED,),
    "answered": AWAITING,
    "extended": (State.AWAITING_HOLDER,),
    "released": OPEN,
    "destroyed": (State.CONFIRMED_COUNTERFEIT,),
}
# A notification claimed by a worker that died is taken over after this long.
NOTIFY_CLAIM_TIMEOUT = timedelta(minutes=5)


class CaseError(DomainError):
    pass


def _customs_membership(user):
    membership = membership_of(user)
    if membership is None or membership.organisation.kind != Organisation.Kind.CUSTOMS:
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

    The goods bear the label of a registered item, or claim a registered product (a forged
    label of a serial never registered): the product's rights holder is the one told. Only an
    item has a chain in the log for the customs outcome record. `photos` are uploaded image
    files (already checked to be images by the form)."""
    membership = _customs_membership(actor)
    if item is None and scan is not None:
        item = scan.item
    product = item.product if item is not None else _scanned_product(scan)
    if product is None:
        raise CaseError("no_item", "a case names the registered product the goods claim to be")
    goods = goods.strip()
    if not goods or quantity < 1:
        raise CaseError("bad_goods", "describe the goods and give a quantity of at least 1")
    now = timezone.now()
    with transaction.atomic():
        case = Case.objects.create(
            authority=membership.organisation,
            opened_by=actor,
            customs_office=membership.customs_office,
            brand=product.brand,
            item=item,
            product=product,
            scan=scan,
            goods=goods[:300],
            quantity=quantity,
            notes=notes,
            perishable=perishable,
            small_consignment=small_consignment,
            detained_at=now,
            notify_by=clocks.add_working_days(now, settings.IPCHAIN_CASE_CLOCKS["notify_working_days"]),
        )
        CaseAction.objects.create(case=case, action=CaseAction.Action.OPENED, actor=actor, at=now)
        for photo in photos:
            CasePhoto.objects.create(case=case, image=photo, caption=getattr(photo, "name", "")[:200])
        if item is not None:
            append_customs_outcome(
                authority=membership.organisation,
                item=item,
                outcome="detained",
                case=case.pk,
                case_salt=case.commitment_salt,
                office=membership.customs_office,
            )
        recorder.raise_alert(
            Alert.Kind.DETAINED,
            brand=case.brand,
            item=item,
            scan=scan,
            case=case,
            message=f"{quantity} x {goods} detained at {case.customs_office or case.authority}: "
            f"case {case.pk}, please confirm genuine or counterfeit",
        )
        enqueue("verifier.tasks.notify_holder", case.pk)
    return case


def _scanned_product(scan: Scan | None) -> Product | None:
    return scan_product(scan) if scan is not None else None


def add_photos(*, actor, case: Case, photos: list) -> list[CasePhoto]:
    """Photos taken after the case was opened (the goods unpacked, a second look)."""
    membership = _customs_membership(actor)
    if membership.organisation_id != case.authority_id:
        raise PermissionDenied("only the detaining authority adds photos to its case")
    with transaction.atomic():
        locked = _locked_open(case)
        added = [
            CasePhoto.objects.create(case=locked, image=photo, caption=getattr(photo, "name", "")[:200])
            for photo in photos
        ]
        CaseAction.objects.create(
            case=locked, action=CaseAction.Action.PHOTOS_ADDED, actor=actor, note=f"{len(added)} photo(s)"
        )
    return added


def record_suspicion(*, actor, item: Item | None, scan: Scan | None = None, note: str = "") -> None:
    """An officer suspects goods without detaining them (yet). For goods bearing an item's
    label, a `suspected` customs outcome in the item's chain; in every case an alert to the
    rights holder of the product, with the officer's note (which stays off the public log)."""
    membership = _customs_membership(actor)
    product = item.product if item is not None else _scanned_product(scan)
    if product is None:
        raise CaseError("no_item", "a suspicion names the registered product the goods claim to be")
    note = note.strip()[:1000]
    where = membership.customs_office or membership.organisation
    label = str(item) if item is not None else f"{product.gtin}/{scan.serial if scan else '?'}"
    with transaction.atomic():
        if item is not None:
            append_customs_outcome(
                authority=membership.organisation,
                item=item,
                outcome="suspected",
                case=None,
                office=membership.customs_office,
            )
        recorder.raise_alert(
            Alert.Kind.SUSPECTED,
            brand=product.brand,
            item=item,
            scan=scan,
            message=f"{label}: suspected by {where}" + (f": {note}" if note else ""),
        )


def work_order(rows):
    """Open cases first, the newest detention first; then closed ones, the last closed first."""
    return rows.order_by(F("closed_at").desc(nulls_first=True), "-detained_at", "-pk")


def visible_cases(user):
    """The cases a user may see: customs staff their authority's, brand staff their brand's."""
    membership = membership_of(user)
    if membership is None:
        return Case.objects.none()
    if membership.organisation.kind == Organisation.Kind.CUSTOMS:
        return Case.objects.filter(authority_id=membership.organisation_id)
    if membership.organisation.kind == Organisation.Kind.BRAND:
        return Case.objects.filter(brand_id=membership.organisation_id)
    return Case.objects.none()


# --- Changes of state: each locks the row, checks the move, records who made it --------------


def _locked(case: Case, move: str) -> Case:
    """The case's row, locked until the transaction ends, if `move` is allowed from its state."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if locked.state not in TRANSITIONS[move]:
        raise CaseError("case_closed", f"the case is {locked.get_state_display().lower()}")
    return locked


def _locked_open(case: Case) -> Case:
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if locked.state not in OPEN:
        raise CaseError("case_closed", f"the case is {locked.get_state_display().lower()}")
    return locked


def _saved(locked: Case, given: Case, fields: list[str], action: str, actor, now) -> Case:
    locked.save(update_fields=fields)
    CaseAction.objects.create(case=locked, action=action, actor=actor, at=now)
    if given is not locked:
        given.refresh_from_db()  # the caller's copy too, so it is not stale
    return locked


def claim_notification(case_id: int) -> Case | None:
    """Claim the notification of a case for this worker (a conditional UPDATE: two workers given
    the same task notify once); None if it is done or another worker holds it. A claim older
    than NOTIFY_CLAIM_TIMEOUT was left by a worker that died and is taken over."""
    case = Case.objects.select_related("brand", "item__product", "authority").get(pk=case_id)
    now = timezone.now()
    claimed = (
        Case.objects.filter(pk=case_id, notified_at__isnull=True, state=State.DETAINED)
        .exclude(notify_claimed_at__gt=now - NOTIFY_CLAIM_TIMEOUT)
        .update(notify_claimed_at=now)
    )
    if not claimed:
        return None
    case.notify_claimed_at = now
    return case


def release_notification(case: Case) -> None:
    """The notification failed (mail server down): let the retry claim it again at once."""
    Case.objects.filter(pk=case.pk, notified_at__isnull=True).update(notify_claimed_at=None)


def mark_notified(case: Case) -> Case:
    """The holder was told: its clock starts (Art. 23). A case closed meanwhile stays closed."""
    with transaction.atomic():
        try:
            locked = _locked(case, "notified")
        except CaseError:
            return case
        now = timezone.now()
        locked.notified_at = now
        locked.holder_deadline = clocks.holder_deadline(
            now,
            perishable=locked.perishable,
            small_consignment=locked.small_consignment,
            clocks=settings.IPCHAIN_CASE_CLOCKS,
        )
        locked.state = State.AWAITING_HOLDER
        fields = ["notified_at", "holder_deadline", "state"]
        return _saved(locked, case, fields, CaseAction.Action.NOTIFIED, None, now)


def holder_answer(*, actor, case: Case, counterfeit: bool) -> Case:
    membership = membership_of(actor)
    if (
        membership is None
        or membership.organisation_id != case.brand_id
        or not actor.has_perm("registry.add_itemevent")
    ):
        raise PermissionDenied("only the rights holder's staff answer for its goods")
    with transaction.atomic():
        locked = _locked(case, "answered")
        now = timezone.now()  # the moment of the change: once the lock is ours
        if locked.holder_deadline and now > locked.holder_deadline:
            raise CaseError("deadline_passed", "the answer period is over; ask customs for an extension")
        locked.holder_answer = "counterfeit" if counterfeit else "genuine"
        locked.holder_answered_at = now
        locked.state = State.CONFIRMED_COUNTERFEIT if counterfeit else State.CONFIRMED_GENUINE
        action = locked.state  # the actions bear the states' names
        fields = ["holder_answer", "holder_answered_at", "state"]
        return _saved(locked, case, fields, action, actor, now)


def extend(*, actor, case: Case) -> Case:
    """Art. 23(4): once, by up to 10 working days, never for perishable goods."""
    membership = _customs_membership(actor)
    if membership.organisation_id != case.authority_id:
        raise PermissionDenied("only the detaining authority extends its case")
    with transaction.atomic():
        locked = _locked_open(case)
        now = timezone.now()
        if locked.state not in TRANSITIONS["extended"] or locked.perishable or locked.extended:
            raise CaseError(
                "no_extension", "perishable goods, or an extension already given, or the holder not notified"
            )
        locked.holder_deadline = clocks.add_working_days(
            locked.holder_deadline, settings.IPCHAIN_CASE_CLOCKS["extension_working_days"]
        )
        locked.extended = True
        fields = ["holder_deadline", "extended"]
        return _saved(locked, case, fields, CaseAction.Action.EXTENDED, actor, now)


def close(*, actor, case: Case, outcome: str) -> Case:
    """Release or destroy the goods; the decision joins the item's signed history."""
    membership = _customs_membership(actor)
    if membership.organisation_id != case.authority_id:
        raise PermissionDenied("only the detaining authority closes its case")
    if outcome not in ("released", "destroyed"):
        raise CaseError("bad_outcome", "a case closes with released or destroyed")
    with transaction.atomic():
        locked = _locked_open(case)
        now = timezone.now()
        if locked.state not in TRANSITIONS[outcome]:
            raise CaseError(
                "not_confirmed", "goods are destroyed only after the holder confirms they are counterfeit"
            )
        append_customs_outcome(
            authority=membership.organisation,
            item=locked.item,
            outcome=outcome,
            case=locked.pk,
            case_salt=locked.commitment_salt,
            office=membership.customs_office,
        )
        locked.state = State.RELEASED if outcome == "released" else State.DESTROYED
        locked.closed_at = now
        return _saved(locked, case, ["state", "closed_at"], outcome, actor, now)


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
