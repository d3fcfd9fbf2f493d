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


class CaseReminder(models.Model):
    """A reminder sent about one deadline of a detention case, at one stage. The unique
    constraint is what makes reminders idempotent: a deadline is reminded of once when it is
    a day away and once when it has passed, however often the periodic task runs. An
    extension moves the deadline, which is then a new one."""

    class Stage(models.TextChoices):
        DUE_SOON = "due_soon", "Due within a day"
        OVERDUE = "overdue", "Passed"

    case = models.ForeignKey("verifier.Case", on_delete=models.CASCADE, related_name="reminders")
    clock = models.CharField(max_length=16, help_text="verifier.cases.clocks_of: notify or holder")
    due = models.DateTimeField()
    stage = models.CharField(max_length=16, choices=Stage.choices)
    sent_at = models.DateTimeField(default=timezone.now)
    recipients = models.JSONField(default=list)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["case", "clock", "due", "stage"], name="casereminder_once"),
        ]

    def __str__(self) -> str:
        return f"case {self.case_id} {self.clock} {self.stage}"


class CaptureJob(models.Model):
    """One EPCIS 2.0 capture request of a brand's system (epcis_capture.py), as the standard's
    capture job shows it: whether it succeeded, and each refused event's reason."""

    class Behaviour(models.TextChoices):
        ROLLBACK = "rollback"
        PROCEED = "proceed"

    capture_id = models.CharField(max_length=32, unique=True)
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="epcis_captures"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    running = models.BooleanField(default=True)
    success = models.BooleanField(default=True)
    error_behaviour = models.CharField(max_length=8, choices=Behaviour.choices, default=Behaviour.ROLLBACK)
    events = models.PositiveIntegerField(default=0, help_text="Events in the document")
    captured = models.PositiveIntegerField(default=0, help_text="Provenance events signed into the ledger")
    errors = models.JSONField(default=list, help_text="RFC 7807 problems, one per refused event")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"capture {self.capture_id} ({self.captured}/{self.events})"
