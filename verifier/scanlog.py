"""The scan log, written in batches after the responses that produced it.

A verdict must not wait for its log row. Each scan (and the alert it raises, if any) is
queued in the process and written by one bulk insert when the queue is
IPCHAIN_SCAN_LOG["batch"] rows long or IPCHAIN_SCAN_LOG["seconds"] old: at the end of a
request, once the response has gone to the client (Django's request_finished), or by a
timer thread when the process has no more requests, and when the process exits. The
scan's public reference (a UUID) is made before the row is written, so the verdict can
name its scan at once. With "seconds" 0 each scan is written before its verdict is
answered (simplest, slower; the tests use it).

The trade-off: a worker killed with SIGKILL loses at most one batch of log rows (never a
verdict already given, never the ledger); other processes see a sighting up to that many
seconds late, which no clone rule can notice (no one travels far in a second).
"""

import atexit
import logging
import os
import threading
import time

from django.conf import settings
from django.core.signals import request_finished
from django.db import close_old_connections, connection, transaction

from ipchain.operations.metrics import count_verdict

from .models import Alert, Scan

log = logging.getLogger(__name__)

_lock = threading.Lock()
_queue: list[tuple[Scan, dict | None]] = []
_oldest = 0.0
_timer_pid = 0


def queue(scan: Scan, alert: dict | None = None) -> None:
    """Log `scan` (with the fields of the Alert it raises) soon; written by `flush`."""
    global _oldest
    count_verdict(scan.verdict)  # Prometheus ipchain_verdicts_total
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
    with _lock:
        batch, _queue = _queue, []
    if not batch:
        return 0
    try:
        write(batch)
    except Exception:
        # The log is best effort by design (see above): a failed batch is reported, and the
        # verdicts it recorded were already given.
        log.exception("could not write %d scans", len(batch))
        return 0
    return len(batch)


def write(batch: list[tuple[Scan, dict | None]]) -> None:
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # No wait for the disk flush of the log's commit (PostgreSQL "asynchronous
            # commit"): a crash loses the last moments of the log, never corrupts it.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        scans = Scan.objects.bulk_create([scan for scan, _ in batch])
        alerts = [
            Alert(scan=scan, **fields) for scan, (_, fields) in zip(scans, batch, strict=True) if fields
        ]
        if alerts:
            Alert.objects.bulk_create(alerts)


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
        time.sleep(max(0.05, settings.IPCHAIN_SCAN_LOG["seconds"]))
        if _due():
            flush()
            close_old_connections()


atexit.register(flush)
