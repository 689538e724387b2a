"""Thin Celery tasks of the merchants app."""

from celery import shared_task

from merchants.services.notifications import notification_send_emails


@shared_task(acks_late=True)
def notification_emails_send(keys: list[str]) -> int:
    """Mail the notifications with these keys not mailed yet (each is claimed before it is
    sent, so a task run twice sends each once)."""
    return notification_send_emails(key=keys)
