"""Integration through a real broker and worker, as in production (needs Redis: CI has it)."""

import os
import signal
import subprocess
import sys
import time

import pytest

from config import celery_app
from ipchain.ledger import log
from ipchain.ledger.models import LogEntry, SignedCheckpoint
from ipchain.ledger.notes import open_checkpoint

from .helpers import ROOT, child_env

BROKER = os.environ.get("CELERY_BROKER_URL", "")

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not BROKER.startswith("redis://"), reason="needs a Redis broker: set CELERY_BROKER_URL"
    ),
]


def start_worker(*queues: str) -> subprocess.Popen:
    env = child_env() | {"CELERY_BROKER_URL": BROKER}
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--pool",
        "solo",
        "--loglevel",
        "WARNING",
    ]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    if queues:
        command += ["-Q", ",".join(queues)]
    return subprocess.Popen(command, cwd=ROOT, env=env)


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)


@pytest.fixture
def worker():
    process = start_worker()  # no -Q: every queue
    yield process
    stop(process)


def wait_integrated(entry, worker) -> None:
    deadline = time.monotonic() + 60
    while LogEntry.objects.get(pk=entry.pk).is_pending:
        assert worker.poll() is None, "the worker died"
        assert time.monotonic() < deadline, "not integrated within 60 s"
        time.sleep(0.2)


def test_an_append_is_integrated_by_the_worker_through_the_broker(worker, settings, log_verifier):
    celery_app.conf.task_always_eager = False
    try:
        entry = log.append({"type": "test", "via": "broker"})
        wait_integrated(entry, worker)
    finally:
        celery_app.conf.task_always_eager = True
    assert LogEntry.objects.get(pk=entry.pk).leaf_index == 0
    assert open_checkpoint(SignedCheckpoint.objects.get().note, log_verifier).size == 1


def test_a_worker_of_the_integration_queue_alone_integrates_and_leaves_the_notifications(settings):
    """Each kind of work has its queue (settings.CELERY_TASK_ROUTES): a worker started with
    `-Q integration` integrates the log and takes no notification."""
    import redis

    broker = redis.Redis.from_url(BROKER)
    broker.delete("notifications")
    celery_app.conf.task_always_eager = False
    process = start_worker("integration")
    try:
        celery_app.send_task("verifier.tasks.notify_holder", args=[0])
        entry = log.append({"type": "test", "via": "integration queue"})
        wait_integrated(entry, process)
        assert broker.llen("notifications") == 1  # waiting for a notifications worker
    finally:
        celery_app.conf.task_always_eager = True
        stop(process)
        broker.delete("notifications")
