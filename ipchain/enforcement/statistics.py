"""Detention statistics ("report detentions"): cases by IP right, product, country of origin
and dispatch, transport, procedure and outcome, with quantities and estimated values; for the
office (every case), a customs authority (its own) and a rights holder (those on its rights).
And the holder's analytics: its products' scans and verdicts by the scanning authority's
country. Personal data (declarants, consignors, consignees) never enter them."""

import csv
import io
from datetime import date, datetime, time

from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from ipchain.accounts.models import Organisation
from ipchain.accounts.roles import membership_of
from verifier.models import Alert, Case
from verifier.selectors import holder_product_scans

# What a table can be grouped by: (label for the page, the case field or lookup).
DIMENSIONS = {
    "right": "rights__registration_number",
    "product": "product__name",
    "origin": "origin_country",
    "dispatch": "dispatch_country",
    "transport": "transport_mode",
    "procedure": "procedure",
    "outcome": "state",
    "authority": "authority__name",
    "holder": "brand__name",
}
CSV_COLUMNS = [
    "case",
    "detained_on",
    "authority",
    "rights_holder",
    "procedure",
    "state",
    "goods",
    "quantity",
    "unit",
    "estimated_value_eur",
    "origin_country",
    "dispatch_country",
    "transport_mode",
    "rights",
    "gtin",
]


def scoped_cases(user):
    """The cases whose figures `user` may read: the office all, an authority its own, a holder
    those on its rights."""
    membership = membership_of(user)
    if membership is None:
        raise PermissionDenied("sign in to read detention statistics")
    org = membership.organisation
    if org.kind == Organisation.Kind.OFFICE:
        return Case.objects.all()
    if org.kind == Organisation.Kind.CUSTOMS:
        return Case.objects.filter(authority=org)
    if org.kind == Organisation.Kind.BRAND:
        return Case.objects.filter(brand=org)
    raise PermissionDenied("no detention statistics for this organisation")


def _period(cases, since: date | None, until: date | None):
    zone = timezone.get_current_timezone()
    if since:
        cases = cases.filter(detained_at__gte=datetime.combine(since, time.min, zone))
    if until:
        cases = cases.filter(detained_at__lt=datetime.combine(until, time.max, zone))
    return cases


def detentions(user, *, by: str, since: date | None = None, until: date | None = None) -> list[dict]:
    """One row per value of `by`: cases, quantity and estimated value, the biggest first."""
    if by not in DIMENSIONS:
        raise ValueError(f"by is one of {', '.join(DIMENSIONS)}")
    field = DIMENSIONS[by]
    rows = (
        _period(scoped_cases(user), since, until)
        .values(key=F(field))
        .annotate(
            cases=Count("pk", distinct=True),
            quantity=Sum("quantity"),
            value=Sum("estimated_value"),
            destroyed=Count("pk", filter=Q(state=Case.State.DESTROYED), distinct=True),
        )
        .order_by("-cases", "key")
    )
    labels = _labels(by)
    top = max((row["cases"] for row in rows), default=0)
    return [
        row
        | {
            "label": labels.get(row["key"], row["key"]) or "—",
            "share": round(100 * row["cases"] / top) if top else 0,
        }
        for row in rows
    ]


def _labels(by: str) -> dict:
    if by == "procedure":
        return dict(Case.Procedure.choices)
    if by == "outcome":
        return dict(Case.State.choices)
    if by == "transport":
        return dict(Case.Transport.choices)
    return {}


def totals(user, *, since=None, until=None) -> dict:
    found = _period(scoped_cases(user), since, until)
    return found.aggregate(cases=Count("pk"), quantity=Sum("quantity"), value=Sum("estimated_value"))


def _cell(value) -> str:
    """A spreadsheet reads a cell starting with =, +, - or @ as a formula: quote it."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def detentions_csv(user, *, since=None, until=None) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    found = (
        _period(scoped_cases(user), since, until)
        .select_related("authority", "brand", "product")
        .prefetch_related("rights")
        .order_by("detained_at", "pk")
    )
    for case in found.iterator(chunk_size=2000):
        rights = " ".join(f"{r.office}/{r.kind}/{r.registration_number}" for r in case.rights.all())
        writer.writerow(
            _cell(v)
            for v in (
                case.pk,
                case.detained_at.date().isoformat(),
                case.authority.name,
                case.brand.name,
                case.procedure,
                case.state,
                case.goods,
                case.quantity,
                case.unit,
                case.estimated_value,
                case.origin_country,
                case.dispatch_country,
                case.transport_mode,
                rights,
                case.product.gtin if case.product_id else "",
            )
        )
    return out.getvalue()


def holder_scans(holder: Organisation, *, since=None, until=None) -> list[dict]:
    """The holder's products' scans by the scanning customs authority's country ("" for the
    public's), and their verdicts."""
    scans = holder_product_scans(holder)
    if since:
        scans = scans.filter(created_at__date__gte=since)
    if until:
        scans = scans.filter(created_at__date__lte=until)
    rows = scans.values(country=F("authority__country"), verdict_=F("verdict")).annotate(n=Count("pk"))
    table: dict[str, dict] = {}
    for row in rows:
        country = row["country"] or ""
        entry = table.setdefault(country, {"country": country, "total": 0, "verdicts": {}})
        entry["verdicts"][row["verdict_"]] = row["n"]
        entry["total"] += row["n"]
    return sorted(table.values(), key=lambda r: (-r["total"], r["country"]))


def holder_alerts(holder: Organisation, *, since=None, until=None) -> list[dict]:
    """The holder's alerts (forged labels, clones, thefts, customs actions) by kind."""
    found = Alert.objects.filter(brand=holder)
    if since:
        found = found.filter(created_at__date__gte=since)
    if until:
        found = found.filter(created_at__date__lte=until)
    labels = dict(Alert.Kind.choices)
    rows = found.values("kind").annotate(n=Count("pk"), repeats=Sum("repeats")).order_by("-n", "kind")
    return [{"kind": labels.get(r["kind"], r["kind"]), "alerts": r["n"], "times": r["repeats"]} for r in rows]
