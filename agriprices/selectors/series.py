"""Price series: the weekly and monthly medians, lowest and highest prices of a
commodity's markets, read from their summaries."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from agriprices.models import Commodity, Market, PriceSummary, PriceType
from agriprices.periods import PERIODS, Summary, period_start


def price_series(
    *,
    commodity: Commodity,
    markets: Iterable[Market] | None = None,
    period: str = "week",
    start: date | None = None,
    end: date | None = None,
    price_type: str = PriceType.RETAIL,
) -> dict[int, list[Summary]]:
    """Weekly (Monday-based) or monthly median, lowest and highest approved price per
    base unit, per market id, oldest first; the periods that begin from ``start`` to
    ``end`` (default: the 52 weeks up to today). One query for any number of markets."""
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}, not {period!r}")
    end = end or timezone.localdate()
    start = start or end - timedelta(weeks=52)
    rows = PriceSummary.objects.filter(
        commodity=commodity,
        price_type=price_type,
        period=period,
        period_start__gte=period_start(start, period),
        period_start__lte=end,
    )
    if markets is not None:
        rows = rows.filter(market__in=list(markets))
    series: dict[int, list[Summary]] = defaultdict(list)
    fields = ("market_id", "period_start", "median", "low", "high", "count")
    # Tuples, not model instances: a year of weeks at every market is thousands of rows.
    for market_id, *summary in rows.order_by("market_id", "period_start").values_list(*fields):
        series[market_id].append(Summary(*summary))
    return dict(series)


#: Weeks of weekly medians behind the medians an offline form warns by.
RECENT_MEDIAN_WEEKS = 8


def recent_medians(markets: Sequence[Market]) -> dict[tuple[str, str, str], Decimal]:
    """The median of the last RECENT_MEDIAN_WEEKS weekly medians per base unit of every
    series at ``markets``, by (market slug, commodity slug, price type). One query."""
    since = period_start(timezone.localdate() - timedelta(weeks=RECENT_MEDIAN_WEEKS), "week")
    weekly: dict[tuple[str, str, str], list[Decimal]] = defaultdict(list)
    rows = PriceSummary.objects.filter(
        market__in=markets, period="week", period_start__gte=since
    ).values_list("market__slug", "commodity__slug", "price_type", "median")
    for market, commodity, price_type, median in rows:
        weekly[(market, commodity, price_type)].append(median)
    return {
        key: Decimal(statistics.median(values)).quantize(Decimal("0.01"))
        for key, values in weekly.items()
    }
