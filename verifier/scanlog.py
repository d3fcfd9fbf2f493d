"""The scan log, written in batches after the responses that produced it.

A verdict must not wait for its log row. Each scan (and the alert it raises, if any) is
queued in the process (as the Scan's field values; a scan always carries its `ref`) and
written by one COPY (PostgreSQL; an INSERT elsewhere) when the queue is
IPCHAIN_SCAN_LOG["batch"] rows long or IPCHAIN_SCAN_LOG["seconds"] old: at the end of a
request, once the response has gone to the client (Django's request_finished), or by a
timer thread when the process has no more requests, and when the process exits. The
scan's public reference (a UUID) is made before the row is written, so the verdict can
name its scan at once. With "seconds" 0 each scan is written before its verdict is
answered (simplest, slower; the tests use it).

What a stop loses. A normal stop loses nothing: gunicorn's workers leave through
sys.exit on SIGTERM, SIGINT and SIGQUIT (and on max-requests), so the atexit hook below
writes what they hold (tests/verifier/test_hot_path_scanlog.py stops a real gunicorn). A
worker killed with SIGKILL (the kernel's OOM killer; gunicorn's own after --timeout, or
--graceful-timeout on a stop) runs no code: it loses the scans it held, at most
"batch" - 1 of them and none older than "seconds" (never a verdict already given, never
the ledger). A failed write (the database gone) is logged with the count it lost.
Other processes see a sighting up to "seconds" late, which no clone rule can notice (no
one travels far in a second).
"""

import atexit
import json
import logging
import os
import threading
import time

from django.conf import settings
from django.core.signals import request_finished
from django.db import connection, transaction
from django.db.models import JSONField

from .alerts import add_alert
from .metrics import count_verdict
from .models import Scan

log = logging.getLogger(__name__)

_lock = threading.Lock()
# One batch written at a time: the flush at exit waits for a batch the timer thread is still
# writing (daemon threads run on during atexit, and are stopped only after it).
_writing = threading.Lock()
_queue: list[tuple[dict, dict | None]] = []
_oldest = 0.0
_timer_pid = 0


def queue(scan: dict, alert: dict | None = None) -> None:
    """Log a scan (its Scan fields by attname; the fields of the Alert it raises, if any)
    soon; written by `flush`."""
    global _oldest
    count_verdict(scan["verdict"])  # Prometheus ipchain_verdicts_total
    if settings.IPCHAIN_SCAN_LOG["seconds"] <= 0:
        write([(scan, alert)])  # unbatched: written before the verdict is answered
        return
    with _lock:
        if not _queue:
            _oldest = time.monotonic()
        _queue.append((scan, alert))
    _start_timer()


def pending() -> int:
    return len(_queue)


def flush() -> int:
    """Write every queued scan and its alerts now; returns how many scans were written."""
    global _queue
    with _writing:
        with _lock:
            batch, _queue = _queue, []
        if not batch:
            return 0
        try:
            write(batch)
        except Exception:
            # The log is best effort by design (see above): a failed batch is reported, and
            # the verdicts it recorded were already given.
            log.exception("could not write %d scans", len(batch))
            return 0
        return len(batch)


def write(batch: list[tuple[dict, dict | None]]) -> None:
    with transaction.atomic():
        alerting = batch
        if connection.vendor == "postgresql":
            # No wait for the disk flush of the log's commit (PostgreSQL "asynchronous
            # commit"): a crash loses the last moments of the log, never corrupts it.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
                _copy(cursor, [scan for scan, alert in batch if alert is None])
            alerting = [(scan, alert) for scan, alert in batch if alert is not None]
        if not alerting:
            return
        # Alerts name their scan's id, which bulk_create returns (these are few); an alert of
        # the same kind on the same item, unread, takes the repeat instead (alerts.py).
        scans = Scan.objects.bulk_create([Scan(**scan) for scan, _ in alerting])
        for row, (_, fields) in zip(scans, alerting, strict=True):
            if fields:
                add_alert(fields | {"scan": row})


def _copy(cursor, scans: list[dict]) -> None:
    """Scans without alerts, by PostgreSQL's COPY: less than half the time of an INSERT of
    the same rows built by Django, and no model instance per scan (bench/README.md). Every
    column is written (a field a scan does not give takes the model's default), each value
    in COPY's text form by psycopg, JSON encoded as the model field would."""
    if not scans:
        return
    fields = [f for f in Scan._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_default() for f in fields if any(f.attname not in s for s in scans)}
    encode = {
        f.attname: (lambda value, f=f: None if value is None else json.dumps(value, cls=f.encoder))
        for f in fields
        if isinstance(f, JSONField)
    }
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(Scan._meta.db_table)
    with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for scan in scans:
            row = [scan.get(f.attname, defaults.get(f.attname)) for f in fields]
            for i, f in enumerate(fields):
                if f.attname in encode:
                    row[i] = encode[f.attname](row[i])
            copy.write_row(row)


def _due() -> bool:
    rules = settings.IPCHAIN_SCAN_LOG
    return bool(_queue) and (len(_queue) >= rules["batch"] or time.monotonic() - _oldest >= rules["seconds"])


def flush_if_due(**kwargs) -> None:
    if _due():
        flush()


request_finished.connect(flush_if_due, dispatch_uid="verifier.scanlog")


def _start_timer() -> None:
    """One daemon thread per process writes what idle workers leave queued."""
    global _timer_pid
    if _timer_pid == os.getpid():
        return
    with _lock:
        if _timer_pid == os.getpid():
            return
        _timer_pid = os.getpid()  # a forked child starts its own
    threading.Thread(target=_timer, name="scan-log", daemon=True).start()


def _timer() -> None:
    while True:
        # Half the age limit (so a batch waits at most 1.5 times it), and at most a second,
        # so a changed setting is taken within a second.
        time.sleep(min(1.0, max(0.05, settings.IPCHAIN_SCAN_LOG["seconds"] / 2)))
        if not _due():
            continue
        try:
            flush()
            # This thread writes only when the workers are idle: it keeps no connection
            # open between times (nor one that would block dropping a test database).
            connection.close()
        except Exception:  # the thread must outlive any one failure
            log.exception("scan log timer")


atexit.register(flush)
