"""Free to ask: a call that rings in is rejected (the farmer pays nothing) and we call
the number back through Twilio's API, running the same menus.

The callbacks are an outbox like the SMS one: one row per missed call (its CallSid is
the idempotency key, so a webhook resent changes nothing), claimed by a worker with a
compare-and-set before dialling (a redelivered task never dials twice), retried with
backoff while Twilio is busy or unreachable, given up once too late to be useful
(VOICE_CALLBACK_EXPIRES_SECONDS). A number gets at most VOICE_CALLBACKS_PER_DAY."""

from __future__ import annotations

import logging
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from config.celery import BROKER_ERRORS, enqueue
from sms_gateway.backends import SendError
from sms_gateway.models import Subscriber
from sms_gateway.phones import mask_phone
from voice.backends import get_call_backend
from voice.models import OutboundCall

logger = logging.getLogger(__name__)
Status = OutboundCall.Status
RETRY = "retry"


def schedule_callback(*, call_sid: str, number: str) -> bool:
    """Queue one callback for the missed call ``call_sid`` (again: nothing more); False
    when the number had its VOICE_CALLBACKS_PER_DAY today."""
    key = f"callback:{call_sid}"[:120]
    with transaction.atomic():
        # One number's callbacks are counted and added one at a time.
        Subscriber.objects.get_or_create(phone=number)
        Subscriber.objects.select_for_update().filter(phone=number).exists()
        if OutboundCall.objects.filter(idempotency_key=key).exists():
            return True
        midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        today = OutboundCall.objects.filter(to=number, created_at__gte=midnight).count()
        if today >= settings.VOICE_CALLBACKS_PER_DAY:
            logger.info("no callback for %s: %d today already", mask_phone(number), today)
            return False
        try:
            with transaction.atomic():
                call = OutboundCall.objects.create(to=number, idempotency_key=key)
        except IntegrityError:
            return True  # the same missed call, reported twice at once
        transaction.on_commit(lambda: publish([call.pk]))
    logger.info("callback queued for %s", mask_phone(number))
    return True


def publish(ids: list[int]) -> None:
    """Hand callbacks to the workers, a few seconds on (the caller's phone must have
    stopped ringing); with the broker down they wait for the sweep."""
    for pk in ids:
        try:
            enqueue(
                "voice.tasks.place_callback",
                pk,
                queue="sms-replies",
                countdown=settings.VOICE_CALLBACK_DELAY_SECONDS,
            )
        except BROKER_ERRORS as exc:
            logger.warning("broker unreachable (%s): callbacks wait", exc.__class__.__name__)
            return
        OutboundCall.objects.filter(pk=pk, published_at__isnull=True).update(
            published_at=timezone.now()
        )


def url() -> str:
    """Where Twilio asks what to say when the farmer picks up."""
    base = settings.TWILIO_PUBLIC_BASE_URL.rstrip("/")
    return f"{base}/voice/twilio/?{urlencode({'cb': '1'})}"


def place(call_id: int) -> str:
    """Dial one queued callback; a no-op unless this worker claims it. Returns its new
    status, or RETRY when Twilio may take it later."""
    expires = timezone.now() - timedelta(seconds=settings.VOICE_CALLBACK_EXPIRES_SECONDS)
    if OutboundCall.objects.filter(pk=call_id, status=Status.QUEUED, created_at__lt=expires).update(
        status=Status.EXPIRED
    ):
        logger.info("callback %d given up: too late to call back", call_id)
        return Status.EXPIRED
    claimed = OutboundCall.objects.filter(pk=call_id, status=Status.QUEUED).update(
        status=Status.CALLING
    )
    if claimed != 1:
        return "claimed elsewhere"
    call = OutboundCall.objects.get(pk=call_id)
    if not settings.TWILIO_PUBLIC_BASE_URL:
        return _failed(call, "TWILIO_PUBLIC_BASE_URL is not set: Twilio could not reach us")
    try:
        sid = get_call_backend().call(to=call.to, url=url())
    except SendError as exc:
        if exc.permanent or exc.ambiguous:
            # Ambiguous: Twilio may have dialled; calling again could ring twice.
            return _failed(call, exc.message)
        OutboundCall.objects.filter(pk=call_id).update(
            status=Status.QUEUED, attempts=call.attempts + 1, last_error=exc.message[:255]
        )
        return RETRY
    OutboundCall.objects.filter(pk=call_id).update(
        status=Status.PLACED, provider_sid=sid, placed_at=timezone.now(), attempts=call.attempts + 1
    )
    logger.info("callback to %s placed", mask_phone(call.to))
    return Status.PLACED


def _failed(call: OutboundCall, why: str) -> str:
    OutboundCall.objects.filter(pk=call.pk).update(
        status=Status.FAILED, attempts=call.attempts + 1, last_error=why[:255]
    )
    logger.warning("callback to %s failed: %s", mask_phone(call.to), why)
    return Status.FAILED


def sweep() -> dict[str, int]:
    """Callbacks never handed to a worker (the broker was down) are handed over; those
    too old to be useful are given up."""
    now = timezone.now()
    expired = OutboundCall.objects.filter(
        status=Status.QUEUED,
        created_at__lt=now - timedelta(seconds=settings.VOICE_CALLBACK_EXPIRES_SECONDS),
    ).update(status=Status.EXPIRED)
    waiting = list(
        OutboundCall.objects.filter(
            status=Status.QUEUED,
            published_at__isnull=True,
            created_at__lt=now - timedelta(seconds=30),
        ).values_list("pk", flat=True)
    )
    publish(waiting)
    return {"callbacks_published": len(waiting), "callbacks_expired": expired}
