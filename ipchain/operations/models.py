"""What operations keeps: failed Celery tasks, and the case reminders already sent."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class FailedTask(models.Model):
    """A Celery task that raised, recorded from Celery's task_failure signal so that an office
    administrator can see the error and send the task again (operations.workers)."""

    task_name = models.CharField(max_length=200, db_index=True)
    task_id = models.CharField(max_length=64, db_index=True)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    exception_type = models.CharField(max_length=200)
    exception_message = models.TextField(blank=True)
    traceback = models.TextField(blank=True)
    failed_at = models.DateTimeField(default=timezone.now, db_index=True)
    retried_at = models.DateTimeField(null=True, blank=True)
    retry_task_id = models.CharField(max_length=64, blank=True)
    retried_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-failed_at"]

    def __str__(self) -> str:
        return f"{self.task_name} {self.exception_type} {self.failed_at:%Y-%m-%d %H:%M}"

    @property
    def is_retried(self) -> bool:
        return self.retried_at is not None
