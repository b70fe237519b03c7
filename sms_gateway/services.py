"""Answering an incoming SMS: the SMS channel's adapter around the conversation core
(sms_gateway.conversation: understand, act, render).

One durable path. A message is stored once per provider id in the transaction that acts
on it, with its reply, so a retried webhook gets the stored reply and changes nothing
twice. While the database is down the message waits in the spool (spool.py) and is
answered by SMS once, when it is back.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import pgettext

from agriprices.models import AgentProfile
from config import counters
from sms_gateway import outbound, replies, spool, whatsapp_replies
from sms_gateway.conversation import answers
from sms_gateway.conversation.acting import STOPS_OR_STARTS, act, reply_language
from sms_gateway.conversation.parser import parse
from sms_gateway.conversation.understanding import understand
from sms_gateway.models import (
    AgentPin,
    InboundMessage,
    OutboundMessage,
    Subscriber,
    UssdSession,
)
from sms_gateway.phones import (
    InvalidPhone,
    channel_of,
    country_allowed,
    is_person,
    mask_phone,
    normalize_address,
    normalize_phone,
)
from sms_gateway.segments import count_segments
from sms_gateway.ussd.menus import Screen, screen_for

logger = logging.getLogger(__name__)


def receive_sms(
    *, provider: str, provider_sid: str, sender: str, body: str, late: bool = False
) -> InboundMessage:
    """Store and answer one incoming SMS; the same provider id again returns the stored
    message and reply without acting twice. ``reply`` is empty when we must not answer
    (short codes, alphanumeric senders). A ``late`` message (replayed from the spool)
    can no longer be answered inside the webhook: its reply is queued as an SMS in the
    same transaction that stores it, so it is sent once or not stored at all."""
    stored = InboundMessage.objects.filter(provider=provider, provider_sid=provider_sid).first()
    if stored is not None:
        logger.info("sms %s:%s replayed; answered from storage", provider, provider_sid)
        return stored
    try:
        with transaction.atomic():
            action, reply = answer(
                sender=sender, body=body, message_key=f"{provider}:{provider_sid}"
            )
            # Stored in the transaction that acted on it: a concurrent duplicate fails
            # here on the unique constraint and everything it did is rolled back.
            message = InboundMessage.objects.create(
                provider=provider,
                provider_sid=provider_sid,
                sender=sender,
                body=redact_pin(body[:1600]),
                action=action,
                reply=reply,
                reply_segments=reply_cost(sender, reply),
                answered_by_sms=late and bool(reply),
            )
            if late and reply:
                outbound.queue_sms(
                    to=normalize_address(sender),
                    body=reply,
                    idempotency_key=f"reply:{provider}:{provider_sid}",
                    priority=OutboundMessage.Priority.REPLY,
                )
    except IntegrityError:
        # The same message arrived twice at once; the other delivery stored it.
        return InboundMessage.objects.get(provider=provider, provider_sid=provider_sid)
    logger.info(
        "sms %s:%s from %s: %s, reply of %d segment(s)%s",
        provider,
        provider_sid,
        mask_phone(sender),
        message.action,
        message.reply_segments,
        " sent late by SMS" if late and reply else "",
    )
    return message


def receive_or_spool(*, provider: str, provider_sid: str, sender: str, body: str) -> str:
    """The webhook's entry: the reply to send inside the request. With the database down
    the message is spooled instead, and answered by SMS once the database is back (the
    caller gets an empty reply; nothing was written)."""
    try:
        message = receive_sms(
            provider=provider, provider_sid=provider_sid, sender=sender, body=body
        )
        # Answered by SMS already (it was spooled): a retried webhook must not answer twice.
        return "" if message.answered_by_sms else message.reply
    except DatabaseError as exc:
        where = spool.put(
            {
                "provider": provider,
                "provider_sid": provider_sid,
                "sender": sender,
                "body": body[:1600],
                "received_at": timezone.now().isoformat(),
            }
        )
        logger.error(
            "database unavailable (%s): sms %s:%s from %s spooled to %s",
            exc.__class__.__name__,
            provider,
            provider_sid,
            mask_phone(sender),
            where,
        )
        return ""


def replay_spool() -> int:
    """Answer the messages spooled while the database was down, each exactly once."""

    def handle(entry: spool.Entry) -> None:
        receive_sms(
            provider=entry["provider"],
            provider_sid=entry["provider_sid"],
            sender=entry["sender"],
            body=entry["body"],
            late=True,
        )

    done = spool.replay(handle)
    if done:
        logger.info("spool: %d message(s) answered after the database came back", done)
    return done


def redact_pin(body: str) -> str:
    """The message as stored: a price report's PIN replaced by asterisks."""
    command = parse(body)
    if command.action != "report" or not command.pin:
        return body
    head, _, tail = body.rpartition(command.pin)
    return f"{head}{'*' * len(command.pin)}{tail}" if head or tail else body


#: A USSD request with more answers than this is told to dial again (a menu is a few
#: deep), and a session answers at most USSD_MAX_SCREENS requests.
USSD_MAX_ANSWERS = 30
USSD_MAX_SCREENS = 100
#: How long a USSD session is kept: networks close one within minutes; a request
#: resent later than this is a new session.
USSD_KEPT = timedelta(days=1)


def answer_ussd(*, gateway: str, session_id: str, phone: str, answers: list[str]) -> Screen:
    """The USSD screen for ``phone`` after ``answers`` in the gateway's session (the
    conversation core behind the menus). The same request again gets the same screen
    and changes nothing more; once a session has ended (a final screen), every later
    request in it gets that screen. Numbers we do not serve get a closing screen;
    nothing raises."""
    number = _repliable(phone)
    if number is None:
        with translation.override(settings.LANGUAGE_CODE):
            return Screen(pgettext("ussd", "This service is not available here."), final=True)
    key = "*".join(answers)
    with transaction.atomic():
        subscriber = Subscriber.objects.filter(phone=number).first()
        if subscriber is None:
            subscriber, _ = Subscriber.objects.get_or_create(phone=number)
        session = _ussd_session(gateway, session_id, subscriber)
        stored = session.screens.get(key) or next(
            (shown for shown in session.screens.values() if shown[0]), None
        )
        if stored is not None:
            final, text = stored
            logger.info("ussd from %s: resent request answered from storage", mask_phone(number))
            return Screen(text, final=final)
        if len(answers) > USSD_MAX_ANSWERS or len(session.screens) >= USSD_MAX_SCREENS:
            with translation.override(subscriber.language or settings.LANGUAGE_CODE):
                return Screen(pgettext("ussd", "Too many answers. Dial again."), final=True)
        screen = screen_for(answers, subscriber, lists=session.lists, language=session.language)
        session.screens[key] = [screen.final, screen.text]
        session.save(update_fields=["lists", "screens"])
    logger.info("ussd from %s: %d answer(s), %s", mask_phone(number), len(answers), screen.final)
    return screen


def _ussd_session(gateway: str, session_id: str, subscriber: Subscriber) -> UssdSession:
    """The session, locked until the transaction ends, so a request sent twice at once
    is answered once and then from storage. Starting one forgets those past USSD_KEPT."""
    session, created = UssdSession.objects.get_or_create(
        gateway=gateway,
        session_id=session_id,
        phone=subscriber.phone,
        defaults={"language": subscriber.language},
    )
    if created:
        UssdSession.objects.filter(started_at__lt=timezone.now() - USSD_KEPT).delete()
    return UssdSession.objects.select_for_update().get(pk=session.pk)


def simulate_ussd(*, phone: str, answers: list[str]) -> Screen:
    """The USSD screen ``phone`` would see after ``answers``, changing nothing: what the
    last screen would subscribe, stop or keep is rolled back. For the simulator."""
    with transaction.atomic():
        screen = answer_ussd(
            gateway="simulator", session_id=uuid.uuid4().hex, phone=phone, answers=answers
        )
        transaction.set_rollback(True)
    return screen


def simulate_sms(*, sender: str, body: str) -> tuple[str, str]:
    """(action, reply) a message from ``sender`` would get, changing nothing: what it
    would set (LANG, STOP, SUB) or record is rolled back, nothing is queued and the
    number's limits are not counted. For the dashboard's simulator."""
    with transaction.atomic():
        action, reply = answer(
            sender=sender, body=body, message_key=f"simulator:{uuid.uuid4().hex}", simulated=True
        )
        transaction.set_rollback(True)
    return action, reply


def answer(*, sender: str, body: str, message_key: str, simulated: bool = False) -> tuple[str, str]:
    """(action, reply text) for one message: understood, acted on and rendered as one SMS
    segment, within the number's limits. Must run inside a transaction. ``message_key``
    identifies the message, so what it records is recorded once. A ``simulated`` message
    is not counted against the number's limits."""
    phone = _repliable(sender)
    if phone is None:
        return "ignored", ""
    subscriber = Subscriber.objects.filter(phone=phone).first()
    if subscriber is None:
        # Not get_or_create: no savepoint round trips on the path every message takes.
        Subscriber.objects.bulk_create([Subscriber(phone=phone)], ignore_conflicts=True)
        subscriber = Subscriber.objects.get(phone=phone)
    request = understand(body)
    # STOP, START and UNSUB always act: a number must always be able to stop us. They
    # are not questions, so not counted as such; their replies count against the day's.
    stops_or_starts = request.action in STOPS_OR_STARTS
    if not simulated and not stops_or_starts:
        queries = counters.count("sms-queries", phone, window_seconds=3600)
        if queries > settings.SMS_MAX_QUERIES_PER_HOUR:
            # One notice as the limit is passed, then silence: each reply costs money.
            first = queries == settings.SMS_MAX_QUERIES_PER_HOUR + 1
            language = reply_language(request, subscriber)
            return "limited", replies.render(answers.Limited(), language) if first else ""
    whatsapp = channel_of(phone) == "whatsapp"
    outcome = act(request, subscriber, message_key=message_key, detail=whatsapp)
    if whatsapp:  # several lines, no segments to pay for
        reply = whatsapp_replies.render(outcome.answer, outcome.language)
    else:
        reply = replies.render(outcome.answer, outcome.language)
    if not simulated:
        segments = counters.count(
            "sms-segments", phone, window_seconds=86400, by=reply_cost(phone, reply)
        )
        if segments > settings.SMS_MAX_SEGMENTS_PER_DAY:
            # Silence; what a STOP or START did stands, and is recorded as done.
            return outcome.action if stops_or_starts else "limited", ""
    return outcome.action, reply


def reply_cost(address: str, reply: str) -> int:
    """What a reply costs against the daily limit: its SMS segments, or one WhatsApp
    message."""
    if not reply:
        return 0
    return 1 if channel_of(address) == "whatsapp" else count_segments(reply).segments


def _repliable(sender: str) -> str | None:
    """The sender's number in E.164, or None when we must not answer it: short codes and
    alphanumeric senders (auto-reply loops), numbers outside SMS_ALLOWED_COUNTRIES."""
    if not is_person(sender):
        return None
    try:
        phone = normalize_address(sender)
    except InvalidPhone:
        return None
    if not country_allowed(phone):
        logger.info("no reply to %s: country not in SMS_ALLOWED_COUNTRIES", mask_phone(phone))
        return None
    return phone


# --- Price reports by market agents ------------------------------------------------------


def register_agent_phone(*, user: User, phone: str, pin: str) -> str:
    """Let ``user`` (a market agent) report prices by SMS from ``phone`` with ``pin``;
    returns the number in E.164. Raises ValueError or InvalidPhone."""
    if not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 8):
        raise ValueError("the PIN must be 4 to 8 digits")
    number = normalize_phone(phone)
    with transaction.atomic():
        taken = AgentProfile.objects.filter(phone=number).exclude(user=user).first()
        if taken is not None:
            raise ValueError(f"{mask_phone(number)} belongs to another agent")
        profile, _ = AgentProfile.objects.get_or_create(user=user)
        profile.phone = number
        profile.save(update_fields=["phone"])
        AgentPin.objects.update_or_create(
            profile=profile, defaults={"pin_hash": make_password(pin)}
        )
    return number
