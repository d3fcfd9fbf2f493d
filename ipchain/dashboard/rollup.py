"""Keeps the daily rollups (models.ScanDay, models.RegistrationDay) in step with the tables
they count. The only code that writes them.

Days before today are folded into the rollups; today is always counted live. Each fold
recounts the last REFOLD_DAYS folded days as well, because an offline scan reaches the node
after the day it was made (verifier/offline.py keeps the phone's time): one that arrives
later than that is counted after `manage.py dashboard_rollup --rebuild`. Scans and items are
only ever added, never changed, so recounting whole days is exact.
"""

from datetime import UTC, date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from ipchain.registry.models import Item
from verifier.models import Scan

from .models import RegistrationDay, RollupState, ScanDay

WINDOW_DAYS = 90
REFOLD_DAYS = 3
REFRESH_EVERY = timedelta(minutes=10)


def utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def window_start(today: date) -> date:
    """The first day the dashboard shows: WINDOW_DAYS days ending with today."""
    return today - timedelta(days=WINDOW_DAYS - 1)


def needs_fold(state: RollupState | None, *, now: datetime) -> bool:
    if state is None or state.folded_through is None or state.folded_at is None:
        return True
    return state.folded_through < utc_day(now) - timedelta(days=1) or now - state.folded_at > REFRESH_EVERY


def ensure_fresh(*, now: datetime | None = None) -> None:
    """Fold when a day has closed since the last fold or the last one is REFRESH_EVERY old."""
    now = now or timezone.now()
    if needs_fold(RollupState.objects.filter(pk=1).first(), now=now):
        fold(now=now)


def fold(*, now: datetime | None = None, rebuild: bool = False) -> bool:
    """Recount the days not yet folded (and the last REFOLD_DAYS folded ones) up to yesterday.

    Returns False when another process is folding right now: its result will do. The state
    row is locked for the whole fold, so two folds never delete each other's rows.
    """
    now = now or timezone.now()
    today = utc_day(now)
    RollupState.objects.get_or_create(pk=1)
    with transaction.atomic():
        state = RollupState.objects.select_for_update(skip_locked=True).filter(pk=1).first()
        if state is None:
            return False
        first = window_start(today)
        if not rebuild and state.folded_through is not None:
            first = max(first, state.folded_through - timedelta(days=REFOLD_DAYS - 1))
        first = min(first, today)
        _fold_scans(first, today)
        _fold_registrations(first, today)
        state.folded_through = today - timedelta(days=1)
        state.folded_at = now
        state.save()
    return True


def _fold_scans(first: date, end: date) -> None:
    ScanDay.objects.filter(day__gte=first, day__lt=end).delete()
    rows = (
        Scan.objects.filter(created_at__gte=day_start(first), created_at__lt=day_start(end))
        .annotate(day=TruncDate("created_at", tzinfo=UTC))
        .values_list("day", "authority_id", "customs_office", "verdict")
        .annotate(n=Count("id"))
        .order_by()
    )
    ScanDay.objects.bulk_create(
        (
            ScanDay(day=day, authority_id=authority, customs_office=office, verdict=verdict, scans=n)
            for day, authority, office, verdict, n in rows.iterator()
        ),
        batch_size=5000,
    )


def _fold_registrations(first: date, end: date) -> None:
    RegistrationDay.objects.filter(day__gte=first, day__lt=end).delete()
    rows = (
        Item.objects.filter(registered_at__gte=day_start(first), registered_at__lt=day_start(end))
        .annotate(day=TruncDate("registered_at", tzinfo=UTC))
        .values_list("day")
        .annotate(n=Count("id"))
        .order_by()
    )
    RegistrationDay.objects.bulk_create(RegistrationDay(day=day, items=n) for day, n in rows)
