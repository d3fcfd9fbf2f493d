"""Failed tasks through a real broker and worker, as in production (needs Redis: CI has it):
the worker records the failure, the queue depth counts what waits, a retry goes to the broker."""

import os
import signal
import subprocess
import sys
import time

import pytest
from django.contrib.auth import get_user_model

from config import celery_app
from ipchain.operations import workers
from ipchain.operations.models import FailedTask
from tests.ipchain.ledger.helpers import ROOT, child_env
from verifier.tasks import notify_holder

BROKER = os.environ.get("CELERY_BROKER_URL", "")
MISSING_CASE = 987654

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not BROKER.startswith("redis://"), reason="needs a Redis broker: set CELERY_BROKER_URL"
    ),
]


@pytest.fixture
def broker():
    """Tasks go to the broker (not eagerly), which starts empty."""
    celery_app.conf.task_always_eager = False
    purge_all()
    yield
    purge_all()
    celery_app.conf.task_always_eager = True


def purge_all() -> None:
    with celery_app.connection_for_write() as conn:
        for queue in workers.configured_queues():
            conn.default_channel.queue_purge(queue)


def start_worker() -> subprocess.Popen:
    env = child_env() | {"CELERY_BROKER_URL": BROKER}
    quiet = ["--loglevel", "ERROR", "--without-gossip", "--without-mingle", "--without-heartbeat"]
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", *quiet],
        cwd=ROOT,
        env=env,
    )


def wait_for(condition, worker, what: str) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert worker.poll() is None, "the worker died"
        assert time.monotonic() < deadline, f"not {what} within 60 s"
        time.sleep(0.2)


def test_a_task_failing_in_the_worker_is_recorded_and_a_retry_goes_through_the_broker(broker):
    notify_holder.delay(MISSING_CASE)
    notify_holder.apply_async(args=[MISSING_CASE], priority=9)
    # Both priorities counted, in the notifications' queue (CELERY_TASK_ROUTES); none consumed yet.
    assert workers.queue_depths()["notifications"] == 2

    worker = start_worker()
    try:
        wait_for(lambda: FailedTask.objects.count() == 2, worker, "recorded")
        failed = FailedTask.objects.first()
        assert failed.task_name == "verifier.tasks.notify_holder"
        assert failed.args == [MISSING_CASE]
        assert failed.exception_type == "DoesNotExist"
        assert "Case matching query does not exist" in failed.exception_message
        assert set(workers.queue_depths().values()) == {0}

        admin = get_user_model().objects.create_superuser("ops", "ops@example.org", "x-test-pass")
        new_id = workers.retry_failed_task(failed, by=admin)
        # The case still does not exist: the retried task fails again, under its new id.
        wait_for(lambda: FailedTask.objects.filter(task_id=new_id).exists(), worker, "retried")
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
    assert FailedTask.objects.count() == 3
