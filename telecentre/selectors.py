"""What the dashboard pages show, read through agriprices.selectors."""

from __future__ import annotations

import itertools
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Case, Max, QuerySet
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.functional import Promise

from agriprices.formatting import rounded_price
from agriprices.models import Commodity, LatestPrice, Market, PriceSummary, PriceType, Quote, Region
from agriprices.names import by_local_name, collation_key
from agriprices.periods import period_start
from agriprices.selectors.catalogue import local_order, regions
from agriprices.selectors.latest import latest_prices, prices_last_modified
from agriprices.warnings import bands
from agriprices.warnings.models import PriceWarning
from agriprices.warnings.queries import last_run, price_warnings, with_warnings
from agriprices.warnings.review import ReviewContext, review_context
from openrosa.models import Photo
from sms_gateway.conversation.understanding import read
from telecentre import maps


def prices_version() -> str:
    """Changes whenever any price does: part of every cache key of price fragments, so
    a cached table or chart is never stale and needs no invalidation."""
    changed = prices_last_modified()
    return f"{changed.timestamp():.6f}" if changed else "0"


def regions_by_name(language: str) -> list[Region]:
    """Every region, by its name in ``language`` in that language's order."""
    return by_local_name(regions(), language)


def price_table(
    *,
    language: str,
    region: Region | None = None,
    market: Market | None = None,
    category: str = "",
    search: str = "",
    price_type: str = PriceType.RETAIL,
) -> QuerySet[LatestPrice]:
    """Latest prices of one type by commodity and market name in ``language``, in its
    order. ``search`` is read like a farmer's question (sms_gateway's understanding):
    the crop, the market or both, named in any language, inflected or misspelt. Two
    small queries (the names to order by), then lazy."""
    rows = with_warnings(latest_prices(region=region, market=market, price_type=price_type))
    if category:
        rows = rows.filter(commodity__category=category)
    if search:
        # Understood as an SMS question is ("картошка в Оше", "onion prices osh").
        asked = read(search)
        if asked.commodity is None and asked.market is None:
            return rows.none()
        if asked.commodity is not None:
            rows = rows.filter(commodity=asked.commodity)
        if asked.market is not None:
            rows = rows.filter(market=asked.market)
    return rows.order_by(crops_order(language), markets_order(language, region))


_NAMED = ("pk", "name", "translations")


def crops_order(language: str) -> Case:
    """Rows with a commodity in the order of its name in ``language`` (names.by_local_name).
    One small query."""
    return local_order("commodity_id", Commodity.objects.only(*_NAMED), language)


def markets_order(language: str, region: Region | None = None) -> Case:
    """Rows with a market in the order of its name in ``language``. One small query."""
    places = Market.objects.only(*_NAMED)
    if region is not None:
        places = places.filter(region=region)
    return local_order("market_id", places, language)


# --- Operators' pages -------------------------------------------------------------


def weekly_medians_at(
    market: Market, *, weeks: int = 12, price_type: str = PriceType.RETAIL
) -> dict[int, list[Decimal]]:
    """Weekly median per base unit of every commodity at a market (of one price type),
    oldest first, by commodity id: the sparklines of a market page. One query."""
    since = period_start(timezone.localdate() - timedelta(weeks=weeks - 1), "week")
    rows = (
        PriceSummary.objects.filter(
            market=market, price_type=price_type, period="week", period_start__gte=since
        )
        .order_by("commodity_id", "period_start")
        .values_list("commodity_id", "median")
    )
    medians: dict[int, list[Decimal]] = defaultdict(list)
    for commodity_id, median in rows:
        medians[commodity_id].append(median)
    return dict(medians)


@dataclass(frozen=True)
class FlaggedQuote:
    quote: Quote
    #: The last approved prices per base unit of the same series, newest first.
    recent: list[tuple[date, Decimal]]
    #: What the price warnings make of it (band if approved, the move elsewhere).
    context: ReviewContext
    #: The photo sent with it from ODK Collect, if any.
    photo: Photo | None = None


def flagged() -> QuerySet[Quote]:
    """Quotes waiting for an operator, newest observation first (they change what
    farmers hear today): the review queue, to be paged. Lazy."""
    return (
        Quote.objects.filter(status=Quote.Status.FLAGGED)
        .select_related("commodity", "commodity__base_unit", "market", "unit", "agent")
        .order_by("-observed_on", "-id")
    )


def flagged_quotes(quotes: list[Quote] | None = None) -> list[FlaggedQuote]:
    """``quotes`` (one page of ``flagged()``; the first 50 when not given) with the prices
    they are judged against and what the warnings make of them. Four queries."""
    return _with_context(list(flagged()[:50]) if quotes is None else quotes)


def _with_context(flagged: list[Quote]) -> list[FlaggedQuote]:
    if not flagged:
        return []
    series = {(q.commodity_id, q.market_id, q.price_type) for q in flagged}
    earliest = min(q.observed_on for q in flagged) - timedelta(weeks=8)
    approved: dict[tuple[int, int, str, str], list[tuple[date, Decimal]]] = defaultdict(list)
    rows = (
        Quote.objects.filter(
            status=Quote.Status.APPROVED,
            commodity_id__in={c for c, _, _ in series},
            market_id__in={m for _, m, _ in series},
            observed_on__gte=earliest,
        )
        .order_by("-observed_on", "-id")
        .values_list(
            "commodity_id",
            "market_id",
            "price_type",
            "currency",
            "observed_on",
            "price_per_base_unit",
        )
    )
    # Beside a price, those of its own currency: a USD price next to som prices would
    # read as a slipped decimal.
    for commodity_id, market_id, price_type, currency, observed_on, value in rows:
        approved[(commodity_id, market_id, price_type, currency)].append((observed_on, value))

    def recent(quote: Quote) -> list[tuple[date, Decimal]]:
        key = (quote.commodity_id, quote.market_id, quote.price_type, quote.currency)
        before = (row for row in approved.get(key, []) if row[0] <= quote.observed_on)
        return list(itertools.islice(before, RECENT_SHOWN))

    contexts = review_context(flagged)
    photos = _photos_of(flagged)
    return [
        FlaggedQuote(
            quote=quote,
            recent=recent(quote),
            context=contexts[quote.pk],
            photo=photos.get(_instance_of(quote)),
        )
        for quote in flagged
    ]


def _instance_of(quote: Quote) -> str:
    """The ODK Collect form a price came in (its external id is odk:<instance>:<n>)."""
    if not quote.external_id.startswith("odk:"):
        return ""
    return quote.external_id[4:].rpartition(":")[0]


def _photos_of(quotes: list[Quote]) -> dict[str, Photo]:
    instances = {_instance_of(q) for q in quotes} - {""}
    if not instances:
        return {}
    return {p.instance_id: p for p in Photo.objects.filter(instance_id__in=instances)}


#: Approved prices shown beside a flagged one.
RECENT_SHOWN = 5


@dataclass(frozen=True)
class WeekRow:
    """One market's week of one commodity, for the printed sheet."""

    commodity: Commodity
    market: Market
    median: Decimal
    low: Decimal
    high: Decimal
    change_pct: Decimal | None  # against the week before


def week_of_prices(
    week_start: date,
    *,
    language: str,
    region: Region | None = None,
    price_type: str = PriceType.RETAIL,
) -> list[WeekRow]:
    """Every weekly summary of one price type of one week (in one region, if given) with its change
    against the week before, by region, commodity and market, by their names in
    ``language``: the printed price sheet. Four queries; the rows share their commodity
    and market objects."""
    rows = PriceSummary.objects.filter(period="week", price_type=price_type)
    if region is not None:
        rows = rows.filter(market__region=region)
    fields = ("commodity_id", "market_id", "median", "low", "high")
    this_week = list(rows.filter(period_start=week_start).values_list(*fields))
    before = {
        (c, m): median
        for c, m, median in rows.filter(period_start=week_start - timedelta(weeks=1)).values_list(
            "commodity_id", "market_id", "median"
        )
    }
    commodities = Commodity.objects.select_related("base_unit").in_bulk({c for c, *_ in this_week})
    markets = Market.objects.select_related("region").in_bulk({m for _, m, *_ in this_week})
    found = []
    for commodity_id, market_id, median, low, high in this_week:
        previous = before.get((commodity_id, market_id))
        found.append(
            WeekRow(
                commodity=commodities[commodity_id],
                market=markets[market_id],
                median=median,
                low=low,
                high=high,
                change_pct=(median - previous) / previous * 100 if previous else None,
            )
        )
    found.sort(
        key=lambda r: (
            collation_key(r.market.region.display_name(language)),
            collation_key(r.commodity.display_name(language)),
            collation_key(r.market.display_name(language)),
        )
    )
    return found


@dataclass(frozen=True)
class RegionWeekRow:
    """One commodity in one region for a week: the median of its markets' medians, the
    cheapest and dearest market, and the change of that median against the week before."""

    region: Region
    commodity: Commodity
    median: Decimal
    cheapest: WeekRow
    dearest: WeekRow
    markets: int
    change_pct: Decimal | None


def regional_week(
    week_start: date,
    *,
    language: str,
    region: Region | None = None,
    price_type: str = PriceType.RETAIL,
) -> list[RegionWeekRow]:
    """``week_of_prices`` folded to one row per region and commodity: a sheet that fits an
    A4 page per region however many markets it has."""
    before = _regional_medians(week_start - timedelta(weeks=1), region, price_type)
    groups: dict[tuple[int, int], list[WeekRow]] = defaultdict(list)
    for row in week_of_prices(week_start, language=language, region=region, price_type=price_type):
        groups[(row.market.region_id, row.commodity.pk)].append(row)
    folded = []
    for (region_id, commodity_id), rows in groups.items():
        median = Decimal(statistics.median(r.median for r in rows))
        previous = before.get((region_id, commodity_id))
        folded.append(
            RegionWeekRow(
                region=rows[0].market.region,
                commodity=rows[0].commodity,
                median=median,
                cheapest=min(rows, key=lambda r: r.median),
                dearest=max(rows, key=lambda r: r.median),
                markets=len(rows),
                change_pct=(median - previous) / previous * 100 if previous else None,
            )
        )
    folded.sort(
        key=lambda r: (
            collation_key(r.region.display_name(language)),
            collation_key(r.commodity.display_name(language)),
        )
    )
    return folded


def only_market(rows: list[RegionWeekRow]) -> Market | None:
    """The one market a region's week comes from, or None when there are several."""
    markets = {row.cheapest.market for row in rows} | {row.dearest.market for row in rows}
    return markets.pop() if len(markets) == 1 else None


def _regional_medians(
    week_start: date, region: Region | None, price_type: str
) -> dict[tuple[int, int], Decimal]:
    rows = PriceSummary.objects.filter(
        period="week", price_type=price_type, period_start=week_start
    )
    if region is not None:
        rows = rows.filter(market__region=region)
    values: dict[tuple[int, int], list[Decimal]] = defaultdict(list)
    for region_id, commodity_id, median in rows.values_list(
        "market__region_id", "commodity_id", "median"
    ):
        values[(region_id, commodity_id)].append(median)
    return {key: Decimal(statistics.median(v)) for key, v in values.items()}


def latest_summary_week(price_type: str = PriceType.RETAIL) -> date | None:
    """The newest week that has any weekly summary (of one price type)."""
    return (
        PriceSummary.objects.filter(period="week", price_type=price_type)
        .aggregate(newest=Max("period_start"))
        .get("newest")
    )


# --- Price warnings ----------------------------------------------------------------------


@dataclass(frozen=True)
class WarningSection:
    """One section of the warnings page, as the band table heads it: the series whose
    badge is one of its bands, worst first."""

    heading: Promise  # translated when the page is drawn
    alarming: bool  # its bands are alarming: the page says so when it is empty
    rows: list[PriceWarning]


@dataclass(frozen=True)
class WarningsPage:
    """The warnings page: the series that need attention, worst first, and how many do
    not."""

    sections: list[WarningSection]  # every one of the band table, empty ones too
    normal: int
    short: list[PriceWarning]  # not enough history for ALPS (the first SHORT_NAMED)
    short_more: int  # and how many more
    computed_at: datetime | None

    @property
    def alarming(self) -> list[PriceWarning]:
        """The series in an alarming band, worst first."""
        return [w for section in self.sections if section.alarming for w in section.rows]

    @property
    def announced(self) -> list[PriceWarning]:
        """What the radio script and a bulletin drafted from the warnings tell of: the
        series in a band with a radio sentence, in the page's order."""
        return [w for section in self.sections for w in section.rows if _said_on_air(w)]


def _said_on_air(warning: PriceWarning) -> bool:
    found = bands.band(warning.badge)
    return found is not None and found.radio is not None


#: Series without enough history named on the warnings page; the rest are counted.
SHORT_NAMED = 30


def warnings_page(*, region: Region | None = None) -> WarningsPage:
    """Each series' current warning (retail), sorted into what the page shows: every
    series is classified from a few columns, and only the rows shown are loaded whole.
    Three queries."""
    current = price_warnings(region=region)
    headed = bands.sections()
    section_of = {name: n for n, (_heading, names) in enumerate(headed) for name in names}
    listed: list[list[int]] = [[] for _ in headed]
    short: list[int] = []
    normal = short_count = 0
    for pk, band, alps, ipa, short_of in current.values_list(
        "pk", "alps_band", "alps", "ipa", "short_of"
    ):
        if short_of:
            short_count += 1
            if short_count <= SHORT_NAMED:
                short.append(pk)
            continue
        kind = bands.badge(band, alps, ipa)
        if kind in section_of:
            listed[section_of[kind]].append(pk)
        else:
            normal += 1
    wanted = [pk for pks in [*listed, short] for pk in pks]
    shown = {w.pk: w for w in current.filter(pk__in=wanted)}
    last = last_run()
    return WarningsPage(
        sections=[
            WarningSection(
                heading=heading,
                alarming=any(name in bands.ALARMING for name in names),
                rows=[shown[pk] for pk in pks],
            )
            for (heading, names), pks in zip(headed, listed, strict=True)
        ],
        normal=normal,
        short=[shown[pk] for pk in short],
        short_more=short_count - len(short),
        computed_at=last.finished_at if last else None,
    )


# --- The price grid ----------------------------------------------------------------------

#: A latest price older than this is shown greyed, with its age.
STALE_DAYS = 14
#: Markets one grid shows across; a country with more is shown a region at a time.
GRID_MARKETS = 16


@dataclass(frozen=True)
class GridCell:
    latest: LatestPrice
    age_days: int
    stale: bool
    cheapest: bool  # the cheapest current price of its row, when the row has two or more


@dataclass(frozen=True)
class PriceGrid:
    """Crops down, markets across: the latest retail price in each cell."""

    markets: list[Market]
    rows: list[tuple[Commodity, list[GridCell | None]]]
    too_many_markets: bool  # more than GRID_MARKETS: choose a region


def price_grid(
    *,
    language: str,
    region: Region | None = None,
    price_type: str = PriceType.RETAIL,
    today: date | None = None,
) -> PriceGrid:
    """The latest prices of one type in a region (or the country) as a grid, crops and
    markets by their names in ``language``. One query."""
    today = today or timezone.localdate()
    latest = list(latest_prices(region=region, price_type=price_type))
    markets = by_local_name({row.market for row in latest}, language)
    if len(markets) > GRID_MARKETS:
        return PriceGrid(markets=[], rows=[], too_many_markets=True)
    column = {market.pk: n for n, market in enumerate(markets)}
    by_crop: dict[int, tuple[Commodity, list[GridCell | None]]] = {}
    for row in latest:
        age = (today - row.observed_on).days
        cells = by_crop.setdefault(row.commodity_id, (row.commodity, [None] * len(markets)))[1]
        cells[column[row.market_id]] = GridCell(row, age, age > STALE_DAYS, cheapest=False)
    rows = []
    for commodity, cells in sorted(
        by_crop.values(), key=lambda item: collation_key(item[0].display_name(language))
    ):
        current = [c for c in cells if c and not c.stale]
        if len(current) > 1:
            cheapest = min(current, key=lambda c: c.latest.price_per_base_unit)
            cells = [
                GridCell(c.latest, c.age_days, c.stale, cheapest=True) if c is cheapest else c
                for c in cells
            ]
        rows.append((commodity, cells))
    return PriceGrid(markets=markets, rows=rows, too_many_markets=False)


# --- The map -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MapRow:
    latest: LatestPrice
    vs_median_pct: Decimal | None
    comparison: str  # cheaper, near or dearer (maps.comparison)


@dataclass(frozen=True)
class PriceMap:
    commodity: Commodity
    median: Decimal | None  # the national median of the markets' latest prices
    rows: list[MapRow]  # every market with a price, cheapest first


def price_map(commodity: Commodity, price_type: str = PriceType.RETAIL) -> PriceMap:
    """Every market's latest price of ``commodity`` (of one type) in the service's
    currency against the national median of them. One query."""
    latest = [
        row
        for row in latest_prices(commodity=commodity, price_type=price_type)
        if row.currency == settings.AGRIPRICES_CURRENCY
    ]
    median = Decimal(statistics.median(r.price_per_base_unit for r in latest)) if latest else None
    rows = []
    for row in latest:
        pct = (row.price_per_base_unit - median) / median * 100 if median else None
        rows.append(MapRow(row, pct, maps.comparison(pct)))
    return PriceMap(commodity, median, rows)


def map_pins(priced: PriceMap, language: str) -> list[maps.Pin]:
    """The markets of ``priced`` that have a position, as pins labelled in ``language``."""
    return [
        maps.Pin(
            label=f"{row.latest.market.display_name(language)} "
            f"{number_format(rounded_price(row.latest.price_per_base_unit), use_l10n=True)}",
            latitude=float(row.latest.market.latitude),
            longitude=float(row.latest.market.longitude),
            comparison=row.comparison,
        )
        for row in priced.rows
        if row.latest.market.latitude is not None and row.latest.market.longitude is not None
    ]
