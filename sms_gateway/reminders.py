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
from django.utils.translation import npgettext, pgettext

from agriprices.collection.reminders import Due, Missing, due_reminders
from agriprices.models import PriceType
from sms_gateway import channels
from sms_gateway.conversation.vocabulary import price_type_word
from sms_gateway.models import OutboundMessage
from sms_gateway.outbound import BulkMessage, queue_bulk
from sms_gateway.phones import InvalidPhone, mask_phone, normalize_phone
from sms_gateway.replies.text import first_fitting, fit
from sms_gateway.segments import Room, sms_room

logger = logging.getLogger(__name__)

#: A reminder is at most two SMS segments (Cyrillic leaves 67 characters a segment once
#: split): enough for a few crops and the report to send, at most twice a reply's cost;
#: three when the reports of several price types need it, since without its report an
#: agent cannot record a price type (a Russian one with three types is 160 characters).
REMINDER_SEGMENTS = 2
EVERY_REPORT_SEGMENTS = 3
SMS_ROOM = sms_room(REMINDER_SEGMENTS)
SMS_ROOM_FOR_EVERY_REPORT = sms_room(EVERY_REPORT_SEGMENTS)


@dataclass(frozen=True)
class Reminder:
    to: str
    body: str
    idempotency_key: str
    agent: str  # username, for listing


def reminder_key(user_id: int, day: date) -> str:
    """One reminder per agent and collection day, however often the job runs."""
    return f"collection-reminder:{user_id}:{day.isoformat()}"


def reminder_text(
    missing: Sequence[Missing],
    *,
    day: date,
    today: date,
    language: str,
    room: Room,
    room_for_every_report: Room | None = None,
) -> str:
    """``Prices for 06.12: Osh: Potatoes, Eggs; Uzgen: Wheat (wholesale). Reply: P
    POTATOES OSH price kg PIN; P WHEAT UZGEN price kg WHOLESALE PIN``, in ``language``:
    every market named, its crops with their price type when not retail, and the exact
    report for each price type missing (the unit each is reported in). To fit
    ``room``, crops are left out from each market's end and counted (``+3 more
    prices``); then the text may take ``room_for_every_report`` to give every report;
    only then are the reports of other price types than the first left out. The first
    report always stays."""
    with translation.override(language):
        per_market: dict[int, tuple[str, list[str]]] = {}
        for item in missing:
            name = item.commodity.display_name(language)
            if item.price_type != PriceType.RETAIL:
                name = f"{name} ({item.price_type_label})"
            market = per_market.setdefault(item.market.pk, (item.market.display_name(language), []))
            market[1].append(name)
        first_of_type: dict[str, Missing] = {}
        for item in sorted(missing, key=lambda m: m.price_type != PriceType.RETAIL):
            first_of_type.setdefault(item.price_type, item)
        examples = [_example(item, language) for item in first_of_type.values()]
        shown_day = day.strftime("%d.%m" if day.year == today.year else "%d.%m.%Y")
        heading = pgettext("sms", "Prices for {day}").format(day=shown_day)
        groups = list(per_market.values())
        total = sum(len(crops) for _, crops in groups)

        def candidates(reports: list[str]) -> list[str]:
            reply = pgettext("sms", "Reply: {example}").format(example="; ".join(reports))
            found = []
            for most in range(max(len(crops) for _, crops in groups), 0, -1):
                listed = "; ".join(
                    f"{market}: {', '.join(crops[:most])}" for market, crops in groups
                )
                left = sum(max(0, len(crops) - most) for _, crops in groups)
                more = (
                    " "
                    + npgettext("sms", "+%(n)d more price", "+%(n)d more prices", left)
                    % {"n": left}
                    if left
                    else ""
                )
                found.append(f"{heading}: {listed}{more}. {reply}")
            markets = ", ".join(market for market, _ in groups)
            count = npgettext("sms", "%(n)d price", "%(n)d prices", total) % {"n": total}
            found.append(f"{heading}: {markets}: {count}. {reply}")
            return found

        every = candidates(examples)
        return (
            first_fitting(every, room)
            or first_fitting(every, room_for_every_report or room)
            or fit(candidates(examples[:1]), room)
        )


def _example(item: Missing, language: str) -> str:
    """The report that records ``item``, placeholders for the price and the PIN."""
    words = [
        "P",
        item.commodity.display_name(language).upper(),
        item.market.display_name(language).upper(),
        pgettext("sms", "price"),
        item.unit.code,
    ]
    if item.price_type != PriceType.RETAIL:
        words.append(price_type_word(item.price_type, language).upper())
    words.append(pgettext("sms", "PIN"))
    return " ".join(words)


def reminders_for(day: date, *, today: date) -> list[Reminder]:
    """The reminders of ``day``: one per agent with prices missing, none to an agent who
    reported everything."""
    found = []
    for due in due_reminders(day, today=today):
        address = _address(due)
        if address is None:
            continue
        language = due.profile.language or settings.LANGUAGE_CODE
        room, room_for_every_report = _rooms(address)
        found.append(
            Reminder(
                to=address,
                body=reminder_text(
                    due.missing,
                    day=day,
                    today=today,
                    language=language,
                    room=room,
                    room_for_every_report=room_for_every_report,
                ),
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


def _rooms(address: str) -> tuple[Room, Room]:
    """What a reminder holds, and what it may take to give every report: two and three
    SMS segments by SMS; a chat app's own room (WhatsApp's 1,000 characters)."""
    channel = channels.for_address(address)
    if channel.scheme:
        return channel.room, channel.room
    return SMS_ROOM, SMS_ROOM_FOR_EVERY_REPORT


@dataclass(frozen=True)
class Run:
    """What one run of the reminders did: the reminders it listed (not sent before that
    day), how many of them were queued (none in a dry run; numbers opted out or
    undeliverable are left out), and how many agents had been reminded already."""

    listed: list[Reminder]
    queued: int
    already: int


def send_reminders(day: date, *, today: date, dry_run: bool = False) -> Run:
    """Queue the reminders of ``day`` (or, ``dry_run``, only list them). An agent
    reminded already that day is neither listed nor sent anything again: the outbound
    queue keeps one message per key, and the run says so rather than list them anew."""
    due = reminders_for(day, today=today)
    sent_before = set(
        OutboundMessage.objects.filter(
            idempotency_key__in=[r.idempotency_key for r in due]
        ).values_list("idempotency_key", flat=True)
    )
    fresh = [r for r in due if r.idempotency_key not in sent_before]
    queued = 0 if dry_run else _queue(fresh)
    return Run(listed=fresh, queued=queued, already=len(due) - len(fresh))


def _queue(reminders: Sequence[Reminder]) -> int:
    """The one place reminders are sent: the outbound queue, in one go (numbers opted
    out, undeliverable or outside the allowed countries are left out by it)."""
    waiting = queue_bulk([BulkMessage(r.to, r.body, r.idempotency_key) for r in reminders])
    logger.info("collection reminders: %d listed, %d waiting to be sent", len(reminders), waiting)
    return waiting
