"""Scans and cases as CSV: who may export what, and the rows, streamed.

Office administrators export everything; a customs supervisor only their own authority's
scans and cases. Rows are streamed (a generator over .iterator()), so a million scans
never sit in memory.
"""

import csv
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time

from django.core.exceptions import PermissionDenied

from ipchain.accounts.models import Role
from ipchain.accounts.roles import membership_of
from ipchain.errors import DomainError
from verifier.models import Case, Scan

SCAN_COLUMNS = [
    ("created_at", "time"),
    ("ref", "scan"),
    ("verdict", "verdict"),
    ("gtin", "gtin"),
    ("serial", "serial"),
    ("trusted", "trusted"),
    ("offline", "offline"),
    ("authority__slug", "authority"),
    ("customs_office", "customs_office"),
    ("latitude", "latitude"),
    ("longitude", "longitude"),
    ("reasons", "reasons"),
]
CASE_COLUMNS = [
    ("id", "case"),
    ("state", "state"),
    ("authority__slug", "authority"),
    ("customs_office", "customs_office"),
    ("brand__slug", "brand"),
    ("item__product__gtin", "gtin"),
    ("item__serial", "serial"),
    ("goods", "goods"),
    ("quantity", "quantity"),
    ("detained_at", "detained_at"),
    ("notify_by", "notify_by"),
    ("notified_at", "notified_at"),
    ("holder_deadline", "holder_deadline"),
    ("holder_answer", "holder_answer"),
    ("closed_at", "closed_at"),
]


class ExportError(DomainError):
    pass


def export_scope(user) -> int | None:
    """None for everything (office administrators), else the one authority's id."""
    membership = membership_of(user)
    if membership is not None and membership.role == Role.OFFICE_ADMIN:
        return None
    if membership is not None and membership.role == Role.CUSTOMS_SUPERVISOR:
        return membership.organisation_id
    raise PermissionDenied("exports are for office administrators and customs supervisors")


def parse_day(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ExportError("bad_date", f"{name} must be a date, e.g. 2026-01-31") from None


def _bounds(field: str, since: date | None, until: date | None) -> dict:
    """Whole UTC days, `until` included."""
    bounds = {}
    if since:
        bounds[f"{field}__gte"] = datetime.combine(since, time.min, tzinfo=UTC)
    if until:
        bounds[f"{field}__lt"] = datetime.combine(until, time.max, tzinfo=UTC)
    return bounds


def scans_rows(*, authority_id: int | None, since=None, until=None) -> Iterator[list]:
    scans = Scan.objects.filter(**_bounds("created_at", since, until)).order_by("created_at", "id")
    if authority_id is not None:
        scans = scans.filter(authority_id=authority_id)
    return _rows(scans, SCAN_COLUMNS)


def cases_rows(*, authority_id: int | None, since=None, until=None) -> Iterator[list]:
    cases = Case.objects.filter(**_bounds("detained_at", since, until)).order_by("detained_at", "id")
    if authority_id is not None:
        cases = cases.filter(authority_id=authority_id)
    return _rows(cases, CASE_COLUMNS)


def _rows(queryset, columns) -> Iterator[list]:
    fields = [field for field, _ in columns]
    yield [header for _, header in columns]
    for values in queryset.values_list(*fields).iterator(chunk_size=2000):
        yield [_cell(value) for value in values]


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, list):
        return " ".join(str(part) for part in value)
    return spreadsheet_safe(value)


def spreadsheet_safe(value):
    """A text cell a spreadsheet would run as a formula (CSV injection) quoted as text; any
    other value as it is. For every CSV this node serves: names in it come from users."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[list]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    return (writer.writerow(row) for row in rows)
