"""SMS texts, in the reader's language, each fitting one paid SMS segment: the SMS
rendering of the conversation core's answers (``render``), and the texts we send
unasked (digests, alerts).

Every reply is a list of candidates from the richest to the leanest; the first that fits
the room is sent (one SMS segment, or what another channel holds: a USSD screen, a
WhatsApp message), and if none does the leanest is cut. A list that does not fit says
how to get the rest. Strings carry the "sms" context so translators know they must stay
short (Cyrillic costs UCS-2: 70 characters).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.utils import translation
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.formats import date_format
from django.utils.translation import pgettext

from agriprices.formatting import rounded_price
from agriprices.models import Commodity, LatestPrice, Market, PriceWarning, Quote
from sms_gateway.conversation import answers
from sms_gateway.segments import SMS_SEGMENT, Room, fits_one_segment, plain


def render(answer: answers.Answer, language: str, room: Room = SMS_SEGMENT) -> str:
    """The text that says ``answer`` in ``language``, fitting ``room`` (one SMS segment
    unless a channel holds more). Queries nothing."""
    match answer:
        case answers.Price():
            return fit(_price_candidates(answer, language), room)
        case answers.CropPrices():
            return crop_at_markets_reply(
                language=language, commodity=answer.commodity, rows=answer.rows, room=room
            )
        case answers.MarketPrices():
            return market_crops_reply(
                language=language, market=answer.market, rows=answer.rows, room=room
            )
        case answers.Both():
            return both_reply(language=language, answer=answer, room=room)
        case answers.BestPayers():
            return best_payers_reply(
                language=language, commodity=answer.commodity, rows=answer.rows, room=room
            )
        case answers.NotFound():
            names = [item.display_name(language) for item in answer.suggestions]
            return not_found_reply(
                language=language, words=answer.words, suggestions=names, room=room
            )
        case answers.Help():
            return help_reply(language=language, about=answer.about, room=room)
        case answers.Catalogue():
            names = [item.display_name(language) for item in answer.items]
            return list_reply(
                language=language, kind=answer.kind, names=names, page=answer.page, room=room
            )
        case answers.LanguageChosen():
            return language_reply(language=language, chosen=answer.chosen)
        case answers.OptedOut():
            return opted_out_reply(language=language)
        case answers.OptedIn():
            return opted_in_reply(language=language)
        case answers.Subscribed():
            return subscribed_reply(
                language=language,
                commodity=answer.commodity,
                market=answer.market,
                alert=answer.alert,
                weekday=answer.weekday,
                pct=answer.pct,
                room=room,
            )
        case answers.Unsubscribed():
            return unsubscribed_reply(
                language=language,
                commodity=answer.commodity,
                market=answer.market,
                found=answer.found,
            )
        case answers.SubscriptionRefused():
            return subscription_problem_reply(language=language, problem=answer.problem)
        case answers.ReportRefused():
            return report_reply(language=language, problem=answer.problem, detail=answer.detail)
        case answers.Recorded():
            return recorded_reply(language=language, quote=answer.quote)
        case answers.Limited():
            return limited_reply(language=language)
    raise TypeError(f"no SMS text for {answer!r}")


def fit(candidates: Sequence[str], room: Room = SMS_SEGMENT) -> str:
    """The first candidate that fits ``room``, else the last one cut to fit."""
    texts = [plain(" ".join(c.split())) for c in candidates if c]
    for text in texts:
        if room.fits(text):
            return text
    return room.cut(texts[-1]) if texts else ""


def shortened(name: str, most: int) -> str:
    """``name`` in at most ``most`` characters, a cut one ending in a dot."""
    return name if len(name) <= most else f"{name[: most - 1].rstrip()}."


def format_price(value: Decimal) -> str:
    """Short and exact enough for a market: 650, 18.5, 0.25."""
    return f"{rounded_price(value):f}"


def _day(value: date) -> str:
    return value.strftime("%d.%m")


def _change(pct: Decimal | None) -> str:
    if pct is None:
        return ""
    sign = "+" if pct > 0 else ""
    return pgettext("sms", "{change}% wk").format(change=f"{sign}{pct.normalize():f}")


def _price_candidates(answer: answers.Price, language: str) -> list[str]:
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
        price = _price_line(crop, place, latest)
        change = _change(latest.change_week_pct)
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
        short_price = _price_line(crop[:10], place[:10], latest)
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


def season_phrase(season: str) -> str:
    """What a price warning means to a farmer, in the active language."""
    if season == "high":
        return pgettext("sms", "High for the season")
    if season == "low":
        return pgettext("sms", "Low for the season")
    return ""


def _price_line(crop: str, place: str, latest: LatestPrice) -> str:
    return pgettext("sms", "{crop} {market}: {price} {currency}/{unit} {day}").format(
        crop=crop,
        market=place,
        price=format_price(latest.price),
        currency=latest.currency,
        unit=latest.unit.code,
        day=_day(latest.observed_on),
    )


def as_many_as_fit(heading: str, items: Sequence[str], room: Room = SMS_SEGMENT) -> str:
    """ "Heading: a, b, c" with as many items as ``room`` holds, in order, and how many
    were left out ("+3") when some were."""
    left_out = pgettext("sms", "+{n} more")
    return fit(
        [
            f"{heading}: {', '.join(items[:n])}"
            + (f", {left_out.format(n=len(items) - n)}" if n < len(items) else "")
            for n in range(len(items), 0, -1)
        ],
        room,
    )


def _priced(name: str, row: LatestPrice) -> str:
    return f"{name} {_priced_short(row)}"


def _priced_short(row: LatestPrice) -> str:
    return f"{format_price(row.price)}/{row.unit.code}"


def crop_at_markets_reply(
    *, language: str, commodity: Commodity, rows: Sequence[LatestPrice], room: Room = SMS_SEGMENT
) -> str:
    """A crop asked without a market: its price at a few markets."""
    with translation.override(language):
        crop = commodity.display_name(language)
        if not rows:
            return fit([pgettext("sms", "No recent price of {crop}.").format(crop=crop)])
        return as_many_as_fit(
            f"{crop} ({rows[0].currency})",
            [_priced(row.market.display_name(language), row) for row in rows],
            room,
        )


def market_crops_reply(
    *, language: str, market: Market, rows: Sequence[LatestPrice], room: Room = SMS_SEGMENT
) -> str:
    """A market asked without a crop: the main crops there."""
    with translation.override(language):
        place = market.display_name(language)
        if not rows:
            return fit([pgettext("sms", "No recent prices at {market}.").format(market=place)])
        return as_many_as_fit(
            f"{place} ({rows[0].currency})",
            [_priced(row.commodity.display_name(language), row) for row in rows],
            room,
        )


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
            f"{_day(row.observed_on)}"
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


def help_reply(*, language: str, about: str = "", room: Room = SMS_SEGMENT) -> str:
    """How to ask; to a message that asked to stop, first how to stop (STOP alone)."""
    with translation.override(language):
        how = pgettext(
            "sms",
            "Send CROP MARKET, e.g. POTATO OSH. LIST: crops. LIST MARKETS. "
            "LANG EN/FR/RU/KY. STOP: no more SMS.",
        )
        short = pgettext("sms", "Send CROP MARKET, e.g. POTATO OSH. LIST: crops.")
        if about == "stop":
            stop = pgettext("sms", "To get no more SMS from us, send STOP alone.")
            return fit([f"{stop} {short}", stop], room)
        return fit([how, short], room)


def list_reply(
    *, language: str, kind: str, names: Sequence[str], page: int = 1, room: Room = SMS_SEGMENT
) -> str:
    """Page ``page`` of the crops or markets (the last when there are fewer): as many
    names as fit, and how to ask for the next page when some are left."""
    with translation.override(language):
        if kind == "markets":
            heading, more = pgettext("sms", "Markets"), pgettext("sms", "More: LIST MARKETS {page}")
        else:
            heading, more = pgettext("sms", "Crops"), pgettext("sms", "More: LIST {page}")
        pages = list_pages(heading, names, more, room)
        return pages[min(max(page, 1), len(pages)) - 1]


def list_pages(heading: str, names: Sequence[str], more: str, room: Room) -> list[str]:
    """The pages of a list: page 1 "Crops: a, b. More: LIST 2", page 2 "Crops 2: c, d"
    (``more`` holds ``{page}``), each as full as ``room`` allows."""
    pages: list[str] = []
    start = 0
    while start < len(names) or not pages:
        number = len(pages) + 1
        end = len(names)
        if not room.fits(_list_page(heading, names, start, end, number, more)):
            end = start + 1  # at least one a page; then as many as fit with the pointer on
            while end + 1 < len(names) and room.fits(
                _list_page(heading, names, start, end + 1, number, more)
            ):
                end += 1
        pages.append(room.cut(_list_page(heading, names, start, end, number, more)))
        start = end
    return pages


def _list_page(
    heading: str, names: Sequence[str], start: int, end: int, number: int, more: str
) -> str:
    head = heading if number == 1 else f"{heading} {number}"
    shown = f"{head}: {', '.join(names[start:end])}"
    return plain(shown if end >= len(names) else f"{shown}. {more.format(page=number + 1)}")


def language_reply(*, language: str, chosen: str) -> str:
    if not chosen:
        with translation.override(language):
            return fit([pgettext("sms", "Languages: EN FR RU KY. Send e.g. LANG RU")])
    with translation.override(chosen):
        return fit([pgettext("sms", "Replies will now be in English.")])


def opted_out_reply(*, language: str) -> str:
    with translation.override(language):
        return fit([pgettext("sms", "You will get no more SMS from us. Send START to come back.")])


def opted_in_reply(*, language: str) -> str:
    with translation.override(language):
        return fit([pgettext("sms", "Welcome back. Send HELP for the commands.")])


def subscribed_reply(
    *,
    language: str,
    commodity: Commodity,
    market: Market,
    alert: bool,
    weekday: int,
    pct: Decimal,
    room: Room = SMS_SEGMENT,
) -> str:
    """What was subscribed and on what condition; names are shortened before the
    condition is ever cut."""
    with translation.override(language):
        crop, place = commodity.display_name(language), market.display_name(language)
        if alert:
            first = pgettext("sms", "Subscribed: {what}. SMS when the price moves {pct}%.")
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


def subscription_problem_reply(*, language: str, problem: str) -> str:
    """Why SUB or UNSUB did nothing."""
    with translation.override(language):
        texts = {
            "opted_out": pgettext("sms", "You opted out. Send START, then SUB again."),
            "too_many": pgettext(
                "sms", "You follow {n} crops, the most allowed. Send UNSUB CROP MARKET first."
            ).format(n=settings.SMS_MAX_SUBSCRIPTIONS),
            "bad_percent": pgettext("sms", "The percent must be 1 to 100: SUB POTATO OSH 10"),
            "names": pgettext("sms", "Send SUB CROP MARKET, e.g. SUB POTATO OSH"),
            "unsub_names": pgettext("sms", "Send UNSUB CROP MARKET, or STOP for no more SMS."),
        }
        return fit([texts[problem]])


def digest_texts(
    *,
    language: str,
    day: date,
    rows: Sequence[tuple[Commodity, Market, LatestPrice | None]],
) -> list[str]:
    """The weekly digest: every followed crop, in as few one-segment SMS as they fit."""
    with translation.override(language):
        heading = pgettext("sms", "Prices {day}").format(day=_day(day))
        items = []
        for commodity, market, latest in rows:
            crop, place = commodity.display_name(language), market.display_name(language)
            if latest is None:
                items.append(
                    pgettext("sms", "{crop} {market}: no price").format(crop=crop, market=place)
                )
            else:
                change = _change(latest.change_week_pct)
                items.append(f"{crop} {place} {_priced_short(latest)} {change}".strip())
        texts: list[str] = []
        current: list[str] = []
        for item in items:
            if current and not fits_one_segment(plain(f"{heading}: {'; '.join([*current, item])}")):
                texts.append(fit([f"{heading}: {'; '.join(current)}"]))
                current = []
            current.append(item)
        if current:
            texts.append(fit([f"{heading}: {'; '.join(current)}"]))
        return texts


def alert_text(*, language: str, latest: LatestPrice, move_pct: Decimal) -> str:
    """A price moved past a subscriber's threshold since the price they last heard."""
    with translation.override(language):
        crop = latest.commodity.display_name(language)
        place = latest.market.display_name(language)
        sign = "+" if move_pct > 0 else ""
        move = f"{sign}{move_pct.quantize(Decimal(1))}%"
        label = pgettext("sms", "Price alert")
        stop = pgettext("sms", "UNSUB {what} to stop.").format(what=f"{crop} {place}")
        line = _price_line(crop, place, latest)
        short = _price_line(crop[:10], place[:10], latest)
        return fit(
            [
                f"{label}: {line} ({move}). {stop}",
                f"{label}: {line} ({move})",
                f"{label}: {short} ({move})",
            ]
        )


def warning_text(*, language: str, warning: PriceWarning) -> str:
    """A followed crop's price rose into the alert or crisis band for the season:
    "ALERT, November: Potatoes Osh 53 KGS/kg, 28% above normal (41)"."""
    with translation.override(language):
        crop = warning.commodity.display_name(language)
        place = warning.market.display_name(language)
        crisis = warning.alps_band == "crisis"
        band = pgettext("sms", "CRISIS") if crisis else pgettext("sms", "ALERT")
        month = date_format(warning.month, "F")
        unit = warning.commodity.base_unit.code
        price = f"{format_price(warning.price)} {settings.AGRIPRICES_CURRENCY}/{unit}"
        above = pgettext("sms", "{pct}% above normal ({normal})").format(
            pct=warning.above_normal_pct, normal=format_price(warning.normal_price or Decimal(0))
        )
        stop = pgettext("sms", "UNSUB {what} to stop.").format(what=f"{crop} {place}")
        return fit(
            [
                f"{band}, {month}: {crop} {place} {price}, {above}. {stop}",
                f"{band}, {month}: {crop} {place} {price}, {above}.",
                f"{band}, {month}: {crop[:10]} {place[:10]} {price}, {above}.",
            ]
        )


def limited_reply(*, language: str) -> str:
    with translation.override(language):
        return fit([pgettext("sms", "Too many messages from this number. Try again later.")])


def report_reply(*, language: str, problem: str, detail: str = "") -> str:
    """Why a price report by SMS was not recorded."""
    with translation.override(language):
        texts = {
            "not_agent": pgettext("sms", "This number may not report prices."),
            "locked": pgettext("sms", "Too many wrong PINs: reports locked for an hour."),
            "wrong_pin": pgettext("sms", "Wrong PIN. Nothing recorded."),
            "missing PIN": pgettext("sms", "Add your PIN: P POTATO OSH 18.5 KG 1234"),
            "missing price": pgettext("sms", "Add the price: P POTATO OSH 18.5 KG 1234"),
            "names": pgettext("sms", "Crop or market not found. Nothing recorded."),
            "unit": pgettext("sms", "Unknown unit. Nothing recorded."),
            "refused": pgettext("sms", "Not recorded: {reason}").format(reason=detail),
        }
        return fit([texts[problem]])


def recorded_reply(*, language: str, quote: Quote) -> str:
    """Confirmation of a price an agent reported, or why it waits for review."""
    with translation.override(language):
        crop = quote.commodity.display_name(language)
        place = quote.market.display_name(language)
        price = f"{format_price(quote.price)} {quote.currency}/{quote.unit.code}"
        what = f"{crop} {place} {price} {_day(quote.observed_on)}"
        if quote.status == Quote.Status.FLAGGED:
            return fit(
                [
                    pgettext("sms", "Recorded for review: {what}. {reason}").format(
                        what=what, reason=quote.status_reason
                    ),
                    pgettext("sms", "Recorded for review: {what}").format(what=what),
                ]
            )
        return fit([pgettext("sms", "Recorded: {what}").format(what=what)])


def both_reply(*, language: str, answer: answers.Both, room: Room = SMS_SEGMENT) -> str:
    """Two crops or two markets asked at once: both answers where they fit together,
    else the first one and how to ask for the other."""
    first = _candidates(answer.first, language, room)
    second = _candidates(answer.second, language, room)
    together = [
        f"{a.rstrip('.')}. {b}"
        for a, b in zip(first, second + [second[-1]] * len(first), strict=False)
    ]
    with translation.override(language):
        hint = pgettext("sms", "{name}: send {query}.").format(**_ask_for(answer, language))
    return fit([*together, *(f"{a.rstrip('.')}. {hint}" for a in first)], room)


def _candidates(answer: answers.Answer, language: str, room: Room) -> list[str]:
    if isinstance(answer, answers.Price):
        return _price_candidates(answer, language)
    return [render(answer, language, room)]


def _ask_for(answer: answers.Both, language: str) -> dict[str, str]:
    """How to ask for the second of two answers on its own: the name that differs from
    the first, and the message that asks for it."""
    second = answer.second
    if isinstance(second, answers.Price):
        crop, place = second.commodity, second.market
        same_crop = getattr(answer.first, "commodity", None) == crop
        named: Commodity | Market = place if same_crop else crop
        query = f"{crop.display_name(language)} {place.display_name(language)}"
    else:
        named = second.commodity if isinstance(second, answers.CropPrices) else second.market
        query = named.display_name(language)
    return {"name": named.display_name(language), "query": query.upper()}
