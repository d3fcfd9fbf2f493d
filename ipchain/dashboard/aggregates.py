"""What the dashboard shows, as plain data: selectors over the registry, the verifier, the
ledger, federation and the workers. Scan and registration counts come from the daily
rollups (rollup.py) plus today's rows counted live.

`authority_id` limits everything about scans, cases and alerts to one customs authority
(a supervisor's view); None means the whole node (the office's view).
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Avg, Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from ipchain.accounts.models import Organisation
from ipchain.registry.models import Item, Product
from ipchain.registry.st3 import STATES
from verifier.models import Alert, Case, Scan

from .models import RegistrationDay, ScanDay
from .rollup import day_start, ensure_fresh, utc_day, window_start

# What counts as a suspected counterfeit: a label no registered key signed (forged), one
# seen where the genuine item cannot be (suspected_clone), or one signed with a key revoked
# before the item was registered (revoked). "unknown" is left out: an unregistered product
# is not evidence of a fake. Recalled, stolen and destroyed are genuine items whose status
# matters, not counterfeits. Sorted: the partial index (migration 0002) names them so.
SUSPECT_VERDICTS = ("forged", "revoked", "suspected_clone")
VERDICT_ORDER = (
    "genuine",
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


def scans_by_day(*, authority_id: int | None = None, now: datetime | None = None) -> ScanFigures:
    """Scans per day and verdict over the window, today included."""
    now = now or timezone.now()
    today = utc_day(now)
    days = _days(today)
    by_day: dict[date, Counter] = {day: Counter() for day in days}
    rolled = _scoped(ScanDay.objects.filter(day__gte=days[0], day__lt=today), authority_id)
    for day, verdict, n in rolled.values_list("day", "verdict").annotate(n=Sum("scans")).order_by():
        by_day[day][verdict] += n
    live = _scoped(Scan.objects.filter(created_at__gte=day_start(today)), authority_id)
    for verdict, n in live.values_list("verdict").annotate(n=Count("id")).order_by():
        by_day[today][verdict] += n
    totals = Counter()
    for counts in by_day.values():
        totals.update(counts)
    return ScanFigures(days=days, by_day=by_day, totals=totals)


def suspects_by_office(*, authority_id: int | None = None, now: datetime | None = None) -> list[Place]:
    """Suspected counterfeits per customs office over the window, most first, with the
    office's average scan position where scans carried one."""
    now = now or timezone.now()
    today = utc_day(now)
    counts: Counter = Counter()
    rolled = ScanDay.objects.filter(day__gte=window_start(today), day__lt=today, verdict__in=SUSPECT_VERDICTS)
    for authority, office, n in (
        _scoped(rolled, authority_id)
        .values_list("authority_id", "customs_office")
        .annotate(n=Sum("scans"))
        .order_by()
    ):
        counts[(authority, office)] += n
    live = Scan.objects.filter(created_at__gte=day_start(today), verdict__in=SUSPECT_VERDICTS)
    for authority, office, n in (
        _scoped(live, authority_id)
        .values_list("authority_id", "customs_office")
        .annotate(n=Count("id"))
        .order_by()
    ):
        counts[(authority, office)] += n
    positions = {
        (authority, office): (lat, lon)
        for authority, office, lat, lon in _suspect_scans(authority_id, today)
        .filter(latitude__isnull=False, longitude__isnull=False)
        .values_list("authority_id", "customs_office")
        .annotate(lat=Avg("latitude"), lon=Avg("longitude"))
        .order_by()
    }
    authorities = {
        org.pk: org for org in Organisation.objects.filter(pk__in={a for a, _ in counts if a is not None})
    }
    places = []
    for (authority, office), n in counts.items():
        org = authorities.get(authority)
        name = office or (org.name if org else "")
        if org and office:
            name = f"{office} ({org.name})"
        lat, lon = positions.get((authority, office), (None, None))
        key = f"{authority or ''}:{office}"
        places.append(Place(key, name or "—", n, org.country if org else "", lat, lon))
    return sorted(places, key=lambda p: (-p.count, p.name))


def suspects_by_country(offices: list[Place]) -> list[Place]:
    """The offices' counts summed by their authority's country (ST.3 / ISO 3166 alpha-2)."""
    counts: Counter = Counter()
    for place in offices:
        counts[place.country] += place.count
    return sorted(
        (Place(code, STATES.get(code, code or "—"), n, code) for code, n in counts.items()),
        key=lambda p: (-p.count, p.name),
    )


def _suspect_scans(authority_id: int | None, today: date):
    rows = Scan.objects.filter(created_at__gte=day_start(window_start(today)), verdict__in=SUSPECT_VERDICTS)
    return _scoped(rows, authority_id)


def targets(
    *, authority_id: int | None = None, now: datetime | None = None
) -> tuple[list[Target], list[Target]]:
    """The products and the brands whose labels were most often found suspect (by GTIN read)."""
    today = utc_day(now or timezone.now())
    by_gtin = dict(_suspect_scans(authority_id, today).values_list("gtin").annotate(n=Count("id")).order_by())
    products = {
        p.gtin: p for p in Product.objects.filter(gtin__in=[g for g in by_gtin if g]).select_related("brand")
    }
    product_rows, brand_counts = [], Counter()
    for gtin, n in by_gtin.items():
        product = products.get(gtin)
        if product is None:
            continue
        product_rows.append(Target(product.name, n, f"{product.brand.name} · {gtin}"))
        brand_counts[product.brand.name] += n
    product_rows.sort(key=lambda t: (-t.count, t.name))
    brands = [Target(name, n) for name, n in sorted(brand_counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    return product_rows[:TOP], brands[:TOP]


def registrations_by_day(*, now: datetime | None = None) -> tuple[list[date], dict[date, int]]:
    today = utc_day(now or timezone.now())
    days = _days(today)
    counts = dict.fromkeys(days, 0)
    counts.update(RegistrationDay.objects.filter(day__gte=days[0], day__lt=today).values_list("day", "items"))
    counts[today] = Item.objects.filter(registered_at__gte=day_start(today)).count()
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
    clock: str  # "notify" (rights holder to be told) or "holder" (their answer due)
    overdue: bool


def open_cases(*, authority_id: int | None = None, now: datetime | None = None, limit: int = 20):
    """Open detention cases, the nearest deadline first, and how many there are."""
    now = now or timezone.now()
    rows = _scoped(Case.objects.filter(closed_at__isnull=True), authority_id)
    total = rows.count()
    rows = (
        rows.select_related("brand")
        .annotate(deadline=Coalesce(F("holder_deadline"), F("notify_by")))
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
            clock="holder" if c.holder_deadline else "notify",
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


def ensure_rollups(now: datetime | None = None) -> None:
    ensure_fresh(now=now)
