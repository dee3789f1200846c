"""Celery tasks of the regions app."""

from celery import shared_task

from .health import worker_heartbeat_record


@shared_task(ignore_result=True, expires=50)
def worker_heartbeat():
    """Beat, every minute: proves to /sehat/layanan/ that a worker is consuming the queue."""
    return worker_heartbeat_record()


@shared_task(
    name="regions.tasks.deliver_notifications", bind=True, acks_late=True, autoretry_for=(OSError,),
    retry_backoff=30, retry_kwargs={"max_retries": 3}, time_limit=300,
)  # fmt: skip
def deliver_notifications(self, ids):
    """Send the e-mail and webhook deliveries of the notifications just written."""
    from .notifications import notifications_deliver

    return notifications_deliver(ids=ids)


@shared_task(name="regions.tasks.drain_notifications", ignore_result=True, time_limit=600)
def drain_notifications():
    """Periodic: deliveries still pending a minute after their event (broker or channel was down)."""
    from .notifications import DRAIN_AFTER, notifications_deliver

    return notifications_deliver(older_than=DRAIN_AFTER)
