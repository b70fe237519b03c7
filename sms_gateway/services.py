"""Answering an incoming SMS. Reads prices through agriprices.selectors only.

Two lanes. A question that changes nothing (a price, HELP, LIST) is answered from memory
when SMS_REDIS_URL is set: Redis claims the message id, counts the number's limits and
keeps the reply, and the message is written to the database by a worker a moment later
(journal.py); what the reply depends on of the sender is read from a copy of their
settings in the same Redis (senders.py), so the webhook makes no database query and one
Redis round trip. Everything else (LANG, STOP, SUB,
a price report), and every message when that Redis is away, is stored once per provider
id inside the transaction that acts on it. Either way a retried webhook gets the same
reply and changes nothing twice.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import uuid
from datetime import datetime

import redis
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AbstractBaseUser
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from agriprices.models import AgentProfile
from config.celery import publish
from sms_gateway import commands, journal, limits, memo, outbound, replies, senders, spool, store
from sms_gateway.models import AgentPin, InboundMessage, OutboundMessage, Subscriber
from sms_gateway.parser import Command, parse
from sms_gateway.phones import (
    InvalidPhone,
    country_allowed,
    is_person,
    mask_phone,
    normalize_phone,
)
from sms_gateway.segments import count_segments
from sms_gateway.store import sms_redis

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
                reply_segments=count_segments(reply).segments,
                answered_by_sms=late and bool(reply),
            )
            if late and reply:
                outbound.queue_sms(
                    to=normalize_phone(sender),
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
        quick = _answer_from_memory(
            provider=provider, provider_sid=provider_sid, sender=sender, body=body
        )
        if quick is not None:
            return quick
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
    """(action, reply text) for one message. Changes the sender's settings (language,
    opt-out) or records a price when the message asks to; must run inside a transaction.
    ``message_key`` identifies the message, so what it records is recorded once."""
    phone = _repliable(sender)
    if phone is None:
        return "ignored", ""
    subscriber = Subscriber.objects.filter(phone=phone).first()
    if subscriber is None:
        # Not get_or_create: no savepoint round trips on the path every message takes.
        Subscriber.objects.bulk_create([Subscriber(phone=phone)], ignore_conflicts=True)
        subscriber = Subscriber.objects.get(phone=phone)
    command = parse(body)
    language = subscriber.language or command.language or settings.LANGUAGE_CODE
    queries = 0 if simulated else limits.count("queries", phone, window_seconds=3600)
    limited = _query_limit_reply(queries, language)
    if limited is not None:
        return "limited", limited
    recent = subscriber.recent_markets
    reply = commands.reply(command, subscriber, language, message_key)
    if simulated:
        return command.action, reply
    if subscriber.recent_markets != recent:
        subscriber.save(update_fields=["recent_markets"])
    segments = limits.count(
        "segments", phone, window_seconds=86400, by=count_segments(reply).segments
    )
    if segments > settings.SMS_MAX_SEGMENTS_PER_DAY:
        return "limited", ""
    return command.action, reply


def _repliable(sender: str) -> str | None:
    """The sender's number in E.164, or None when we must not answer it: short codes and
    alphanumeric senders (auto-reply loops), numbers outside SMS_ALLOWED_COUNTRIES."""
    if not is_person(sender):
        return None
    try:
        phone = normalize_phone(sender)
    except InvalidPhone:
        return None
    if not country_allowed(phone):
        logger.info("no reply to %s: country not in SMS_ALLOWED_COUNTRIES", mask_phone(phone))
        return None
    return phone


def _query_limit_reply(queries: int, language: str) -> str | None:
    """None within the hourly limit; past it, one notice, then silence (each reply costs
    money)."""
    if queries <= settings.SMS_MAX_QUERIES_PER_HOUR:
        return None
    over = queries == settings.SMS_MAX_QUERIES_PER_HOUR + 1
    return replies.limited_reply(language=language) if over else ""


# --- The fast lane: read-only questions, written to the database by a worker ------------


def _answer_from_memory(*, provider: str, provider_sid: str, sender: str, body: str) -> str | None:
    """The reply to a read-only question, its message journalled in Redis to be written
    to the database by a worker; None when the message must take the transactional lane
    (it changes something, or SMS_REDIS_URL is unset or unreachable)."""
    client = sms_redis()
    command = parse(body)
    if client is None or command.action not in commands.READ_ONLY:
        return None
    entry: journal.Entry = {
        "provider": provider,
        "provider_sid": provider_sid,
        "sender": sender,
        "body": body[:1600],
        "received_at": timezone.now().isoformat(),
    }
    try:
        phone = _repliable(sender)
        if phone is None:
            _journalled(journal.store(client, {**entry, "action": "ignored", "reply": ""}))
            return ""
        entry.update(phone=phone, action=command.action)
        lane_limits = journal.Limits(
            queries=limits.window_key("queries", phone, window_seconds=3600),
            max_queries=settings.SMS_MAX_QUERIES_PER_HOUR,
            segments=limits.window_key("segments", phone, window_seconds=86400),
            max_segments=settings.SMS_MAX_SEGMENTS_PER_DAY,
        )
        plan = memo.remember(("plan", command), lambda: _plan(command))
        outcome = None
        if plan is not None:  # else the reply depends on the sender's markets
            with contextlib.suppress(journal.Incomplete):
                outcome = journal.answer(
                    client, entry, lane_limits, *plan, sender_key=senders.key(phone)
                )
        if outcome is None:  # the sender's settings are read first
            plan = _plan_for(command, _reply_settings(client, phone))
            outcome = journal.answer(
                client, entry, lane_limits, *plan, sender_key=senders.key(phone)
            )
        _journalled(outcome.waiting)
    except redis.RedisError as exc:
        store.unreachable(exc)  # this message and the next few take the database lane
        return None
    logger.info(
        "sms %s:%s from %s: %s%s",
        provider,
        provider_sid,
        mask_phone(sender),
        outcome.action,
        "; replayed, answered as before" if outcome.replayed else ", answered from memory",
    )
    return outcome.reply


# Names from the model itself; the number is a query parameter.
_SETTINGS_SQL = "SELECT {}, {}, {} FROM {} WHERE {} = %s".format(  # noqa: S608
    *(Subscriber._meta.get_field(f).column for f in senders.FIELDS),
    Subscriber._meta.db_table,
    Subscriber._meta.get_field("phone").column,
)


def _reply_settings(client: redis.Redis, phone: str) -> senders.Settings:
    """The number's settings, the defaults when it has not written before: from the copy
    in Redis, or from the database while that copy is being (re)built. Plain SQL: on
    this path, every farmer's question, compiling the ORM query took four times as long
    as running it."""
    found = senders.read(client, phone)
    if found is not None:
        return found
    with connection.cursor() as cursor:
        cursor.execute(_SETTINGS_SQL, [phone])
        row = cursor.fetchone()
    if row is None:
        return senders.Settings(phone, "", None, ())
    language, home_market_id, recent = row
    recent = Subscriber._meta.get_field("recent_markets").from_db_value(recent, None, connection)
    return senders.Settings(phone, language, home_market_id, tuple(recent or ()))


Plan = tuple[str, str, int | None]  # journal.answer's replies, notices, market


def _plan(command: Command) -> Plan | None:
    """How to answer a read-only ``command`` whatever the sender's language: the reply
    for each language they may have chosen ("" for none), the notice for their passed
    limit likewise, and the market it puts first in their recent markets. None when the
    reply depends on the sender's markets too (see _plan_for). The same for everyone
    until a name or a price changes."""
    if commands.reads_sender_markets(command):
        return None
    answers, notices, market = {}, {}, None
    for chosen in ["", *(code for code, _ in settings.LANGUAGES)]:
        language = chosen or command.language or settings.LANGUAGE_CODE
        subscriber = Subscriber(language=chosen)
        text = commands.reply(command, subscriber, language, message_key="")
        answers[chosen] = [text, count_segments(text).segments]
        notices[chosen] = _limited_notice(language)
        market = subscriber.recent_markets[0] if subscriber.recent_markets else None
    return json.dumps(answers), json.dumps(notices), market


def _plan_for(command: Command, sender: senders.Settings) -> Plan:
    """The plan for one sender whose settings are known (read from Redis or, while the
    copy there is incomplete, from the database)."""

    def compute() -> Plan:
        language = sender.language or command.language or settings.LANGUAGE_CODE
        subscriber = sender.subscriber()
        text = commands.reply(command, subscriber, language, message_key="")
        recent = tuple(subscriber.recent_markets)
        market = recent[0] if recent != sender.recent_markets else None
        answer = {"*": [text, count_segments(text).segments]}
        return json.dumps(answer), json.dumps({"*": _limited_notice(language)}), market

    key = (command, sender.language, sender.home_market_id, sender.recent_markets)
    return memo.remember(key, compute)


@functools.lru_cache(maxsize=16)
def _limited_notice(language: str) -> tuple[str, int]:
    """The one reply a number gets when it passes its hourly queries, with its segments."""
    text = replies.limited_reply(language=language)
    return text, count_segments(text).segments


def _journalled(waiting: int) -> None:
    """After journalling: the first message into an empty journal has a worker write it
    shortly (beat is the safety net)."""
    if waiting == 1:
        from sms_gateway.tasks import flush_sms_journal  # tasks import this module

        publish(flush_sms_journal, countdown=settings.SMS_JOURNAL_DELAY_SECONDS)


def flush_journal() -> int:
    """Write the answered questions waiting in Redis to the database; returns how many.
    Safe to run twice at once or again after a crash: rows are keyed by message id."""
    client = sms_redis()
    if client is None:
        return 0
    done = journal.drain(client, _store_answered)
    if done:
        logger.info("journal: %d answered message(s) written to the database", done)
    return done


def _store_answered(entries: list[journal.Entry]) -> None:
    with transaction.atomic():
        phones = sorted({e["phone"] for e in entries if e.get("phone")})
        Subscriber.objects.bulk_create(
            [Subscriber(phone=phone) for phone in phones], ignore_conflicts=True
        )
        InboundMessage.objects.bulk_create(
            [
                InboundMessage(
                    provider=e["provider"],
                    provider_sid=e["provider_sid"],
                    sender=e["sender"],
                    body=e["body"],
                    action=e["action"],
                    reply=e["reply"],
                    reply_segments=e.get("reply_segments", 0),
                    received_at=datetime.fromisoformat(e["received_at"]),
                )
                for e in entries
            ],
            ignore_conflicts=True,
        )
        # The newest entry of each number says which markets it asked about last.
        recent = {e["phone"]: list(e["recent_markets"]) for e in entries if e.get("recent_markets")}
        if recent:
            changed = list(Subscriber.objects.filter(phone__in=recent))
            for subscriber in changed:
                subscriber.recent_markets = recent[subscriber.phone]
            Subscriber.objects.bulk_update(changed, ["recent_markets"])


# --- Price reports by market agents ------------------------------------------------------


def register_agent_phone(*, user: AbstractBaseUser, phone: str, pin: str) -> str:
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
