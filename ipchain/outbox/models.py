"""Tasks written in the same transaction as the work that asks for them, kept until the
broker has taken them (the transactional outbox): a committed write never loses its task
to a broker outage, and never answers 500 because of one."""

from django.db import models
from django.utils import timezone


class OutboxTask(models.Model):
    task = models.CharField(max_length=200, help_text="The Celery task's dotted name")
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)} ({self.attempts} attempts)"
