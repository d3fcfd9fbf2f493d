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


@pytest.fixture
def worker():
    env = child_env() | {"CELERY_BROKER_URL": BROKER}
    process = subprocess.Popen(
        [
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
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
    )
    yield process
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)


def test_an_append_is_integrated_by_the_worker_through_the_broker(worker, settings, log_verifier):
    celery_app.conf.task_always_eager = False
    try:
        entry = log.append({"type": "test", "via": "broker"})
        deadline = time.monotonic() + 60
        while LogEntry.objects.get(pk=entry.pk).is_pending:
            assert worker.poll() is None, "the worker died"
            assert time.monotonic() < deadline, "not integrated within 60 s"
            time.sleep(0.2)
    finally:
        celery_app.conf.task_always_eager = True
    assert LogEntry.objects.get(pk=entry.pk).leaf_index == 0
    assert open_checkpoint(SignedCheckpoint.objects.get().note, log_verifier).size == 1
