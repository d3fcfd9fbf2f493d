"""Detention cases: customs open them on any goods, the rights holder and the declarant are
told and answer, customs close.

Goods bear a registered label, a forged one or none: a case names the IP rights they infringe
and so their rights holder. The procedure follows from the application for action covering
them here (plugins.case_cover; EU Regulation 608/2013, docs/enforcement.md):

- under an application (Art. 17): the holder confirms infringement and agrees to destruction
  within its period (Art. 23(1)), the declarant agrees or does not object within its own;
- ex officio (Art. 18): no application covers them; the person entitled files one within its
  period (Art. 5(3)), which then carries the case; otherwise the goods are released;
- small consignment (Art. 26): the application asked for it; the goods are destroyed unless
  the declarant objects within its period; an objection goes to the holder, who has its
  period to start proceedings.

A case moves through one state machine (TRANSITIONS). Every change locks the case's row
first and checks the move from the state it finds there, so two people acting at once make
one change and the other is refused; each change is kept with who made it (CaseAction).
Declarants have no accounts: the officer records their answer. Each customs decision
(detained, released, destroyed) is also a record signed by the customs authority: in the
item's chain for goods bearing a registered label, a `customs.case` record otherwise.
"""

import re
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from ipchain.accounts.models import Organisation
from ipchain.accounts.roles import membership_of
from ipchain.errors import DomainError, checked_text
from ipchain.ledger import log
from ipchain.outbox.enqueue import enqueue
from ipchain.registry import records
from ipchain.registry.items import append_customs_outcome
from ipchain.registry.keys import sign_as
from ipchain.registry.models import IpRight, Item, Product
from ipchain.registry.st3 import STATES

from . import clocks, plugins, recorder
from .models import Alert, Case, CaseAction, CasePhoto, Scan
from .selectors import scan_product

State = Case.State
Procedure = Case.Procedure
OPEN = (
    State.DETAINED,
    State.AWAITING_APPLICATION,
    State.AWAITING_HOLDER,
    State.AWAITING_DECLARANT,
    State.CONFIRMED_COUNTERFEIT,
    State.CONFIRMED_GENUINE,
    State.PROCEEDINGS,
)
AWAITING = (State.DETAINED, State.AWAITING_HOLDER)
# The moves a case can make, from the states each is allowed in (the services check the
# procedure's conditions besides).
TRANSITIONS = {
    "notified": (State.DETAINED,),
    "application_granted": (State.DETAINED, State.AWAITING_APPLICATION),
    "answered": AWAITING,
    "proceedings": (State.AWAITING_HOLDER, State.CONFIRMED_COUNTERFEIT),
    "declarant": tuple(s for s in OPEN if s != State.PROCEEDINGS),
    "extended": (State.AWAITING_HOLDER,),
    "released": OPEN,
    "destroyed": (State.CONFIRMED_COUNTERFEIT, State.AWAITING_DECLARANT, State.PROCEEDINGS),
}
# A notification claimed by a worker that died is taken over after this long.
NOTIFY_CLAIM_TIMEOUT = timedelta(minutes=5)
PARTY_FIELDS = ("declarant", "consignor", "consignee", "declaration_ref", "tracking_ref")
PARTY_LIMITS = {"declaration_ref": 40, "tracking_ref": 40}
# Everything open_case takes in `details`.
DETAIL_FIELDS = (
    *PARTY_FIELDS,
    "origin_country",
    "dispatch_country",
    "transport_mode",
    "unit",
    "estimated_value",
)
# A declaration's MRN, or a parcel's tracking number: letters, digits, a few separators.
REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ./-]*")


class CaseError(DomainError):
    pass


def _customs_membership(user):
    membership = membership_of(user)
    if membership is None or membership.organisation.kind != Organisation.Kind.CUSTOMS:
        raise PermissionDenied("only customs staff handle detention cases")
    return membership


def _text(value, name: str, limit: int) -> str:
    """Optional text: None reads as empty."""
    return checked_text("" if value is None else value, name, limit, error=CaseError)


def _goods_details(details: dict) -> dict:
    """The parties, the movement and the value of the goods, checked."""
    unknown = set(details) - set(DETAIL_FIELDS)
    if unknown:
        raise CaseError("bad_field", f"unknown case fields: {', '.join(sorted(unknown))}")
    clean = {name: _text(details.get(name), name, PARTY_LIMITS.get(name, 200)) for name in PARTY_FIELDS}
    for name in ("declaration_ref", "tracking_ref"):
        if clean[name] and not REFERENCE.fullmatch(clean[name]):
            raise CaseError("bad_reference", f"{name} has letters, digits, spaces, dots, slashes and dashes")
    for name in ("origin_country", "dispatch_country"):
        code = _text(details.get(name), name, 2).upper()
        if code and code not in STATES:
            raise CaseError("bad_country", f"{name} is a country's two-letter code (ISO 3166-1)")
        clean[name] = code
    mode = details.get("transport_mode") or ""
    if mode not in ("", *Case.Transport.values):
        raise CaseError("bad_transport", f"transport_mode is one of {', '.join(Case.Transport.values)}")
    clean["transport_mode"] = mode
    unit = details.get("unit") or Case.Unit.PIECES
    if unit not in Case.Unit.values:
        raise CaseError("bad_unit", f"unit is one of {', '.join(Case.Unit.values)}")
    clean["unit"] = unit
    clean["estimated_value"] = _value(details.get("estimated_value"))
    return clean


def _value(raw) -> Decimal | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float | str | Decimal):
        raise CaseError("bad_value", "estimated_value is an amount in euro")
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise CaseError("bad_value", "estimated_value is an amount in euro") from None
    if not value.is_finite() or value < 0 or value >= Decimal("1e10"):
        raise CaseError("bad_value", "estimated_value is an amount in euro, from 0 to 9,999,999,999.99")
    return value.quantize(Decimal("0.01"))


def _holder_and_rights(product, rights, peer) -> tuple[Organisation, list[IpRight]]:
    """The rights holder the goods concern and the rights they infringe: those named, else the
    product's rights in force. Goods of a peer office's product name no right here."""
    rights = list(rights)
    holder = product.brand if product is not None else (rights[0].holder if rights else None)
    if holder is None and peer is not None:
        return peer.holder, []
    if holder is None:
        raise CaseError("right_required", "name the product, or the IP right, the goods infringe")
    if any(r.holder_id != holder.pk for r in rights):
        raise CaseError("bad_rights", "the rights of one case belong to one rights holder")
    if any(not r.is_live for r in rights):
        # Customs do not act on a right that lapsed or was invalidated (Art. 12(5), 15).
        raise CaseError("right_not_in_force", "customs act only on IP rights in force")
    if not rights and product is not None:
        rights = [r for r in product.rights.all() if r.is_live and r.holder_id == holder.pk]
    return holder, rights


@transaction.atomic  # all or nothing, the organisation made for a peer's holder included
def open_case(
    *,
    actor,
    goods: str,
    quantity: int = 1,
    item: Item | None = None,
    scan: Scan | None = None,
    product: Product | None = None,
    rights=(),
    notes: str = "",
    perishable: bool = False,
    small_consignment: bool = False,
    photos: list = (),
    details: dict | None = None,
    gtin: str = "",
    serial: str = "",
) -> Case:
    """Detain goods; the procedure follows from the application for action covering them.

    The goods bear the label of a registered item, or claim a registered product (a forged
    label, or goods found by the catalogue), or only infringe the `rights` named, or bear the
    code (`gtin`, `serial`, or the scan's) of a product a peer office registered. `details`:
    the parties, the movement and the value (PARTY_FIELDS, countries, transport_mode, unit,
    estimated_value). `photos` are uploaded image files (checked to be images by the form)."""
    membership = _customs_membership(actor)
    if item is None and scan is not None:
        item = scan.item
    if item is not None:
        product = item.product
    elif product is None and scan is not None:
        product = scan_product(scan)
    peer = None
    if item is None and product is None and not rights:
        if scan is not None:
            gtin, serial = scan.gtin, scan.serial
        peer = plugins.peer_holder(gtin, serial, make=True)
    holder, rights = _holder_and_rights(product, rights, peer)
    goods = _text(goods, "goods", 300)
    if (
        not goods
        or isinstance(quantity, bool)
        or not isinstance(quantity, int)
        or not 1 <= quantity <= 10_000_000
    ):
        raise CaseError("bad_goods", "describe the goods and give a quantity from 1 to 10,000,000")
    fields = _goods_details(details or {})
    notes = _text(notes, "notes", 5000)
    now = timezone.now()
    authority = membership.organisation
    cover = plugins.case_cover(authority, holder, rights, small_consignment=small_consignment, on=now)
    if cover is None:
        procedure = Procedure.EX_OFFICIO
    elif small_consignment and cover.small_consignment:
        procedure = Procedure.SMALL_CONSIGNMENT
    else:
        procedure = Procedure.APPLICATION
    # The declarant is told at once, by the officer (Art. 17(3), 26(3)): its period starts now.
    # Ex officio, it starts when an application carries the case (application_granted).
    declarant_days = {
        Procedure.APPLICATION: settings.IPCHAIN_CASE_CLOCKS["declarant_working_days"],
        Procedure.SMALL_CONSIGNMENT: settings.IPCHAIN_CASE_CLOCKS["small_consignment_working_days"],
    }.get(procedure)
    if declarant_days is not None:
        fields |= {
            "declarant_notified_at": now,
            "declarant_deadline": clocks.add_working_days(now, declarant_days),
        }
    with transaction.atomic():
        case = Case.objects.create(
            authority=authority,
            opened_by=actor,
            customs_office=membership.customs_office,
            brand=holder,
            item=item,
            product=product,
            scan=scan,
            gtin=gtin if peer else "",
            serial=serial if peer else "",
            goods=goods,
            quantity=quantity,
            notes=notes,
            perishable=perishable,
            small_consignment=small_consignment,
            procedure=procedure,
            application_ref=cover.application_ref if cover else "",
            # A parcel waits for its declarant; the holder is informed, not asked (Art. 26).
            state=State.AWAITING_DECLARANT if procedure == Procedure.SMALL_CONSIGNMENT else State.DETAINED,
            detained_at=now,
            notify_by=clocks.add_working_days(now, settings.IPCHAIN_CASE_CLOCKS["notify_working_days"]),
            **fields,
        )
        case.rights.set(cover.rights if cover else rights)
        CaseAction.objects.create(case=case, action=CaseAction.Action.OPENED, actor=actor, at=now)
        for photo in photos:
            CasePhoto.objects.create(case=case, image=photo, caption=getattr(photo, "name", "")[:200])
        _record_outcome(case, "detained")
        where = case.customs_office or authority
        if procedure == Procedure.SMALL_CONSIGNMENT:
            message = (
                f"{quantity} x {goods} detained at {where} under the small-consignment procedure of "
                f"application {case.application_ref}: case {case.pk}"
            )
        else:
            ask = (
                "please confirm genuine or counterfeit"
                if procedure == Procedure.APPLICATION
                else "no application for action covers them: file one to have customs act"
            )
            if peer is not None:
                ask += f" (registered at office {peer.office}, told through its mirror of this log)"
            message = f"{quantity} x {goods} detained at {where}: case {case.pk}, {ask}"
            enqueue("verifier.tasks.notify_holder", case.pk)
        recorder.raise_alert(
            Alert.Kind.DETAINED, brand=holder, item=item, scan=scan, case=case, message=message
        )
    return case


def _declarant_clock(case: Case, now, days: int) -> None:
    case.declarant_notified_at = now
    case.declarant_deadline = clocks.add_working_days(now, days)


def _record_outcome(case: Case, outcome: str) -> None:
    """The customs decision, signed by the authority: in the item's chain when the goods bear
    a registered item's label, else a customs.case record."""
    commitment = records.case_commitment(
        salt=case.commitment_salt, authority=case.authority.slug, case=case.pk
    )
    if case.item_id is not None:
        append_customs_outcome(
            authority=case.authority,
            item=case.item,
            outcome=outcome,
            case=case.pk,
            case_salt=case.commitment_salt,
            office=case.customs_office,
        )
        return
    holder = case.brand
    registered_at = None
    if holder.home_office:  # a peer office's goods: it tells its holder (docs/enforcement.md)
        registered_at = {
            "registry": holder.home_office,
            "holder": holder.home_slug,
            "gtin": case.gtin,
            "serial": case.serial,
            "quantity": case.quantity,
            "unit": case.unit,
        }
    record = records.customs_case_record(
        outcome=outcome,
        by=case.authority.slug,
        case_commitment=commitment,
        procedure=case.procedure,
        afa=case.application_ref,
        rights=records.right_list(r.names for r in case.rights.all()),
        gtins=[case.product.gtin] if case.product_id else [case.gtin] if case.gtin else [],
        office=case.customs_office,
        moment=timezone.now(),
        registered_at=registered_at,
    )
    log.append(sign_as(case.authority, record)[1])


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


def side_of(user) -> str:
    """Which side of a case a user is on: its organisation's kind ("customs", "brand"...), or
    "" for none."""
    membership = membership_of(user)
    return membership.organisation.kind if membership else ""


def parties_shown(case: Case, side: str) -> bool:
    """Customs see the declaration's parties; the rights holder once an application carries
    the case (Art. 17(4)), for a small consignment once the declarant objects (Art. 26(8)).
    Before that it learns only the quantity and nature of the goods (Art. 18(4), 26(3))."""
    if side == Organisation.Kind.CUSTOMS:
        return True
    if side != Organisation.Kind.BRAND or not case.application_ref:
        return False
    return case.procedure != Procedure.SMALL_CONSIGNMENT or case.declarant_answer == "objected"


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


def _saved(locked: Case, given: Case, fields: list[str], action: str, actor, now, note: str = "") -> Case:
    locked.save(update_fields=fields)
    CaseAction.objects.create(case=locked, action=action, actor=actor, at=now, note=note)
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


def mark_notified(case: Case, note: str = "") -> Case:
    """The holder was told (`note`: how, when not by e-mail): its clock starts (Art. 23), or, ex
    officio, the period to file an application (Art. 5(3)). A case closed meanwhile stays
    closed."""
    with transaction.atomic():
        try:
            locked = _locked(case, "notified")
        except CaseError:
            return case
        now = timezone.now()
        locked.notified_at = now
        fields = ["notified_at", "state"]
        if locked.procedure == Procedure.EX_OFFICIO and not locked.application_ref:
            locked.application_by = clocks.add_working_days(
                now, settings.IPCHAIN_CASE_CLOCKS["application_working_days"]
            )
            locked.state = State.AWAITING_APPLICATION
            fields.append("application_by")
        else:
            locked.holder_deadline = _holder_deadline(locked, now)
            locked.state = State.AWAITING_HOLDER
            fields.append("holder_deadline")
        return _saved(locked, case, fields, CaseAction.Action.NOTIFIED, None, now, note)


def _holder_deadline(case: Case, now):
    return clocks.holder_deadline(
        now,
        perishable=case.perishable,
        small_consignment=case.procedure == Procedure.SMALL_CONSIGNMENT,
        clocks=settings.IPCHAIN_CASE_CLOCKS,
    )


def waiting_for_application(*, authorities, holder: Organisation, rights, now=None):
    """Open ex officio cases an application just granted may carry: the holder's, at one of
    the application's authorities, on one of its rights (or on none: goods of a product
    registered at a peer office), still within their period."""
    now = now or timezone.now()
    return (
        Case.objects.filter(
            Q(rights__in=rights) | Q(rights__isnull=True),
            state__in=(State.DETAINED, State.AWAITING_APPLICATION),
            procedure=Procedure.EX_OFFICIO,
            application_ref="",
            brand=holder,
            authority__in=authorities,
        )
        .exclude(application_by__lt=now)
        .distinct()
    )


def application_granted(*, case: Case, application_ref: str, rights) -> Case:
    """An application filed in time after an ex officio detention was granted: it carries the
    case from now on, and the holder's and the declarant's periods start (Art. 18(3), 23)."""
    with transaction.atomic():
        locked = _locked(case, "application_granted")
        now = timezone.now()
        if locked.application_by and now > locked.application_by:
            raise CaseError("application_late", "the period to file an application for this case is over")
        named = set(locked.rights.all())
        # A case naming no right (a peer office's goods) takes the application's.
        covered = named & set(rights) if named else set(rights)
        if not covered:
            raise CaseError("bad_rights", "the application covers none of the case's rights")
        locked.application_ref = application_ref
        locked.notified_at = locked.notified_at or now
        locked.holder_deadline = _holder_deadline(locked, now)
        _declarant_clock(locked, now, settings.IPCHAIN_CASE_CLOCKS["declarant_working_days"])
        locked.state = State.AWAITING_HOLDER
        fields = [
            "application_ref",
            "notified_at",
            "holder_deadline",
            "declarant_notified_at",
            "declarant_deadline",
            "state",
        ]
        locked = _saved(locked, case, fields, CaseAction.Action.APPLICATION_GRANTED, None, now)
        locked.rights.set(covered)
        recorder.raise_alert(
            Alert.Kind.DETAINED,
            brand=locked.brand,
            case=locked,
            item=locked.item,
            message=f"Case {locked.pk} now runs under application {application_ref}: "
            "please confirm genuine or counterfeit",
        )
        return locked


HOLDER_ANSWERS = ("genuine", "counterfeit", "proceedings")


def holder_options(case: Case) -> list[str]:
    """What the rights holder may answer now (holder_answer checks again)."""
    carried = case.procedure == Procedure.APPLICATION or bool(case.application_ref)
    if case.closed_at or not carried:
        return []
    if case.procedure == Procedure.SMALL_CONSIGNMENT:
        return ["proceedings"] if case.state == State.AWAITING_HOLDER else []
    if case.state in AWAITING:
        return ["genuine", "counterfeit"]
    if case.state == State.CONFIRMED_COUNTERFEIT and case.declarant_answer == "objected":
        return ["proceedings"]
    return []


def answered_through_customs(case: Case) -> bool:
    """A peer office's rights holder with no one here: the detaining authority records the
    answer the holder gave it in writing, as it records the declarant's."""
    return bool(case.brand.home_office) and not case.brand.members.exists()


def holder_answer(*, actor, case: Case, counterfeit: bool | None = None, answer: str = "") -> Case:
    """The holder confirms the goods infringe and agrees to their destruction, says they are
    genuine, or says it started court proceedings (Art. 23(1), 23(3), 26(9))."""
    answer = answer or ("counterfeit" if counterfeit else "genuine")
    if answer not in HOLDER_ANSWERS:
        raise CaseError("bad_answer", f"answer is one of {', '.join(HOLDER_ANSWERS)}")
    membership = membership_of(actor)
    by_customs = (
        membership is not None
        and membership.organisation_id == case.authority_id
        and answered_through_customs(case)
    )
    if not by_customs and (
        membership is None
        or membership.organisation_id != case.brand_id
        or not (actor.has_perm("registry.add_itemevent") or actor.has_perm("enforcement.add_application"))
    ):
        # The holder's staff, or its legal representative acting for it under a mandate.
        raise PermissionDenied("only the rights holder's staff answer for its goods")
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        now = timezone.now()  # the moment of the change: once the lock is ours
        if locked.is_open and answer not in holder_options(locked):
            if locked.procedure != Procedure.APPLICATION and not locked.application_ref:
                raise CaseError("no_application", "file an application for action first (Art. 5(3))")
            if locked.procedure == Procedure.SMALL_CONSIGNMENT:
                raise CaseError(
                    "not_asked", "for a small consignment the holder only starts proceedings (Art. 26(9))"
                )
        locked = _locked(locked, "proceedings" if answer == "proceedings" else "answered")
        if locked.holder_deadline and now > locked.holder_deadline:
            raise CaseError("deadline_passed", "the answer period is over; ask customs for an extension")
        if answer == "proceedings":
            locked.state = State.PROCEEDINGS
        else:
            locked.holder_answer = answer
            locked.holder_answered_at = now
            locked.state = State.CONFIRMED_COUNTERFEIT if answer == "counterfeit" else State.CONFIRMED_GENUINE
        action = locked.state  # the actions bear the states' names
        fields = ["holder_answer", "holder_answered_at", "state"]
        note = "recorded by customs on the rights holder's written answer" if by_customs else ""
        return _saved(locked, case, fields, action, actor, now, note)


def declarant_answer(*, actor, case: Case, agreed: bool, note: str = "") -> Case:
    """The officer records the declarant's answer: agreement to destruction, or an objection.
    A small consignment's objection goes to the holder, who has its period to start
    proceedings (Art. 26(8), 26(9))."""
    membership = _customs_membership(actor)
    if membership.organisation_id != case.authority_id:
        raise PermissionDenied("only the detaining authority records the declarant's answer")
    note = _text(note, "note", 1000)
    with transaction.atomic():
        locked = _locked(case, "declarant")
        now = timezone.now()
        if locked.declarant_answer:
            raise CaseError("already_answered", "the declarant's answer is recorded already")
        if locked.declarant_deadline and now > locked.declarant_deadline:
            raise CaseError("deadline_passed", "the declarant's period is over: deemed to agree")
        locked.declarant_answer = "agreed" if agreed else "objected"
        locked.declarant_answered_at = now
        fields = ["declarant_answer", "declarant_answered_at"]
        objected_parcel = not agreed and locked.procedure == Procedure.SMALL_CONSIGNMENT
        if objected_parcel:
            locked.state = State.AWAITING_HOLDER
            locked.notified_at = now
            locked.holder_deadline = _holder_deadline(locked, now)
            fields += ["state", "notified_at", "holder_deadline"]
        action = CaseAction.Action.DECLARANT_AGREED if agreed else CaseAction.Action.DECLARANT_OBJECTED
        locked.save(update_fields=fields)
        CaseAction.objects.create(case=locked, action=action, actor=actor, at=now, note=note)
        if objected_parcel:
            recorder.raise_alert(
                Alert.Kind.DETAINED,
                brand=locked.brand,
                case=locked,
                item=locked.item,
                message=f"The declarant objects to the destruction of case {locked.pk}: start court "
                "proceedings within your period, or the goods are released",
            )
        if case is not locked:
            case.refresh_from_db()
        return locked


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


def destruction_blocked(case: Case, now=None) -> tuple[str, str] | None:
    """Why the goods cannot be destroyed yet, as (reason, message); None when they can."""
    now = now or timezone.now()
    if case.state == State.PROCEEDINGS:
        return None  # the court decided (Art. 23(3)); customs record its order
    if case.state not in TRANSITIONS["destroyed"]:
        return "not_confirmed", "goods are destroyed only after the holder confirms they infringe"
    if case.declarant_answer == "objected":
        return "declarant_objected", "the declarant objected: the holder starts proceedings, or release them"
    if case.declarant_answer == "agreed":
        return None
    if case.declarant_deadline is None or now <= case.declarant_deadline:
        return "declarant_period_running", "the declarant may still object: wait for the end of its period"
    return None  # no objection in time: deemed agreement (Art. 23(1)(c), 26(5))


def close(*, actor, case: Case, outcome: str) -> Case:
    """Release or destroy the goods; the decision is signed into the ledger."""
    membership = _customs_membership(actor)
    if membership.organisation_id != case.authority_id:
        raise PermissionDenied("only the detaining authority closes its case")
    if outcome not in ("released", "destroyed"):
        raise CaseError("bad_outcome", "a case closes with released or destroyed")
    with transaction.atomic():
        locked = _locked_open(case)
        now = timezone.now()
        if outcome == "destroyed":
            blocked = destruction_blocked(locked, now)
            if blocked:
                raise CaseError(*blocked)
        _record_outcome(locked, outcome)
        locked.state = State.RELEASED if outcome == "released" else State.DESTROYED
        locked.closed_at = now
        return _saved(locked, case, ["state", "closed_at"], outcome, actor, now)


def clocks_of(case: Case, now=None) -> list[dict]:
    """The deadlines running on a case, for display: what, when, and whether overdue."""
    now = now or timezone.now()
    rows = []
    if case.is_open:
        if case.notified_at is None and case.procedure != Procedure.SMALL_CONSIGNMENT:
            rows.append({"clock": "notify", "due": case.notify_by, "overdue": now > case.notify_by})
        if case.state == State.AWAITING_APPLICATION and case.application_by:
            rows.append(
                {"clock": "application", "due": case.application_by, "overdue": now > case.application_by}
            )
        if case.holder_deadline and case.state == State.AWAITING_HOLDER:
            rows.append(
                {"clock": "holder", "due": case.holder_deadline, "overdue": now > case.holder_deadline}
            )
        if case.declarant_deadline and not case.declarant_answer and case.state != State.PROCEEDINGS:
            rows.append(
                {
                    "clock": "declarant",
                    "due": case.declarant_deadline,
                    "overdue": now > case.declarant_deadline,
                }
            )
    for row in rows:
        row["seconds_left"] = round((row["due"] - now).total_seconds())
    return rows
