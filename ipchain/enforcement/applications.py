"""Applications for customs action under EU Regulation 608/2013, and the competent customs
department's decisions on them (docs/enforcement.md cites each article).

The holder files (Art. 5, 6); the department decides within its deadline (Art. 9), grants,
partly grants or rejects with reasons; a grant holds at most a year from the day after the
decision (Art. 11); the holder asks for an extension before it ends (Art. 12); the department
suspends or revokes it (Art. 16). Each step is a signed ledger record naming rights and
organisations, never a person: the register of rights under customs protection is public and
verifiable. The rights rules end an application when its period ends or when its last right
ends or leaves the holder (right_rules: afa_expiry, afa_rights_gone; Art. 12(5), 15).
"""

import logging
import secrets
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from ipchain.accounts.models import Organisation, Role
from ipchain.accounts.roles import membership_of, require
from ipchain.errors import DomainError, checked_text
from ipchain.federation import peer_applications
from ipchain.ledger import log
from ipchain.registry import records
from ipchain.registry.keys import sign_as
from ipchain.registry.models import IpRight
from ipchain.registry.rights import holder_or_office_sign
from verifier import cases
from verifier.clocks import add_working_days

from .covers import carry_waiting_cases
from .models import Application, ApplicationEvent, ExpiryReminder

logger = logging.getLogger(__name__)
MAX_TEXT = 200


class ApplicationError(DomainError):
    """An application, or a decision on it, refused."""


def _text(value, name: str, *, required: bool = False, limit: int = MAX_TEXT) -> str:
    return checked_text(value, name, limit, error=ApplicationError, required=required)


def _record(application: Application, kind: str, signed: dict, actor, **details) -> ApplicationEvent:
    entry = log.append(signed)
    return ApplicationEvent.objects.create(
        application=application, kind=kind, entry=entry, actor=_user(actor), details=details
    )


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


def _names(rights) -> list[dict]:
    return records.right_list(r.names for r in rights)


# --- the holder -----------------------------------------------------------------------------


@transaction.atomic
def file_application(
    *,
    actor,
    holder: Organisation,
    competent_authority: Organisation,
    rights,
    contact_name: str,
    contact_email: str,
    liability_undertaking: bool,
    kind: str = Application.Kind.NATIONAL,
    authorities=(),
    products=(),
    small_consignment_rights=(),
    contact_phone: str = "",
    peer_authorities=(),
) -> Application:
    """File an application: the rights it covers, the products with their identification data,
    the authorities asked to act (this node's, and `peer_authorities`: peer offices', each by
    PeerAuthority.key), contacts, the undertaking of liability and costs (Art. 6(3))."""
    require(actor, "enforcement.add_application", holder)
    if holder.kind != Organisation.Kind.BRAND or not holder.is_admitted:
        raise ApplicationError("brand_not_admitted", "an admitted rights holder files applications")
    if kind not in Application.Kind.values:
        raise ApplicationError("bad_kind", "an application is national or for the Union")
    if liability_undertaking is not True:
        raise ApplicationError(
            "undertaking_required", "an application carries the undertaking of Art. 6(3)(q)"
        )
    rights = list(rights)
    if not rights or any(r.holder_id != holder.pk or not r.is_live for r in rights):
        raise ApplicationError("bad_rights", "an application covers rights in force that you hold")
    small = list(small_consignment_rights)
    if any(r not in rights for r in small):
        raise ApplicationError("bad_rights", "the small-consignment procedure is asked for rights it covers")
    products = list(products)
    if any(p.brand_id != holder.pk for p in products):
        raise ApplicationError("bad_products", "an application names your own products")
    asked = {competent_authority, *authorities}
    if any(a.kind != Organisation.Kind.CUSTOMS for a in asked):
        raise ApplicationError("bad_authority", "applications go to customs authorities")
    known = {a.key: a for a in peer_applications.known_authorities()} if peer_authorities else {}
    if any(key not in known for key in peer_authorities):
        raise ApplicationError("bad_authority", "name customs authorities of the offices this node follows")
    abroad = sorted({known[key] for key in peer_authorities}, key=lambda a: a.key)
    name = _text(contact_name, "contact name", required=True)
    email = _text(contact_email, "contact e-mail", required=True)
    phone = _text(contact_phone, "contact phone", limit=40)
    now = timezone.now()
    # Filed for goods already detained ex officio: decided within days (Art. 5(3), 9(2)).
    after_detention = cases.waiting_for_application(
        authorities=asked, holder=holder, rights=rights, now=now
    ).exists()
    days = settings.IPCHAIN_AFA[
        "ex_officio_decision_working_days" if after_detention else "decision_working_days"
    ]
    application = Application.objects.create(
        ref=f"AFA-{now:%Y}-{secrets.token_hex(4).upper()}",
        holder=holder,
        kind=kind,
        competent_authority=competent_authority,
        contact_name=name,
        contact_email=email,
        contact_phone=phone,
        liability_undertaking=True,
        filed_at=now,
        decide_by=add_working_days(now, days),
        peer_authorities=[a.as_record() | {"name": a.name} for a in abroad],
    )
    application.authorities.set(asked)
    application.rights.set(rights)
    application.small_consignment_rights.set(small)
    application.products.set(products)
    record = records.afa_record(
        records.AFA_FILED,
        afa=application.ref,
        moment=now,
        holder=holder.slug,
        kind=kind,
        rights=_names(rights),
        authorities=sorted(a.slug for a in asked),
        peer_authorities=[a.as_record() for a in abroad],
        small_consignments=_names(small),
        products=sorted(p.gtin for p in products),
    )
    _record(application, records.AFA_FILED, holder_or_office_sign(holder, record), actor)
    return application


@transaction.atomic
def request_extension(*, actor, application: Application) -> Application:
    """The holder asks for a further period before this one ends (Art. 12(1)); asked less than
    IPCHAIN_AFA["extension_notice_working_days"] before the end, it may be refused (Art. 12(2))."""
    require(actor, "enforcement.add_application", application.holder)
    application = Application.objects.select_for_update().get(pk=application.pk)
    if not application.in_force:
        raise ApplicationError("not_in_force", "only an application in force is extended")
    application.extension_requested_at = timezone.now()
    application.save(update_fields=["extension_requested_at"])
    ApplicationEvent.objects.create(application=application, kind="extension_requested", actor=_user(actor))
    return application


# --- the competent customs department --------------------------------------------------------


def _deciding(actor, application: Application) -> Application:
    """The locked application, if `actor` decides for its competent department."""
    membership = require(actor, "enforcement.decide_application")
    if membership is not None and membership.organisation_id != application.competent_authority_id:
        raise PermissionDenied("only the competent customs department decides this application")
    return (
        Application.objects.select_for_update()
        .select_related("holder", "competent_authority")
        .get(pk=application.pk)
    )


def _longest_period(decided: date) -> date:
    """At most a year from the day following the decision (Art. 11(1))."""
    start = decided + timedelta(days=1)
    try:
        return start.replace(year=start.year + 1) - timedelta(days=1)
    except ValueError:  # 29 February
        return start.replace(year=start.year + 1, day=28)


@transaction.atomic
def decide(
    *,
    actor,
    application: Application,
    decision: str,
    granted_rights=None,
    reasons: str = "",
    valid_until=None,
) -> Application:
    """Grant, partly grant (some of its rights) or reject, giving reasons for what is refused."""
    application = _deciding(actor, application)
    if application.status != Application.Status.FILED:
        raise ApplicationError("already_decided", f"{application} is {application.status}")
    if decision not in ("granted", "partly_granted", "rejected"):
        raise ApplicationError("bad_decision", "decision is granted, partly_granted or rejected")
    reasons = _text(reasons, "reasons", limit=2000)
    asked = list(application.rights.all())
    granted = asked if decision == "granted" else list(granted_rights or [])
    if decision == "partly_granted" and (
        not granted or set(granted) - set(asked) or len(granted) == len(asked)
    ):
        raise ApplicationError("bad_rights", "a partial grant names some, not all, of the rights applied for")
    if decision != "granted" and not reasons:
        raise ApplicationError("reasons_required", "give the reasons for what is refused (Art. 10)")
    now = timezone.now()
    longest = _longest_period(now.date())
    if decision == "rejected":
        until = None
    else:
        until = _day(valid_until) or longest
        if not now.date() < until <= longest:
            raise ApplicationError(
                "bad_period", f"the period of action ends by {longest.isoformat()} (Art. 11)"
            )
    record = records.afa_record(
        records.AFA_DECIDED,
        afa=application.ref,
        moment=now,
        by=application.competent_authority.slug,
        decision=decision,
        rights=_names(granted) if decision != "rejected" else None,
        valid_until=until.isoformat() if until else None,
    )
    _record(application, records.AFA_DECIDED, sign_as(application.competent_authority, record)[1], actor)
    application.status, application.decided_at, application.decided_by = decision, now, _user(actor)
    application.reasons, application.valid_until = reasons, until
    application.save(update_fields=["status", "decided_at", "decided_by", "reasons", "valid_until"])
    application.granted_rights.set(granted if decision != "rejected" else [])
    if decision != "rejected":
        carry_waiting_cases(application)
    _tell_holder(
        application, f"Your application {application.ref} is {application.get_status_display().lower()}."
    )
    return application


@transaction.atomic
def extend(*, actor, application: Application, valid_until=None) -> Application:
    """A further period from the day after this one ends, of at most a year (Art. 12(4))."""
    application = _deciding(actor, application)
    if not application.in_force:
        raise ApplicationError("not_in_force", "only an application in force is extended")
    longest = _longest_period(application.valid_until)
    until = _day(valid_until) or longest
    if not application.valid_until < until <= longest:
        raise ApplicationError("bad_period", f"an extension ends by {longest.isoformat()} (Art. 12(4))")
    record = records.afa_record(
        records.AFA_EXTENDED,
        afa=application.ref,
        moment=timezone.now(),
        by=application.competent_authority.slug,
        valid_until=until.isoformat(),
    )
    _record(application, records.AFA_EXTENDED, sign_as(application.competent_authority, record)[1], actor)
    application.valid_until, application.extension_requested_at = until, None
    application.save(update_fields=["valid_until", "extension_requested_at"])
    return application


@transaction.atomic
def suspend(*, actor, application: Application, reasons: str) -> Application:
    """Customs stop acting on it (Art. 16: the holder failed its obligations)."""
    return _end(actor, application, records.AFA_SUSPENDED, Application.Status.SUSPENDED, reasons)


@transaction.atomic
def revoke(*, actor, application: Application, reasons: str) -> Application:
    return _end(actor, application, records.AFA_REVOKED, Application.Status.REVOKED, reasons)


def _end(actor, application, kind, status, reasons) -> Application:
    application = _deciding(actor, application)
    allowed = (
        (*Application.IN_FORCE, Application.Status.SUSPENDED)
        if kind == records.AFA_REVOKED
        else Application.IN_FORCE
    )
    if application.status not in allowed:
        raise ApplicationError("not_in_force", f"{application} is {application.get_status_display().lower()}")
    reasons = _text(reasons, "reasons", required=True, limit=2000)
    now = timezone.now()
    record = records.afa_record(
        kind,
        afa=application.ref,
        moment=now,
        by=application.competent_authority.slug,
        effective_date=now.date().isoformat(),
    )
    _record(application, kind, sign_as(application.competent_authority, record)[1], actor, reasons=reasons)
    application.status, application.ended_on = status, now.date()
    application.save(update_fields=["status", "ended_on"])
    _tell_holder(
        application,
        f"Your application {application.ref} is {application.get_status_display().lower()}: {reasons}",
    )
    return application


def _day(value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ApplicationError("bad_date", "give the date as YYYY-MM-DD") from None


# --- what the rules and the clock do ------------------------------------------------------------


def rule_fired(sender, firing, details, entry, **kwargs) -> None:
    """A rule run expired or ended an application (registry.rule_runs.firing_applied)."""
    ref = firing.fields.get("afa")
    status = {
        records.AFA_EXPIRED: Application.Status.EXPIRED,
        records.AFA_ENDED: Application.Status.ENDED,
    }.get(firing.kind)
    application = Application.objects.select_for_update().filter(ref=ref).first()
    if application is None or status is None:
        return  # another node's application (a peer log replayed here) or a kind not ours
    effective = date.fromisoformat(firing.fields["effective_date"])
    ApplicationEvent.objects.create(application=application, kind=firing.kind, entry=entry, details=details)
    application.status, application.ended_on = status, effective
    application.save(update_fields=["status", "ended_on"])


def send_expiry_reminders(*, now: datetime | None = None) -> int:
    """Remind holders before their period of action ends, once per stage (Art. 12: an extension
    is asked before the end)."""
    today = (now or timezone.now()).date()
    stages = sorted(settings.IPCHAIN_AFA["reminder_days"])
    horizon = today + timedelta(days=max(stages, default=0))
    sent = 0
    due = Application.objects.filter(
        status__in=Application.IN_FORCE, valid_until__lte=horizon, valid_until__gte=today
    )
    for application in due.select_related("holder"):
        left = (application.valid_until - today).days
        stage = min((d for d in stages if left <= d), default=None)
        if stage is None:
            continue
        try:
            with transaction.atomic():
                ExpiryReminder.objects.create(
                    application=application, valid_until=application.valid_until, stage=stage
                )
                ApplicationEvent.objects.create(
                    application=application, kind="reminded", details={"days_left": left}
                )
        except IntegrityError:
            continue
        _tell_holder(
            application,
            f"The period of action of your application {application.ref} ends on "
            f"{application.valid_until:%Y-%m-%d} ({left} days). Ask the customs department to extend it, "
            "in the portal, before then.",
        )
        sent += 1
    return sent


def _tell_holder(application: Application, text: str) -> None:
    admins = application.holder.members.filter(role=Role.BRAND_ADMIN).exclude(user__email="")
    recipients = sorted({application.contact_email, *admins.values_list("user__email", flat=True)} - {""})
    transaction.on_commit(lambda: _mail(f"Application for action {application.ref}", text, recipients))


def _mail(subject: str, text: str, recipients: list[str]) -> None:
    try:
        send_mail(subject, text, None, recipients)
    except OSError:
        logger.warning("application mail not sent: %s", subject, exc_info=True)


# --- who sees what -------------------------------------------------------------------------------


def visible_applications(user):
    """The holder its own; a customs authority those it decides or is asked to act on; the
    office every one."""
    membership = membership_of(user)
    found = Application.objects.select_related("holder", "competent_authority")
    if membership is None:
        return found.none()
    org = membership.organisation
    if org.kind == Organisation.Kind.OFFICE:
        return found
    if org.kind == Organisation.Kind.BRAND:
        return found.filter(holder=org)
    return found.filter(authorities=org).distinct()


def rights_under_protection(*, on: date | None = None):
    """The rights that applications in force cover today (the public register's view)."""
    return IpRight.objects.filter(
        applications__status__in=Application.IN_FORCE,
        applications__valid_until__gte=on or timezone.now().date(),
    ).distinct()
