"""The one way work is handed to the Celery workers: after the transaction commits.

Services name tasks by their dotted path and never import them (tasks import services):

- `enqueue` for work that must happen once per request (a bulk job, a label sheet, a
  notification). The request is written to the outbox in the caller's transaction and sent
  after the commit; if the broker is down the row waits and `send_waiting` (beat) sends it
  later, so a committed write never answers 500 for the broker and never loses its task.
  A row sent but not yet deleted when its process dies is sent again: every task queued
  this way claims its work with a conditional UPDATE and is safe to run twice.
- `nudge` for idempotent tasks that a periodic run would catch up anyway (integrate,
  cosign, fold): no row, and at most one leading and one trailing send per `every`
  seconds, so a burst of requests costs two messages and the last of them is still
  followed by a run (the trailing edge).

In the embedded mode (no broker: Celery runs tasks eagerly, `embedded()`), both run the task
in this process right after the commit; a failure is logged and recorded (operations'
task_failure receiver), never raised into the request that already committed. An `enqueue`d
task (a bulk job, a label sheet: work that may take minutes) runs there on one background
thread, the embedded worker, one task after another, so the request answers at once and its
page shows the progress as with a real worker (IPCHAIN_EMBEDDED_WORKER; tests turn it off to
run tasks inline). Work it had not finished when the process stopped is not picked up again:
the embedded mode is for trying the service, a real broker and worker for keeping it.
"""

import atexit
import logging
import math
import queue
import threading
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import OutboxTask

log = logging.getLogger(__name__)


def embedded() -> bool:
    """The embedded mode: no broker, every task runs in the process that asks for it."""
    return bool(current_app.conf.task_always_eager)


def enqueue(task: str, *args, **kwargs) -> None:
    """Run `task(*args, **kwargs)` once the current transaction commits (at once outside one).
    The arguments must be JSON: ids, not objects (the task loads what it needs)."""
    if embedded():
        if settings.IPCHAIN_EMBEDDED_WORKER:
            transaction.on_commit(lambda: _embedded_worker().put((task, args, kwargs)))
        else:
            transaction.on_commit(lambda: run_inline(task, args, kwargs))
        return
    row = OutboxTask.objects.create(task=task, args=list(args), kwargs=kwargs)
    transaction.on_commit(lambda: _send(row))


def nudge(task: str, *, every: float, trailing: bool = True, **kwargs) -> None:
    """Ask for an idempotent periodic task to run soon after the commit: at once if it was
    not sent within `every` seconds, else (with `trailing`) once more at the end of that
    window."""
    if embedded():
        transaction.on_commit(lambda: run_inline(task, (), kwargs))
        return
    transaction.on_commit(lambda: _debounced(task, kwargs, every, trailing))


def run_inline(task: str, args, kwargs) -> None:
    result = import_string(task).apply(args=list(args), kwargs=kwargs, throw=False)
    if result.failed():
        log.error("task %s failed: %r", task, result.result)


_worker_queue: queue.Queue | None = None
_worker_lock = threading.Lock()


def _embedded_worker() -> queue.Queue:
    """The embedded worker's queue; its thread starts with the first task."""
    global _worker_queue
    with _worker_lock:
        if _worker_queue is None:
            _worker_queue = queue.Queue()
            # A command or a server that exits normally first finishes what it was given.
            atexit.register(wait_for_embedded_worker)
            threading.Thread(
                target=_work, args=(_worker_queue,), name="ipchain-embedded-worker", daemon=True
            ).start()
    return _worker_queue


def _work(tasks: queue.Queue) -> None:
    while True:
        task, args, kwargs = tasks.get()
        try:
            run_inline(task, args, kwargs)
        except Exception:  # never let one task stop the worker
            log.exception("task %s failed in the embedded worker", task)
        finally:
            connections.close_all()  # this thread's own connections
            tasks.task_done()


def wait_for_embedded_worker() -> None:
    """Until the embedded worker has run every task given to it (tests, the demo's set-up)."""
    if _worker_queue is not None:
        _worker_queue.join()


def _debounced(task: str, kwargs: dict, every: float, trailing: bool) -> None:
    seconds = max(1, math.ceil(every))  # the cache counts whole seconds
    key = f"ipchain:nudged:{task}"
    try:
        if cache.add(key, 1, timeout=seconds):
            _publish(task, (), kwargs)
        elif trailing and cache.add(key + ":trailing", 1, timeout=seconds):
            # Runs after every request of this window committed: none is left waiting for the
            # periodic run.
            _publish(task, (), kwargs, countdown=seconds)
    except Exception:
        # The broker or the cache is down: the periodic run catches up (docs/deploy.md).
        log.warning("could not ask for %s now; the periodic run will do it", task, exc_info=True)


def _publish(task: str, args, kwargs, **options) -> None:
    # By name: the producer need not import the task, and retry=False fails at once when the
    # broker is down instead of holding the request that committed.
    current_app.send_task(task, args=list(args), kwargs=kwargs, retry=False, **options)


def _send(row: OutboxTask) -> bool:
    try:
        _publish(row.task, row.args, row.kwargs)
    except Exception as exc:
        OutboxTask.objects.filter(pk=row.pk).update(
            attempts=row.attempts + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        log.warning("task %s waits in the outbox (#%s): %s", row.task, row.pk, exc)
        return False
    OutboxTask.objects.filter(pk=row.pk).delete()
    return True


def send_waiting(*, older_than_seconds: float = 10, limit: int = 1000) -> int:
    """Send the tasks still in the outbox (the broker was down, or the process that committed
    them died before sending); returns how many were sent. Rows younger than
    `older_than_seconds` are left to the process that wrote them."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    sent = 0
    with transaction.atomic():
        # Two sweeps at once take different rows.
        rows = list(
            OutboxTask.objects.select_for_update(skip_locked=True).filter(created_at__lte=cutoff)[:limit]
        )
        for row in rows:
            if not _send(row):
                break  # the broker is still down: the next sweep tries again
            sent += 1
    return sent
