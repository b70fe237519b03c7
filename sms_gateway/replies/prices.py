"""Texts that answer a price question: a crop at a market, a crop at markets, a
market's crops, where to sell, two asked at once, a name not found."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.utils import translation
from django.utils.translation import npgettext, pgettext

from agriprices.collection.freshness import Staleness
from agriprices.models import Commodity, LatestPrice, Market
from sms_gateway.conversation import answers
from sms_gateway.replies.text import (
    as_many_as_fit,
    fewer_and_fewer,
    fit,
    format_price,
    list_page,
    price_line,
    priced,
    priced_short,
    season_phrase,
    short_day,
    week_change,
)
from sms_gateway.segments import SMS_SEGMENT, Room, plain, was_cut


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
        if answer.stale is not None:
            return _stale_candidates(answer, answer.stale, price, short_price, language)
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


def _stale_candidates(
    answer: answers.Price, stale: Staleness, price: str, short_price: str, language: str
) -> list[str]:
    """An old price says so first ("last price 3 weeks ago"), then names the nearest
    market with a fresh one where it fits, shedding the fresh price's day, then the
    names' length, then (when both are in one unit) the units before it is left out;
    the week change and the season say nothing about today, so they are left out. The
    leanest says its day alone."""
    old = age_phrase(stale.age_days)
    fresh_row = stale.fresh
    latest = answer.latest
    candidates = []
    if fresh_row is not None and latest is not None:
        where = fresh_row.market.display_name(language)

        def fresh(value: str, day: str = "") -> str:
            said = pgettext("sms", "Fresh: {market} {price} {day}")
            return said.format(market=where, price=value, day=day).strip()  # no day: no gap

        with_unit = priced_short(fresh_row)
        crop = answer.commodity.display_name(language)
        place = answer.market.display_name(language)
        candidates += [
            f"{price}, {old}. {fresh(with_unit, short_day(fresh_row.observed_on))}",
            f"{price}, {old}. {fresh(with_unit)}",
            f"{short_price}, {old}. {fresh(with_unit)}",
        ]
        if fresh_row.unit_id == latest.unit_id:
            bare = f"{crop} {place}: {format_price(latest.price)} {short_day(latest.observed_on)}"
            candidates.append(f"{bare}, {old}. {fresh(format_price(fresh_row.price))}")
    # Last, the day alone says how old it is: where the words leave no room for the
    # names (a reply that must also say how to ask for the rest), the names matter more.
    candidates += [f"{price}, {old}", f"{short_price}, {old}", short_price]
    return candidates


def age_phrase(days: int) -> str:
    """How old a price is, in words a farmer reads at a glance: days under two weeks,
    weeks under two months, then months, rounded to the nearest (half up): a price 20
    days old is "3 weeks", never understated as 2."""
    if days < 14:
        return npgettext("sms", "last price %(n)d day ago", "last price %(n)d days ago", days) % {
            "n": days
        }
    if days < 61:
        weeks = (days + 3) // 7
        return npgettext(
            "sms", "last price %(n)d week ago", "last price %(n)d weeks ago", weeks
        ) % {"n": weeks}
    months = (days + 15) // 30
    return npgettext("sms", "last price %(n)d month ago", "last price %(n)d months ago", months) % {
        "n": months
    }


def rows_reply(
    answer: answers.CropPrices | answers.MarketPrices, language: str, room: Room = SMS_SEGMENT
) -> str:
    """A crop asked without a market (its price at a few markets) or a market without a
    crop (the crops priced there): the page asked for, as full as ``room`` allows, with
    what to send for the next ("More: OSH 2") when some are left (past the last page,
    how many there are: ``list_page``)."""
    with translation.override(language):
        if not answer.rows:
            return fit(rows_candidates(answer, language), room)
        name = _asked(answer).display_name(language)
        heading = f"{name} ({answer.rows[0].currency})"
        query = f"{name.upper()} {{page}}"
        return list_page(heading, _items(answer, language), query, answer.page, room)


def rows_candidates(
    answer: answers.CropPrices | answers.MarketPrices, language: str, counted: bool = True
) -> list[str]:
    """A crop's price at markets, or a market's crops, from all of them to one: when
    some are left out, what to send for them all ("More: OSH"), not only how many
    ("+17 more" gives no way to them) but in the leanest, when ``counted``; the leanest
    without the currency."""
    with translation.override(language):
        name = _asked(answer).display_name(language)
        if not answer.rows and isinstance(answer, answers.CropPrices):
            return [pgettext("sms", "No recent price of {crop}.").format(crop=name)]
        if not answer.rows:
            return [pgettext("sms", "No recent prices at {market}.").format(market=name)]
        heading = f"{name} ({answer.rows[0].currency})"
        items = _items(answer, language)
        pointer = pgettext("sms", "More: {query}").format(query=name.upper())
        shown = [
            f"{heading}: {', '.join(items[:n])}. {pointer}" for n in range(len(items) - 1, 0, -1)
        ]
        if not shown:
            return [f"{heading}: {', '.join(items)}", f"{name}: {items[0]}"]
        # Last, how many are left out: where a long name leaves no room to name it twice
        # beside the pointer to the rest of a question ("... again with 2").
        leanest = [f"{name}: {items[0]}. {pointer}"]
        if counted:
            leanest.append(fewer_and_fewer(name, items)[-1])
        return [f"{heading}: {', '.join(items)}", *shown, *leanest]


def _asked(answer: answers.CropPrices | answers.MarketPrices) -> Commodity | Market:
    return answer.commodity if isinstance(answer, answers.CropPrices) else answer.market


def _items(answer: answers.CropPrices | answers.MarketPrices, language: str) -> list[str]:
    """Each row's name and price; an old price with its day, never passing for today's."""
    items = []
    for row in answer.rows:
        thing = row.market if isinstance(answer, answers.CropPrices) else row.commodity
        item = priced(thing.display_name(language), row)
        items.append(f"{item} {short_day(row.observed_on)}" if row.pk in answer.old else item)
    return items


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
        tries = [
            pgettext("sms", "Try: {names}.").format(names=", ".join(suggestions[:n]))
            for n in range(len(suggestions), 0, -1)
        ]
        # Where nothing fits, the words are cut, never what to do next: the closest
        # name and the hint, or the hint alone.
        cut = [room.cut(plain(unknown), keep=f" {t} {hint}") for t in tries[-1:]]
        last = room.cut(plain(unknown), keep=f" {hint}")
        return fit([*(f"{unknown} {t} {hint}" for t in tries), *cut, last], room)


def unread_notes(
    words: Sequence[tuple[str, Sequence[Commodity | Market]]], language: str
) -> list[str]:
    """What a reply says of words not read as names, from the richest to the leanest:
    with the names each resembles ("Not found: narin (Naryn?)."), then the words
    alone, then the words asked back ("narin?"), which fit beside an answer and the
    pointer to the rest even in Cyrillic."""
    with translation.override(language):
        guessed = [
            pgettext("sms", "{word} ({names}?)").format(
                word=word, names=", ".join(thing.display_name(language) for thing in things[:2])
            )
            for word, things in words
        ]
        bare = [word for word, _ in words]
        return [
            *(
                pgettext("sms", "Not found: {words}.").format(words=", ".join(said))
                for said in (guessed, bare)
            ),
            f"{', '.join(bare)}?",
        ]


def with_unread(
    answer: answers.Unread,
    language: str,
    room: Room,
    render: Callable[[answers.Answer, Room], str],
    between: str = " ",
) -> str:
    """The answer (as ``render`` says it) after what was not read, in the richest words
    that leave the answer whole beside them (fewer answers, the rest pointed to, where
    it must); where none does, the leanest beside the answer cut to fit: never the
    answer alone, which dropped the words silently."""
    notes = unread_notes(answer.words, language)
    for note in notes:
        text = render(answer.answer, room.after(f"{note}{between}"))
        if not was_cut(text):
            return f"{note}{between}{text}"
    return f"{notes[-1]}{between}{text}"


def both_reply(
    *, language: str, answer: answers.Both, room: Room = SMS_SEGMENT, notes: Sequence[str] = ()
) -> str:
    """Two or more crops or markets asked at once: as many answers as fit, in the order
    named (in full, shorter, or as one short list under the name they share), and what
    to send for the others, so that none is ever left out: the messages that ask for
    them ("Also ask: ONIONS BISHKEK"), whole; where those do not fit beside even the
    first answer (many names, long ones, Cyrillic's 70 characters), the same question
    again with the place of the first not answered ("... again with 3 at the end"),
    which is answered from there on the same way. Every reply answers one at least, its
    price kept, and points to all the others: a chain that reaches every one named.
    ``notes``: what to say first of words not read as names (``unread_notes``, richest
    first), said by every reply but one that points on to the question sent again,
    which says them (many names in Cyrillic leave no room for them)."""
    parts = answer.parts
    asked = [_named_in(part) for part in parts] + list(answer.unasked)
    whole: list[str] = []
    onwards: list[str] = []
    with translation.override(language):
        # A list saying only how many it left out ("ещё 17") comes after fewer answers
        # that point to the rest: it gives no way to them.
        for counted in (False, True):
            candidates = [_candidates(part, language, counted) for part in parts]
            for shown in range(len(parts), 0, -1):
                answered = _answered(parts[:shown], candidates[:shown], language)
                hint = also_ask(asked[shown:], language)
                whole += [f"{text}. {hint}" if hint else text for text in answered]
                if shown < len(asked):
                    again = _again(answer.start + shown)
                    onwards += [f"{text}. {again}" for text in answered]
        # Not even the first's leanest answer fits beside that: its names are cut.
        last = _names_cut(candidates[0][-1], _again(answer.start + 1), room)
    said = [f"{note} " for note in notes] or [""]
    noted = [note + text for texts in (whole, onwards) for note in said for text in texts]
    return fit([*noted, *(onwards if notes else []), last], room)


def _answered(
    parts: Sequence[answers.Part], candidates: Sequence[Sequence[str]], language: str
) -> list[str]:
    """The answers to ``parts`` in one text, from the richest to the leanest: each in
    full, then shorter level by level, then as one list under the name they share."""
    texts = []
    for level in range(max(len(c) for c in candidates)):
        texts.append(". ".join(c[min(level, len(c) - 1)].rstrip(".") for c in candidates))
    return texts + _shared_lists(parts, language)


def _again(place: int) -> str:
    """How to ask for the others from the one at ``place`` on, when the messages that
    name them do not fit: the question sent again with that number after it (a number
    after the names, as "OSH 2" asks for a page)."""
    return pgettext("sms", "For the rest, send your question again with {n} at the end").format(
        n=place
    )


def _names_cut(text: str, pointer: str, room: Room) -> str:
    """``text`` (an answer, "Potatoes Osh: 34 KGS/kg 07.12") then ``pointer``, with the
    answer's names cut to fit, never its price nor the pointer (as a list's page cuts an
    item's name)."""
    text = plain(" ".join(text.split())).rstrip(".")
    names, colon, said = text.partition(": ")
    if not colon:
        return room.cut(text, keep=f". {pointer}")
    return room.cut(names, keep=f": {said}. {pointer}")


def _candidates(part: answers.Part, language: str, counted: bool) -> list[str]:
    if isinstance(part, answers.Price):
        return price_candidates(part, language)
    return rows_candidates(part, language, counted)


def _named_in(part: answers.Part) -> tuple[Commodity | None, Market | None]:
    return getattr(part, "commodity", None), getattr(part, "market", None)


def _shared_lists(parts: Sequence[answers.Part], language: str) -> list[str]:
    """Prices as one list under what they share: "Osh (KGS): Potatoes 35/kg, Onions
    18/kg" or "Potatoes (KGS): Osh 35/kg, Naryn 23/kg", then without the currency; none
    unless they are all prices of one crop or at one market, nor where one is old: the
    list gives no days, and an old price must never pass for today's."""
    prices = [p for p in parts if isinstance(p, answers.Price) and p.latest is not None]
    if len(parts) < 2 or len(prices) < len(parts) or any(p.stale for p in prices):
        return []
    if len({p.commodity.pk for p in prices}) == 1:
        shared = prices[0].commodity.display_name(language)
        rows = [priced(p.market.display_name(language), p.latest) for p in prices if p.latest]
    elif len({p.market.pk for p in prices}) == 1:
        shared = prices[0].market.display_name(language)
        rows = [priced(p.commodity.display_name(language), p.latest) for p in prices if p.latest]
    else:
        return []
    currency = prices[0].latest.currency if prices[0].latest else ""
    return [f"{shared} ({currency}): {', '.join(rows)}", f"{shared}: {', '.join(rows)}"]


def also_ask(pending: Sequence[tuple[Commodity | None, Market | None]], language: str) -> str:
    """What to send for the crops and markets not answered ("Also ask: ONIONS OSH;
    POTATOES ONIONS BISHKEK"), each message naming one market's crops or one crop's
    markets; "" when none are left."""
    if not pending:
        return ""
    groups: list[tuple[list[Commodity | None], list[Market | None]]] = []
    for crop, market in pending:
        last = groups[-1] if groups else None
        if last is not None and last[1] == [market] and crop not in last[0]:
            last[0].append(crop)
        elif last is not None and last[0] == [crop] and market not in last[1]:
            last[1].append(market)
        else:
            groups.append(([crop], [market]))
    queries = [
        " ".join(thing.display_name(language) for thing in (*crops, *markets) if thing).upper()
        for crops, markets in groups
    ]
    with translation.override(language):
        return pgettext("sms", "Also ask: {query}").format(query="; ".join(queries))
