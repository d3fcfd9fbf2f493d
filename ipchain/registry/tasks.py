"""Celery tasks of the registry: thin wrappers that load by id and call a service."""

import logging

from celery import shared_task

from ipchain.outbox.enqueue import enqueue

from . import bulk, label_jobs, rule_runs

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, max_retries=3)
def run_bulk_job(job_id: int) -> None:
    try:
        # Through the outbox, in the transaction that moves the job on (bulk.run_job): a
        # broker outage or a death right after the commit loses no chunk.
        bulk.run_job(
            job_id,
            enqueue_chunk=lambda pk, rows: enqueue("ipchain.registry.tasks.register_bulk_chunk", pk, rows),
        )
    except Exception:
        # The details go to the log and the office's failed tasks, not to the brand's page.
        logger.exception("bulk job %s failed", job_id)
        bulk.fail_job(job_id, "the job failed on the node; the office has been told and can run it again")
        raise


@shared_task(acks_late=True, bind=True, max_retries=5, default_retry_delay=5)
def register_bulk_chunk(self, job_id: int, rows: list[list]) -> int:
    try:
        return bulk.register_chunk(job_id, rows)
    except Exception as exc:
        if self.request.retries >= self.max_retries:
            logger.exception("bulk job %s: a chunk failed %d times", job_id, self.max_retries)
            bulk.fail_job(
                job_id, "part of the job failed on the node; the office has been told and can run it again"
            )
            raise
        raise self.retry(exc=exc) from None


@shared_task(acks_late=True)
def render_label_job(job_id: int) -> None:
    label_jobs.run_job(job_id)


@shared_task(acks_late=True)
def run_rules() -> int:
    return rule_runs.run_rules().firings


@shared_task(acks_late=True)
def send_renewal_reminders() -> int:
    return rule_runs.send_renewal_reminders()
