"""Run the rights rules over the log and append what they say must follow.

A run reads the integrated rights records of the log's first `upto` entries, evaluates the
rule set at the run's moment (right_rules.evaluate) and appends each firing and a
`rules.evaluated` record, signed by the office, in one transaction with the index rows they
change. Anyone holding the log re-runs it the same way (`replay_problems`, the audit).
Runs take the office's row lock: two at once would read the same facts and fire twice.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.utils import timezone

from ipchain.accounts import changes
from ipchain.accounts.models import Organisation, Role
from ipchain.ledger import log
from ipchain.ledger.models import LogEntry

from . import records, right_rules, standing
from .keys import office_sign, the_office
from .models import IpRight, Licence, RenewalReminder, RightEvent, RuleRun
from .rights import record_registration

logger = logging.getLogger(__name__)

# Sent with each firing about something this app does not keep (an application for action),
# in the run's transaction: `firing` (right_rules.Firing), `details` (what the signed record says
# beyond its envelope: the fields and the rule), `entry` (its LogEntry).
firing_applied = Signal()


def record_unlogged_rights() -> int:
    """Rights recorded before the log kept rights get their registration record now."""
    count = 0
    for right in IpRight.objects.filter(registration_entry__isnull=True).select_related("holder"):
        with transaction.atomic():
            right.registration_entry = record_registration(right, None)
            right.save(update_fields=["registration_entry"])
        count += 1
    return count


def run_rules(*, now: datetime | None = None) -> RuleRun:
    """One rule run at `now` (the node's clock by default). Returns its RuleRun."""
    now = now or timezone.now()
    record_unlogged_rights()
    params = standing.parameters()
    with transaction.atomic():
        Organisation.objects.select_for_update().filter(pk=the_office().pk).first()
        log.integrate_pending()  # every rights record appended before the run is read by it
        upto = log.current_tree_size()
        ledger = right_rules.fold_all(standing.log_records(upto=upto))
        firings = right_rules.evaluate(ledger, on=now.date(), params=params)
        time = records.timestamp(now)
        for firing in firings:
            signed = office_sign(right_rules.firing_record(firing, run=upto, time=time))
            _apply(firing, signed, log.append(signed))
        run = records.rules_evaluated_record(
            ruleset=right_rules.RULESET,
            params=params.as_record(),
            upto=upto,
            firings=len(firings),
            moment=now,
        )
        entry = log.append(office_sign(run))
        return RuleRun.objects.create(
            ruleset=right_rules.RULESET, at=now, upto=upto, firings=len(firings), entry=entry
        )


def _apply(firing: right_rules.Firing, signed: dict, entry: LogEntry) -> None:
    details = {k: v for k, v in signed.items() if k not in ("v", "type", "time", "right", "kid", "sig")}
    if not firing.right:
        firing_applied.send(sender=RuleRun, firing=firing, details=details, entry=entry)
        return
    office, kind, number = firing.right.split("/", 2)
    right = IpRight.objects.select_for_update().get(office=office, kind=kind, registration_number=number)
    effective = datetime.fromisoformat(firing.fields["effective_date"]).date()
    RightEvent.objects.create(
        right=right,
        kind=firing.kind,
        entry=entry,
        effective_date=effective,
        details=details,
    )
    if firing.kind == records.RIGHT_LAPSED:
        right.status, right.ended_on = IpRight.Status.LAPSED, effective
        right.save(update_fields=["status", "ended_on"])
        standing.restand(right)
    elif firing.kind == records.RIGHT_LICENCE_ENDED:
        Licence.objects.filter(ref=firing.fields["licence"]).update(
            status=Licence.Status.ENDED, ended_on=effective
        )
        changes.changed()


@dataclass(frozen=True)
class ReplayProblem:
    index: int
    reason: str
    message: str


def replay_problems(entries) -> list[ReplayProblem]:
    """What a replay of `entries` (index, record) finds: missing, extra or different firings."""
    return [ReplayProblem(p.index, p.reason, p.message) for p in right_rules.replay(list(entries))]


def check_rule_firings(since: int = 0):
    """The audit's check (IPCHAIN_AUDIT_RECORD_CHECKS): this log's rule runs replayed, all of
    them whatever `since` (a right's records fold from its first)."""
    yield from replay_problems(standing.log_records())


# --- reminders -------------------------------------------------------------------------------


def send_renewal_reminders(*, now: datetime | None = None) -> int:
    """Tell owners of rights whose renewal window is open, once per stage (days left before the
    window, then the grace period, closes). Returns how many were sent."""
    now = now or timezone.now()
    params = standing.parameters()
    horizon = now.date() + timedelta(days=31 * params.renewal_window_months)
    due = IpRight.objects.filter(
        status=IpRight.Status.REGISTERED, expiry_date__isnull=False, expiry_date__lte=horizon
    ).select_related("holder")
    sent = 0
    for right in due:
        renewal = right_rules.renewal_due(standing.right_state(right), on=now.date(), params=params)
        if renewal is None:
            continue
        stage = min((d for d in params.reminder_days if renewal["days_left"] <= d), default=None)
        if stage is None:
            continue
        if _remind(right, renewal, stage + (1000 if renewal["in_grace"] else 0)):
            sent += 1
    return sent


def _remind(right: IpRight, renewal: dict, stage: int) -> bool:
    try:
        with transaction.atomic():
            RenewalReminder.objects.create(right=right, expiry=right.expiry_date, stage=stage)
    except IntegrityError:
        return False  # sent before, by this run or another
    admins = right.holder.members.filter(role=Role.BRAND_ADMIN).exclude(user__email="")
    recipients = sorted({*admins.values_list("user__email", flat=True), right.holder.contact_email} - {""})
    closes = renewal["grace_ends"] if renewal["in_grace"] else renewal["expiry"]
    text = (
        f"{right} ({right.mark or right.get_kind_display()}) expires on {renewal['expiry']:%Y-%m-%d}.\n"
        + ("It is in its grace period: renewal costs a surcharge. " if renewal["in_grace"] else "")
        + f"Renewal must be filed with the office by {closes:%Y-%m-%d} ({renewal['days_left']} days left); "
        "after that the right lapses and your labels signed since its expiry stop showing as genuine."
    )
    if recipients:
        try:
            send_mail(f"Renewal due: {right}", text, None, recipients)
        except OSError:
            logger.warning("renewal reminder for %s not mailed", right, exc_info=True)
    return True
