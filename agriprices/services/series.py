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
from django.db.models import Q, QuerySet, Subquery
from django.utils import timezone

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
    spans = {
        period: (period_start(first_day, period), period_end(last_day, period))
        for period in PERIODS
    }
    # One read, one delete and one insert for both periods, not one of each per period:
    # this runs for every price recorded.
    prices = list(
        _compared(**series)
        .filter(
            observed_on__gte=min(start for start, _end in spans.values()),
            observed_on__lte=max(end for _start, end in spans.values()),
        )
        .values_list("observed_on", "price_per_base_unit")
    )
    stale = Q()
    rows: list[PriceSummary] = []
    for period, (start, end) in spans.items():
        stale |= Q(period=period, period_start__gte=start, period_start__lte=end)
        held = [(day, value) for day, value in prices if start <= day <= end]
        rows += _summary_rows(series, period, held)
    PriceSummary.objects.filter(stale, **series).delete()
    PriceSummary.objects.bulk_create(rows, batch_size=1000)


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
    key: dict[str, Any] = {
        "commodity_id": commodity_id,
        "market_id": market_id,
        "price_type": price_type,
    }
    series = _compared(**key).order_by("-observed_on", "-id")
    newest = series.first()
    if newest is None:
        LatestPrice.objects.filter(**key).delete()
        return

    def reference(window: tuple[int, int]) -> QuerySet[Quote]:
        """The newest approved price ``window`` days before the newest one, as a query."""
        latest_day, earliest_day = window
        return series.filter(
            observed_on__lte=newest.observed_on - timedelta(days=latest_day),
            observed_on__gte=newest.observed_on - timedelta(days=earliest_day),
        )[:1]

    values = {
        "quote": newest,
        "unit_id": newest.unit_id,
        "price": newest.price,
        "currency": newest.currency,
        "price_per_base_unit": newest.price_per_base_unit,
        "observed_on": newest.observed_on,
        "updated_at": timezone.now(),  # update() leaves auto_now to the caller
    }
    week, month = reference(WEEK_REFERENCE), reference(MONTH_REFERENCE)
    # The row nearly always exists: one UPDATE, its reference prices read by subqueries
    # in it, where update_or_create read them, then the row, then wrote it.
    updated = LatestPrice.objects.filter(**key).update(
        **values,
        week_ago_per_base_unit=Subquery(week.values("price_per_base_unit")),
        week_ago_on=Subquery(week.values("observed_on")),
        month_ago_per_base_unit=Subquery(month.values("price_per_base_unit")),
        month_ago_on=Subquery(month.values("observed_on")),
    )
    if not updated:  # the series' first approved price: its row is made
        references: dict[str, Any] = {}
        for name, query in (("week", week), ("month", month)):
            row = query.values_list("price_per_base_unit", "observed_on").first()
            price, day = row or (None, None)
            references |= {f"{name}_ago_per_base_unit": price, f"{name}_ago_on": day}
        LatestPrice.objects.update_or_create(**key, defaults=values | references)
    transaction.on_commit(lambda: signals.latest_price_changed.send(sender=LatestPrice, **key))


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
