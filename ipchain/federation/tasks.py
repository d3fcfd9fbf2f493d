"""Celery tasks: thin wrappers over the federation services."""

from celery import shared_task

from . import cosigning, mirror


@shared_task
def collect_cosignatures(*, retry_failed: bool = True) -> dict[str, str]:
    return {o.witness: o.message for o in cosigning.collect_cosignatures(retry_failed=retry_failed)}


@shared_task
def sync_mirrors() -> dict[str, str]:
    return {r.peer: f"{r.status}: {r.message}" for r in mirror.sync_all()}
