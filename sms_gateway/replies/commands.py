"""Texts that answer a command: help, lists page by page, languages, STOP and START,
subscriptions, price reports by agents, the hourly limit."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.conf import settings
from django.utils import translation
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import pgettext

from agriprices.models import Commodity, Market, PriceType, Quote
from agriprices.validation import Outlier
from sms_gateway.replies.text import (
    by_medium,
    fit,
    format_price,
    list_page,
    short_day,
    shortened,
)
from sms_gateway.segments import SMS_SEGMENT, Room, sms_room


def help_reply(
    *,
    language: str,
    about: str = "",
    following: tuple[Commodity, Market] | None = None,
    room: Room = SMS_SEGMENT,
    chat: bool = False,
) -> str:
    """How to ask; to a message that asked to stop, first how to stop (STOP alone, or
    UNSUB and the crop and market it named that the number follows); to SELL alone, how
    to name the crop; to "more" alone, where the next page's command is. ``chat``: said
    on a chat app (``by_medium``)."""
    with translation.override(language):
        how = by_medium(
            chat=chat,
            sms=pgettext(
                "sms",
                "Send CROP MARKET, e.g. POTATO OSH. LIST: crops. LIST MARKETS. "
                "LANG EN/FR/RU/KY. STOP: no more SMS.",
            ),
            on_chat=pgettext(
                "chat",
                "Send CROP MARKET, e.g. POTATO OSH. LIST: crops. LIST MARKETS. "
                "LANG EN/FR/RU/KY. STOP: no more messages.",
            ),
        )
        short = pgettext("sms", "Send CROP MARKET, e.g. POTATO OSH. LIST: crops.")
        if about == "stop":
            stop = by_medium(
                chat=chat,
                sms=pgettext("sms", "To get no more SMS from us, send STOP alone."),
                on_chat=pgettext("chat", "To get no more messages from us, send STOP alone."),
            )
            if following is not None:
                crop, place = (thing.display_name(language) for thing in following)
                unsub = pgettext("sms", "UNSUB {what} to stop.").format(what=f"{crop} {place}")
                return fit([f"{unsub.rstrip('.')}. {stop}", unsub, stop], room)
            return fit([f"{stop} {short}", stop], room)
        if about == "sell":
            return fit([pgettext("sms", "Send SELL and a crop, e.g. SELL POTATO.")], room)
        if about == "more":
            return fit(
                [pgettext("sms", "For more, send what follows More:, e.g. LIST 2."), short], room
            )
        return fit([how, short], room)


def list_reply(
    *, language: str, kind: str, names: Sequence[str], page: int = 1, room: Room = SMS_SEGMENT
) -> str:
    """Page ``page`` of the crops or markets (past the last, how many there are:
    ``list_page``): as many names as fit, and how to ask for the next page when some
    are left."""
    with translation.override(language):
        if kind == "markets":
            heading, query = pgettext("sms", "Markets"), pgettext("sms", "LIST MARKETS {page}")
        else:
            heading, query = pgettext("sms", "Crops"), pgettext("sms", "LIST {page}")
        return list_page(heading, names, query, page, room)


def language_reply(*, language: str, chosen: str) -> str:
    if not chosen:
        with translation.override(language):
            return fit([pgettext("sms", "Languages: EN FR RU KY. Send e.g. LANG RU")])
    with translation.override(chosen):
        return fit([pgettext("sms", "Replies will now be in English.")])


def opted_out_reply(*, language: str, chat: bool = False) -> str:
    with translation.override(language):
        said = by_medium(
            chat=chat,
            sms=pgettext("sms", "You will get no more SMS from us. Send START to come back."),
            on_chat=pgettext(
                "chat", "You will get no more messages from us. Send START to come back."
            ),
        )
        return fit([said])


def opted_in_reply(*, language: str, returning: bool) -> str:
    with translation.override(language):
        if returning:
            return fit([pgettext("sms", "Welcome back. Send HELP for the commands.")])
        return fit([pgettext("sms", "Welcome. Send HELP for the commands.")])


def subscribed_reply(
    *,
    language: str,
    commodity: Commodity,
    market: Market,
    alert: bool,
    weekday: int,
    pct: Decimal,
    room: Room = SMS_SEGMENT,
    chat: bool = False,
) -> str:
    """What was subscribed and on what condition; names are shortened before the
    condition is ever cut."""
    with translation.override(language):
        crop, place = commodity.display_name(language), market.display_name(language)
        if alert:
            first = by_medium(
                chat=chat,
                sms=pgettext("sms", "Subscribed: {what}. SMS when the price moves {pct}%."),
                on_chat=pgettext(
                    "chat", "Subscribed: {what}. A message when the price moves {pct}%."
                ),
            )
        else:
            first = pgettext("sms", "Subscribed: {what}, every {day}.")
        candidates = []
        for most in (40, 12, 8, 5):
            what = f"{shortened(crop, most)} {shortened(place, most)}"
            text = first.format(what=what, pct=f"{pct.normalize():f}", day=WEEKDAYS_ABBR[weekday])
            if most == 40:  # how to stop, with the names as UNSUB reads them
                stop = pgettext("sms", "UNSUB {what} to stop.").format(what=f"{crop} {place}")
                candidates.append(f"{text} {stop}")
            candidates.append(text)
        return fit(candidates, room)


def unsubscribed_reply(*, language: str, commodity: Commodity, market: Market, found: bool) -> str:
    with translation.override(language):
        what = f"{commodity.display_name(language)} {market.display_name(language)}"
        if found:
            return fit([pgettext("sms", "Unsubscribed: {what}.").format(what=what)])
        return fit([pgettext("sms", "You do not follow {what}.").format(what=what)])


def subscription_problem_reply(*, language: str, problem: str, chat: bool = False) -> str:
    """Why SUB or UNSUB did nothing."""
    with translation.override(language):
        texts = {
            "opted_out": pgettext("sms", "You opted out. Send START, then SUB again."),
            "too_many": pgettext(
                "sms", "You follow {n} crops, the most allowed. Send UNSUB CROP MARKET first."
            ).format(n=settings.SMS_MAX_SUBSCRIPTIONS),
            "bad_percent": pgettext(
                "sms", "The percent must be 1 to 100, like 10 or 12.5: SUB POTATO OSH 10"
            ),
            "names": pgettext("sms", "Send SUB CROP MARKET, e.g. SUB POTATO OSH"),
            "unsub_names": by_medium(
                chat=chat,
                sms=pgettext("sms", "Send UNSUB CROP MARKET, or STOP for no more SMS."),
                on_chat=pgettext("chat", "Send UNSUB CROP MARKET, or STOP for no more messages."),
            ),
        }
        return fit([texts[problem]])


def limited_reply(*, language: str) -> str:
    with translation.override(language):
        return fit([pgettext("sms", "Too many messages from this number. Try again later.")])


#: An agent's report is answered in up to three segments: why a price was refused or
#: held, and a long crop's and market's names with the day, must reach the agent whole
#: (cut at 70 Cyrillic characters they lost the advice, or the day; the longest reason,
#: a price already recorded, is 140 in Russian). A farmer's answer keeps to one.
AGENT_ROOM = sms_room(3)


def report_reply(*, language: str, problem: str, detail: str = "") -> str:
    """Why a price report by SMS was not recorded."""
    with translation.override(language):
        texts = {
            "not_agent": pgettext("sms", "This number may not report prices."),
            "locked": pgettext("sms", "Too many wrong PINs: reports locked for an hour."),
            "wrong_pin": pgettext("sms", "Wrong PIN. Nothing recorded."),
            "missing PIN": pgettext("sms", "Add your PIN: P POTATO OSH 18.5 KG 1234"),
            "missing price": pgettext("sms", "Add the price: P POTATO OSH 18.5 KG 1234"),
            "unclear price": pgettext(
                "sms", "Unclear price: write 1000 (no separator) or 18.5. Nothing recorded."
            ),
            "names": pgettext("sms", "Crop or market not found. Nothing recorded."),
            "two names": pgettext("sms", "Name one crop and one market. Nothing recorded."),
            "unknown words": pgettext("sms", "Not found: {words}. Nothing recorded.").format(
                words=detail[:40].upper()
            ),
            "two price types": pgettext(
                "sms", "Two price types named: write one, after the price. Nothing recorded."
            ),
            "unit": pgettext(
                "sms", "Unknown unit or price type: {words}. Nothing recorded."
            ).format(words=detail[:40].upper()),
            "refused": pgettext("sms", "Not recorded: {reason}").format(reason=detail),
        }
        return fit([texts[problem]], AGENT_ROOM)


def _how_far(unusual: Outlier) -> str:
    """How far a held price is from the recent median: "10.3 times" above it, a share
    below it ("95% below": a twentieth read as "0.1 times", less as "0 times")."""
    median = format_price(unusual.median)
    if unusual.value >= unusual.median:
        return pgettext(
            "sms", "It is {ratio} times the recent median ({median}); an operator will check it."
        ).format(ratio=format_price(unusual.ratio), median=median)
    below = min(99, round((1 - unusual.value / unusual.median) * 100))
    return pgettext(
        "sms", "It is {pct}% below the recent median ({median}); an operator will check it."
    ).format(pct=below, median=median)


def recorded_reply(*, language: str, quote: Quote, unusual: Outlier | None = None) -> str:
    """Confirmation of a price an agent reported, or why it waits for review: against
    what it was judged (``unusual``), in the agent's language."""
    with translation.override(language):
        crop = quote.commodity.display_name(language)
        place = quote.market.display_name(language)
        # Said back exactly as recorded (1250.5, 0.125), not rounded as for a farmer:
        # the agent checks it against what was meant.
        price = f"{quote.price.normalize():f} {quote.currency}/{quote.unit.code}"
        if quote.price_type != PriceType.RETAIL:  # said back only when the agent named it
            price = f"{price} ({quote.get_price_type_display()})"
        what = f"{crop} {place} {price} {short_day(quote.observed_on)}"
        if quote.status == Quote.Status.FLAGGED:
            held = pgettext("sms", "Recorded for review: {what}").format(what=what)
            if unusual is None:  # held for its currency, or the figures moved since
                return fit([held], AGENT_ROOM)
            return fit([f"{held}. {_how_far(unusual)}", held], AGENT_ROOM)
        return fit([pgettext("sms", "Recorded: {what}").format(what=what)], AGENT_ROOM)
