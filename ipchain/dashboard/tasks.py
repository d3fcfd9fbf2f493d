"""Celery tasks: thin wrappers over the dashboard's services."""

from celery import shared_task

from . import rollup


@shared_task
def fold_rollups() -> bool:
    """Scheduled every rollup.FOLD_EVERY by beat (config/settings.py)."""
    return rollup.fold()
