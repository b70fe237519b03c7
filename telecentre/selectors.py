"""What the dashboard pages show, read through agriprices.selectors."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from agriprices import selectors
from agriprices.models import Commodity, LatestPrice, Market, PriceType, Region
from telecentre import charts


def prices_version() -> str:
    """Changes whenever any price does: part of every cache key of price fragments, so
    a cached table or chart is never stale and needs no invalidation."""
    changed = selectors.prices_last_modified()
    return f"{changed.timestamp():.6f}" if changed else "0"


def price_table(
    *,
    region: Region | None = None,
    market: Market | None = None,
    category: str = "",
    search: str = "",
) -> QuerySet[LatestPrice]:
    """Latest retail prices by commodity and market name. ``search`` matches commodity
    names and aliases in any language ("картошка"), else market names. Lazy."""
    rows = selectors.latest_prices(region=region, market=market, price_type=PriceType.RETAIL)
    if category:
        rows = rows.filter(commodity__category=category)
    if search:
        crops = selectors.search_commodities(search, limit=10, min_score=70)
        if crops:
            rows = rows.filter(commodity__in=[m.obj for m in crops])
        else:
            places = selectors.search_markets(search, limit=10, min_score=85)
            rows = rows.filter(market__in=[m.obj for m in places])
    return rows.order_by("commodity__name", "market__name")


def trend_chart(
    *,
    commodity: Commodity,
    markets: list[Market],
    months: int,
    title: str,
    language: str,
    today: date | None = None,
) -> str:
    """The commodity page's chart: weekly medians of up to six markets and the band from
    their lowest to their highest price."""
    today = today or timezone.localdate()
    charted = markets[: len(charts.DASHES)]
    series = selectors.price_series(
        commodity=commodity, markets=charted, start=today - timedelta(days=months * 30), end=today
    )
    lines = [
        charts.Line(
            label=market.display_name(language),
            points=[(s.period_start, s.median) for s in series.get(market.pk, [])],
        )
        for market in charted
    ]
    band: dict[date, tuple] = {}
    for summaries in series.values():
        for s in summaries:
            low, high = band.get(s.period_start, (s.low, s.high))
            band[s.period_start] = (min(low, s.low), max(high, s.high))
    return charts.trend_chart(
        lines,
        [(day, low, high) for day, (low, high) in sorted(band.items())],
        title=title,
        unit_label=f"/{commodity.base_unit.code}",
    )
