"""Bulk registration from a CSV or JSON file, up to a million rows.

A job first reads and checks every row (nothing is written if any row is bad, unless the
user chose to skip bad rows), then registers the good rows in chunks. Each chunk is one
transaction and skips rows already registered, so a retried or duplicated chunk never
registers an item twice.
"""

import csv
import io
import json
from collections.abc import Iterator

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ipchain.accounts.models import Organisation
from ipchain.accounts.roles import require
from ipchain.outbox.enqueue import enqueue

from .errors import RegistryError
from .items import ItemRow, brand_products, check_item_row, register_rows
from .models import BulkJob, Item

COLUMNS = ["gtin", "serial", "lot", "production_date", "origin"]
MAX_REPORTED_ERRORS = 1000
CHUNK_ROWS = 2000


def detect_format(file_name: str) -> str:
    name = file_name.lower()
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".json", ".jsonl", ".ndjson")):
        return "json"
    raise RegistryError("bad_file_type", "upload a .csv, .json or .jsonl file")


def create_job(*, actor, brand: Organisation, upload, skip_bad_rows: bool = False) -> BulkJob:
    """Store the upload and queue its job (after commit)."""
    require(actor, "registry.add_bulkjob", brand)
    file_format = detect_format(upload.name)
    if upload.size > settings.IPCHAIN_BULK_MAX_BYTES:
        raise RegistryError(
            "file_too_large", f"the file is over {settings.IPCHAIN_BULK_MAX_BYTES // 2**20} MB"
        )
    if upload.size == 0:
        raise RegistryError("empty_file", "the file is empty")
    with transaction.atomic():  # the job and its task, or neither
        job = BulkJob.objects.create(
            brand=brand,
            created_by=actor,
            upload=upload,
            file_name=upload.name[:200],
            file_format=file_format,
            skip_bad_rows=skip_bad_rows,
        )
        enqueue("ipchain.registry.tasks.run_bulk_job", job.pk)
    return job


# --- reading rows -------------------------------------------------------------------------


def read_rows(data: io.BufferedIOBase, file_format: str) -> Iterator[tuple[int, dict | None, str]]:
    """Yield (line number, fields, problem) for every row; fields is None when unreadable."""
    text = io.TextIOWrapper(data, encoding="utf-8-sig", errors="strict", newline="")
    try:
        if file_format == "csv":
            yield from _csv_rows(text)
        else:
            yield from _json_rows(text)
    except UnicodeDecodeError:
        yield 0, None, "the file is not UTF-8 text"


def _csv_rows(text) -> Iterator[tuple[int, dict | None, str]]:
    reader = csv.reader(text)
    try:
        yield from _csv_lines(reader)
    except csv.Error:
        # The reader cannot go on past a broken line (a field over csv.field_size_limit, a NUL
        # byte, a quote left open): the job is refused, naming where.
        yield reader.line_num, None, "this line is not valid CSV, or a field on it is far too long"


def _csv_lines(reader) -> Iterator[tuple[int, dict | None, str]]:
    header = [h.strip().lower() for h in next(reader, [])]
    if "gtin" not in header or "serial" not in header:
        yield 1, None, "the first line must name the columns, including gtin and serial"
        return
    if unknown := set(header) - set(COLUMNS):
        yield 1, None, f"unknown columns: {', '.join(sorted(unknown))}"
        return
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            yield line, None, f"expected {len(header)} values, found {len(values)}"
            continue
        yield line, dict(zip(header, values, strict=True)), ""


def _json_rows(text) -> Iterator[tuple[int, dict | None, str]]:
    first = text.read(1)
    while first and first.isspace():
        first = text.read(1)
    if first == "[":
        try:
            rows = json.loads("[" + text.read())
        except json.JSONDecodeError as exc:
            yield exc.lineno, None, f"not valid JSON: {exc.msg}"
            return
        for n, row in enumerate(rows, start=1):
            yield (n, row, "") if isinstance(row, dict) else (n, None, "each row must be a JSON object")
        return
    # JSON Lines: one object per line.
    for n, line in enumerate(_prepend(first, text), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            yield n, None, f"not valid JSON: {exc.msg}"
            continue
        yield (n, row, "") if isinstance(row, dict) else (n, None, "each line must be a JSON object")


def _prepend(first: str, text) -> Iterator[str]:
    lines = iter(text)
    yield first + next(lines, "")
    yield from lines


# --- checking ------------------------------------------------------------------------------


def check_rows(brand: Organisation, rows: Iterator[tuple[int, dict | None, str]], *, on_progress=None):
    """Return (good rows, errors, total). Every problem names its line."""
    good: list[ItemRow] = []
    errors: list[dict] = []
    seen: dict[tuple[str, str], int] = {}
    total = 0
    max_rows = settings.IPCHAIN_BULK_MAX_ROWS
    for line, fields, problem in rows:
        total += 1
        if total > max_rows:
            errors.append({"line": line, "reason": "too_many_rows", "message": f"more than {max_rows} rows"})
            break
        if on_progress and total % 20000 == 0:
            on_progress(total)
        if fields is None:
            errors.append({"line": line, "reason": "unreadable_row", "message": problem})
            continue
        try:
            if unknown := set(fields) - set(COLUMNS):
                raise RegistryError("unknown_field", f"unknown fields: {', '.join(sorted(unknown))}")
            row = check_item_row(**{k: str(v) if v is not None else "" for k, v in fields.items()}, line=line)
        except RegistryError as exc:
            errors.append({"line": line, "reason": exc.reason, "message": str(exc)})
            continue
        except TypeError:  # a JSON row whose values are not text or numbers
            errors.append(
                {"line": line, "reason": "bad_row", "message": "each value must be text or a number"}
            )
            continue
        if (row.gtin, row.serial) in seen:
            errors.append(
                {
                    "line": line,
                    "reason": "duplicate_in_file",
                    "message": f"same GTIN and serial as line {seen[(row.gtin, row.serial)]}",
                }
            )
            continue
        seen[(row.gtin, row.serial)] = line
        good.append(row)
    good, more_errors = _known_products_and_new_serials(brand, good)
    errors.extend(more_errors)
    errors.sort(key=lambda e: e["line"])
    return good, errors, total


def _known_products_and_new_serials(brand: Organisation, rows: list[ItemRow]):
    products = brand_products(brand, {row.gtin for row in rows})
    errors, candidates = [], []
    for row in rows:
        if row.gtin not in products:
            errors.append(
                {
                    "line": row.line,
                    "reason": "unknown_product",
                    "message": f"no product with GTIN {row.gtin} for {brand}",
                }
            )
        else:
            candidates.append(row)
    existing = set()
    for start in range(0, len(candidates), 5000):
        chunk = candidates[start : start + 5000]
        existing |= set(
            Item.objects.filter(product__brand=brand, serial__in={r.serial for r in chunk}).values_list(
                "product__gtin", "serial"
            )
        )
    fresh = []
    for row in candidates:
        if (row.gtin, row.serial) in existing:
            errors.append(
                {
                    "line": row.line,
                    "reason": "already_registered",
                    "message": "this GTIN and serial is already registered",
                }
            )
        else:
            fresh.append(row)
    return fresh, errors


# --- running -------------------------------------------------------------------------------


def _claim(job_id: int) -> BulkJob | None:
    """Take a queued job, or resume one a dead worker left (acks_late redelivers it)."""
    started = BulkJob.objects.filter(
        pk=job_id, state__in=[BulkJob.State.QUEUED, BulkJob.State.VALIDATING]
    ).update(state=BulkJob.State.VALIDATING, started_at=timezone.now(), processed_rows=0)
    return BulkJob.objects.get(pk=job_id) if started else None


def run_job(job_id: int, *, enqueue_chunk) -> None:
    """Check every row, then hand the good rows to `enqueue_chunk(job_id, rows)` in chunks."""
    job = _claim(job_id)
    if job is None:
        return
    with job.upload.open("rb") as data:
        good, errors, total = check_rows(
            job.brand,
            read_rows(data, job.file_format),
            on_progress=lambda n: BulkJob.objects.filter(pk=job.pk).update(processed_rows=n),
        )
    job.errors = errors[:MAX_REPORTED_ERRORS]
    job.bad_rows = len(errors)
    job.total_rows = total
    if errors and not job.skip_bad_rows:
        job.state = BulkJob.State.REJECTED
        job.message = f"{len(errors)} bad rows: nothing was registered. Fix them, or choose to skip bad rows."
        job.finished_at = timezone.now()
        job.save()
        return
    with transaction.atomic():  # the job moves on with every chunk asked for, or neither
        job.state = BulkJob.State.REGISTERING
        job.processed_rows = len(errors)
        job.save()
        if not good:
            _finish(job.pk)
            return
        for start in range(0, len(good), CHUNK_ROWS):
            enqueue_chunk(job.pk, [_row_payload(r) for r in good[start : start + CHUNK_ROWS]])


def _row_payload(row: ItemRow) -> list:
    return [
        row.gtin,
        row.serial,
        row.lot,
        row.production_date.isoformat() if row.production_date else "",
        row.origin,
        row.line,
    ]


def register_chunk(job_id: int, payload: list[list]) -> int:
    """Register one chunk of a job. Rows this job registered already (a retried chunk) are
    skipped silently; rows someone else registered meanwhile are reported as bad rows."""
    job = BulkJob.objects.select_related("brand").get(pk=job_id)
    rows = [
        check_item_row(gtin=g, serial=s, lot=lot, production_date=d, origin=o, line=n)
        for g, s, lot, d, o, n in payload
    ]
    existing = {
        (gtin, serial): owner_job
        for gtin, serial, owner_job in Item.objects.filter(
            product__brand=job.brand, serial__in={r.serial for r in rows}
        ).values_list("product__gtin", "serial", "bulk_job_id")
    }
    fresh = [r for r in rows if (r.gtin, r.serial) not in existing]
    taken = [r for r in rows if existing.get((r.gtin, r.serial), job_id) != job_id]
    # The items and the job's counts in one transaction: a worker killed in between would
    # leave items the retried chunk skips and counts that never reach the total.
    with transaction.atomic():
        if fresh:
            register_rows(brand=job.brand, rows=fresh, bulk_job=job)
        job = BulkJob.objects.select_for_update().get(pk=job_id)
        job.processed_rows += len(fresh) + len(taken)
        job.registered_rows += len(fresh)
        if taken:
            job.bad_rows += len(taken)
            job.errors = (
                job.errors
                + [
                    {
                        "line": r.line,
                        "reason": "already_registered",
                        "message": "registered by someone else meanwhile",
                    }
                    for r in taken
                ]
            )[:MAX_REPORTED_ERRORS]
        if job.processed_rows >= job.total_rows and job.state == BulkJob.State.REGISTERING:
            job.state = BulkJob.State.DONE
            job.finished_at = timezone.now()
        job.save()
    return len(fresh)


def _finish(job_id: int) -> None:
    BulkJob.objects.filter(pk=job_id).update(state=BulkJob.State.DONE, finished_at=timezone.now())


def fail_job(job_id: int, message: str) -> None:
    BulkJob.objects.filter(pk=job_id).exclude(state=BulkJob.State.DONE).update(
        state=BulkJob.State.FAILED, message=message[:2000], finished_at=timezone.now()
    )
