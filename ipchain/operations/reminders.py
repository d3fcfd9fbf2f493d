"""Case-deadline reminders: the officer and the rights holder are told when a clock of a
detention case (verifier.cases.clocks_of) is a day away or has passed, once per stage."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from verifier import recorder
from verifier.cases import clocks_of
from verifier.models import Alert, Case

from .models import CaseReminder

log = logging.getLogger(__name__)

WARN_BEFORE = timedelta(days=1)

# What each clock asks, and of whom: the notification clock runs on customs (the holder does
# not know of the case yet); the holder's clocks on the holder, with customs copied. The
# declarant's period is not reminded: when it runs out, the declarant is deemed to agree.
CLOCK_TEXT = {
    "notify": "the rights holder must be notified of the detention",
    "application": "the rights holder must file an application for action, or the goods are released",
    "holder": "the rights holder must confirm whether the goods are counterfeit",
}
HOLDER_CLOCKS = ("application", "holder")


def cases_with_deadlines_near(now):
    soon = now + WARN_BEFORE
    return (
        Case.objects.filter(closed_at__isnull=True)
        .filter(
            Q(notified_at__isnull=True, notify_by__lte=soon)
            | Q(holder_answer="", holder_deadline__isnull=False, holder_deadline__lte=soon)
            | Q(application_ref="", application_by__isnull=False, application_by__lte=soon)
        )
        .select_related("brand", "opened_by", "authority", "item")
    )


def send_case_reminders(*, now=None) -> int:
    """Send the reminders that are due and not yet sent; returns how many were sent."""
    now = now or timezone.now()
    sent = 0
    for case in cases_with_deadlines_near(now):
        for clock in clocks_of(case, now):
            if clock["clock"] not in CLOCK_TEXT or clock["due"] - now > WARN_BEFORE:
                continue
            stage = CaseReminder.Stage.OVERDUE if clock["overdue"] else CaseReminder.Stage.DUE_SOON
            if _remind(case, clock["clock"], clock["due"], stage):
                sent += 1
    return sent


def _remind(case: Case, clock: str, due, stage: str) -> bool:
    recipients = [case.opened_by.email] if case.opened_by.email else []
    tell_holder = clock in HOLDER_CLOCKS
    if tell_holder and case.brand.contact_email:
        recipients.append(case.brand.contact_email)
    try:
        with transaction.atomic():
            # Claimed first: a second run (or a second beat by mistake) hits the constraint.
            reminder = CaseReminder.objects.create(
                case=case, clock=clock, due=due, stage=stage, recipients=recipients
            )
            if tell_holder:
                recorder.raise_alert(
                    Alert.Kind.DEADLINE,
                    brand=case.brand,
                    item=case.item,
                    case=case,
                    message=_message(case, clock, due, stage),
                )
    except IntegrityError:
        return False
    if recipients:
        try:
            send_mail(
                subject=f"[ipchain] Case {case.pk}: {CaseReminder.Stage(stage).label.lower()}",
                message=_message(case, clock, due, stage),
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=recipients,
            )
        except OSError:
            # Not sent: forget the claim so the next run tries again (the alert stays).
            log.warning("could not e-mail the reminder for case %s", case.pk, exc_info=True)
            reminder.delete()
            return False
    return True


def _message(case: Case, clock: str, due, stage: str) -> str:
    when = "passed on" if stage == CaseReminder.Stage.OVERDUE else "falls on"
    return (
        f"Case {case.pk} ({case.quantity} x {case.goods}, detained by {case.authority}): "
        f"{CLOCK_TEXT.get(clock, clock)}; the deadline {when} {due:%Y-%m-%d %H:%M} UTC."
    )
