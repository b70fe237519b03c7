"""Outbound SMS: queued once per idempotency key, claimed with a compare-and-set so two
workers (or a redelivered task) never both send, retried only when retrying can help and
never before ``retry_delay`` says (backoff, or when the provider asked)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from config.celery import BROKER_ERRORS, app, enqueue
from sms_gateway import channels
from sms_gateway.backends import SendError
from sms_gateway.models import OutboundMessage, Subscriber
from sms_gateway.phones import mask_phone

logger = logging.getLogger(__name__)
RETRY = "retry"
UNKNOWN = "unknown"
Status = OutboundMessage.Status
#: Delivery statuses a provider callback may report, and what they mean here.
CALLBACK_STATUSES = {
    "queued": Status.SENT,
    "sending": Status.SENT,
    "sent": Status.SENT,
    "delivered": Status.DELIVERED,
    "undelivered": Status.UNDELIVERED,
    "failed": Status.FAILED,
}
#: Provider error codes that mean the number can never receive our SMS (e.g. Twilio 30005:
#: unknown or inactive number; 30004: blocked; 21610: opted out at the carrier).
PERMANENT_DELIVERY_CODES = {"30004", "30005", "30006", "21610", "21211", "21614"}
#: Codes that mean "not now" (30003: unreachable handset); too many in a row stop sending.
UNREACHABLE_CODES = {"30003"}
#: A failed send waits this long before its second try, doubling with each try after,
#: up to the most (seconds).
RETRY_FIRST_SECONDS = 2
RETRY_MOST_SECONDS = 600


class NotSendable(Exception):
    pass


class BulkMessage(NamedTuple):
    to: str
    body: str
    idempotency_key: str


def queue_sms(
    *, to: str, body: str, idempotency_key: str, priority: str = OutboundMessage.Priority.BULK
) -> OutboundMessage:
    """Queue one SMS (sent after the current transaction commits). Queueing the same key
    again returns the first message. Refuses numbers that opted out or cannot receive."""
    if not channels.for_address(to).may_send(to):
        raise NotSendable(f"{mask_phone(to)}: country not in SMS_ALLOWED_COUNTRIES")
    if priority == OutboundMessage.Priority.BULK and _blocked(to):
        raise NotSendable(f"{mask_phone(to)} opted out or cannot receive SMS")
    try:
        with transaction.atomic():
            message, created = OutboundMessage.objects.get_or_create(
                idempotency_key=idempotency_key,
                defaults={"to": to, "body": body, "priority": priority},
            )
    except IntegrityError:
        message, created = OutboundMessage.objects.get(idempotency_key=idempotency_key), False
    if created:
        transaction.on_commit(lambda: _publish([message.pk], queue=_queue_of(message)))
    return message


def queue_bulk(messages: Sequence[BulkMessage]) -> int:
    """Queue alerts, digests or bulletins in one go: numbers outside the allowed
    countries, opted out or undeliverable are left out, and a key queued before is not
    queued again (so a chunk run twice after a restart sends nobody two SMS). Returns
    how many messages wait to be sent; they are handed to the workers after commit."""
    allowed = [m for m in messages if channels.for_address(m.to).may_send(m.to)]
    blocked = set(
        Subscriber.objects.unreachable()
        .filter(phone__in=[m.to for m in allowed])
        .values_list("phone", flat=True)
    )
    rows = [
        OutboundMessage(to=m.to, body=m.body, idempotency_key=m.idempotency_key)
        for m in allowed
        if m.to not in blocked
    ]
    OutboundMessage.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    waiting = list(
        OutboundMessage.objects.filter(
            idempotency_key__in=[r.idempotency_key for r in rows], status=Status.QUEUED
        ).values_list("pk", flat=True)
    )
    transaction.on_commit(lambda: _publish(waiting, queue="sms-bulk"))
    return len(waiting)


def _queue_of(message: OutboundMessage) -> str:
    """Replies and confirmations have a queue of their own, ahead of bulk sends."""
    return "sms-replies" if message.priority == OutboundMessage.Priority.REPLY else "sms-bulk"


def _publish(message_ids: list[int], *, queue: str) -> None:
    """One send task per message (each retried on its own), published over one broker
    connection rather than one per message. With the broker down the messages stay
    queued in the database, unpublished, and the recovery sweep publishes them later:
    the transaction that queued them has committed and must not fail for it."""
    if not message_ids:
        return
    try:
        if app.conf.task_always_eager:
            for pk in message_ids:
                enqueue("sms_gateway.tasks.send_outbound", pk, queue=queue)
        else:
            with app.producer_or_acquire() as producer:
                for pk in message_ids:
                    enqueue("sms_gateway.tasks.send_outbound", pk, queue=queue, producer=producer)
    except BROKER_ERRORS as exc:
        logger.warning(
            "broker unreachable (%s): %d SMS wait for the recovery sweep",
            exc.__class__.__name__,
            len(message_ids),
        )
        return
    OutboundMessage.objects.filter(pk__in=message_ids, published_at__isnull=True).update(
        published_at=timezone.now()
    )


def id_chunks(rows: QuerySet, size: int) -> Iterator[list[int]]:
    """The primary keys of ``rows`` in chunks of ``size``, by key ranges (no OFFSET), so
    fanning out to 100,000 subscribers reads each once."""
    last = 0
    while True:
        chunk = list(rows.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:size])
        if not chunk:
            return
        yield chunk
        last = chunk[-1]


def retry_delay(attempts: int, asked: float | None = None) -> float:
    """The one rule for how long a message waits after its ``attempts``-th try failed
    and could succeed later: RETRY_FIRST_SECONDS doubling with each try, at most
    RETRY_MOST_SECONDS, with full jitter (messages refused together do not all come back
    together), and never less than the provider ``asked`` (Telegram's retry_after:
    sending sooner only lengthens its flood wait)."""
    backoff = get_exponential_backoff_interval(
        factor=RETRY_FIRST_SECONDS,
        retries=max(attempts - 1, 0),
        maximum=RETRY_MOST_SECONDS,
        full_jitter=True,
    )
    return max(float(backoff), asked or 0.0)


def _due(now: datetime) -> Q:
    return Q(retry_at__isnull=True) | Q(retry_at__lte=now)


def retry_at(message_id: int) -> datetime | None:
    """When a message sent back to the queue (RETRY) may be tried again."""
    return OutboundMessage.objects.filter(pk=message_id).values_list("retry_at", flat=True).first()


def send(message_id: int) -> str:
    """Send a queued message once, when it is due. Returns the new status; RETRY when it
    is to be tried again later, not before ``retry_at`` (the message goes back to
    queued; a task that came before that time sends nothing and says RETRY too);
    "skipped" when it was sent already or another worker has it."""
    now = timezone.now()
    claimed = OutboundMessage.objects.filter(_due(now), pk=message_id, status=Status.QUEUED).update(
        status=Status.SENDING, attempts=F("attempts") + 1, sending_since=now
    )
    if claimed != 1:
        waiting = OutboundMessage.objects.filter(
            pk=message_id, status=Status.QUEUED, retry_at__gt=now
        )
        return RETRY if waiting.exists() else "skipped"
    message = OutboundMessage.objects.get(pk=message_id)
    if message.priority == OutboundMessage.Priority.BULK and _blocked(message.to):
        # STOP arrived between queueing and sending: an opted-out number gets nothing.
        OutboundMessage.objects.filter(pk=message_id).update(
            status=Status.FAILED, last_error="opted out or undeliverable before sending"
        )
        return Status.FAILED
    try:
        unprompted = message.priority != OutboundMessage.Priority.REPLY
        channel = channels.for_address(message.to)
        sid = channel.send(to=message.to, body=message.body, unprompted=unprompted)
    except SendError as exc:
        if exc.ambiguous:
            # Twilio may have taken it: sending again could send it twice. The claim
            # stays; after the lease the sweep asks Twilio and settles it.
            OutboundMessage.objects.filter(pk=message_id).update(last_error=exc.message[:255])
            logger.warning(
                "sms %s to %s: %s; left for the recovery sweep to settle",
                message_id,
                mask_phone(message.to),
                exc.message,
            )
            return UNKNOWN
        if exc.permanent:
            OutboundMessage.objects.filter(pk=message_id).update(
                status=Status.FAILED, last_error=exc.message[:255]
            )
            if exc.about_number:
                Subscriber.objects.filter(phone=message.to).update(undeliverable=True)
            logger.warning(
                "sms %s to %s failed for good: %s", message_id, mask_phone(message.to), exc.message
            )
            return Status.FAILED
        # Celery publishes the retry now, for retry_at: the sweep leaves it to that.
        wait = retry_delay(message.attempts, exc.retry_after)
        OutboundMessage.objects.filter(pk=message_id).update(
            status=Status.QUEUED,
            last_error=exc.message[:255],
            published_at=timezone.now(),
            retry_at=timezone.now() + timedelta(seconds=wait),
        )
        logger.info(
            "sms %s to %s: %s; will retry in %.0f s",
            message_id,
            mask_phone(message.to),
            exc.message,
            wait,
        )
        return RETRY
    OutboundMessage.objects.filter(pk=message_id).update(
        status=Status.SENT, provider_sid=sid, sent_at=timezone.now(), last_error=""
    )
    return Status.SENT


def _blocked(address: str) -> bool:
    return Subscriber.objects.unreachable().filter(phone=address).exists()


def record_delivery(*, provider_sid: str, status: str, error_code: str = "") -> bool:
    """A provider's delivery callback. Returns False for an unknown message or status."""
    mapped = CALLBACK_STATUSES.get(status)
    message = OutboundMessage.objects.filter(provider_sid=provider_sid).first()
    if mapped is None or message is None:
        return False
    # Callbacks may arrive out of order: never move a delivered message backwards.
    if message.status != Status.DELIVERED or mapped != Status.SENT:
        OutboundMessage.objects.filter(pk=message.pk).update(
            status=mapped, last_error=error_code and f"provider error {error_code}"
        )
    subscriber = Subscriber.objects.filter(phone=message.to)
    if error_code in PERMANENT_DELIVERY_CODES:
        subscriber.update(undeliverable=True)
    elif error_code in UNREACHABLE_CODES:
        # A phone switched off for a while is not a dead number; one that stays so is.
        subscriber.update(unreachable_in_a_row=F("unreachable_in_a_row") + 1)
        subscriber.filter(unreachable_in_a_row__gte=settings.SMS_UNREACHABLE_LIMIT).update(
            undeliverable=True
        )
    elif mapped == Status.DELIVERED:
        subscriber.update(unreachable_in_a_row=0)
    return True


def recover_stalled(now: datetime | None = None) -> dict[str, int]:
    """The recovery sweep (Celery beat, every minute). Publishes again the messages whose
    task never reached the broker or was lost with it (a Redis restart keeps nothing),
    once they are due (``retry_at``), and settles those whose worker died mid-send: the
    provider is asked whether it got the message, so it is marked sent, or queued again,
    never sent twice."""
    now = now or timezone.now()
    lease = now - timedelta(seconds=settings.SMS_SEND_LEASE_SECONDS)
    stale = now - timedelta(seconds=settings.SMS_REPUBLISH_AFTER_SECONDS)
    grace = now - timedelta(seconds=settings.SMS_PUBLISH_GRACE_SECONDS)
    settled = requeued = 0
    for message in OutboundMessage.objects.filter(status=Status.SENDING, sending_since__lt=lease):
        try:
            since = message.sending_since or lease  # set by every claim; the filter says so
            channel = channels.for_address(message.to)
            sid = channel.find_sent(to=message.to, body=message.body, since=since)
        except SendError as exc:
            logger.info("sms %s: cannot ask the provider yet (%s)", message.pk, exc.message)
            continue
        if sid:
            done = OutboundMessage.objects.filter(pk=message.pk, status=Status.SENDING).update(
                status=Status.SENT, provider_sid=sid, sent_at=now, last_error=""
            )
            settled += done
        elif OutboundMessage.objects.filter(pk=message.pk, status=Status.SENDING).update(
            status=Status.QUEUED, published_at=None, last_error="lost mid-send; sent again"
        ):
            requeued += 1
            queue = _queue_of(message)
            transaction.on_commit(functools.partial(_publish, [message.pk], queue=queue))
    waiting = OutboundMessage.objects.filter(_due(now), status=Status.QUEUED).filter(
        Q(published_at__isnull=True, created_at__lt=grace) | Q(published_at__lt=stale)
    )
    published = 0
    for priority in OutboundMessage.Priority:
        queue = _queue_of(OutboundMessage(priority=priority))
        for chunk in id_chunks(waiting.filter(priority=priority), 1000):
            # Marked first: if the broker is still down _publish logs it and they stay
            # due for the next sweep, which looks at published_at again.
            OutboundMessage.objects.filter(pk__in=chunk).update(published_at=None)
            _publish(chunk, queue=queue)
            published += len(chunk)
    if settled or requeued or published:
        logger.info(
            "outbound recovery: %d settled as sent, %d requeued, %d published again",
            settled,
            requeued,
            published,
        )
    return {"settled": settled, "requeued": requeued, "published": published}
