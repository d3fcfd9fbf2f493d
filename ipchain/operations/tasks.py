"""Celery tasks of operations, scheduled by beat (config/settings.py CELERY_BEAT_SCHEDULE)."""

import logging

from celery import shared_task

from ipchain.ledger import log as ledger_log

from . import reminders

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def publish_checkpoint() -> int:
    """Integrate whatever is pending, which signs and publishes a checkpoint of the new size.

    A backstop for the frequent "ledger-integrate" task (a worker that missed it, a queue that
    was purged). A tree that did not grow gets no new checkpoint: its note would be the very
    same bytes (Ed25519 signatures are deterministic and C2SP checkpoints carry no time), and
    its freshness is what the witnesses' timestamped cosignatures show (docs/federation.md).
    """
    integrated = ledger_log.integrate_pending()
    logger.info(
        "checkpoint publishing: %d entries integrated, tree size %d",
        integrated,
        ledger_log.current_tree_size(),
    )
    return integrated


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def send_case_reminders() -> int:
    return reminders.send_case_reminders()
