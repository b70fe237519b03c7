"""Free to ask: a call that rings in is rejected (the farmer pays nothing) and we call
the number back through Twilio's API, running the same menus.

The callbacks are an outbox like the SMS one: one row per missed call (its CallSid is
the idempotency key, so a webhook resent changes nothing), claimed by a worker with a
compare-and-set before dialling (a redelivered task never dials twice), retried with
backoff while Twilio is busy or unreachable, given up once too late to be useful
(VOICE_CALLBACK_EXPIRES_SECONDS).

What it may cost is bounded: a number gets at most VOICE_CALLBACKS_PER_DAY, none while
one is queued or just placed (a redial is no other missed call), none when it asked its
hour's questions already; the whole service places at most
VOICE_CALLBACKS_SERVICE_PER_HOUR and _PER_DAY, past which missed calls are refused,
counted (``RefusedCallbacks``) and the operators told once a day. A callback that
failed before anything rang costs nothing and counts against none of these."""

from __future__ import annotations

import enum
import logging
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agriprices.roles import operators_to_tell
from config.celery import BROKER_ERRORS, enqueue
from sms_gateway.backends import SendError
from sms_gateway.channels.contacts import Limits
from sms_gateway.models import Subscriber
from sms_gateway.phones import mask_phone
from voice.backends import get_call_backend
from voice.models import OutboundCall, RefusedCallbacks

logger = logging.getLogger(__name__)
Status = OutboundCall.Status
RETRY = "retry"
#: Callbacks that cost nothing: refused before anything rang, or never placed.
COSTLESS = (Status.FAILED, Status.EXPIRED, Status.REFUSED)


class Missed(enum.Enum):
    """What becomes of a call that rang in with VOICE_CALLBACK on."""

    #: Called back (queued now, or already for this missed call): rejected, free.
    CALLBACK = "callback"
    #: A callback of the number is queued or was just placed: rejected, no other.
    WAITING = "waiting"
    #: The service's callbacks of the hour or the day are spent: rejected, counted.
    SERVICE_FULL = "service full"
    #: The number had its callbacks today: answered now, at the caller's cost.
    NUMBER_FULL = "number full"
    #: The number asked its hour's questions: told so at once, not called back.
    ASKED_UP = "asked up"
    #: No callback can be placed (TWILIO_PUBLIC_BASE_URL unset): answered now.
    UNAVAILABLE = "unavailable"


def schedule_callback(*, call_sid: str, number: str) -> Missed:
    """Queue one callback for the missed call ``call_sid`` (again: nothing more), or say
    why there is none."""
    if not settings.TWILIO_PUBLIC_BASE_URL:
        # Twilio could not fetch what to say: answered rather than rejected unheard (the
        # system check says so at every start).
        logger.error("no callback: TWILIO_PUBLIC_BASE_URL is not set")
        return Missed.UNAVAILABLE
    key = f"callback:{call_sid}"[:120]
    with transaction.atomic():
        # One number's callbacks are counted and added one at a time.
        Subscriber.objects.get_or_create(phone=number)
        Subscriber.objects.select_for_update().filter(phone=number).exists()
        before = OutboundCall.objects.filter(idempotency_key=key).values_list("status").first()
        if before is not None:  # the webhook resent: as the first time, nothing more
            return Missed.SERVICE_FULL if before[0] == Status.REFUSED else Missed.CALLBACK
        missed = _why_not(number)
        if missed is Missed.SERVICE_FULL:
            _refused(number, key)
        if missed is not None:
            return missed
        try:
            with transaction.atomic():
                call = OutboundCall.objects.create(to=number, idempotency_key=key)
        except IntegrityError:
            return Missed.CALLBACK  # the same missed call, reported twice at once
        transaction.on_commit(lambda: publish([call.pk]))
    logger.info("callback queued for %s", mask_phone(number))
    return Missed.CALLBACK


def _why_not(number: str) -> Missed | None:
    """Why ``number`` gets no callback now, or None. The service's caps are counted
    without a lock across numbers: as many callbacks as arrive at one instant may pass
    them."""
    now = timezone.now()
    mine = OutboundCall.objects.filter(to=number)
    recent = now - timedelta(seconds=settings.VOICE_CALLBACK_REDIAL_SECONDS)
    if mine.filter(
        Q(status__in=[Status.QUEUED, Status.CALLING])
        | Q(status__in=[Status.PLACED, Status.UNSURE], created_at__gte=recent)
    ).exists():
        logger.info("no other callback for %s: one is on its way", mask_phone(number))
        return Missed.WAITING
    if Limits(number).asked_up():
        logger.info("no callback for %s: its hour's questions are asked", mask_phone(number))
        return Missed.ASKED_UP
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    today = costing().filter(to=number, created_at__gte=midnight).count()
    if today >= settings.VOICE_CALLBACKS_PER_DAY:
        logger.info("no callback for %s: %d today already", mask_phone(number), today)
        return Missed.NUMBER_FULL
    hour = costing().filter(created_at__gte=now - timedelta(hours=1)).count()
    day = costing().filter(created_at__gte=midnight).count()
    if (
        hour >= settings.VOICE_CALLBACKS_SERVICE_PER_HOUR
        or day >= settings.VOICE_CALLBACKS_SERVICE_PER_DAY
    ):
        logger.warning("no callback for %s: the service's are spent", mask_phone(number))
        return Missed.SERVICE_FULL
    return None


def costing() -> QuerySet[OutboundCall]:
    """The callbacks that count against the caps: those that may have rung, or will."""
    return OutboundCall.objects.exclude(status__in=COSTLESS)


def _refused(number: str, key: str) -> None:
    """Keep and count a missed call refused for the service's caps (its record makes a
    resent webhook change nothing more); the day's first tells the operators (after the
    commit, by a task)."""
    try:
        with transaction.atomic():
            OutboundCall.objects.create(to=number, idempotency_key=key, status=Status.REFUSED)
    except IntegrityError:
        return  # the same missed call, reported twice at once
    row, created = RefusedCallbacks.objects.get_or_create(
        day=timezone.localdate(), defaults={"refused": 1}
    )
    if not created:
        RefusedCallbacks.objects.filter(pk=row.pk).update(refused=F("refused") + 1)
        return
    transaction.on_commit(lambda: _publish_alert(row.pk))


def _publish_alert(pk: int) -> None:
    try:
        enqueue("voice.tasks.tell_operators", pk, queue="sms-replies")
    except BROKER_ERRORS as exc:
        logger.warning("broker unreachable (%s): the operators are told by the sweep", exc)


def tell_operators(pk: int) -> int:
    """Mail the operators that missed calls are being refused a callback; once (a task
    run twice, or by the sweep too, claims the row first). Returns how many were told."""
    now = timezone.now()
    if RefusedCallbacks.objects.filter(pk=pk, told_at__isnull=True).update(told_at=now) != 1:
        return 0
    row = RefusedCallbacks.objects.get(pk=pk)
    recipients = [user.email for user in operators_to_tell()]
    if not recipients:
        logger.warning("callbacks refused since %s and no operator has an address", row.first_at)
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Voice line: missed calls are not called back")
        body = _(
            "Since %(time)s the voice line has placed as many callbacks as it may "
            "(%(hour)s an hour, %(day)s a day: VOICE_CALLBACKS_SERVICE_PER_HOUR and "
            "VOICE_CALLBACKS_SERVICE_PER_DAY). Missed calls are rejected without a "
            "callback until the hour or the day is over; the admin's \"callbacks "
            'refused" counts them. Raise the limits if the calls are farmers, not a '
            "storm."
        ) % {
            "time": timezone.localtime(row.first_at).strftime("%Y-%m-%d %H:%M"),
            "hour": settings.VOICE_CALLBACKS_SERVICE_PER_HOUR,
            "day": settings.VOICE_CALLBACKS_SERVICE_PER_DAY,
        }
    try:
        send_mail(subject, body, None, recipients)
    except OSError:
        # Told later by the sweep; not lost.
        RefusedCallbacks.objects.filter(pk=pk).update(told_at=None)
        raise
    logger.info("operators told that callbacks are refused (%d)", len(recipients))
    return len(recipients)


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
        if exc.ambiguous:
            # Twilio may have dialled: calling again could ring twice, and it counts.
            return _failed(call, exc.message, status=Status.UNSURE)
        if exc.permanent:
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


def _failed(call: OutboundCall, why: str, *, status: str = Status.FAILED) -> str:
    OutboundCall.objects.filter(pk=call.pk).update(
        status=status, attempts=call.attempts + 1, last_error=why[:255]
    )
    logger.warning("callback to %s failed: %s", mask_phone(call.to), why)
    return status


def sweep() -> dict[str, int]:
    """Callbacks never handed to a worker (the broker was down) are handed over; those
    too old to be useful are given up; operators not yet told of refused callbacks
    are told."""
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
    untold = list(
        RefusedCallbacks.objects.filter(
            told_at__isnull=True, first_at__lt=now - timedelta(seconds=30)
        ).values_list("pk", flat=True)
    )
    for pk in untold:
        _publish_alert(pk)
    return {"callbacks_published": len(waiting), "callbacks_expired": expired}
