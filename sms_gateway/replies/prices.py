"""Texts that answer a price question: a crop at a market, a crop at markets, a
market's crops, where to sell, two asked at once, a name not found."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils import translation
from django.utils.translation import pgettext

from agriprices.models import Commodity, LatestPrice, Market
from sms_gateway.conversation import answers
from sms_gateway.replies.text import (
    as_many_as_fit,
    fewer_and_fewer,
    fit,
    format_price,
    price_line,
    priced,
    season_phrase,
    short_day,
    week_change,
)
from sms_gateway.segments import SMS_SEGMENT, Room


def price_candidates(answer: answers.Price, language: str) -> list[str]:
    """A price reply from the richest to the leanest."""
    with translation.override(language):
        crop = answer.commodity.display_name(language)
        place = answer.market.display_name(language)
        latest, cheaper, dearer = answer.latest, answer.cheaper, answer.dearer
        if latest is None:
            return [
                pgettext("sms", "No recent price of {crop} at {market}.").format(
                    crop=crop, market=place
                )
            ]
        price = price_line(crop, place, latest)
        change = week_change(latest.change_week_pct)
        others = []
        if cheaper is not None:
            others.append(
                pgettext("sms", "Cheaper: {market} {price}").format(
                    market=cheaper.market.display_name(language), price=format_price(cheaper.price)
                )
            )
        if dearer is not None:
            others.append(
                pgettext("sms", "Dearer: {market} {price}").format(
                    market=dearer.market.display_name(language), price=format_price(dearer.price)
                )
            )
        short_price = price_line(crop[:10], place[:10], latest)
        head = f"{price} {change}".strip()  # no change known: no gap before the stop
        # The season's verdict matters more to a seller than another market's price.
        said = season_phrase(answer.season)
        told = f"{head}. {said}" if said else head
        candidates = [
            f"{told}. {'. '.join(others)}" if others else "",
            f"{told}. {others[0]}" if len(others) > 1 else "",
            told,
            f"{head}. {'. '.join(others)}" if others else "",
            head,
            price,
            short_price,
        ]
        return [c for c in candidates if c]


def crop_at_markets_reply(
    *, language: str, commodity: Commodity, rows: Sequence[LatestPrice], room: Room = SMS_SEGMENT
) -> str:
    """A crop asked without a market: its price at a few markets."""
    return fit(rows_candidates(commodity, rows, language), room)


def market_crops_reply(
    *, language: str, market: Market, rows: Sequence[LatestPrice], room: Room = SMS_SEGMENT
) -> str:
    """A market asked without a crop: the main crops there."""
    return fit(rows_candidates(market, rows, language), room)


def rows_candidates(
    asked: Commodity | Market, rows: Sequence[LatestPrice], language: str
) -> list[str]:
    """A crop's price at markets, or a market's crops, from all of them to one."""
    with translation.override(language):
        name = asked.display_name(language)
        if not rows and isinstance(asked, Commodity):
            return [pgettext("sms", "No recent price of {crop}.").format(crop=name)]
        if not rows:
            return [pgettext("sms", "No recent prices at {market}.").format(market=name)]
        each = [row.market if isinstance(asked, Commodity) else row.commodity for row in rows]
        items = [
            priced(thing.display_name(language), row) for thing, row in zip(each, rows, strict=True)
        ]
        return fewer_and_fewer(f"{name} ({rows[0].currency})", items)


def best_payers_reply(
    *, language: str, commodity: Commodity, rows: Sequence[LatestPrice], room: Room = SMS_SEGMENT
) -> str:
    """SELL: the markets paying most, per base unit, each with the day of its price. All
    of them in one segment where they fit (Cyrillic has 70 characters): the heading
    shrinks before a market is left out."""
    with translation.override(language):
        crop = commodity.display_name(language)
        if not rows:
            return fit([pgettext("sms", "No recent price of {crop}.").format(crop=crop)])
        per = f"{rows[0].currency}/{commodity.base_unit.code}"
        heading = pgettext("sms", "Sell {crop} ({currency}/{unit})").format(
            crop=crop, currency=rows[0].currency, unit=commodity.base_unit.code
        )
        items = [
            f"{row.market.display_name(language)} {format_price(row.price_per_base_unit)} "
            f"{short_day(row.observed_on)}"
            for row in rows
        ]
        every = ", ".join(items)
        return fit(
            [
                f"{heading}: {every}",
                f"{crop} {per}: {every}",
                f"{crop}: {every}",
                as_many_as_fit(heading, items, room),
            ],
            room,
        )


def not_found_reply(
    *, language: str, words: str, suggestions: Sequence[str], room: Room = SMS_SEGMENT
) -> str:
    with translation.override(language):
        unknown = pgettext("sms", "Not found: {words}.").format(words=words[:40])
        hint = pgettext("sms", "Send HELP.")
        if not suggestions:
            return fit([f"{unknown} {hint}"], room)
        tries = [
            pgettext("sms", "Try: {names}.").format(names=", ".join(suggestions[:n]))
            for n in range(len(suggestions), 0, -1)
        ]
        return fit([f"{unknown} {t} {hint}" for t in tries] + [f"{unknown} {tries[-1]}"], room)


def both_reply(*, language: str, answer: answers.Both, room: Room = SMS_SEGMENT) -> str:
    """Two crops or two markets asked at once: both answers where they fit together (in
    full, else as one short list under the name they share), else the first one and how
    to ask for the other."""
    first = _candidates(answer.first, language)
    second = _candidates(answer.second, language)
    together = [
        f"{a.rstrip('.')}. {b}"
        for a, b in zip(first, second + [second[-1]] * len(first), strict=False)
    ]
    with translation.override(language):
        hint = pgettext("sms", "Also ask: {query}").format(
            query=_query_for(answer.second, language)
        )
        shared = _shared_list(answer, language)
    return fit([*together, shared, *(f"{a.rstrip('.')}. {hint}" for a in first)], room)


def _candidates(
    answer: answers.Price | answers.CropPrices | answers.MarketPrices, language: str
) -> list[str]:
    if isinstance(answer, answers.Price):
        return price_candidates(answer, language)
    asked = answer.commodity if isinstance(answer, answers.CropPrices) else answer.market
    return rows_candidates(asked, answer.rows, language)


def _shared_list(answer: answers.Both, language: str) -> str:
    """Two prices as one list under what they share: "Osh (KGS): Potatoes 35/kg, Onions
    18/kg" or "Potatoes (KGS): Osh 35/kg, Naryn 23/kg"; "" unless both are prices."""
    first, second = answer.first, answer.second
    if not (isinstance(first, answers.Price) and isinstance(second, answers.Price)):
        return ""
    if first.latest is None or second.latest is None:
        return ""
    if first.commodity == second.commodity:
        shared = first.commodity.display_name(language)
        names = [p.market.display_name(language) for p in (first, second)]
    else:
        shared = first.market.display_name(language)
        names = [p.commodity.display_name(language) for p in (first, second)]
    rows = [priced(names[0], first.latest), priced(names[1], second.latest)]
    return f"{shared} ({first.latest.currency}): {', '.join(rows)}"


def _query_for(
    answer: answers.Price | answers.CropPrices | answers.MarketPrices, language: str
) -> str:
    """The message that asks for ``answer`` on its own ("ONIONS OSH")."""
    names = [
        thing.display_name(language)
        for thing in (getattr(answer, "commodity", None), getattr(answer, "market", None))
        if thing is not None
    ]
    return " ".join(names).upper()
