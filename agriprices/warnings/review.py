"""What the price warnings make of a held price, so an operator can tell a real spike
from a typo before approving it."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings

from agriprices.models import PriceSummary, Quote
from agriprices.warnings import bands, indicators


@dataclass(frozen=True)
class ReviewContext:
    """What the price warnings make of a flagged price, so an operator can tell a real
    spike (the same move elsewhere, a plausible band) from a typo."""

    #: The ALPS band the price's month would have if it were approved ("" without
    #: enough history: ``short_of`` says why), and that ALPS.
    band_if_approved: str
    alps_if_approved: float | None
    short_of: str
    #: The price itself against the normal price of its month fitted without it (the
    #: months before, and its month's other prices): percent and band. A typo is far
    #: off while its month's median barely moves; a spike moves both.
    price_vs_normal_pct: int | None
    price_band: str
    #: How the same crop moved at other markets from the month before to the flagged
    #: price's month (median change of their monthly medians), and at how many.
    others_move_pct: Decimal | None
    others_count: int
    #: Approved prices per base unit of the same crop at the same market, from other
    #: agents or sources, within a week of the flagged one.
    nearby_prices: list[Decimal]
    #: False for a price in another currency than the service's: it is compared with
    #: nothing, and every other field is empty.
    compared: bool = True


#: How far from a flagged price another agent's price counts as the same observation.
NEARBY_DAYS = 7


def review_context(quotes: Sequence[Quote]) -> dict[int, ReviewContext]:
    """``ReviewContext`` per quote id for flagged quotes. Three queries, however many."""
    if not quotes:
        return {}
    commodity_ids = {q.commodity_id for q in quotes}
    market_ids = {q.market_id for q in quotes}
    months: dict[tuple[int, int, str], dict[date, Decimal]] = defaultdict(dict)
    for row in PriceSummary.objects.filter(
        commodity_id__in=commodity_ids, market_id__in=market_ids, period="month"
    ).values_list("commodity_id", "market_id", "price_type", "period_start", "median"):
        months[row[:3]][row[3]] = row[4]
    first = min(q.observed_on for q in quotes).replace(day=1) - timedelta(days=NEARBY_DAYS)
    last = max(q.observed_on for q in quotes) + timedelta(days=31 + NEARBY_DAYS)
    approved = list(
        Quote.objects.filter(
            commodity_id__in=commodity_ids,
            market_id__in=market_ids,
            status=Quote.Status.APPROVED,
            currency=settings.AGRIPRICES_CURRENCY,
            observed_on__gte=first,
            observed_on__lte=last,
        ).values_list(
            "commodity_id", "market_id", "price_type", "observed_on", "price_per_base_unit"
        )
    )
    # Every market's monthly median of the flagged crops, in the flagged months and the
    # months before them: how the crop moved elsewhere at the time.
    wanted = {q.observed_on.replace(day=1) for q in quotes}
    wanted |= {(m - timedelta(days=1)).replace(day=1) for m in wanted}
    elsewhere: dict[tuple[int, str, date], dict[int, Decimal]] = defaultdict(dict)
    for commodity_id, market_id, price_type, start, median in PriceSummary.objects.filter(
        commodity_id__in=commodity_ids, period="month", period_start__in=wanted
    ).values_list("commodity_id", "market_id", "price_type", "period_start", "median"):
        elsewhere[(commodity_id, price_type, start)][market_id] = median
    found = {}
    for quote in quotes:
        if quote.currency != settings.AGRIPRICES_CURRENCY:
            found[quote.pk] = ReviewContext(
                band_if_approved="",
                alps_if_approved=None,
                short_of="",
                price_vs_normal_pct=None,
                price_band="",
                others_move_pct=None,
                others_count=0,
                nearby_prices=[],
                compared=False,
            )
            continue
        key = (quote.commodity_id, quote.market_id, quote.price_type)
        month = quote.observed_on.replace(day=1)
        same_series = [row for row in approved if row[:3] == key]
        in_month = [v for *_, day, v in same_series if day.replace(day=1) == month]
        # The summaries hold approved prices only: the series without the held price.
        without = sorted((m, float(v)) for m, v in months.get(key, {}).items() if m <= month)
        normal = indicators.normal_price(without, month)
        series = dict(months.get(key, {}))
        series[month] = Decimal(statistics.median([*in_month, quote.price_per_base_unit]))
        known = sorted((m, float(v)) for m, v in series.items() if m <= month)
        judged = indicators.assess(known, since=month)[0]
        before = elsewhere[(key[0], key[2], (month - timedelta(days=1)).replace(day=1))]
        others = [
            (median - before[market_id]) / before[market_id] * 100
            for market_id, median in elsewhere[(key[0], key[2], month)].items()
            if market_id != key[1] and before.get(market_id)
        ]
        price_vs_normal, price_band = None, ""
        if normal is not None and normal[0] > 0:
            price, (normal_price, spread) = float(quote.price_per_base_unit), normal
            price_vs_normal = round((price - normal_price) / normal_price * 100)
            price_band = bands.alps_band((price - normal_price) / spread)
        found[quote.pk] = ReviewContext(
            band_if_approved=judged.alps_band,
            alps_if_approved=judged.alps,
            short_of=judged.short_of,
            price_vs_normal_pct=price_vs_normal,
            price_band=price_band,
            others_move_pct=(
                Decimal(statistics.median(others)).quantize(Decimal("0.1")) if others else None
            ),
            others_count=len(others),
            nearby_prices=[
                v
                for *_, day, v in same_series
                if abs((day - quote.observed_on).days) <= NEARBY_DAYS
            ],
        )
    return found
