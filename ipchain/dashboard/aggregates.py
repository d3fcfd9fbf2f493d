"""What the dashboard shows, as plain data: selectors over the registry, the verifier, the
ledger, federation and the workers. Scan and registration counts come from the daily
rollups (rollup.py) plus today's rows counted live.

`authority_id` limits everything about scans, cases and alerts to one customs authority
(a supervisor's view); None means the whole node (the office's view).
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from ipchain.accounts.models import Organisation
from ipchain.registry.models import Item, Product
from ipchain.registry.st3 import STATES
from verifier.models import Alert, Case, Scan

from .models import ProductDay, RegistrationDay, ScanDay, SuspectProductDay, VerdictDay
from .rollup import SUSPECT_VERDICTS, day_start, utc_day, window_start
from .rollup import state as rollup_state

# What counts as a suspected counterfeit: a label no registered key signed (forged), one
# seen where the genuine item cannot be (suspected_clone), or one signed with a key revoked
# before the item was registered (revoked). "unknown" is left out: an unregistered product
# is not evidence of a fake. Recalled, stolen and destroyed are genuine items whose status
# matters, not counterfeits. SUSPECT_VERDICTS lives in rollup.py, which folds them.
VERDICT_ORDER = (
    "genuine",
    "registered",
    "unknown",
    "recalled",
    "stolen",
    "destroyed",
    "revoked",
    "suspected_clone",
    "forged",
)
TOP = 10


@dataclass
class Place:
    """Suspected counterfeits found at one customs office (or in one country)."""

    key: str
    name: str
    count: int
    country: str = ""
    latitude: float | None = None
    longitude: float | None = None


@dataclass
class Target:
    """A product or brand whose labels were found suspect."""

    name: str
    count: int
    detail: str = ""


@dataclass
class ScanFigures:
    days: list[date]
    by_day: dict[date, Counter]
    totals: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.totals.values())

    @property
    def suspects(self) -> int:
        return sum(self.totals[v] for v in SUSPECT_VERDICTS)

    def verdicts(self) -> list[str]:
        """The verdicts seen, in a fixed order (unexpected ones last)."""
        seen = [v for v in VERDICT_ORDER if self.totals[v]]
        return seen + sorted(v for v in self.totals if v not in VERDICT_ORDER and self.totals[v])


def _days(today: date) -> list[date]:
    first = window_start(today)
    return [first + timedelta(days=n) for n in range((today - first).days + 1)]


def _scoped(rows, authority_id: int | None):
    return rows if authority_id is None else rows.filter(authority_id=authority_id)


def live_since(now: datetime) -> datetime:
    """Where the rollups end and live counting starts: the last fold, or the window's first
    day when nothing was folded (then everything is counted live)."""
    current = rollup_state()
    first = day_start(window_start(utc_day(now)))
    if current is None or current.folded_until is None:
        return first
    return max(current.folded_until, first)


def _live_scans(authority_id: int | None, since: datetime):
    return _scoped(Scan.objects.filter(created_at__gte=since), authority_id)


def scans_by_day(
    *, authority_id: int | None = None, now: datetime | None = None, since: datetime | None = None
) -> ScanFigures:
    """Scans per day and verdict over the window: the rollup, then what came since."""
    now = now or timezone.now()
    since = since or live_since(now)
    days = _days(utc_day(now))
    by_day: dict[date, Counter] = {day: Counter() for day in days}
    if authority_id is None:
        rolled = VerdictDay.objects.filter(day__gte=days[0], day__lte=days[-1]).values_list(
            "day", "verdict", "scans"
        )
    else:
        rolled = (
            ScanDay.objects.filter(day__gte=days[0], day__lte=days[-1], authority_id=authority_id)
            .values_list("day", "verdict")
            .annotate(n=Sum("scans"))
            .order_by()
        )
    for day, verdict, n in rolled:
        by_day[day][verdict] += n
    live = (
        _live_scans(authority_id, since)
        .filter(created_at__lt=day_start(days[-1] + timedelta(days=1)))
        .annotate(day=TruncDate("created_at", tzinfo=UTC))
        .values_list("day", "verdict")
        .annotate(n=Count("id"))
        .order_by()
    )
    for day, verdict, n in live:
        by_day[day][verdict] += n
    totals = Counter()
    for counts in by_day.values():
        totals.update(counts)
    return ScanFigures(days=days, by_day=by_day, totals=totals)


def suspects_by_office(
    *, authority_id: int | None = None, now: datetime | None = None, since: datetime | None = None
) -> list[Place]:
    """Suspected counterfeits per customs office over the window, most first, with the
    average position of the suspect scans that carried one."""
    now = now or timezone.now()
    since = since or live_since(now)
    sums: dict[tuple, list] = defaultdict(lambda: [0, 0, 0.0, 0.0])  # scans, located, lat, lon
    rolled = ScanDay.objects.filter(day__gte=window_start(utc_day(now)), verdict__in=SUSPECT_VERDICTS)
    for authority, office, *values in (
        _scoped(rolled, authority_id)
        .values_list("authority_id", "customs_office")
        .annotate(n=Sum("scans"), located=Sum("located"), lat=Sum("latitude_sum"), lon=Sum("longitude_sum"))
        .order_by()
    ):
        _add(sums[(authority, office)], values)
    located = Q(latitude__isnull=False, longitude__isnull=False)
    for authority, office, *values in (
        _live_scans(authority_id, since)
        .filter(verdict__in=SUSPECT_VERDICTS)
        .values_list("authority_id", "customs_office")
        .annotate(
            n=Count("id"),
            n_located=Count("id", filter=located),
            lat=Sum("latitude", filter=located),
            lon=Sum("longitude", filter=located),
        )
        .order_by()
    ):
        _add(sums[(authority, office)], values)
    authorities = {
        org.pk: org for org in Organisation.objects.filter(pk__in={a for a, _ in sums if a is not None})
    }
    places = []
    for (authority, office), (n, n_located, lat, lon) in sums.items():
        org = authorities.get(authority)
        name = f"{office} ({org.name})" if org and office else office or (org.name if org else "—")
        position = (lat / n_located, lon / n_located) if n_located else (None, None)
        places.append(Place(f"{authority or ''}:{office}", name, n, org.country if org else "", *position))
    return sorted(places, key=lambda p: (-p.count, p.name))


def _add(total: list, values) -> None:
    for i, value in enumerate(values):
        total[i] += value or 0


def suspects_by_country(offices: list[Place]) -> list[Place]:
    """The offices' counts summed by their authority's country (ST.3 / ISO 3166 alpha-2)."""
    counts: Counter = Counter()
    for place in offices:
        counts[place.country] += place.count
    return sorted(
        (Place(code, STATES.get(code, code or "—"), n, code) for code, n in counts.items()),
        key=lambda p: (-p.count, p.name),
    )


def targets(
    *, authority_id: int | None = None, now: datetime | None = None, since: datetime | None = None
) -> tuple[list[Target], list[Target]]:
    """The products and the brands whose labels were most often found suspect (by GTIN read)."""
    now = now or timezone.now()
    since = since or live_since(now)
    by_gtin: Counter = Counter()
    first = window_start(utc_day(now))
    if authority_id is None:
        rolled = ProductDay.objects.filter(day__gte=first)
    else:
        rolled = SuspectProductDay.objects.filter(day__gte=first, authority_id=authority_id)
    by_gtin.update(dict(rolled.values_list("gtin").annotate(n=Sum("scans")).order_by()))
    live = _live_scans(authority_id, since).filter(verdict__in=SUSPECT_VERDICTS)
    by_gtin.update(dict(live.values_list("gtin").annotate(n=Count("id")).order_by()))
    products = {
        gtin: (name, brand)
        for gtin, name, brand in Product.objects.filter(gtin__in=[g for g in by_gtin if g]).values_list(
            "gtin", "name", "brand__name"
        )
    }
    product_rows, brand_counts = [], Counter()
    for gtin, n in by_gtin.items():
        if gtin not in products:
            continue
        name, brand = products[gtin]
        product_rows.append(Target(name, n, f"{brand} · {gtin}"))
        brand_counts[brand] += n
    product_rows.sort(key=lambda t: (-t.count, t.name))
    brands = [Target(name, n) for name, n in sorted(brand_counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    return product_rows[:TOP], brands[:TOP]


def registrations_by_day(
    *, now: datetime | None = None, since: datetime | None = None
) -> tuple[list[date], dict[date, int]]:
    now = now or timezone.now()
    since = since or live_since(now)
    days = _days(utc_day(now))
    counts = dict.fromkeys(days, 0)
    for day, n in RegistrationDay.objects.filter(day__gte=days[0], day__lte=days[-1]).values_list(
        "day", "items"
    ):
        counts[day] += n
    live = (
        Item.objects.filter(
            registered_at__gte=since, registered_at__lt=day_start(days[-1] + timedelta(days=1))
        )
        .annotate(day=TruncDate("registered_at", tzinfo=UTC))
        .values_list("day")
        .annotate(n=Count("id"))
        .order_by()
    )
    for day, n in live:
        counts[day] += n
    return days, counts


@dataclass
class OpenCase:
    """A case as the dashboard lists it: plain values, cheap to cache."""

    pk: int
    url: str
    goods: str
    quantity: int
    brand: str
    customs_office: str
    state: str
    state_display: str
    deadline: datetime | None
    clock: str  # verifier.cases.clocks_of's names: notify, application, holder, declarant
    overdue: bool


def open_cases(*, authority_id: int | None = None, now: datetime | None = None, limit: int = 20):
    """Open detention cases, the nearest deadline first, and how many there are."""
    now = now or timezone.now()
    rows = _scoped(Case.objects.filter(closed_at__isnull=True), authority_id)
    total = rows.count()
    rows = (
        rows.select_related("brand")
        .annotate(
            deadline=Coalesce(
                F("holder_deadline"), F("application_by"), F("declarant_deadline"), F("notify_by")
            )
        )
        .order_by(F("deadline").asc(nulls_last=True), "pk")[:limit]
    )
    cases = [
        OpenCase(
            pk=c.pk,
            url=c.get_absolute_url(),
            goods=c.goods,
            quantity=c.quantity,
            brand=c.brand.name,
            customs_office=c.customs_office,
            state=c.state,
            state_display=str(c.get_state_display()),
            deadline=c.deadline,
            clock=(
                "holder"
                if c.holder_deadline
                else "application"
                if c.application_by
                else "declarant"
                if c.declarant_deadline
                else "notify"
            ),
            overdue=bool(c.deadline and c.deadline < now),
        )
        for c in rows
    ]
    return cases, total


@dataclass
class RecentAlert:
    pk: int
    created_at: datetime
    brand: str
    kind: str
    message: str


def recent_alerts(*, authority_id: int | None = None, limit: int = 10) -> list[RecentAlert]:
    """The newest alerts; for one authority, those about its scans or its cases."""
    rows = Alert.objects.order_by("-created_at", "-pk")
    if authority_id is not None:
        rows = rows.filter(Q(scan__authority_id=authority_id) | Q(case__authority_id=authority_id))
    return [
        RecentAlert(*values)
        for values in rows.values_list("pk", "created_at", "brand__name", "kind", "message")[:limit]
    ]
