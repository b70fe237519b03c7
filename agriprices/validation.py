"""Validation rules for a price, as pure functions (no ORM), so every entry path —
web form, SMS, API, file import — reaches the same rule through ``services``.

The outlier rule is the modified z-score of Iglewicz and Hoaglin: with m the median and
MAD the median absolute deviation of recent prices, a price x is an outlier when
0.6745 * |x - m| / MAD exceeds the threshold (3.5 by default). Medians and MAD resist
the very outliers we hunt, unlike mean and standard deviation. Market prices often sit
still for weeks (MAD = 0), so MAD is floored at 10 % of the median: against a flat
series a price is flagged beyond about 1.5× or below 0.5× the median. Vegetables move
30 % in a week in season; a slipped decimal point moves 10×.
"""

from __future__ import annotations

import bisect
import functools
import re
import statistics
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Context, Decimal, localcontext
from typing import Protocol

from babel.numbers import list_currencies
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

#: Fewest recent prices that make a median worth trusting.
MIN_SAMPLES = 4
#: How far back the same market's prices count, and how many of them at most.
MARKET_WINDOW = timedelta(days=90)
MARKET_MAX_SAMPLES = 12
#: With too few at the market, all markets' prices of these last days stand in.
ALL_MARKETS_WINDOW = timedelta(days=28)
#: With too few there as well, the market's last prices of a year, when its newest is
#: within MARKET_WINDOW: a monthly series (WFP's files, often one market) is judged
#: against its last 12 months. A market whose prices were all held for three months
#: (a real move nobody confirmed) is not: year-old prices would keep it flagged.
SPARSE_MARKET_WINDOW = timedelta(days=365)
MAD_FLOOR_SHARE = Decimal("0.10")
MAD_TO_SIGMA = Decimal("0.6745")


@dataclass(frozen=True)
class Observation:
    """One approved recent price of the same commodity and price type."""

    observed_on: date
    market_id: int
    per_base_unit: Decimal


@dataclass(frozen=True)
class Outlier:
    value: Decimal
    median: Decimal
    score: Decimal
    samples: int
    scope: str  # "market" or "all markets"

    @property
    def ratio(self) -> Decimal:
        return (self.value / self.median).quantize(Decimal("0.1"))

    @property
    def kind(self) -> str:
        """Why, in general words, for counting: "far above the recent median at its
        market", "far below it across markets"..."""
        side = "above" if self.value > self.median else "below"
        where = "at its market" if self.scope == "market" else "across markets"
        return f"far {side} the recent median {where}"

    def reason(self, market_name: str) -> str:
        where = f"at {market_name}" if self.scope == "market" else "across markets"
        return (
            f"{self.ratio}× the recent median {where} "
            f"(median {self.median.normalize():f} of {self.samples} prices)"
        )


class RecentPrices:
    """Approved prices of one commodity and price type, by date, answering "what is a new
    price judged against?". Kept sorted so a whole file can be checked in one pass
    (the importer) and one new price can be checked from a small query (``record_quote``).
    """

    def __init__(self, observations: Iterable[Observation] = ()) -> None:
        self._by_market: dict[int, list[Observation]] = {}
        self._all: list[Observation] = []
        # Stable sort: prices of one day keep the order they came in (oldest id first).
        for obs in sorted(observations, key=lambda o: o.observed_on):
            self.add(obs)

    def add(self, obs: Observation) -> None:
        for series in (self._by_market.setdefault(obs.market_id, []), self._all):
            # Appends are the common case (rows arrive in date order); insort keeps order.
            if series and series[-1].observed_on > obs.observed_on:
                bisect.insort(series, obs, key=lambda o: o.observed_on)
            else:
                series.append(obs)

    @staticmethod
    def _window(series: list[Observation], start: date, end: date) -> list[Observation]:
        lo = bisect.bisect_left(series, start, key=lambda o: o.observed_on)
        hi = bisect.bisect_right(series, end, key=lambda o: o.observed_on)
        return series[lo:hi]

    def reference(self, *, market_id: int, observed_on: date) -> tuple[list[Decimal], str]:
        """The same market's latest prices of the last 90 days; when it has too few,
        every market's from the last four weeks; when those are too few, the market's
        last prices of a year. Only prices observed on or before ``observed_on`` count,
        so a backfilled quote is judged by its own time."""
        of_year = self._window(
            self._by_market.get(market_id, []), observed_on - SPARSE_MARKET_WINDOW, observed_on
        )[-MARKET_MAX_SAMPLES:]
        recent = [o for o in of_year if o.observed_on >= observed_on - MARKET_WINDOW]
        if len(recent) >= MIN_SAMPLES:
            return [o.per_base_unit for o in recent], "market"
        everywhere = self._window(self._all, observed_on - ALL_MARKETS_WINDOW, observed_on)
        sparse = len(of_year) >= MIN_SAMPLES and bool(recent)
        if len(everywhere) < MIN_SAMPLES and sparse:
            return [o.per_base_unit for o in of_year], "market"
        return [o.per_base_unit for o in everywhere], "all markets"

    def assess(
        self, value: Decimal, *, market_id: int, observed_on: date, threshold: float = 3.5
    ) -> Outlier | None:
        recent, scope = self.reference(market_id=market_id, observed_on=observed_on)
        return assess_outlier(value, recent, threshold=threshold, scope=scope)


#: How far back ``RecentPrices`` can look; callers load at least this much history.
LOOKBACK = max(MARKET_WINDOW, ALL_MARKETS_WINDOW, SPARSE_MARKET_WINDOW)


def assess_outlier(
    value: Decimal, recent: Sequence[Decimal], *, threshold: float = 3.5, scope: str = "market"
) -> Outlier | None:
    """Return an ``Outlier`` verdict when ``value`` is far from ``recent``, else None.

    Too few recent prices give no verdict: a new series is never flagged for lack of data.
    """
    if len(recent) < MIN_SAMPLES or value <= 0:
        return None
    median = Decimal(statistics.median(recent))
    if median <= 0:
        return None
    mad = Decimal(statistics.median(abs(x - median) for x in recent))
    scale = max(mad, median * MAD_FLOOR_SHARE)
    score = MAD_TO_SIGMA * abs(value - median) / scale
    if score <= Decimal(str(threshold)):
        return None
    return Outlier(
        value=value,
        median=median,
        score=score.quantize(Decimal("0.01")),
        samples=len(recent),
        scope=scope,
    )


def price_per_base_unit(price: Decimal, unit_quantity: Decimal, base_quantity: Decimal) -> Decimal:
    """Price of one base unit: 900 for a 50 kg bag is 18 per kg. Rounded to six places and
    to the significant digits every database keeps, so SQLite and PostgreSQL store the
    same number (``per_base_unit_error`` then says whether it can be stored at all)."""
    with localcontext(prec=60):
        exact = (price * base_quantity / unit_quantity).quantize(Decimal("0.000001"))
    return _KEPT.plus(exact).quantize(Decimal("0.000001"), context=Context(prec=60))


#: Prices older than this are a typo, not history (and would overflow date arithmetic).
EARLIEST_DATE = date(1900, 1, 1)
#: How far ahead a day may be asked about (a plan's coming rounds), however it is asked.
ASKED_AHEAD_DAYS = 366


def askable_days(today: date) -> tuple[date, date]:
    """The first and last day a question about prices may name (a date, a week, a
    month, by the API, a page or a command): further out is a typo, and would overflow
    date arithmetic."""
    return EARLIEST_DATE, today + timedelta(days=ASKED_AHEAD_DAYS)


#: A day as every surface takes it: year-month-day in the digits 0 to 9 ([0-9], not \d).
_DAY_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def readable_date_text(text: str) -> bool:
    """Whether ``text``, a date as typed or sent, is written YYYY-MM-DD in the digits 0
    to 9, as every date taken in is (the API's days, ODK Collect's, the dashboard's and
    the admin's date fields); whether that day exists is the parser's to say. Python's
    and Django's date parsers read more: any script's digits (strptime's year is ``\\d``,
    ``int("٢٠٢٦")`` is 2026), so "２０２６-12-01" would pass for a day while the same day
    all in fullwidth digits is refused, and since Python 3.11 ``date.fromisoformat``
    (which Django's ``parse_date`` tries first) ISO's basic and week forms, 20261201 and
    2026-W49-2. The ISO form in the digits 0 to 9 is the one every surface agrees on."""
    return _DAY_TEXT.fullmatch(text) is not None


def date_error(observed_on: date, today: date, *, max_age_days: int | None = None) -> str | None:
    """Why ``observed_on`` is not a plausible day for a price, or None. Never in the
    future; with ``max_age_days`` (prices entered by people: web form, SMS, ODK Collect,
    API writes) not older than that window either, since a typed 1926 for 2026 is a slip
    that would stretch a series over a century. Files of history go through the importer,
    which passes no window."""
    day = observed_on.isoformat()
    if observed_on > today:
        return _("date %(day)s is in the future") % {"day": day}
    if max_age_days is not None and (today - observed_on).days > max_age_days:
        return ngettext(
            "date %(day)s is more than %(n)d day ago: prices are entered within %(n)d day "
            "of being seen (older prices come in through a file import)",
            "date %(day)s is more than %(n)d days ago: prices are entered within %(n)d days "
            "of being seen (older prices come in through a file import)",
            max_age_days,
        ) % {"day": day, "n": max_age_days}
    if observed_on < EARLIEST_DATE:
        return _("date %(day)s is before %(year)d") % {"day": day, "year": EARLIEST_DATE.year}
    return None


#: Codes no market price is in: ISO 4217's "no currency" and testing codes, precious
#: metals and units of account (a kilo of eggs is not priced in ounces of gold), and
#: CLDR's offshore yuan, which ISO does not list. The CFA francs (XOF, XAF), the East
#: Caribbean dollar (XCD) and the CFP franc (XPF) are money and stay.
_NOT_MONEY = frozenset(
    {"XXX", "XTS", "XAU", "XAG", "XPT", "XPD", "XDR", "XBA", "XBB", "XBC", "XBD", "XSU", "XUA"}
    | {"CNH"}
)


@functools.cache
def _iso_4217() -> frozenset[str]:
    # CLDR's list (through Babel) holds the withdrawn codes too: WFP's files for Belarus
    # say BYR for every year, before and after the 2016 redenomination.
    return frozenset(list_currencies()) - _NOT_MONEY


def currency_error(code: str) -> str | None:
    """Why ``code`` is not a currency a price can be in, or None: it must be an ISO 4217
    code (current or withdrawn), in capitals as callers normalise it."""
    if code not in _iso_4217():
        return _("currency %(code)r is not an ISO 4217 code such as KGS or USD") % {
            "code": code[:12]
        }
    return None


def currency_hold(currency: str, service_currency: str) -> str | None:
    """Why a price in another currency than the service's is held for review, or None.
    Such a price is kept, in its own currency, but compared with nothing: latest prices,
    week changes, rankings, summaries and warnings are all in the service's currency. On
    a one-currency service it is nearly always a slip (an API client's "USD"), so an
    operator sees it before it stands on record."""
    if currency == service_currency:
        return None
    return f"priced in {currency}, not {service_currency}: kept apart, compared with nothing"


#: How the importer counts prices held for their currency.
OTHER_CURRENCY = "in another currency than the service's"


class DecimalColumn(Protocol):
    """What a decimal column says of its numbers (a Django ``DecimalField`` is one)."""

    @property
    def max_digits(self) -> int | None: ...
    @property
    def decimal_places(self) -> int | None: ...


#: Significant digits every database keeps: SQLite stores a decimal as a REAL, which holds
#: 15 (and Django reads it back to 15), PostgreSQL holds all. A 16th digit would be rounded
#: away silently on SQLite, or overflow the column when it rounds up.
SIGNIFICANT_DIGITS = 15
_KEPT = Context(prec=SIGNIFICANT_DIGITS)


def digits_error(value: Decimal, column: DecimalColumn, what: str) -> str | None:
    """Why ``value`` cannot be stored in ``column`` exactly as it is, or None.

    The one rule for every number an entry path stores: the databases' own checks differ
    (SQLite keeps any number and then fails every read of it; PostgreSQL refuses the
    insert, or rounds away places), so it is made here, before anything is written, with
    ``what`` naming the field or cell at fault. Exact for any number written: no step
    rounds it to Python's 28 digits first.
    """
    if not value.is_finite():
        return _("%(what)s is not a number") % {"what": what}
    places, digits = column.decimal_places or 0, column.max_digits or 0
    figures, exponent = _figures(value)
    shown = _shown(value)
    if -exponent > places:
        return ngettext(
            "%(what)s %(value)s has more than %(n)d decimal place",
            "%(what)s %(value)s has more than %(n)d decimal places",
            places,
        ) % {"what": what, "value": shown, "n": places}
    if len(figures) + exponent > digits - places:
        return ngettext(
            "%(what)s %(value)s is too large (at most %(n)d digit before the point)",
            "%(what)s %(value)s is too large (at most %(n)d digits before the point)",
            digits - places,
        ) % {"what": what, "value": shown, "n": digits - places}
    if len(figures) > SIGNIFICANT_DIGITS:
        return ngettext(
            "%(what)s %(value)s has more than %(n)d significant digit",
            "%(what)s %(value)s has more than %(n)d significant digits",
            SIGNIFICANT_DIGITS,
        ) % {"what": what, "value": shown, "n": SIGNIFICANT_DIGITS}
    return None


def kept_to_places(value: Decimal, column: DecimalColumn) -> Decimal:
    """``value`` rounded to the column's decimal places, exactly however large it is."""
    places = column.decimal_places or 0
    precision = max(value.adjusted(), 0) + places + 2
    return value.quantize(Decimal(1).scaleb(-places), context=Context(prec=precision))


def _figures(value: Decimal) -> tuple[tuple[int, ...], int]:
    """A finite number's significant digits and the power of ten of the last one, exactly
    (``normalize`` would round to the context's 28 digits)."""
    _sign, figures, exponent = value.as_tuple()
    exponent = int(exponent)
    while len(figures) > 1 and figures[-1] == 0:
        figures, exponent = figures[:-1], exponent + 1
    if figures == (0,):
        return (), 0
    return figures, exponent


def _shown(value: Decimal | str) -> str:
    """A number as a person writes it (no 1E-7), cut short when someone wrote a thousand
    digits."""
    if isinstance(value, Decimal) and abs(value.adjusted()) < 30:
        text = f"{value:f}"
    else:
        text = str(value)
    return text if len(text) <= 24 else f"{text[:20]}…"


class TextColumn(Protocol):
    """What a text column says of its texts (a Django ``CharField`` is one)."""

    @property
    def max_length(self) -> int | None: ...


#: Format characters a name may hold: the zero-width (non-)joiners some scripts write.
_JOINERS = "\u200c\u200d"


def text_error(text: str, column: TextColumn, what: str) -> str | None:
    """Why ``text`` cannot be stored in ``column`` as it is, or None: longer than the
    column (SQLite would keep it, PostgreSQL refuses it), or holding a control character
    (PostgreSQL refuses NUL; the others garble an SMS or a printed sheet) or an invisible
    format character (a right-to-left override turns a name around in every reply)."""
    hidden = next((c for c in text if _hidden(c)), None)
    if hidden is not None:
        return _("%(what)s contains the invisible character U+%(code)04X") % {
            "what": what,
            "code": ord(hidden),
        }
    if column.max_length is not None and len(text) > column.max_length:
        return ngettext(
            "%(what)s is %(length)d characters long, at most %(n)d fits",
            "%(what)s is %(length)d characters long, at most %(n)d fit",
            column.max_length,
        ) % {"what": what, "length": len(text), "n": column.max_length}
    return None


def _hidden(character: str) -> bool:
    category = unicodedata.category(character)
    if category == "Cc":
        return character not in "\t\n\r"
    return category == "Cf" and character not in _JOINERS


def price_error(price: Decimal, what: str = "price") -> str | None:
    """Why a price as written cannot be recorded: not a positive number that fits its
    column (four places, as WFP files write sub-cent prices)."""
    if not price.is_finite():
        return _("%(what)s is not a number") % {"what": what}
    if price <= 0:
        return _("%(what)s must be greater than zero") % {"what": what}
    from agriprices.models import Quote  # the models' own validators live here

    return digits_error(price, Quote._meta.get_field("price"), what)


def per_base_unit_error(per_base: Decimal, base_unit: str, what: str) -> str | None:
    """Why a price per base unit cannot be compared: it rounds to nothing (a tiny price of
    a large unit) or does not fit its column (a large price of a tiny unit)."""
    if per_base <= 0:
        return _("%(what)s is less than 0.000001 per %(unit)s, too small to compare") % {
            "what": what,
            "unit": base_unit,
        }
    from agriprices.models import Quote

    if digits_error(per_base, Quote._meta.get_field("price_per_base_unit"), what):
        return _("%(what)s is %(amount)s per %(unit)s, too large to store") % {
            "what": what,
            "amount": _shown(per_base.normalize()),
            "unit": base_unit,
        }
    return None


#: The longest name (and "in …" form) a place or crop has in one language.
NAME_LENGTH = 120


def validate_names_by_language(value: object) -> None:
    """A name per language (translations, "in …" forms), as an operator types it in
    the admin: an object whose keys are the service's languages and whose values are
    names. Anything else is refused there, where it was typed, with what to write;
    stored, a list or a number would fail every page that shows the name."""
    example = '{"ru": "Ошская область", "ky": "Ош облусу"}'
    if not isinstance(value, dict):
        raise ValidationError(
            _("Write the names as an object by language code, e.g. %(example)s.")
            % {"example": example}
        )
    languages = [code for code, _name in settings.LANGUAGES]
    for code, name in value.items():
        if code not in languages:
            raise ValidationError(
                _("%(code)r is not a language of this service (%(languages)s).")
                % {"code": code, "languages": ", ".join(languages)}
            )
        if not isinstance(name, str) or not name.strip():
            raise ValidationError(_("The name in %(code)s must be text.") % {"code": code})
        message = text_error(name, _NameColumn(), code)
        if message:
            raise ValidationError(message)


class _NameColumn:
    max_length = NAME_LENGTH
