"""Celery tasks of the regions app."""

from celery import shared_task

from .health import worker_heartbeat_record


@shared_task(ignore_result=True, expires=50)
def worker_heartbeat():
    """Beat, every minute: proves to /sehat/layanan/ that a worker is consuming the queue."""
    return worker_heartbeat_record()
