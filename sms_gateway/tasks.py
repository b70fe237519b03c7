"""Sending SMS through Celery. Tasks take ids and are safe to run twice."""

from celery import shared_task
from django.conf import settings

from sms_gateway import outbound


class TransientSendError(Exception):
    """Retry later: the provider was busy or unreachable."""


@shared_task(
    acks_late=True,
    autoretry_for=(TransientSendError,),
    retry_backoff=2,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
    rate_limit=settings.SMS_SEND_RATE,
)
def send_outbound(message_id: int) -> str:
    """Send one queued message; a no-op when it was sent (or is being sent) already."""
    result = outbound.send(message_id)
    if result == outbound.RETRY:
        raise TransientSendError(f"message {message_id} will be retried")
    return result
