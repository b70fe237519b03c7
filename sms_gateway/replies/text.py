"""The pieces every SMS text is made of: fitting candidates to a room, prices, days and
week changes as farmers read them, lists that say how many were left out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.utils.translation import npgettext, pgettext

from agriprices.formatting import rounded_price
from agriprices.models import LatestPrice
from agriprices.warnings.bands import season_hint
from sms_gateway.segments import SMS_SEGMENT, Room, plain


def by_medium(*, chat: bool, sms: str, on_chat: str) -> str:
    """The one rule for a text that names what we send: by SMS (and by USSD, whose STOP
    stops SMS) it says "SMS"; on a chat app (WhatsApp, Telegram), where the person gets
    no SMS from us, it says "messages". ``sms`` and ``on_chat`` are the same text worded
    so, both translated (``on_chat`` in the "chat" context)."""
    return on_chat if chat else sms


def fit(candidates: Sequence[str], room: Room = SMS_SEGMENT) -> str:
    """The first candidate that fits ``room``, else the last one cut to fit."""
    texts = [plain(" ".join(c.split())) for c in candidates if c]
    return first_fitting(texts, room) or (room.cut(texts[-1]) if texts else "")


def first_fitting(candidates: Sequence[str], room: Room) -> str | None:
    """The first candidate that fits ``room`` as it is sent; None when none does."""
    for text in (plain(" ".join(c.split())) for c in candidates if c):
        if room.fits(text):
            return text
    return None


def shortened(name: str, most: int) -> str:
    """``name`` in at most ``most`` characters, a cut one ending in a dot."""
    return name if len(name) <= most else f"{name[: most - 1].rstrip()}."


def format_price(value: Decimal) -> str:
    """Short and exact enough for a market: 650, 18.5, 0.25."""
    return f"{rounded_price(value):f}"


def short_day(value: date) -> str:
    return value.strftime("%d.%m")


def week_change(pct: Decimal | None) -> str:
    if pct is None:
        return ""
    sign = "+" if pct > 0 else ""
    return pgettext("sms", "{change}% wk").format(change=f"{sign}{pct.normalize():f}")


def season_phrase(season: str) -> str:
    """What a price warning means to a farmer, in the active language."""
    return season_hint(season)


def price_line(crop: str, place: str, latest: LatestPrice) -> str:
    return pgettext("sms", "{crop} {market}: {price} {currency}/{unit} {day}").format(
        crop=crop,
        market=place,
        price=format_price(latest.price),
        currency=latest.currency,
        unit=latest.unit.code,
        day=short_day(latest.observed_on),
    )


def as_many_as_fit(heading: str, items: Sequence[str], room: Room = SMS_SEGMENT) -> str:
    """ "Heading: a, b, c" with as many items as ``room`` holds, in order, and how many
    were left out ("+3") when some were."""
    return fit(fewer_and_fewer(heading, items), room)


def fewer_and_fewer(heading: str, items: Sequence[str]) -> list[str]:
    left_out = pgettext("sms", "+{n} more")
    return [
        f"{heading}: {', '.join(items[:n])}"
        + (f", {left_out.format(n=len(items) - n)}" if n < len(items) else "")
        for n in range(len(items), 0, -1)
    ]


def priced(name: str, row: LatestPrice) -> str:
    return f"{name} {priced_short(row)}"


def priced_short(row: LatestPrice) -> str:
    return f"{format_price(row.price)}/{row.unit.code}"


def list_page(heading: str, names: Sequence[str], query: str, page: int, room: Room) -> str:
    """Page ``page`` (1 first) of a list as ``list_pages`` makes it; past the last page,
    how many pages there are and the last one ("Only 3 pages. Crops 3: a, b"), or what
    to send for it where it does not fit beside ("Only 3 pages, the last: LIST 3"):
    a farmer asking for a page that is not there must not take the last for it. The
    one rule for every list a farmer pages by a number (LIST, LIST MARKETS, a crop's
    markets, a market's crops)."""
    pages = list_pages(heading, names, query, room)
    if page <= len(pages):
        return pages[max(page, 1) - 1]
    count = len(pages)
    last = query.format(page=count)
    only = npgettext("sms", "Only %(n)d page.", "Only %(n)d pages.", count) % {"n": count}
    pointer = npgettext(
        "sms", "Only %(n)d page: %(query)s", "Only %(n)d pages, the last: %(query)s", count
    ) % {"n": count, "query": last}
    return fit([f"{only} {pages[-1]}", pointer, f"{only} {last}"], room)


def list_pages(heading: str, names: Sequence[str], query: str, room: Room) -> list[str]:
    """The pages of a list: page 1 "Crops: a, b. More: LIST 2", page 2 "Crops 2: c, d"
    (``query`` is what to send for a page, with ``{page}`` in it: "LIST {page}"), each
    as full as ``room`` allows. An item too long for a page of its own with the pointer
    has its name cut, never its price (its last word) nor the pointer, the way to the
    rest."""
    more = pgettext("sms", "More: {query}").format(query=query)
    pages: list[str] = []
    start = 0
    while start < len(names) or not pages:
        number = len(pages) + 1
        end = len(names)
        if not room.fits("".join(_list_page(heading, names, start, end, number, more))):
            end = start + 1  # at least one a page; then as many as fit with the pointer on
            while end + 1 < len(names) and room.fits(
                "".join(_list_page(heading, names, start, end + 1, number, more))
            ):
                end += 1
        shown, pointer = _list_page(heading, names, start, end, number, more)
        if not room.fits(shown + pointer):
            # One item too long for its page: its name is cut, never its last word (a
            # market's price) nor the pointer.
            shown, _, last = shown.rpartition(" ")
            pointer = f" {last}{pointer}"
        pages.append(room.cut(shown, keep=pointer))
        start = end
    return pages


def _list_page(
    heading: str, names: Sequence[str], start: int, end: int, number: int, more: str
) -> tuple[str, str]:
    """A page's list, and its pointer to the next ("" on the last)."""
    head = heading if number == 1 else f"{heading} {number}"
    shown = f"{head}: {', '.join(names[start:end])}"
    pointer = "" if end >= len(names) else f". {more.format(page=number + 1)}"
    return plain(shown), plain(pointer)
