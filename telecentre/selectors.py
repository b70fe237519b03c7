"""What the dashboard pages show, read through agriprices.selectors."""

from __future__ import annotations

import itertools
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.formats import number_format

from agriprices import anomalies, selectors
from agriprices.formatting import rounded_price
from agriprices.models import (
    Commodity,
    LatestPrice,
    Market,
    PriceSummary,
    PriceType,
    PriceWarning,
    Quote,
    Region,
    WarningRun,
)
from agriprices.periods import period_start
from agriprices.word_forms import fold
from openrosa.models import Photo
from sms_gateway.conversation.understanding import read
from telecentre import maps


def prices_version() -> str:
    """Changes whenever any price does: part of every cache key of price fragments, so
    a cached table or chart is never stale and needs no invalidation."""
    changed = selectors.prices_last_modified()
    return f"{changed.timestamp():.6f}" if changed else "0"


def regions_by_name(language: str) -> list[Region]:
    """Every region, by its name in ``language`` in that language's order."""
    return sorted(selectors.regions(), key=lambda r: fold(r.display_name(language)))


def price_table(
    *,
    region: Region | None = None,
    market: Market | None = None,
    category: str = "",
    search: str = "",
) -> QuerySet[LatestPrice]:
    """Latest retail prices by commodity and market name. ``search`` is read like a
    farmer's question (sms_gateway's understanding): the crop, the market or both, named
    in any language, inflected or misspelt. Lazy."""
    rows = selectors.with_warnings(
        selectors.latest_prices(region=region, market=market, price_type=PriceType.RETAIL)
    )
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
    return rows.order_by("commodity__name", "market__name")


# --- Operators' pages -------------------------------------------------------------


def weekly_medians_at(market: Market, *, weeks: int = 12) -> dict[int, list[Decimal]]:
    """Weekly median per base unit of every commodity at a market (retail), oldest
    first, by commodity id: the sparklines of a market page. One query."""
    since = period_start(timezone.localdate() - timedelta(weeks=weeks - 1), "week")
    rows = (
        PriceSummary.objects.filter(
            market=market, price_type=PriceType.RETAIL, period="week", period_start__gte=since
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
    context: selectors.ReviewContext
    #: The photo sent with it from ODK Collect, if any.
    photo: Photo | None = None


def flagged_quotes(*, limit: int = 50) -> list[FlaggedQuote]:
    """Quotes waiting for an operator, newest observation first (they change what
    farmers hear today), with the prices they are judged against and what the warnings
    make of them. Five queries."""
    flagged = list(
        Quote.objects.filter(status=Quote.Status.FLAGGED)
        .select_related("commodity", "commodity__base_unit", "market", "unit", "agent")
        .order_by("-observed_on", "-id")[:limit]
    )
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

    contexts = selectors.review_context(flagged)
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


def waiting() -> int:
    """How many prices wait for an operator."""
    return Quote.objects.filter(status=Quote.Status.FLAGGED).count()


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


def week_of_prices(week_start: date, *, region: Region | None = None) -> list[WeekRow]:
    """Every retail weekly summary of one week (in one region, if given) with its change
    against the week before, by region, commodity and market: the printed price sheet.
    Four queries; the rows share their commodity and market objects."""
    rows = PriceSummary.objects.filter(period="week", price_type=PriceType.RETAIL)
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
    found.sort(key=lambda r: (r.market.region.name, r.commodity.name, r.market.name))
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


def regional_week(week_start: date, *, region: Region | None = None) -> list[RegionWeekRow]:
    """``week_of_prices`` folded to one row per region and commodity: a sheet that fits an
    A4 page per region however many markets it has."""
    before = _regional_medians(week_start - timedelta(weeks=1), region)
    groups: dict[tuple[int, int], list[WeekRow]] = defaultdict(list)
    for row in week_of_prices(week_start, region=region):
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
    folded.sort(key=lambda r: (r.region.name, r.commodity.name))
    return folded


def only_market(rows: list[RegionWeekRow]) -> Market | None:
    """The one market a region's week comes from, or None when there are several."""
    markets = {row.cheapest.market for row in rows} | {row.dearest.market for row in rows}
    return markets.pop() if len(markets) == 1 else None


def _regional_medians(week_start: date, region: Region | None) -> dict[tuple[int, int], Decimal]:
    rows = PriceSummary.objects.filter(
        period="week", price_type=PriceType.RETAIL, period_start=week_start
    )
    if region is not None:
        rows = rows.filter(market__region=region)
    values: dict[tuple[int, int], list[Decimal]] = defaultdict(list)
    for region_id, commodity_id, median in rows.values_list(
        "market__region_id", "commodity_id", "median"
    ):
        values[(region_id, commodity_id)].append(median)
    return {key: Decimal(statistics.median(v)) for key, v in values.items()}


def latest_summary_week() -> date | None:
    """The newest week that has any weekly summary."""
    return (
        PriceSummary.objects.filter(period="week", price_type=PriceType.RETAIL)
        .aggregate(newest=Max("period_start"))
        .get("newest")
    )


# --- Price warnings ----------------------------------------------------------------------


@dataclass(frozen=True)
class WarningsPage:
    """The warnings page: the series that need attention, worst first, and how many do
    not."""

    alarming: list[PriceWarning]  # alert or crisis
    stress: list[PriceWarning]
    low: list[PriceWarning]  # abnormally low for the season
    normal: int
    short: list[PriceWarning]  # not enough history for ALPS (the first SHORT_NAMED)
    short_more: int  # and how many more
    computed_at: datetime | None


#: Series without enough history named on the warnings page; the rest are counted.
SHORT_NAMED = 30


def warnings_page(*, region: Region | None = None) -> WarningsPage:
    """Each series' current warning (retail), sorted into what the page shows: every
    series is classified from a few columns, and only the rows shown are loaded whole.
    Three queries."""
    current = selectors.price_warnings(region=region)
    kinds: dict[str, list[int]] = {"alarming": [], "stress": [], "low": [], "short": []}
    normal = short_count = 0
    for pk, band, alps, ipa, short_of in current.values_list(
        "pk", "alps_band", "alps", "ipa", "short_of"
    ):
        if short_of:
            short_count += 1
            if short_count <= SHORT_NAMED:
                kinds["short"].append(pk)
            continue
        kind = anomalies.badge(band, alps, ipa)
        if kind in anomalies.ALARMING:
            kinds["alarming"].append(pk)
        elif kind:
            kinds[kind].append(pk)  # stress, low
        else:
            normal += 1
    shown = {w.pk: w for w in current.filter(pk__in=[pk for pks in kinds.values() for pk in pks])}
    rows = {kind: [shown[pk] for pk in pks] for kind, pks in kinds.items()}
    last = WarningRun.objects.filter(finished_at__isnull=False).first()
    return WarningsPage(
        alarming=rows["alarming"],
        stress=rows["stress"],
        low=rows["low"],
        normal=normal,
        short=rows["short"],
        short_more=short_count - len(rows["short"]),
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


def price_grid(*, region: Region | None = None, today: date | None = None) -> PriceGrid:
    """The latest retail prices of a region (or the country) as a grid. One query."""
    today = today or timezone.localdate()
    latest = list(selectors.latest_prices(region=region, price_type=PriceType.RETAIL))
    markets = sorted({row.market for row in latest}, key=lambda m: m.name)
    if len(markets) > GRID_MARKETS:
        return PriceGrid(markets=[], rows=[], too_many_markets=True)
    column = {market.pk: n for n, market in enumerate(markets)}
    by_crop: dict[int, tuple[Commodity, list[GridCell | None]]] = {}
    for row in latest:
        age = (today - row.observed_on).days
        cells = by_crop.setdefault(row.commodity_id, (row.commodity, [None] * len(markets)))[1]
        cells[column[row.market_id]] = GridCell(row, age, age > STALE_DAYS, cheapest=False)
    rows = []
    for commodity, cells in sorted(by_crop.values(), key=lambda item: item[0].name):
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


def price_map(commodity: Commodity) -> PriceMap:
    """Every market's latest retail price of ``commodity`` in the service's currency
    against the national median of them. One query."""
    latest = [
        row
        for row in selectors.latest_prices(commodity=commodity, price_type=PriceType.RETAIL)
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
