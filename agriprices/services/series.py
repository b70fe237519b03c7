"""Everything derived from a series' approved quotes (its latest price and week change,
its weekly and monthly summaries, and so its warnings, charts, rankings and maps), kept
current inside the transaction that changes them.

All of it is made from approved prices in the service's currency only: a price in
another currency is kept and listed in its own, but never compared with the service's.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet

from agriprices import signals
from agriprices.models import LatestPrice, PriceSummary, Quote
from agriprices.periods import PERIODS, period_end, period_start, summarize

#: The reference prices a latest price is compared against: (not after, not before) days.
WEEK_REFERENCE = (7, 14)
MONTH_REFERENCE = (28, 62)


def refresh_series(
    *, commodity_id: int, market_id: int, price_type: str, first_day: date, last_day: date
) -> None:
    """Bring everything derived from one series' approved quotes up to date after quotes
    observed between ``first_day`` and ``last_day`` changed: its latest price and its
    weekly and monthly summaries. Must run inside the transaction that changed them."""
    refresh_latest_price(commodity_id=commodity_id, market_id=market_id, price_type=price_type)
    refresh_summaries(
        commodity_id=commodity_id,
        market_id=market_id,
        price_type=price_type,
        first_day=first_day,
        last_day=last_day,
    )


def _compared(**series: Any) -> QuerySet[Quote]:
    """The quotes everything derived from a series is made of: approved, and in the
    service's currency, so no comparison ever mixes currencies."""
    return Quote.objects.filter(
        **series, status=Quote.Status.APPROVED, currency=settings.AGRIPRICES_CURRENCY
    )


def refresh_summaries(
    *, commodity_id: int, market_id: int, price_type: str, first_day: date, last_day: date
) -> None:
    """Recompute the week and month summaries of one series for the periods that hold
    any day from ``first_day`` to ``last_day``."""
    series = {"commodity_id": commodity_id, "market_id": market_id, "price_type": price_type}
    for period in PERIODS:
        start, end = period_start(first_day, period), period_end(last_day, period)
        prices = (
            _compared(**series)
            .filter(observed_on__gte=start, observed_on__lte=end)
            .values_list("observed_on", "price_per_base_unit")
        )
        PriceSummary.objects.filter(
            **series, period=period, period_start__gte=start, period_start__lte=end
        ).delete()
        PriceSummary.objects.bulk_create(_summary_rows(series, period, prices), batch_size=1000)


def _summary_rows(
    series: dict[str, object], period: str, prices: Iterable[tuple[date, Decimal]]
) -> list[PriceSummary]:
    return [
        PriceSummary(
            **series,
            period=period,
            period_start=summary.period_start,
            median=summary.median,
            low=summary.low,
            high=summary.high,
            count=summary.count,
        )
        for summary in summarize(prices, period)
    ]


def refresh_latest_price(*, commodity_id: int, market_id: int, price_type: str) -> None:
    """Make the LatestPrice row of one series equal its newest approved quote (or remove
    it when there is none), with the reference prices a week and a month earlier.

    Must run inside the transaction that changed the series' quotes.
    """
    series = _compared(
        commodity_id=commodity_id, market_id=market_id, price_type=price_type
    ).order_by("-observed_on", "-id")
    newest = series.first()
    if newest is None:
        LatestPrice.objects.filter(
            commodity_id=commodity_id, market_id=market_id, price_type=price_type
        ).delete()
        return

    def reference(window: tuple[int, int]) -> tuple[Decimal | None, date | None]:
        latest_day, earliest_day = window
        row = (
            series.filter(
                observed_on__lte=newest.observed_on - timedelta(days=latest_day),
                observed_on__gte=newest.observed_on - timedelta(days=earliest_day),
            )
            .values_list("price_per_base_unit", "observed_on")
            .first()
        )
        return row if row else (None, None)

    week_price, week_on = reference(WEEK_REFERENCE)
    month_price, month_on = reference(MONTH_REFERENCE)
    LatestPrice.objects.update_or_create(
        commodity_id=commodity_id,
        market_id=market_id,
        price_type=price_type,
        defaults={
            "quote": newest,
            "unit_id": newest.unit_id,
            "price": newest.price,
            "currency": newest.currency,
            "price_per_base_unit": newest.price_per_base_unit,
            "observed_on": newest.observed_on,
            "week_ago_per_base_unit": week_price,
            "week_ago_on": week_on,
            "month_ago_per_base_unit": month_price,
            "month_ago_on": month_on,
        },
    )
    transaction.on_commit(
        lambda: signals.latest_price_changed.send(
            sender=LatestPrice,
            commodity_id=commodity_id,
            market_id=market_id,
            price_type=price_type,
        )
    )


def rebuild_latest_prices() -> int:
    """Recompute every latest price and every week and month summary from the quotes;
    returns how many series there are. For repairs after manual database work and bulk
    loads; normal writes keep them current."""
    # One pass over the approved quotes in series order, one series in memory at a time:
    # a delete and two reads per series made a 5-million-quote rebuild take 20 minutes.
    rows = (
        _compared()
        .order_by("commodity_id", "market_id", "price_type", "observed_on")
        .values_list(
            "commodity_id", "market_id", "price_type", "observed_on", "price_per_base_unit"
        )
        .iterator(chunk_size=20_000)
    )
    with transaction.atomic():
        LatestPrice.objects.all().delete()
        PriceSummary.objects.all().delete()
        count = 0
        pending: list[PriceSummary] = []
        for key, quotes in itertools.groupby(rows, key=lambda row: row[:3]):
            series = dict(zip(("commodity_id", "market_id", "price_type"), key, strict=True))
            prices = [(observed_on, price) for *_, observed_on, price in quotes]
            refresh_latest_price(**series)
            for period in PERIODS:
                pending += _summary_rows(series, period, prices)
            if len(pending) >= 10_000:
                PriceSummary.objects.bulk_create(pending, batch_size=1000)
                pending = []
            count += 1
        PriceSummary.objects.bulk_create(pending, batch_size=1000)
    return count
