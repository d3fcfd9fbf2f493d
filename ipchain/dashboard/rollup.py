"""Keeps the rollups (models.ScanDay, SuspectProductDay, their office-wide sums VerdictDay
and ProductDay, and RegistrationDay) in step with the tables they count. The only code that
writes them.

A fold counts every scan and item made before a moment, `folded_until`, by UTC day; what
was made since is counted live by the readers (aggregates.py), a few minutes' worth when
the fold runs every FOLD_EVERY (a beat task). Stale rollups are still right, only slower to
read: the page asks for a fold when they are STALE_AFTER old (keep_fresh).
Each fold recounts the day `folded_until` fell in and the REFOLD_DAYS before it, because an
offline scan reaches the node after the moment it was made (verifier/offline.py keeps the
phone's time): one later than that is counted after `manage.py dashboard_rollup --rebuild`.
Scans and items are only ever added, never changed, so recounting whole days is exact.
"""

from datetime import UTC, date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from ipchain.outbox.enqueue import nudge
from ipchain.registry.models import Item
from verifier.models import Scan

from .models import ProductDay, RegistrationDay, RollupState, ScanDay, SuspectProductDay, VerdictDay

WINDOW_DAYS = 90
REFOLD_DAYS = 3
FOLD_EVERY = timedelta(minutes=5)
STALE_AFTER = timedelta(minutes=15)
# Must match aggregates' list and the partial index of migration 0002.
SUSPECT_VERDICTS = ("forged", "revoked", "suspected_clone")


def utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def window_start(today: date) -> date:
    """The first day the dashboard shows: WINDOW_DAYS days ending with today."""
    return today - timedelta(days=WINDOW_DAYS - 1)


def state() -> RollupState | None:
    return RollupState.objects.filter(pk=1, folded_until__isnull=False).first()


def needs_fold(current: RollupState | None, *, now: datetime) -> bool:
    if current is None or current.folded_until is None or current.folded_at is None:
        return True
    return now - current.folded_at > STALE_AFTER


def keep_fresh() -> None:
    """Ask for a fold when the rollups are stale or were never folded. Stale rollups still give
    the right figures (what came after them is counted live), only more slowly: a worker
    folds, once per STALE_AFTER however many pages ask; the embedded mode folds here, after
    the request's transaction. Never folded (a new or upgraded node) counts everything live
    until the first fold lands: slow renders for a minute rather than one render that
    recounts the window."""
    if needs_fold(state(), now=timezone.now()):
        nudge("ipchain.dashboard.tasks.fold_rollups", every=STALE_AFTER.total_seconds(), trailing=False)


def fold(*, now: datetime | None = None, rebuild: bool = False) -> bool:
    """Recount from REFOLD_DAYS before the last fold (the whole window with `rebuild`) up to now.

    Returns False when another process is folding right now: its result will do. The state
    row is locked for the whole fold, so two folds never delete each other's rows.
    """
    now = now or timezone.now()
    today = utc_day(now)
    RollupState.objects.get_or_create(pk=1)
    with transaction.atomic():
        current = RollupState.objects.select_for_update(skip_locked=True).filter(pk=1).first()
        if current is None:
            return False
        first = window_start(today)
        if not rebuild and current.folded_until is not None:
            first = max(first, utc_day(current.folded_until) - timedelta(days=REFOLD_DAYS))
        first = min(first, today)
        since = day_start(first)
        _fold_scans(first, since, now)
        _fold_node_totals(first)
        _fold_registrations(first, since, now)
        current.folded_until = now
        current.folded_at = timezone.now()
        current.save()
    return True


def _fold_scans(first: date, since: datetime, until: datetime) -> None:
    ScanDay.objects.filter(day__gte=first).delete()
    SuspectProductDay.objects.filter(day__gte=first).delete()
    scans = Scan.objects.filter(created_at__gte=since, created_at__lt=until).annotate(
        day=TruncDate("created_at", tzinfo=UTC)
    )
    located = Q(latitude__isnull=False, longitude__isnull=False)
    rows = (
        scans.values_list("day", "authority_id", "customs_office", "verdict")
        .annotate(
            n=Count("id"),
            located=Count("id", filter=located),
            lat=Sum("latitude", filter=located),
            lon=Sum("longitude", filter=located),
        )
        .order_by()
    )
    ScanDay.objects.bulk_create(
        (
            ScanDay(
                day=day,
                authority_id=authority,
                customs_office=office,
                verdict=verdict,
                scans=n,
                located=n_located,
                latitude_sum=lat or 0.0,
                longitude_sum=lon or 0.0,
            )
            for day, authority, office, verdict, n, n_located, lat, lon in rows.iterator()
        ),
        batch_size=5000,
    )
    suspects = (
        scans.filter(verdict__in=SUSPECT_VERDICTS)
        .values_list("day", "authority_id", "gtin")
        .annotate(n=Count("id"))
        .order_by()
    )
    SuspectProductDay.objects.bulk_create(
        (
            SuspectProductDay(day=day, authority_id=authority, gtin=gtin, scans=n)
            for day, authority, gtin, n in suspects.iterator()
        ),
        batch_size=5000,
    )


def _fold_node_totals(first: date) -> None:
    """The office-wide sums, from the rollups just written (not from the scans again)."""
    VerdictDay.objects.filter(day__gte=first).delete()
    ProductDay.objects.filter(day__gte=first).delete()
    VerdictDay.objects.bulk_create(
        VerdictDay(day=day, verdict=verdict, scans=n)
        for day, verdict, n in ScanDay.objects.filter(day__gte=first)
        .values_list("day", "verdict")
        .annotate(n=Sum("scans"))
        .order_by()
    )
    ProductDay.objects.bulk_create(
        (
            ProductDay(day=day, gtin=gtin, scans=n)
            for day, gtin, n in SuspectProductDay.objects.filter(day__gte=first)
            .values_list("day", "gtin")
            .annotate(n=Sum("scans"))
            .order_by()
            .iterator()
        ),
        batch_size=5000,
    )


def _fold_registrations(first: date, since: datetime, until: datetime) -> None:
    RegistrationDay.objects.filter(day__gte=first).delete()
    rows = (
        Item.objects.filter(registered_at__gte=since, registered_at__lt=until)
        .annotate(day=TruncDate("registered_at", tzinfo=UTC))
        .values_list("day")
        .annotate(n=Count("id"))
        .order_by()
    )
    RegistrationDay.objects.bulk_create(RegistrationDay(day=day, items=n) for day, n in rows)
