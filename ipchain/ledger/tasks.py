"""Celery tasks: thin wrappers over the ledger services."""

from celery import shared_task

from . import log
from .audit import audit_log as run_audit
from .logkey import log_verifier


@shared_task(acks_late=True)
def integrate_pending() -> int:
    return log.integrate_pending()


@shared_task
def audit_log() -> bool:
    return run_audit(verifier=log_verifier()).ok
