"""Failed Celery tasks are recorded, can be sent again by name, and queue depths are read."""

import os

import pytest
import redis
from celery import shared_task
from django.contrib.auth import get_user_model

from config import celery_app
from ipchain.operations import workers
from ipchain.operations.models import FailedTask

pytestmark = pytest.mark.django_db(transaction=True)
BROKER = os.environ.get("CELERY_BROKER_URL", "")

CALLS: list[tuple] = []


@shared_task(name="tests.operations.flaky")
def flaky(n, *, fail):
    CALLS.append((n, fail))
    if fail:
        raise ValueError(f"flaky failed on {n}")
    return n


@pytest.fixture
def admin_user():
    return get_user_model().objects.create_superuser("ops", "ops@example.org", "x-test-pass")


@pytest.fixture(autouse=True)
def failures_do_not_propagate():
    """Eager mode, but as a worker sees it: with task_eager_propagates (the project's embedded
    default) the error goes straight to the caller and Celery sends no task_failure signal."""
    celery_app.conf.task_eager_propagates = False
    yield
    celery_app.conf.task_eager_propagates = True


def fail_once() -> FailedTask:
    result = flaky.delay(7, fail=True)
    assert result.failed()
    return FailedTask.objects.get()


def test_a_failing_task_records_a_row():
    failed = fail_once()
    assert failed.task_name == "tests.operations.flaky"
    assert failed.args == [7]
    assert failed.kwargs == {"fail": True}
    assert failed.exception_type == "ValueError"
    assert failed.exception_message == "flaky failed on 7"
    assert "raise ValueError" in failed.traceback
    assert failed.task_id
    assert failed.retried_at is None


def test_retry_sends_the_task_again_with_its_arguments(admin_user):
    failed = fail_once()
    FailedTask.objects.filter(pk=failed.pk).update(kwargs={"fail": False})  # the cause was fixed
    CALLS.clear()
    new_id = workers.retry_failed_task(failed, by=admin_user)
    assert CALLS == [(7, False)]
    failed.refresh_from_db()
    assert failed.retry_task_id == new_id
    assert failed.retried_at is not None
    assert failed.retried_by == admin_user


def test_a_failure_is_sent_again_only_once(admin_user):
    failed = fail_once()
    FailedTask.objects.filter(pk=failed.pk).update(kwargs={"fail": False})
    workers.retry_failed_task(failed, by=admin_user)
    with pytest.raises(workers.RetryRefused) as refused:
        workers.retry_failed_task(failed, by=admin_user)
    assert refused.value.reason == "already_retried"


def test_the_admin_shows_the_traceback_escaped(client, admin_user):
    failed = fail_once()
    client.force_login(admin_user)
    page = client.get(f"/admin/operations/failedtask/{failed.pk}/change/").content.decode()
    assert "<pre" in page and "raise ValueError(f&quot;flaky failed on {n}&quot;)" in page


def test_an_unknown_task_name_is_refused(admin_user):
    failed = FailedTask.objects.create(
        task_name="os.system", task_id="x", args=["rm -rf /"], exception_type="E"
    )
    with pytest.raises(workers.RetryRefused) as refused:
        workers.retry_failed_task(failed, by=admin_user)
    assert refused.value.reason == "unknown_task"
    failed.refresh_from_db()
    assert failed.retried_at is None


def test_the_admin_retry_action_sends_the_task(client, admin_user):
    failed = fail_once()
    FailedTask.objects.filter(pk=failed.pk).update(kwargs={"fail": False})
    client.force_login(admin_user)
    CALLS.clear()
    response = client.post(
        "/admin/operations/failedtask/", {"action": "retry", "_selected_action": [failed.pk]}, follow=True
    )
    assert response.status_code == 200
    assert CALLS == [(7, False)]


def test_queue_depths_are_empty_and_say_eager_without_a_broker():
    assert workers.broker_kind() == "eager"
    assert workers.queue_depths() == {}


@pytest.mark.skipif(not BROKER.startswith("redis://"), reason="needs a Redis broker: set CELERY_BROKER_URL")
def test_queue_depths_count_every_priority_on_redis(monkeypatch):
    """Lists named as kombu names them: the queue itself for priority 0, then
    "<queue>\\x06\\x16<step>". A queue of this test's own, so the broker's real ones are untouched."""
    monkeypatch.setenv("CELERY_BROKER_URL", BROKER)  # Celery's conf.broker_url prefers it
    client = redis.Redis.from_url(BROKER)
    queue = "ops-test-depths"
    keys = [queue, f"{queue}\x06\x163", f"{queue}\x06\x169"]
    client.delete(*keys)
    client.rpush(queue, b"a", b"b")
    client.rpush(keys[2], b"c")
    old = celery_app.conf.broker_url, celery_app.conf.task_default_queue
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url, celery_app.conf.task_default_queue = BROKER, queue
    try:
        assert workers.broker_kind() == "redis"
        depths = workers.queue_depths()
        assert depths[queue] == 3
        # Every queue the routes name is counted too (settings.CELERY_TASK_ROUTES).
        assert {"integration", "bulk", "labels", "notifications"} <= set(depths)
    finally:
        celery_app.conf.broker_url, celery_app.conf.task_default_queue = old
        celery_app.conf.task_always_eager = True
        client.delete(*keys)
