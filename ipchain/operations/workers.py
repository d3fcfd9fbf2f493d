"""Worker health: the depth of each Celery queue, failed tasks, and sending one again.

Read by the dashboard (ipchain.dashboard) and by /metrics; written only here.
"""

import json
import uuid

from celery import current_app
from django.db import transaction
from django.utils import timezone

from ipchain.outbox.enqueue import embedded

from .models import FailedTask

# kombu's Redis transport keeps each priority of a queue in its own list: the queue's own
# name for priority 0, then "<queue>\x06\x16<step>" for the other steps
# (kombu.transport.redis.Channel._q_for_pri, PRIORITY_STEPS and `sep`).
KOMBU_PRIORITY_SEP = "\x06\x16"
KOMBU_PRIORITY_STEPS = (0, 3, 6, 9)
REDIS_SCHEMES = ("redis", "rediss")


class RetryRefused(Exception):
    """A failed task that cannot be sent again; `reason` is machine-readable."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def broker_kind() -> str:
    """The broker: "eager" in the embedded default, else its URL's scheme ("redis", ...)."""
    if embedded():
        return "eager"
    return str(current_app.conf.broker_url or "").split(":", 1)[0] or "unknown"


def configured_queues() -> list[str]:
    """The default queue, every declared queue and every queue a route names."""
    conf = current_app.conf
    names = [conf.task_default_queue or "celery"]
    for queue in conf.task_queues or ():
        names.append(getattr(queue, "name", queue))
    routes = conf.task_routes or {}
    if isinstance(routes, dict):
        names.extend(
            route["queue"] for route in routes.values() if isinstance(route, dict) and route.get("queue")
        )
    return list(dict.fromkeys(str(name) for name in names))


def redis_queue_keys(queue: str) -> list[str]:
    steps = current_app.conf.broker_transport_options.get("priority_steps", KOMBU_PRIORITY_STEPS)
    return [queue if not step else f"{queue}{KOMBU_PRIORITY_SEP}{step}" for step in steps]


def queue_depths() -> dict[str, int]:
    """Messages waiting in each configured queue (all priorities summed).

    Empty in eager mode (`broker_kind() == "eager"`): there is no queue, a task runs when it
    is sent. Only the Redis broker is measured; raises redis' ConnectionError when it is down.
    """
    if broker_kind() not in REDIS_SCHEMES:
        return {}
    import redis

    client = redis.Redis.from_url(current_app.conf.broker_url, socket_timeout=2, socket_connect_timeout=2)
    try:
        queues = configured_queues()
        pipe = client.pipeline(transaction=False)
        for queue in queues:
            for key in redis_queue_keys(queue):
                pipe.llen(key)
        sizes = iter(pipe.execute())
        return {queue: sum(next(sizes) for _ in redis_queue_keys(queue)) for queue in queues}
    finally:
        client.close()


def _as_json(value, empty):
    """The task's arguments as stored: JSON as is, anything else by its repr."""
    if value is None:
        return empty
    return json.loads(json.dumps(value, default=repr))


def record_failure(*, task_name, task_id, args, kwargs, exception, traceback) -> FailedTask:
    return FailedTask.objects.create(
        task_name=task_name[:200],
        task_id=str(task_id)[:64],
        args=_as_json(list(args) if args is not None else None, []),
        kwargs=_as_json(dict(kwargs) if kwargs is not None else None, {}),
        exception_type=type(exception).__name__ if exception is not None else "",
        exception_message=str(exception) if exception is not None else "",
        traceback=traceback,
    )


def failed_tasks(*, limit: int = 50, include_retried: bool = False):
    """The newest failures, those not yet sent again unless asked."""
    rows = FailedTask.objects.all()
    if not include_retried:
        rows = rows.filter(retried_at__isnull=True)
    return rows[:limit]


def retry_failed_task(failed: FailedTask, *, by) -> str:
    """Send the failed task again by name with its arguments; returns the new task's id.

    Only a task this node registers can be sent (never a name typed into the database), and
    each failure only once: the claim is a conditional UPDATE, so two administrators pressing
    "retry" together send it once. The task goes after commit, like every task we queue.
    """
    # A web process has imported only the task modules its views needed: load every app's
    # tasks first, as a worker does at start-up (cheap once done), or the admin's retry
    # would refuse real tasks as unknown.
    current_app.loader.import_default_modules()
    task = current_app.tasks.get(failed.task_name)
    if task is None or failed.task_name.startswith("celery."):
        raise RetryRefused("unknown_task", f"no task named {failed.task_name!r} is registered")
    new_id = str(uuid.uuid4())
    claimed = FailedTask.objects.filter(pk=failed.pk, retried_at__isnull=True).update(
        retried_at=timezone.now(), retry_task_id=new_id, retried_by=by
    )
    if not claimed:
        raise RetryRefused("already_retried", "this failure was already sent again")
    failed.refresh_from_db()
    args, kwargs = list(failed.args), dict(failed.kwargs)
    transaction.on_commit(lambda: task.apply_async(args=args, kwargs=kwargs, task_id=new_id))
    return new_id
