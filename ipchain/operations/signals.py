"""Receivers connected when the app loads: failed Celery tasks are recorded."""

import logging

from celery.signals import task_failure

from .workers import record_failure

log = logging.getLogger(__name__)


@task_failure.connect(dispatch_uid="operations-record-failed-task")
def task_failed(sender=None, task_id=None, exception=None, args=None, kwargs=None, einfo=None, **extra):
    try:
        record_failure(
            task_name=getattr(sender, "name", str(sender)),
            task_id=task_id or "",
            args=args,
            kwargs=kwargs,
            exception=exception,
            traceback=str(einfo or ""),
        )
    except Exception:
        # Recording is a convenience for the dashboard: it must never hide the task's own error.
        log.exception("could not record the failure of task %s", task_id)
