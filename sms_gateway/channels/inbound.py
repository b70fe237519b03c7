"""The one inbound path of the text channels (SMS, WhatsApp, Telegram): verified by the
channel's webhook, then stored once by the provider's id -> acted on by the conversation
core -> the reply stored -> answered, all in one transaction.

A retried webhook gets the stored reply and changes nothing twice. A channel that cannot
answer inside its webhook (``answers_inline`` off: Telegram), or a message replayed from
the spool, has its reply queued as a message in the same transaction that stores it, so
it is sent once or not stored at all. While the database is down the message waits in
the spool (sms_gateway.spool) and is answered once it is back.
"""

from __future__ import annotations

import logging
import uuid

from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.utils import timezone

from sms_gateway import channels, outbound, spool
from sms_gateway.channels import Channel
from sms_gateway.channels.contacts import Limits
from sms_gateway.channels.contacts import sender as sender_of
from sms_gateway.conversation import answers
from sms_gateway.conversation.acting import act, always_acted_on, language_of, reports
from sms_gateway.conversation.parser import pin_spans
from sms_gateway.conversation.understanding import understand
from sms_gateway.models import InboundMessage, OutboundMessage
from sms_gateway.phones import mask_phone

logger = logging.getLogger(__name__)
#: Twilio's longest body; what we keep of a message.
MOST_KEPT = 1600


def receive(
    *,
    provider: str,
    provider_sid: str,
    sender: str,
    body: str,
    late: bool = False,
    app_language: str = "",
) -> InboundMessage:
    """Store and answer one incoming message; the same provider id again returns the
    stored message and reply without acting twice. ``reply`` is empty when we must not
    answer (short codes, alphanumeric senders). A ``late`` message (replayed from the
    spool) can no longer be answered inside the webhook: like every message of a
    channel that never answers inline, its reply is queued in the transaction that
    stores it. ``app_language``: the language the sender's app is set to, when the
    channel says (contacts.sender)."""
    stored = InboundMessage.objects.filter(provider=provider, provider_sid=provider_sid).first()
    if stored is not None:
        logger.info("message %s:%s replayed; answered from storage", provider, provider_sid)
        return stored
    channel = channels.for_address(sender)
    queued = late or not channel.answers_inline
    try:
        with transaction.atomic():
            action, reply = answer(
                channel=channel,
                sender=sender,
                body=body,
                message_key=f"{provider}:{provider_sid}",
                app_language=app_language,
            )
            # Stored in the transaction that acted on it: a concurrent duplicate fails
            # here on the unique constraint and everything it did is rolled back.
            message = InboundMessage.objects.create(
                provider=provider,
                provider_sid=provider_sid,
                sender=sender,
                body=redact_pin(body[:MOST_KEPT]),
                action=action,
                reply=reply,
                reply_segments=channel.cost(reply),
                answered_by_sms=queued and bool(reply),
            )
            if queued and reply:
                address = channel.address(sender)
                if address is not None:  # there is a reply, so there is an address
                    outbound.queue_sms(
                        to=address,
                        body=reply,
                        idempotency_key=f"reply:{provider}:{provider_sid}",
                        priority=OutboundMessage.Priority.REPLY,
                    )
    except IntegrityError:
        # The same message arrived twice at once; the other delivery stored it.
        return InboundMessage.objects.get(provider=provider, provider_sid=provider_sid)
    logger.info(
        "%s %s:%s from %s: %s, reply costing %d%s",
        channel.name,
        provider,
        provider_sid,
        mask_phone(sender),
        message.action,
        message.reply_segments,
        " sent as a message" if message.answered_by_sms else "",
    )
    return message


def receive_or_spool(
    *, provider: str, provider_sid: str, sender: str, body: str, app_language: str = ""
) -> str:
    """A webhook's entry: the reply to give inside the request ("" when there is none
    to give there). With the database down the message is spooled instead, and
    answered once the database is back (nothing was written)."""
    try:
        message = receive(
            provider=provider,
            provider_sid=provider_sid,
            sender=sender,
            body=body,
            app_language=app_language,
        )
        # Answered by a message already (spooled, or a channel that answers so): a
        # retried webhook must not answer twice.
        return "" if message.answered_by_sms else message.reply
    except (OperationalError, InterfaceError) as exc:
        # The database unreachable (down, restarting, locked). Not a value it refuses
        # (DataError, IntegrityError): that would fail every replay and hold back every
        # message spooled after it, so it fails this request instead.
        where = spool.put(
            {
                "provider": provider,
                "provider_sid": provider_sid,
                "sender": sender,
                "body": body[:MOST_KEPT],
                "app_language": app_language,
                "received_at": timezone.now().isoformat(),
            }
        )
        logger.error(
            "database unavailable (%s): message %s:%s from %s spooled to %s",
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
        receive(
            provider=entry["provider"],
            provider_sid=entry["provider_sid"],
            sender=entry["sender"],
            body=entry["body"],
            late=True,
            app_language=entry.get("app_language", ""),  # spooled before it was kept
        )

    done = spool.replay(handle)
    if done:
        logger.info("spool: %d message(s) answered after the database came back", done)
    return done


def redact_pin(body: str) -> str:
    """The message as stored: wherever it may hold a PIN, asterisks."""
    for start, end in reversed(pin_spans(body)):
        body = f"{body[:start]}{'*' * (end - start)}{body[end:]}"
    return body


def answer(
    *,
    channel: Channel,
    sender: str,
    body: str,
    message_key: str,
    simulated: bool = False,
    app_language: str = "",
) -> tuple[str, str]:
    """(action, reply text) for one message: understood, acted on and rendered by its
    channel, within the address's limits. Must run inside a transaction. ``message_key``
    identifies the message, so what it records is recorded once. A ``simulated`` message
    is not counted against the limits. ``app_language``: as ``receive``."""
    subscriber = sender_of(channel, sender, app_language=app_language)
    if subscriber is None:
        return "ignored", ""
    request = understand(body)
    limits = Limits(subscriber.phone, channel.phone(subscriber.phone))
    # STOP, START and UNSUB always act: a number must always be able to stop us. They
    # are not questions, so not counted as such; their replies count against the day's.
    always = always_acted_on(request.action)
    if not simulated and not always:
        allowed, first_over = limits.ask()
        if not allowed:
            # One notice as the limit is passed, then silence: each reply costs money.
            if not first_over:
                return "limited", ""
            # In the language its answer would have had; past a farmer's limit, the
            # number's agent is known already (no query).
            agent = limits.agent if reports(request) else None
            language = language_of(request, subscriber, agent)
            return "limited", channel.render(answers.Limited(), language)
    outcome = act(
        request,
        subscriber,
        message_key=message_key,
        every_market=channel.every_market,
        phone=channel.phone(subscriber.phone),
    )
    reply = channel.render(outcome.answer, outcome.language)
    if not simulated and not limits.spend(channel.cost(reply)):
        # Silence; what a STOP or START did stands, and is recorded as done.
        return outcome.action if always else "limited", ""
    return outcome.action, reply


def simulate(*, sender: str, body: str) -> tuple[str, str]:
    """(action, reply) a message from ``sender`` would get, changing nothing: what it
    would set (LANG, STOP, SUB) or record is rolled back, nothing is queued and the
    number's limits are not counted. For the dashboard's simulator."""
    with transaction.atomic():
        action, reply = answer(
            channel=channels.for_address(sender),
            sender=sender,
            body=body,
            message_key=f"simulator:{uuid.uuid4().hex}",
            simulated=True,
        )
        transaction.set_rollback(True)
    return action, reply
