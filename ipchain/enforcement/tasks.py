"""Celery tasks of customs enforcement: thin wrappers that call a service."""

from celery import shared_task

from . import applications


@shared_task(acks_late=True)
def send_expiry_reminders() -> int:
    return applications.send_expiry_reminders()
