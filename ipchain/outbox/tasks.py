"""Celery tasks of the outbox: thin wrappers over enqueue.py."""

from celery import shared_task

from . import enqueue


@shared_task
def send_waiting() -> int:
    """Scheduled by beat (config/settings.py): tasks the broker could not take when asked."""
    return enqueue.send_waiting()
