"""Sending SMS through Celery. Tasks take ids and are safe to run twice."""

from datetime import date

from celery import Task, shared_task
from django.conf import settings
from django.utils import timezone

from agriprices.collection.digest import send_digest
from sms_gateway import broadcasts, outbound, reminders, subscriptions
from sms_gateway.channels import inbound


class TransientSendError(Exception):
    """Retry later: the provider was busy or unreachable."""


@shared_task(bind=True, acks_late=True, max_retries=8, rate_limit=settings.SMS_SEND_RATE)
def send_outbound(self: Task, message_id: int) -> str:
    """Send one queued message; a no-op when it was sent (or is being sent) already. A
    message to be retried is retried when outbound says (``retry_at``: its backoff, or
    later if the provider asked); after the last retry the recovery sweep publishes it
    again. Run in place (no broker: the demo), there is no later to schedule, and trying
    again at once is what the provider just refused: it waits, queued, for the sweep."""
    result = outbound.send(message_id)
    if result == outbound.RETRY and not self.request.is_eager:
        raise self.retry(
            exc=TransientSendError(f"message {message_id} will be retried"),
            eta=outbound.retry_at(message_id) or timezone.now(),
        )
    return result


@shared_task(acks_late=True)
def send_weekly_digests(day: str | None = None) -> int:
    """Celery beat runs this daily; subscribers whose digest day it is get theirs."""
    when = date.fromisoformat(day) if day else timezone.localdate()
    return subscriptions.fan_out_digests(when)


@shared_task(acks_late=True)
def send_digest_chunk(subscriber_ids: list[int], day: str) -> int:
    return subscriptions.queue_digests(subscriber_ids, date.fromisoformat(day))


@shared_task(acks_late=True)
def check_price_alerts(commodity_id: int, market_id: int) -> int:
    return subscriptions.check_price_alerts(commodity_id, market_id)


@shared_task(acks_late=True)
def check_all_price_alerts() -> int:
    """The periodic sweep: every followed series, in case an alert check was missed."""
    series = subscriptions.series_with_alerts()
    for commodity_id, market_id in series:
        check_price_alerts.delay(commodity_id, market_id)
    return len(series)


@shared_task(acks_late=True)
def fan_out_broadcast(broadcast_id: int) -> int:
    return broadcasts.fan_out(broadcast_id)


@shared_task(acks_late=True)
def queue_broadcast_chunk(broadcast_id: int, subscriber_ids: list[int]) -> int:
    return broadcasts.queue_chunk(broadcast_id, subscriber_ids)


@shared_task(acks_late=True)
def recover_outbound() -> dict[str, int]:
    """Every minute: messages left behind by a dead worker or an emptied broker."""
    return {
        **outbound.recover_stalled(),
        "broadcasts": broadcasts.recover_unfanned(),
        "broadcasts_expired": broadcasts.expire_stale(),
    }


@shared_task(acks_late=True)
def replay_spooled_sms() -> int:
    """Every 30 s: inbound SMS spooled while the database was down."""
    return inbound.replay_spool()


@shared_task(acks_late=True)
def send_collection_reminders(day: str | None = None) -> dict[str, int]:
    """Celery beat, daily at COLLECTION_REMINDER_HOUR: reminders to agents with prices
    missing today, then the operators' digest. Safe to run twice: both are once a day."""
    today = timezone.localdate()
    when = date.fromisoformat(day) if day else today
    run = reminders.send_reminders(when, today=today)
    return {"reminders": run.queued, "digest": send_digest(when)}
