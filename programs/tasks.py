"""Celery tasks of the programs app: thin wrappers that call one service each."""

from celery import shared_task

from . import services


@shared_task(name="programs.tasks.close_ended_batches", soft_time_limit=300)
def close_ended_batches():
    """Nightly: active batches whose last month has passed become "ended" (coverage unchanged)."""
    return services.funded_batches_close_ended()
