"""Collection reminders: the text each agent gets on a collection day (what is still
missing at their markets, and the exact SMS report that records it), in their language,
on their channel, queued through the outbound queue once per agent and day.

Who is missing what is agriprices' rule (``agriprices.collection.reminders``); this
module only words it and hands it to ``_queue``, the one place reminders are sent."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.utils import translation
from django.utils.translation import pgettext

from agriprices.collection.reminders import Due, Missing, due_reminders
from agriprices.models import PriceType
from sms_gateway import channels
from sms_gateway.outbound import BulkMessage, queue_bulk
from sms_gateway.phones import InvalidPhone, mask_phone, normalize_phone
from sms_gateway.replies.text import fit
from sms_gateway.segments import Room, count_segments

logger = logging.getLogger(__name__)

#: A reminder is at most two SMS segments (Cyrillic leaves 67 characters a segment once
#: split): enough for a few crops and the report to send, at most twice a reply's cost.
REMINDER_SEGMENTS = 2
SMS_ROOM = Room(lambda text: count_segments(text).segments <= REMINDER_SEGMENTS)


@dataclass(frozen=True)
class Reminder:
    to: str
    body: str
    idempotency_key: str
    agent: str  # username, for listing


def reminder_key(user_id: int, day: date) -> str:
    """One reminder per agent and collection day, however often the job runs."""
    return f"collection-reminder:{user_id}:{day.isoformat()}"


def reminder_text(missing: Sequence[Missing], *, day: date, language: str, room: Room) -> str:
    """``Prices for 06.12: Osh: Potatoes, Onions. Reply: P POTATOES OSH price kg PIN``,
    in ``language``; crops are left out from the end ("+3 more") before the report to
    send is."""
    with translation.override(language):
        names = []
        for item in missing:
            name = item.commodity.display_name(language)
            if item.price_type != PriceType.RETAIL:
                name = f"{name} ({item.price_type_label})"
            names.append((item.market.display_name(language), name))
        first = next((m for m in missing if m.price_type == PriceType.RETAIL), missing[0])
        example = " ".join(
            [
                "P",
                first.commodity.display_name(language).upper(),
                first.market.display_name(language).upper(),
                pgettext("sms", "price"),
                first.commodity.base_unit.code,
                pgettext("sms", "PIN"),
            ]
        )
        heading = pgettext("sms", "Prices for {day}").format(day=day.strftime("%d.%m"))
        reply = pgettext("sms", "Reply: {example}").format(example=example)
        left_out = pgettext("sms", "+{n} more")
        candidates = []
        for shown in range(len(names), 0, -1):
            listed = _by_market(names[:shown])
            more = f" {left_out.format(n=len(names) - shown)}" if shown < len(names) else ""
            candidates.append(f"{heading}: {listed}{more}. {reply}")
        return fit(candidates, room)


def _by_market(names: Sequence[tuple[str, str]]) -> str:
    groups: dict[str, list[str]] = {}
    for market, crop in names:
        groups.setdefault(market, []).append(crop)
    return "; ".join(f"{market}: {', '.join(crops)}" for market, crops in groups.items())


def reminders_for(day: date, *, today: date) -> list[Reminder]:
    """The reminders of ``day``: one per agent with prices missing, none to an agent who
    reported everything."""
    found = []
    for due in due_reminders(day, today=today):
        address = _address(due)
        if address is None:
            continue
        language = due.profile.language or settings.LANGUAGE_CODE
        room = _room(address)
        found.append(
            Reminder(
                to=address,
                body=reminder_text(due.missing, day=day, language=language, room=room),
                idempotency_key=reminder_key(due.profile.user_id, day),
                agent=due.profile.user.get_username(),
            )
        )
    return found


def _address(due: Due) -> str | None:
    try:
        number = normalize_phone(due.profile.phone)
    except InvalidPhone:
        logger.warning("agent %s: phone %s unusable", due.profile, mask_phone(due.profile.phone))
        return None
    return f"{channels.named(due.profile.reminder_channel).scheme or ''}{number}"


def _room(address: str) -> Room:
    """Two SMS segments by SMS; a chat app's own room (WhatsApp's 1,000 characters)."""
    channel = channels.for_address(address)
    return channel.room if channel.scheme else SMS_ROOM


def send_reminders(day: date, *, today: date, dry_run: bool = False) -> list[Reminder]:
    """Queue the reminders of ``day`` (or, ``dry_run``, only list them). Queueing again
    the same day changes nothing: the outbound queue keeps one message per key."""
    reminders = reminders_for(day, today=today)
    if not dry_run:
        _queue(reminders)
    return reminders


def _queue(reminders: Sequence[Reminder]) -> int:
    """The one place reminders are sent: the outbound queue, in one go (numbers opted
    out, undeliverable or outside the allowed countries are left out by it)."""
    waiting = queue_bulk([BulkMessage(r.to, r.body, r.idempotency_key) for r in reminders])
    logger.info("collection reminders: %d listed, %d waiting to be sent", len(reminders), waiting)
    return waiting
