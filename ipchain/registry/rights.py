"""An IP right's life, each change a signed ledger record: the office signs its decisions
(registration, renewal, a recorded assignment, invalidity, restoration); the owner signs its
own acts (licences, their end, surrender, assigning it away, which rights protect a product).

A change that reaches back in time (an assignment effective earlier, a declaration of
invalidity from a past day) re-reads the standing of every label signed since
(standing.restand), so verdicts follow at once.
"""

import secrets
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from ipchain.accounts.models import Organisation
from ipchain.accounts.roles import COMMAND_LINE, membership_of, require
from ipchain.ledger import log

from . import records, right_rules, standing
from .errors import RegistryError
from .keys import office_sign, sign_as
from .models import IpRight, Licence, Product, RightEvent
from .st3 import is_st3_code

NICE_CLASSES = range(1, 46)
# The Locarno Classification (15th edition): classes 1 to 32, and 99 for the rest.
LOCARNO_CLASSES = {*range(1, 33), 99}
# Terms from filing, by kind: EUTMR Art. 52 (10 years, renewable); CDR Art. 12 (5 years,
# renewable to 25). Patents are kept by yearly fees (a year's term, renewed each year); a
# geographical indication has no term.
TERM_YEARS = {"trademark": 10, "design": 5, "patent": 1}
MAX_TEXT = 200


def today() -> date:
    return timezone.now().date()


def _text(value, name: str, limit: int = MAX_TEXT) -> str:
    if not isinstance(value, str) or "\x00" in value:
        raise RegistryError("bad_text", f"{name} must be text")
    value = value.strip()
    if len(value) > limit:
        raise RegistryError("bad_text", f"{name} is longer than {limit} characters")
    return value


def _day(value, name: str, *, required: bool = False) -> date | None:
    if value in (None, "") and not required:
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise RegistryError("bad_date", f"{name} must be a date, YYYY-MM-DD") from None


def _classes(values, allowed, name: str) -> list[int]:
    if not isinstance(values, list | tuple) or any(type(c) is not int or c not in allowed for c in values):
        raise RegistryError(f"bad_{name}_class", f"{name.title()} classes are whole numbers of its list")
    return sorted(set(values))


def _years_later(day: date, years: int) -> date:
    return right_rules.add_months(day, 12 * years)


def add_ip_right(
    *,
    holder: Organisation,
    kind: str,
    office: str,
    registration_number: str,
    nice_classes=(),
    locarno_classes=(),
    mark: str = "",
    filing_date=None,
    registration_date=None,
    expiry_date=None,
    representative: Organisation | None = None,
    actor=None,
) -> IpRight:
    """Record a right the office has checked in its register, signed by the office. The same
    right given again for the same holder updates its mark and classes; for another holder it
    is refused (an assignment moves it)."""
    kind, office, number, mark = (
        _text(v, n)
        for v, n in (
            (kind, "kind"),
            (office, "office"),
            (registration_number, "registration number"),
            (mark, "mark"),
        )
    )
    office = office.upper()
    if kind not in IpRight.Kind.values:
        raise RegistryError("bad_right_kind", f"kind must be one of {', '.join(IpRight.Kind.values)}")
    if not is_st3_code(office):
        raise RegistryError("bad_country", f"{office!r} is not a WIPO ST.3 office code")
    if not number or len(number) > 64:
        raise RegistryError("bad_registration_number", "registration number is empty or too long")
    nice = _classes(nice_classes, NICE_CLASSES, "nice")
    locarno = _classes(locarno_classes, LOCARNO_CLASSES, "locarno")
    if kind != "trademark" and nice:
        raise RegistryError(
            "bad_nice_class", "Nice classes are for trade marks; a design takes Locarno classes"
        )
    if kind != "design" and locarno:
        raise RegistryError("bad_locarno_class", "Locarno classes are for designs")
    filed = _day(filing_date, "filing date") or today()
    registered = _day(registration_date, "registration date") or filed
    expiry = _day(expiry_date, "expiry date")
    if expiry is None and kind in TERM_YEARS:
        expiry = _years_later(filed, TERM_YEARS[kind])
    if registered < filed or (expiry and expiry <= registered) or registered > today():
        raise RegistryError(
            "bad_date", "filing, registration and expiry come in that order, none in the future"
        )
    with transaction.atomic():
        existing = (
            IpRight.objects.select_for_update()
            .filter(kind=kind, office=office, registration_number=number)
            .first()
        )
        if existing is not None and existing.holder_id != holder.pk:
            raise RegistryError("right_held_elsewhere", "another rights holder relies on this right")
        if existing is not None:
            existing.nice_classes, existing.locarno_classes = nice, locarno
            existing.mark = mark or existing.mark
            existing.save(update_fields=["nice_classes", "locarno_classes", "mark"])
            return existing
        right = IpRight.objects.create(
            holder=holder,
            kind=kind,
            office=office,
            registration_number=number,
            nice_classes=nice,
            locarno_classes=locarno,
            mark=mark,
            filing_date=filed,
            registration_date=registered,
            expiry_date=expiry,
            representative=representative,
        )
        right.registration_entry = record_registration(right, actor)
        right.save(update_fields=["registration_entry"])
        return right


def record_registration(right: IpRight, actor):
    classes = {"nice": right.nice_classes} if right.nice_classes else {}
    if right.locarno_classes:
        classes = {"locarno": right.locarno_classes}
    record = records.right_record(
        records.RIGHT_REGISTERED,
        right=right.names,
        moment=timezone.now(),
        owner=right.holder.slug,
        filed=right.filing_date.isoformat(),
        registered=right.registration_date.isoformat(),
        expiry=right.expiry_date.isoformat() if right.expiry_date else None,
        classes=classes,
        mark=right.mark,
        representative=right.representative.slug if right.representative else None,
    )
    return _append(right, office_sign(record), actor).entry


def _append(right: IpRight, signed: dict, actor, *, effective: date | None = None) -> RightEvent:
    entry = log.append(signed)
    return RightEvent.objects.create(
        right=right,
        kind=signed["type"],
        entry=entry,
        effective_date=effective,
        recorded_by=actor if getattr(actor, "pk", None) else None,
        details={k: v for k, v in signed.items() if k not in ("v", "type", "time", "right", "kid", "sig")},
    )


def _locked(right: IpRight) -> IpRight:
    return IpRight.objects.select_for_update().select_related("holder").get(pk=right.pk)


def _live(right: IpRight) -> None:
    if not right.is_live:
        raise RegistryError("right_not_live", f"{right} is {right.get_status_display().lower()}")


def params() -> right_rules.Parameters:
    return standing.parameters()


# --- the office's decisions ----------------------------------------------------------------


@transaction.atomic
def renew(*, actor, right: IpRight, expiry=None) -> IpRight:
    """Renew for a further term, from the old expiry, within the window or the grace period."""
    require(actor, "registry.decide_rights")
    right = _locked(right)
    _live(right)
    if right.expiry_date is None:
        raise RegistryError("no_term", "this right has no term to renew")
    state = standing.right_state(right)
    opens, grace_ends = state.window_opens(params()), state.grace_ends(params())
    if not opens <= today() <= grace_ends:
        raise RegistryError(
            "not_renewable_now", f"renewal is open from {opens.isoformat()} to {grace_ends.isoformat()}"
        )
    new_expiry = _day(expiry, "expiry") or _years_later(right.expiry_date, TERM_YEARS.get(right.kind, 10))
    if new_expiry <= right.expiry_date:
        raise RegistryError("bad_date", "a renewal moves the expiry later")
    record = records.right_record(
        records.RIGHT_RENEWED, right=right.names, moment=timezone.now(), expiry=new_expiry.isoformat()
    )
    _append(right, office_sign(record), actor, effective=right.expiry_date)
    right.expiry_date = new_expiry
    right.save(update_fields=["expiry_date"])
    return right


@transaction.atomic
def assign(
    *, actor, right: IpRight, new_owner: Organisation, effective_date=None, consent: str = ""
) -> IpRight:
    """Move the right to a new owner from `effective_date` (default today). The office records
    it on the assignor's consent (a deed's reference, required); an owner assigning its own
    right consents by signing the record itself."""
    by_office = _office_acts(actor)
    if by_office:
        require(actor, "registry.decide_rights")
    else:
        require(actor, "registry.change_ipright", right.holder)
    holder_id = right.holder_id
    right = _locked(right)
    _live(right)
    if right.holder_id != holder_id:
        raise RegistryError("stale_owner", "the right changed hands meanwhile: look again")
    consent = _text(consent, "consent")
    if by_office and not consent:
        raise RegistryError("consent_required", "the office records an assignment on the owner's consent")
    if new_owner.kind != Organisation.Kind.BRAND or new_owner.pk == right.holder_id:
        raise RegistryError("bad_new_owner", "a right moves to another rights holder")
    effective = _day(effective_date, "effective date") or today()
    if effective > today() or (right.registration_date and effective < right.registration_date):
        raise RegistryError("bad_date", "an assignment takes effect between registration and today")
    record = records.right_record(
        records.RIGHT_ASSIGNED,
        right=right.names,
        moment=timezone.now(),
        to=new_owner.slug,
        effective_date=effective.isoformat(),
        consent=consent,
        **{"from": right.holder.slug},
    )
    signed = office_sign(record) if by_office else sign_as(right.holder, record)[1]
    _append(right, signed, actor, effective=effective)
    right.holder = new_owner
    right.save(update_fields=["holder"])
    standing.restand(right)
    return right


def _office_acts(actor) -> bool:
    if actor is COMMAND_LINE:
        return True
    membership = membership_of(actor)
    return membership is not None and membership.organisation.kind == Organisation.Kind.OFFICE


@transaction.atomic
def invalidate(*, actor, right: IpRight, effective_date=None, reason: str = "") -> IpRight:
    """A declaration of invalidity or revocation, from `effective_date` (EUTMR Art. 62: a
    revocation from the day of the application, invalidity from the start)."""
    require(actor, "registry.decide_rights")
    right = _locked(right)
    _live(right)
    reason = _text(reason, "reason")
    if not reason:
        raise RegistryError("reason_required", "a declaration of invalidity gives its grounds")
    effective = _day(effective_date, "effective date") or today()
    if effective > today():
        raise RegistryError("bad_date", "invalidity takes effect today or earlier")
    return _end(
        right,
        records.RIGHT_INVALIDATED,
        IpRight.Status.INVALIDATED,
        effective,
        actor,
        office_sign,
        reason=reason,
    )


@transaction.atomic
def restore(*, actor, right: IpRight, expiry=None) -> IpRight:
    """Restitutio in integrum: the right is as if it had never ended (EUTMR Art. 104)."""
    require(actor, "registry.decide_rights")
    right = _locked(right)
    if right.is_live:
        raise RegistryError("right_live", f"{right} has not ended")
    new_expiry = _day(expiry, "expiry")
    record = records.right_record(
        records.RIGHT_RESTORED,
        right=right.names,
        moment=timezone.now(),
        expiry=new_expiry.isoformat() if new_expiry else None,
    )
    _append(right, office_sign(record), actor)
    right.status, right.ended_on = IpRight.Status.REGISTERED, None
    right.expiry_date = new_expiry or right.expiry_date
    right.save(update_fields=["status", "ended_on", "expiry_date"])
    standing.restand(right)
    return right


def _end(right, kind, status, effective, actor, sign, **fields) -> IpRight:
    record = records.right_record(
        kind, right=right.names, moment=timezone.now(), effective_date=effective.isoformat(), **fields
    )
    _append(right, sign(record), actor, effective=effective)
    right.status, right.ended_on = status, effective
    right.save(update_fields=["status", "ended_on"])
    standing.restand(right)
    return right


# --- the owner's acts -----------------------------------------------------------------------


@transaction.atomic
def surrender(*, actor, right: IpRight) -> IpRight:
    """The owner gives the right up, from today (EUTMR Art. 57)."""
    require(actor, "registry.change_ipright", right.holder)
    right = _locked(right)
    _live(right)
    return _end(
        right,
        records.RIGHT_SURRENDERED,
        IpRight.Status.SURRENDERED,
        today(),
        actor,
        lambda record: sign_as(right.holder, record)[1],
    )


@transaction.atomic
def grant_licence(
    *,
    actor,
    right: IpRight,
    licensee: Organisation,
    territory,
    starts=None,
    ends=None,
    exclusive: bool = False,
    gtins=(),
    classes=(),
) -> Licence:
    """The owner licenses the right: to whom, in which territory (ST.3 codes), from and to
    which day, exclusive or not, for which of its products (none named: all of them)."""
    require(actor, "registry.change_ipright", right.holder)
    right = _locked(right)
    _live(right)
    if licensee.kind != Organisation.Kind.BRAND or licensee.pk == right.holder_id:
        raise RegistryError("bad_licensee", "a licence is granted to another rights holder")
    if not isinstance(territory, list | tuple) or not territory or len(territory) > 60:
        raise RegistryError("bad_territory", "a territory is a list of WIPO ST.3 codes")
    codes = sorted({_text(c, "territory").upper() for c in territory})
    if not all(is_st3_code(c) for c in codes):
        raise RegistryError("bad_territory", "a territory is a list of WIPO ST.3 codes")
    first = _day(starts, "start") or today()
    last = _day(ends, "end")
    if last is not None and last < first:
        raise RegistryError("bad_date", "a licence ends after it starts")
    if not isinstance(gtins, list | tuple) or not all(isinstance(g, str) for g in gtins):
        raise RegistryError("bad_gtins", "the products covered are a list of GTINs")
    covered = set(right.products.values_list("gtin", flat=True))
    if unknown := set(gtins) - covered:
        raise RegistryError("bad_gtins", f"not products of this right: {', '.join(sorted(unknown))}")
    own = right.nice_classes or right.locarno_classes
    picked = _classes(list(classes), set(own), "licence") if classes else []
    if exclusive and right.licences.filter(status=Licence.Status.ACTIVE, exclusive=True).exists():
        raise RegistryError("exclusive_taken", "an exclusive licence of this right is in force")
    ref = secrets.token_hex(6)
    record = records.right_record(
        records.RIGHT_LICENSED,
        right=right.names,
        moment=timezone.now(),
        licence=ref,
        licensor=right.holder.slug,
        licensee=licensee.slug,
        territory=codes,
        starts=first.isoformat(),
        ends=last.isoformat() if last else None,
        exclusive=bool(exclusive),
        gtins=sorted(set(gtins)),
        classes=picked,
    )
    event = _append(right, sign_as(right.holder, record)[1], actor, effective=first)
    return Licence.objects.create(
        right=right,
        ref=ref,
        licensor=right.holder,
        licensee=licensee,
        territory=codes,
        starts=first,
        ends=last,
        exclusive=bool(exclusive),
        gtins=sorted(set(gtins)),
        classes=picked,
        entry=event.entry,
    )


@transaction.atomic
def end_licence(*, actor, licence: Licence) -> Licence:
    """The licensor ends a licence from today (labels signed under it before stay valid)."""
    licence = Licence.objects.select_for_update().select_related("right", "licensor").get(pk=licence.pk)
    require(actor, "registry.change_ipright", licence.licensor)
    if licence.status != Licence.Status.ACTIVE:
        raise RegistryError("licence_ended", "this licence has ended")
    record = records.right_record(
        records.RIGHT_LICENCE_ENDED,
        right=licence.right.names,
        moment=timezone.now(),
        licence=licence.ref,
        effective_date=today().isoformat(),
        cause="ended_by_licensor",
    )
    _append(licence.right, sign_as(licence.licensor, record)[1], actor, effective=today())
    licence.status, licence.ended_on = Licence.Status.ENDED, today()
    licence.save(update_fields=["status", "ended_on"])
    return licence


@transaction.atomic
def set_product_rights(*, actor, product: Product, rights) -> Product:
    """Which of the holder's rights protect a product: a public record of the product's GTIN,
    those rights and a hash of its guide, signed by the holder, so a peer office knows them."""
    require(actor, "registry.change_product", product.brand)
    rights = list(rights)
    if not rights or any(r.holder_id != product.brand_id for r in rights):
        raise RegistryError("bad_rights", "a product stands on one or more of your own rights")
    product.rights.set(rights)
    publish_product(product)
    return product


def publish_product(product: Product) -> None:
    """Append the product's public record (after its rights or guide change)."""
    rights = sorted(
        (r.names for r in product.rights.all()), key=lambda n: (n["office"], n["kind"], n["number"])
    )
    record = records.product_rights_record(
        brand=product.brand.slug,
        gtin=product.gtin,
        rights=rights,
        guide=standing.guide_hash(product),
        moment=timezone.now(),
    )
    log.append(holder_or_office_sign(product.brand, record))


def holder_or_office_sign(holder: Organisation, record: dict) -> dict:
    """The holder signs with its node-held key; for a holder that keeps its own key (or has
    none yet) the office records the product on its behalf."""
    try:
        return sign_as(holder, record)[1]
    except RegistryError as exc:
        if exc.reason not in ("key_not_held", "no_active_key"):
            raise
        return office_sign(record)


def expiring(*, holder: Organisation | None = None, within_days: int = 200):
    """Live rights whose renewal window is open or opens within `within_days`."""
    rights = IpRight.objects.filter(status=IpRight.Status.REGISTERED, expiry_date__isnull=False)
    if holder is not None:
        rights = rights.filter(holder=holder)
    horizon = today() + timedelta(days=within_days) + timedelta(days=31 * params().renewal_window_months)
    return rights.filter(expiry_date__lte=horizon).order_by("expiry_date")
