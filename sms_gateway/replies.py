"""Reply texts, in the sender's language, each fitting one paid SMS segment.

Every reply is a list of candidates from the richest to the leanest; the first that fits
one segment is sent, and if none does the leanest is cut. Strings carry the "sms"
context so translators know they must stay short (Cyrillic costs UCS-2: 70 characters).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.utils import translation
from django.utils.translation import pgettext

from agriprices.models import Commodity, LatestPrice, Market, Quote
from sms_gateway.segments import fits_one_segment, plain, truncate_to_one_segment


def fit(candidates: Sequence[str]) -> str:
    """The first candidate that fits one segment, else the last one cut to fit."""
    texts = [plain(" ".join(c.split())) for c in candidates if c]
    for text in texts:
        if fits_one_segment(text):
            return text
    return truncate_to_one_segment(texts[-1]) if texts else ""


def format_price(value: Decimal) -> str:
    """Short and exact enough for a market: 650, 18.5, 0.25."""
    if value >= 100:
        return f"{value.quantize(Decimal(1)):f}"
    text = f"{value.quantize(Decimal('0.01')):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _day(value: date) -> str:
    return value.strftime("%d.%m")


def _change(pct: Decimal | None) -> str:
    if pct is None:
        return ""
    sign = "+" if pct > 0 else ""
    return pgettext("sms", "{change}% wk").format(change=f"{sign}{pct.normalize():f}")


def quote_reply(
    *,
    language: str,
    commodity: Commodity,
    market: Market,
    latest: LatestPrice | None,
    cheaper: LatestPrice | None = None,
    dearer: LatestPrice | None = None,
) -> str:
    with translation.override(language):
        crop, place = commodity.display_name(language), market.display_name(language)
        if latest is None:
            return fit(
                [
                    pgettext("sms", "No recent price of {crop} at {market}.").format(
                        crop=crop, market=place
                    )
                ]
            )
        price = pgettext("sms", "{crop} {market}: {price} {currency}/{unit} {day}").format(
            crop=crop,
            market=place,
            price=format_price(latest.price),
            currency=latest.currency,
            unit=latest.unit.code,
            day=_day(latest.observed_on),
        )
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
        short_price = pgettext("sms", "{crop} {market}: {price} {currency}/{unit} {day}").format(
            crop=crop[:10],
            market=place[:10],
            price=format_price(latest.price),
            currency=latest.currency,
            unit=latest.unit.code,
            day=_day(latest.observed_on),
        )
        return fit(
            [
                f"{price} {change}. {'. '.join(others)}" if others else "",
                f"{price} {change}. {others[0]}" if len(others) > 1 else "",
                f"{price} {change}",
                price,
                short_price,
            ]
        )


def as_many_as_fit(heading: str, items: Sequence[str]) -> str:
    """ "Heading: a, b, c" with as many items as one segment holds, in order."""
    return fit([f"{heading}: {', '.join(items[:n])}" for n in range(len(items), 0, -1)])


def _priced(name: str, row: LatestPrice) -> str:
    return f"{name} {format_price(row.price)}/{row.unit.code}"


def crop_at_markets_reply(
    *, language: str, commodity: Commodity, rows: Sequence[LatestPrice]
) -> str:
    """A crop asked without a market: its price at a few markets."""
    with translation.override(language):
        crop = commodity.display_name(language)
        if not rows:
            return fit([pgettext("sms", "No recent price of {crop}.").format(crop=crop)])
        return as_many_as_fit(
            f"{crop} ({rows[0].currency})",
            [_priced(row.market.display_name(language), row) for row in rows],
        )


def market_crops_reply(*, language: str, market: Market, rows: Sequence[LatestPrice]) -> str:
    """A market asked without a crop: the main crops there."""
    with translation.override(language):
        place = market.display_name(language)
        if not rows:
            return fit([pgettext("sms", "No recent prices at {market}.").format(market=place)])
        return as_many_as_fit(
            f"{place} ({rows[0].currency})",
            [_priced(row.commodity.display_name(language), row) for row in rows],
        )


def not_found_reply(*, language: str, words: str, suggestions: Sequence[str]) -> str:
    with translation.override(language):
        unknown = pgettext("sms", "Not found: {words}.").format(words=words[:40])
        hint = pgettext("sms", "Send HELP.")
        if not suggestions:
            return fit([f"{unknown} {hint}"])
        tries = [
            pgettext("sms", "Try: {names}.").format(names=", ".join(suggestions[:n]))
            for n in range(len(suggestions), 0, -1)
        ]
        return fit([f"{unknown} {t} {hint}" for t in tries] + [f"{unknown} {tries[-1]}"])


def help_reply(*, language: str) -> str:
    with translation.override(language):
        return fit(
            [
                pgettext(
                    "sms",
                    "Send CROP MARKET, e.g. POTATO OSH. LIST: crops. LIST MARKETS. "
                    "LANG EN/FR/RU/KY. STOP: no more SMS.",
                ),
                pgettext("sms", "Send CROP MARKET, e.g. POTATO OSH. LIST: crops."),
            ]
        )


def list_reply(*, language: str, kind: str, names: Sequence[str]) -> str:
    with translation.override(language):
        heading = pgettext("sms", "Markets") if kind == "markets" else pgettext("sms", "Crops")
        return as_many_as_fit(heading, names)


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


def not_open_yet_reply(*, language: str, action: str) -> str:
    """SMS alerts are not open yet: say so plainly rather than pretend one was set."""
    with translation.override(language):
        return fit([pgettext("sms", "SMS alerts are not open yet. Send CROP MARKET for a price.")])


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
