"""The dashboard's figures for one scope, cached briefly, as named tables (for the page and
for CSV) and as SVG charts drawn from those same numbers."""

import csv
import html
import io
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ipchain.operations.exports import spreadsheet_safe
from verifier.wording import verdict_label

from . import aggregates, charts, worldmap

# The page says how old its figures may be; health panels are never cached.
CACHE_SECONDS = 60
VERDICT_COLOURS = {
    "genuine": "#0a7a2f",
    "registered": "#5f8f6b",
    "unknown": "#9e9e9e",
    "recalled": "#d9a400",
    "stolen": "#8d5a2b",
    "destroyed": "#555555",
    "revoked": "#7b3fa0",
    "suspected_clone": "#e8710a",
    "forged": "#b3261e",
}


@dataclass
class Figures:
    computed_at: datetime
    authority_id: int | None
    scans: aggregates.ScanFigures
    offices: list[aggregates.Place]
    countries: list[aggregates.Place]
    products: list[aggregates.Target]
    brands: list[aggregates.Target]
    registration_days: list
    registrations: dict
    cases: list[aggregates.OpenCase]
    open_case_total: int
    alerts: list
    # Drawn once per cache period (drawing the map costs more than reading its numbers).
    scans_chart: charts.ColumnChart | None = None
    registrations_chart: charts.ColumnChart | None = None
    suspects_map: str = ""


def figures_cache_key(authority_id: int | None, language: str | None = None) -> str:
    """Per scope and language: the charts' titles are translated."""
    scope = authority_id if authority_id is not None else "office"
    return f"dashboard:figures:{scope}:{language or get_language() or 'en'}"


def figures(*, authority_id: int | None, use_cache: bool = True) -> Figures:
    key = figures_cache_key(authority_id)
    if use_cache and (cached := cache.get(key)) is not None:
        return cached
    now = timezone.now()
    since = aggregates.live_since(now)
    scope = {"authority_id": authority_id, "now": now, "since": since}
    offices = aggregates.suspects_by_office(**scope)
    products, brands = aggregates.targets(**scope)
    days, registrations = (
        aggregates.registrations_by_day(now=now, since=since) if authority_id is None else ([], {})
    )
    cases, total = aggregates.open_cases(authority_id=authority_id, now=now)
    result = Figures(
        computed_at=now,
        authority_id=authority_id,
        scans=aggregates.scans_by_day(**scope),
        offices=offices,
        countries=aggregates.suspects_by_country(offices),
        products=products,
        brands=brands,
        registration_days=days,
        registrations=registrations,
        cases=cases,
        open_case_total=total,
        alerts=aggregates.recent_alerts(authority_id=authority_id),
    )
    result.scans_chart = scans_chart(result)
    result.registrations_chart = registrations_chart(result) if authority_id is None else None
    result.suspects_map = suspects_map(result)
    cache.set(key, result, CACHE_SECONDS)
    return result


@dataclass
class Table:
    name: str
    title: str
    columns: list[str]
    rows: list[list]

    def as_html(self) -> SafeString:
        """The table's rows as HTML, built here: a 90-row table through template tags costs
        more than every query on the page."""
        head = "".join(f'<th scope="col">{escape(c)}</th>' for c in self.columns)
        cell = _html_cell
        if not self.rows:
            empty = escape(_("Nothing in this period."))
            body = f'<tr><td colspan="{len(self.columns)}" class="help">{empty}</td></tr>'
        else:
            body = "".join("<tr>" + "".join(map(cell, row)) + "</tr>" for row in self.rows)
        return mark_safe(  # noqa: S308 - every cell and heading escaped above
            f'<div class="table-wrap"><table class="numbers"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>"
        )

    def as_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180
        writer.writerow(self.columns)
        writer.writerows([spreadsheet_safe(cell) for cell in row] for row in self.rows)
        return out.getvalue()


def tables(figs: Figures) -> dict[str, Table]:
    verdicts = figs.scans.verdicts()
    found = [
        Table(
            "scans-by-day",
            _("Scans per day by verdict"),
            [_("day"), *verdicts, _("total")],
            [
                [
                    day.isoformat(),
                    *(figs.scans.by_day[day][v] for v in verdicts),
                    sum(figs.scans.by_day[day].values()),
                ]
                for day in figs.scans.days
            ],
        ),
        Table(
            "suspects-by-country",
            _("Suspected counterfeits by country"),
            [_("country code"), _("country"), _("suspected counterfeits")],
            [[p.country, p.name, p.count] for p in figs.countries],
        ),
        Table(
            "suspects-by-office",
            _("Suspected counterfeits by customs office"),
            [
                _("customs office"),
                _("country code"),
                _("suspected counterfeits"),
                _("latitude"),
                _("longitude"),
            ],
            [[p.name, p.country, p.count, _round(p.latitude), _round(p.longitude)] for p in figs.offices],
        ),
        Table(
            "targeted-products",
            _("Most targeted products"),
            [_("product"), _("brand and GTIN"), _("suspected counterfeits")],
            [[t.name, t.detail, t.count] for t in figs.products],
        ),
        Table(
            "targeted-brands",
            _("Most targeted brands"),
            [_("brand"), _("suspected counterfeits")],
            [[t.name, t.count] for t in figs.brands],
        ),
        Table(
            "open-cases",
            _("Open cases"),
            [
                _("case"),
                _("goods"),
                _("brand"),
                _("customs office"),
                _("state"),
                _("deadline"),
                _("clock"),
                _("overdue"),
            ],
            [
                [
                    c.pk,
                    c.goods,
                    c.brand,
                    c.customs_office,
                    c.state,
                    c.deadline.isoformat() if c.deadline else "",
                    c.clock,
                    "yes" if c.overdue else "no",
                ]
                for c in figs.cases
            ],
        ),
        Table(
            "recent-alerts",
            _("Recent alerts"),
            [_("time"), _("brand"), _("kind"), _("message")],
            [[a.created_at.isoformat(), a.brand, a.kind, a.message] for a in figs.alerts],
        ),
    ]
    if figs.authority_id is None:
        found.append(
            Table(
                "registrations-by-day",
                _("Items registered per day"),
                [_("day"), _("items")],
                [[day.isoformat(), figs.registrations[day]] for day in figs.registration_days],
            )
        )
    return {table.name: table for table in found}


def _html_cell(value) -> str:
    # The standard library's escape: Django's is lazy-aware and several times slower, which
    # shows over a thousand cells.
    if isinstance(value, int):
        return f"<td>{value}</td>"
    return f"<td>{html.escape(str(value))}</td>"


def _round(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def scans_chart(figs: Figures) -> charts.ColumnChart:
    days = figs.scans.days
    series = [
        (verdict_label(v), VERDICT_COLOURS.get(v, "#333"), [figs.scans.by_day[day][v] for day in days])
        for v in figs.scans.verdicts()
    ]
    return charts.stacked_columns(
        [day.strftime("%d %b") for day in days], series, label=_("Scans per day by verdict")
    )


def registrations_chart(figs: Figures) -> charts.ColumnChart:
    days = figs.registration_days
    return charts.stacked_columns(
        [day.strftime("%d %b") for day in days],
        [(_("items"), "#0b57d0", [figs.registrations[day] for day in days])],
        label=_("Items registered per day"),
    )


def suspects_map(figs: Figures) -> str:
    shapes = [(c.code, c.name, c.path) for c in worldmap.countries()]
    points = []
    for place in figs.offices:
        if place.latitude is not None and place.longitude is not None:
            x, y = worldmap.point(place.latitude, place.longitude)
            points.append((place.name, x, y, place.count))
    return charts.choropleth(
        shapes,
        {p.country: p.count for p in figs.countries if p.country},
        points=points,
        label=_("Suspected counterfeits by country"),
        width=worldmap.WIDTH,
        height=worldmap.VIEW_HEIGHT,
        # Zoomed to the offices that found some: the whole world makes Europe a thumbnail.
        view=worldmap.focus([(x, y) for _, x, y, _ in points]),
    )


def legend(figs: Figures) -> list[tuple[str, str, int]]:
    """(verdict, colour, total) for the verdicts the scans chart shows, in its order."""
    return [
        (verdict_label(v), VERDICT_COLOURS.get(v, "#333"), figs.scans.totals[v])
        for v in figs.scans.verdicts()
    ]
