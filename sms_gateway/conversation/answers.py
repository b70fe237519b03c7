"""What the conversation core answers, before any channel turns it into text.

Each answer carries everything its rendering needs (names, prices with their market,
unit and date already loaded), so a renderer never queries the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from agriprices.collection.freshness import Staleness
from agriprices.models import Commodity, LatestPrice, Market, Quote
from agriprices.validation import Outlier


@dataclass(frozen=True)
class Price:
    """A crop at a market: its latest price (None: no recent price), and the cheapest
    and dearest other markets for comparison."""

    commodity: Commodity
    market: Market
    latest: LatestPrice | None
    cheaper: LatestPrice | None = None
    dearer: LatestPrice | None = None
    #: Every market's latest price of the crop, cheapest first, for channels that show
    #: more than one SMS (empty otherwise).
    markets: Sequence[LatestPrice] = ()
    #: "high" or "low" for the season (the price warnings' verdict), or "".
    season: str = ""
    #: The latest price is older than its market's collection cycle allows: how old,
    #: and the nearest market with a fresh price of the crop.
    stale: Staleness | None = None


@dataclass(frozen=True)
class CropPrices:
    """A crop asked without a market: its price at a few markets; a channel shows the
    ``page`` asked for (1 first) of as many pages as its room makes."""

    commodity: Commodity
    rows: Sequence[LatestPrice]
    page: int = 1
    #: Every market's latest price of the crop, cheapest first, for channels that show
    #: more than one SMS holds (empty otherwise).
    markets: Sequence[LatestPrice] = ()
    #: The rows whose price is older than its market's cycle allows: listed with their day.
    old: frozenset[int] = frozenset()


@dataclass(frozen=True)
class MarketPrices:
    """A market asked without a crop: the crops priced there, page by page as for
    CropPrices ("OSH 2")."""

    market: Market
    rows: Sequence[LatestPrice]
    page: int = 1
    old: frozenset[int] = frozenset()  # as for CropPrices


@dataclass(frozen=True)
class BestPayers:
    """SELL: the markets paying most for a crop now, dearest first (rows may be empty)."""

    commodity: Commodity
    rows: Sequence[LatestPrice]


@dataclass(frozen=True)
class NotFound:
    """No crop or market in the text: the words that named nothing, and close names."""

    words: str
    suggestions: Sequence[Commodity | Market]


@dataclass(frozen=True)
class Help:
    """How to ask; ``about`` "stop" when the message asked how to stop the SMS (with
    ``following``, the crop and market it named that the number follows), "sell" for
    SELL without a crop, "more" for "more" alone."""

    about: str = ""
    following: tuple[Commodity, Market] | None = None


@dataclass(frozen=True)
class Catalogue:
    """LIST: the crops or the markets we know; a channel shows the ``page`` asked for
    (1 first) of as many pages as its room makes."""

    kind: str  # "crops" or "markets"
    items: Sequence[Commodity | Market]
    page: int = 1


@dataclass(frozen=True)
class LanguageChosen:
    """LANG: ``chosen`` is the new language, "" when the text named none we speak."""

    chosen: str


@dataclass(frozen=True)
class OptedOut:
    pass


@dataclass(frozen=True)
class OptedIn:
    #: Whether the address had stopped us or could not receive (welcomed back); a
    #: Telegram chat's first message is always /start, and it is welcomed, not back.
    returning: bool = False


@dataclass(frozen=True)
class Subscribed:
    commodity: Commodity
    market: Market
    alert: bool  # an SMS when the price moves, not a weekly digest
    weekday: int  # of the digest, 0 = Monday
    pct: Decimal  # how far the price must move for an alert


@dataclass(frozen=True)
class Unsubscribed:
    commodity: Commodity
    market: Market
    found: bool  # whether the number followed that crop there


@dataclass(frozen=True)
class SubscriptionRefused:
    """Why SUB or UNSUB did nothing: opted_out, too_many, bad_percent, names,
    unsub_names."""

    problem: str


@dataclass(frozen=True)
class ReportRefused:
    """Why a price report was not recorded: not_agent, locked, wrong_pin, missing PIN,
    missing price, unclear price, two price types, names, unknown words (``detail``:
    which), unit (``detail``: the words read as one), refused (``detail`` says why)."""

    problem: str
    detail: str = ""


@dataclass(frozen=True)
class Recorded:
    """A price report recorded (approved, or flagged for review); ``unusual``: against
    what a flagged price was judged, for the agent to hear in his language (the quote's
    stored reason is the operators' record, in English)."""

    quote: Quote
    unusual: Outlier | None = None


Part = Price | CropPrices | MarketPrices


@dataclass(frozen=True)
class Both:
    """A question naming two or more crops or markets ("potatoes and onions in osh",
    "onions in Osh, Bishkek, Naryn"): the answer to each crop at each market, in the
    order they were named (each market's crops together), and the pairs named beyond
    those looked up, for the reply to say how to ask for them."""

    first: Part
    second: Part
    rest: Sequence[Part] = ()
    unasked: Sequence[tuple[Commodity | None, Market | None]] = ()
    #: The place of ``first`` among the pairs the question names (1 first): a question
    #: sent again with a number ("... 5") is answered from that pair on, so a reply can
    #: say where the next one would start.
    start: int = 1

    @property
    def parts(self) -> list[Part]:
        return [self.first, self.second, *self.rest]


@dataclass(frozen=True)
class Unread:
    """A question answered for the names it was read with, beside words that look like
    a typo of a name but were not read as one ("нарин" in "картошка ош нарин": a typo
    is forgiven only where it is the one name of its kind), each with the names it
    resembles: the reply says them, never drops them silently."""

    answer: Part | Both
    words: Sequence[tuple[str, Sequence[Commodity | Market]]]


@dataclass(frozen=True)
class Limited:
    """The number passed its hourly questions: one notice, then silence."""


Answer = (
    Price
    | CropPrices
    | MarketPrices
    | BestPayers
    | NotFound
    | Help
    | Catalogue
    | LanguageChosen
    | OptedOut
    | OptedIn
    | Subscribed
    | Unsubscribed
    | SubscriptionRefused
    | ReportRefused
    | Recorded
    | Both
    | Unread
    | Limited
)
