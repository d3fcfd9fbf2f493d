"""Celery tasks of the verifier: thin wrappers that load by id and call a service."""

from celery import shared_task

from . import notifications


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notify_holder(case_id: int) -> None:
    notifications.notify_holder(case_id)
