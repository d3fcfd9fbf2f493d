"""Handing work to the workers after commit: a broker that is down never fails a request that
committed, its task waits in the outbox and goes when the broker is back; nudges are sent at
most twice a window, the second at its end (the trailing edge)."""

import subprocess

import pytest
from django.db import transaction
from kombu.exceptions import OperationalError

from config import celery_app
from ipchain.outbox import enqueue
from ipchain.outbox.models import OutboxTask
from tests import factories
from tests.ipchain.ledger.helpers import child_env, run_python

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_a_broker(monkeypatch):
    """Not the embedded mode; what reaches the broker is recorded, or refused while `down`."""
    sent, state = [], {"down": False}

    def send_task(name, args=(), kwargs=None, **options):
        if state["down"]:
            raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        sent.append((name, list(args), kwargs or {}, options.get("countdown")))

    monkeypatch.setattr(celery_app, "send_task", send_task)
    celery_app.conf.task_always_eager = False
    yield sent, state
    celery_app.conf.task_always_eager = True


def test_the_embedded_mode_runs_the_task_after_commit(django_capture_on_commit_callbacks):
    assert enqueue.embedded()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        enqueue.enqueue("ipchain.outbox.tasks.send_waiting")
    assert len(callbacks) == 1 and not OutboxTask.objects.exists()


def test_a_failing_task_in_the_embedded_mode_is_logged_and_recorded_not_raised(caplog):
    from ipchain.operations.models import FailedTask

    enqueue.run_inline("verifier.tasks.notify_holder", [987654], {})  # no such case
    assert "task verifier.tasks.notify_holder failed" in caplog.text
    (failed,) = FailedTask.objects.all()  # as a worker records it, for the dashboard
    assert (failed.task_name, failed.args, failed.exception_type) == (
        "verifier.tasks.notify_holder",
        [987654],
        "DoesNotExist",
    )


def test_a_task_is_sent_after_commit_and_leaves_no_row(with_a_broker, django_capture_on_commit_callbacks):
    sent, _ = with_a_broker
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        enqueue.enqueue("ipchain.registry.tasks.run_bulk_job", 7)
        assert sent == []  # not before the commit
    assert sent == [("ipchain.registry.tasks.run_bulk_job", [7], {}, None)]
    assert not OutboxTask.objects.exists()


def test_with_the_broker_down_the_task_waits_and_goes_when_it_is_back(
    with_a_broker, django_capture_on_commit_callbacks
):
    sent, state = with_a_broker
    state["down"] = True
    with django_capture_on_commit_callbacks(execute=True):
        enqueue.enqueue("ipchain.registry.tasks.run_bulk_job", 7)  # raises nothing
    (row,) = OutboxTask.objects.all()
    assert (row.task, row.args, row.attempts) == ("ipchain.registry.tasks.run_bulk_job", [7], 1)
    assert "Connection refused" in row.last_error
    assert enqueue.send_waiting(older_than_seconds=0) == 0  # still down: kept, tried again
    assert OutboxTask.objects.get().attempts == 2
    state["down"] = False
    assert enqueue.send_waiting(older_than_seconds=3600) == 0  # too young: its writer's business
    assert enqueue.send_waiting(older_than_seconds=0) == 1
    assert sent == [("ipchain.registry.tasks.run_bulk_job", [7], {}, None)]
    assert not OutboxTask.objects.exists()


def test_a_rolled_back_transaction_sends_nothing(with_a_broker, django_capture_on_commit_callbacks):
    sent, _ = with_a_broker
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        enqueue.enqueue("ipchain.registry.tasks.run_bulk_job", 7)
        raise RuntimeError("the write failed")
    assert sent == [] and not OutboxTask.objects.exists()


def test_nudges_in_one_window_send_a_leading_and_a_trailing_task(
    with_a_broker, django_capture_on_commit_callbacks
):
    sent, _ = with_a_broker
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            enqueue.nudge("ipchain.ledger.tasks.integrate_pending", every=1)
    assert sent == [
        ("ipchain.ledger.tasks.integrate_pending", [], {}, None),
        ("ipchain.ledger.tasks.integrate_pending", [], {}, 1),  # after the window: the last is covered
    ]


def test_a_nudge_with_the_broker_down_is_left_to_the_periodic_run(
    with_a_broker, django_capture_on_commit_callbacks, caplog
):
    _, state = with_a_broker
    state["down"] = True
    with django_capture_on_commit_callbacks(execute=True):
        enqueue.nudge("ipchain.ledger.tasks.integrate_pending", every=1)
    assert "the periodic run will do it" in caplog.text


BULK_UPLOAD_WITH_NO_BROKER = """
import time
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from ipchain.outbox.models import OutboxTask
from ipchain.registry.models import BulkJob

client = Client()
client.force_login(get_user_model().objects.get(username={username!r}))
started = time.monotonic()
response = client.post(
    "/api/v1/bulk-jobs", {{"file": SimpleUploadedFile("items.csv", b"gtin,serial\\n{gtin},NB1\\n")}}
)
took = time.monotonic() - started
job = BulkJob.objects.get()
row = OutboxTask.objects.get()
print(response.status_code, job.state, row.task, row.args == [job.pk], row.attempts, took < 3)
"""


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_upload_with_the_broker_unreachable_is_answered_and_its_job_waits():
    """A real producer against a closed port (no mock): the request that committed answers 202
    at once, the job is kept and its task waits in the outbox for the broker."""
    brand = factories.brand("acme")
    product = factories.product(brand)
    admin = factories.brand_admin(brand)
    env = child_env() | {"CELERY_BROKER_URL": "redis://127.0.0.1:1/0", "CELERY_TASK_ALWAYS_EAGER": "0"}
    code = BULK_UPLOAD_WITH_NO_BROKER.format(username=admin.username, gtin=product.gtin)
    child = run_python(code, env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    assert out.split() == ["202", "queued", "ipchain.registry.tasks.run_bulk_job", "True", "1", "True"]
