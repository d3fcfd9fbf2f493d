"""A bulk job survives its worker being killed (SIGKILL) in the middle: the task comes back by
itself (the pool process's death gives it back at once; a whole worker's death, after the
broker's visibility timeout; a task not yet sent, from the outbox at beat's next sweep) and the job ends with exactly its items, no more, no fewer, and
a log that audits clean. A real Redis broker and real Celery workers, as in production."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from config import celery_app
from ipchain.ledger import log
from ipchain.ledger.audit import audit_log
from ipchain.ledger.logkey import log_verifier
from ipchain.operations.workers import configured_queues
from ipchain.outbox import enqueue
from ipchain.outbox.models import OutboxTask
from ipchain.registry import bulk
from ipchain.registry.audit import check_record_signatures
from ipchain.registry.models import BulkJob, Item
from tests import factories
from tests.ipchain.ledger.helpers import ROOT, child_env

BROKER = os.environ.get("CELERY_BROKER_URL", "")
ROWS = 3 * bulk.CHUNK_ROWS
VISIBILITY_TIMEOUT = 5

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not BROKER.startswith("redis://"), reason="needs a Redis broker: set CELERY_BROKER_URL"
    ),
]


@pytest.fixture
def broker():
    celery_app.conf.task_always_eager = False
    purge_all()
    yield
    purge_all()
    celery_app.conf.task_always_eager = True


def purge_all() -> None:
    """Every queue, the bulk jobs' own among them (settings.CELERY_TASK_ROUTES)."""
    with celery_app.connection_for_write() as conn:
        for queue in configured_queues():
            conn.default_channel.queue_purge(queue)


def start_worker() -> subprocess.Popen:
    env = child_env() | {
        "CELERY_BROKER_URL": BROKER,
        "IPCHAIN_BROKER_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
    }
    quiet = ["--loglevel", "ERROR", "--without-gossip", "--without-mingle", "--without-heartbeat"]
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency", "1", *quiet],
        cwd=ROOT,
        env=env,
        start_new_session=True,  # its own process group: the whole worker can be killed at once
    )


def children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def wait_for(condition, what: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"not {what} within {seconds} s"
        time.sleep(0.2)


def a_job():
    brand = factories.brand("acme")
    product = factories.product(brand)
    lines = "\n".join(f"{product.gtin},K{n}" for n in range(ROWS))
    upload = SimpleUploadedFile("items.csv", f"gtin,serial\n{lines}\n".encode())
    return bulk.create_job(actor=factories.brand_admin(brand), brand=brand, upload=upload), product


def registered(job) -> int:
    return BulkJob.objects.get(pk=job.pk).registered_rows


def beat_and_done(job) -> bool:
    """What beat does every IPCHAIN_OUTBOX_INTERVAL: send the outbox's rows left behind (a
    worker killed after its chunk committed and before it sent the next chunk's task)."""
    enqueue.send_waiting(older_than_seconds=2)
    return BulkJob.objects.get(pk=job.pk).state == BulkJob.State.DONE


def assert_complete_and_clean(job, product) -> None:
    try:
        wait_for(lambda: beat_and_done(job), "done")
    except AssertionError:
        job.refresh_from_db()  # what the job looked like when it stalled, for whoever reads the failure
        raise AssertionError(
            f"stalled: {job.state} {job.processed_rows}/{job.total_rows} rows, {job.registered_rows} registered,"
            f" outbox {list(OutboxTask.objects.values_list('task', 'attempts', 'last_error'))}"
        ) from None
    job.refresh_from_db()
    assert (job.registered_rows, job.total_rows, job.bad_rows) == (ROWS, ROWS, 0)
    assert Item.objects.filter(product=product).count() == ROWS
    assert sorted(Item.objects.values_list("serial", flat=True)) == sorted(f"K{n}" for n in range(ROWS))
    log.integrate_pending()
    assert audit_log(verifier=log_verifier()).ok
    assert list(check_record_signatures()) == []


def test_a_pool_process_killed_mid_job_gives_its_chunk_back(broker):
    job, product = a_job()
    worker = start_worker()
    try:
        wait_for(lambda: bulk.CHUNK_ROWS <= registered(job) < ROWS, "past the first chunk")
        (pool,) = children(worker.pid)
        os.kill(pool, signal.SIGKILL)  # in the middle of a chunk's signing
        assert_complete_and_clean(job, product)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=60)


def test_a_whole_worker_killed_mid_job_is_finished_by_the_next(broker):
    job, product = a_job()
    first = start_worker()
    try:
        wait_for(lambda: bulk.CHUNK_ROWS <= registered(job) < ROWS, "past the first chunk")
        os.killpg(first.pid, signal.SIGKILL)  # the main process and its pool, no code runs
        first.wait(timeout=30)
        stalled = registered(job)
        assert stalled < ROWS
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    # The killed worker's unacknowledged chunk goes back to the queue once it is older than the
    # visibility timeout, at a live worker's restore pass: kombu makes one as the worker
    # starts, then only every tenth 10-second tick (unacked_restore_throttle). The replacement starts after the timeout,
    # as one would after a crash, so its first pass gives the chunk back (it waited ~100 s,
    # and sometimes past the test's 120 s, when it started at once).
    time.sleep(VISIBILITY_TIMEOUT + 1)
    second = start_worker()
    try:
        assert_complete_and_clean(job, product)
    finally:
        os.killpg(second.pid, signal.SIGTERM)
        second.wait(timeout=60)
