"""The demo's prices: a pure function of (market, commodity, price type, day, and the
day of seeding), with seasons, drift, local produce, noise, a spike, a crash and a few
slipped decimal points; as rows of a price file."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import DateTimeField, ExpressionWrapper, F, Value
from django.db.models.functions import Cast, Least

from agriprices.demo.collection import skipped
from agriprices.demo.crops import COMMODITIES, DemoCommodity
from agriprices.demo.places import MARKETS, DemoMarket
from agriprices.importers.rows import PriceRow
from agriprices.models import PriceType, Quote
from agriprices.names import make_slug

SEED = "agriprices-demo-v1"
CURRENCY = "KGS"
YEARS = 4
#: Before this many days ago, retail prices only, on one day a week.
DETAILED_DAYS = 365 * 2
#: (market, commodity, size): moves that build up over the last SHOCK_DAYS. Potatoes
#: climb at Osh, and less at Jalal-Abad next door; onions collapse at Naryn.
SHOCKS = (("Osh", "Potatoes", 0.45), ("Jalal-Abad", "Potatoes", 0.25), ("Naryn", "Onions", -0.40))
#: A slipped decimal point a few days ago, held for review.
RECENT_SLIP = ("Bishkek", "Rice")
#: Retail series that began lately (days ago): the warnings say "not enough history".
NEW_SERIES = {("Batken", "Apples"): 540}
SHOCK_DAYS = 42

#: Where wholesale and farm-gate prices are also collected (weekly, on Mondays).
WHOLESALE = {
    "Bishkek": ("Wheat", "Wheat flour", "Potatoes", "Onions", "Rice", "Sugar"),
    "Osh": ("Wheat", "Wheat flour", "Potatoes", "Onions", "Rice", "Sugar"),
}
FARM_GATE = {"Naryn": ("Potatoes", "Wheat"), "Talas": ("Beans", "Wheat", "Potatoes")}
PRICE_TYPE_LEVEL = {PriceType.RETAIL: 1.0, PriceType.WHOLESALE: 0.85, PriceType.FARM_GATE: 0.7}


def _noise(*key: object) -> float:
    """A repeatable number in [0, 1) for the key."""
    digest = hashlib.blake2b(repr((SEED, *key)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def _shock(market: DemoMarket, commodity: DemoCommodity, day: date, today: date) -> float:
    """The spike or the crash: nothing until SHOCK_DAYS before ``today``, then a steady
    climb (or fall) to its full size a week before it."""
    for market_name, commodity_name, size in SHOCKS:
        if (market.name, commodity.name) == (market_name, commodity_name):
            progress = (day - (today - timedelta(days=SHOCK_DAYS))).days / (SHOCK_DAYS - 7)
            return 1 + size * min(1.0, max(0.0, progress))
    return 1.0


def demo_price(
    market: DemoMarket, commodity: DemoCommodity, price_type: str, day: date, today: date
) -> Decimal:
    """The demo price of one quote: season, yearly drift, market level, local produce,
    day-to-day noise, the recent spike or crash, and now and then a slipped decimal
    point."""
    season = commodity.season * math.cos(2 * math.pi * (day.month - commodity.peak_month) / 12)
    drift = 1 + 0.06 * (day.toordinal() - date(2024, 1, 1).toordinal()) / 365
    local = 0.85 if market.name in commodity.cheap_at else 1.0
    noise = 1 + (_noise(market.name, commodity.name, price_type, day) - 0.5) * 0.06
    value = commodity.price * (1 + season) * drift * market.level * local * noise
    value *= _shock(market, commodity, day, today)
    value *= PRICE_TYPE_LEVEL[PriceType(price_type)]
    slip = _noise("slip", market.name, commodity.name, price_type, day)
    if (market.name, commodity.name) == RECENT_SLIP and 2 <= (today - day).days <= 4:
        slip = 0  # a fresh typo for the review queue, beside the real spike at Osh
    if slip < 0.0008:
        value *= 10  # an agent typed 1850 for 185.0
    elif slip < 0.0012:
        value /= 10
    step = Decimal("1") if value >= 100 else Decimal("0.5") if value >= 20 else Decimal("0.1")
    return max((Decimal(str(value)) / step).quantize(Decimal(1)) * step, step)


def _collection_days(weekdays: tuple[int, ...], today: date, days: int) -> Iterator[date]:
    day = today - timedelta(days=days)
    detailed_from = today - timedelta(days=DETAILED_DAYS)
    while day <= today:
        if day.weekday() in (weekdays if day >= detailed_from else weekdays[:1]):
            yield day
        day += timedelta(days=1)


def demo_rows(today: date, days: int = 365 * YEARS) -> Iterator[PriceRow]:
    """Demo prices of the ``days`` up to ``today`` (four years by default), as rows of a
    price file."""
    line = 1
    by_name = {c.name: c for c in COMMODITIES}
    for market in MARKETS:
        order = {c.name: n for n, c in enumerate(COMMODITIES)}
        series = [(c, PriceType.RETAIL, market.weekdays) for c in COMMODITIES]
        series += [(by_name[n], PriceType.WHOLESALE, (0,)) for n in WHOLESALE.get(market.name, ())]
        series += [(by_name[n], PriceType.FARM_GATE, (0,)) for n in FARM_GATE.get(market.name, ())]
        for commodity, price_type, weekdays in series:
            # Wholesale and farm-gate prices began two years ago: too little history
            # for the warnings, which say so.
            span = days if price_type == PriceType.RETAIL else min(days, DETAILED_DAYS)
            span = min(span, NEW_SERIES.get((market.name, commodity.name), span))
            unit = commodity.unit
            if price_type == PriceType.WHOLESALE and commodity.unit == "kg":
                unit = "bag50kg"
            for day in _collection_days(weekdays, today, span):
                if skipped(market, order[commodity.name], day, today):
                    continue  # a missed or partial round, for the collection page
                line += 1
                price = demo_price(market, commodity, price_type, day, today)
                if unit == "bag50kg":
                    price *= 50
                yield PriceRow(
                    line=line,
                    observed_on=day.isoformat(),
                    commodity=commodity.name,
                    market=market.name,
                    unit=unit,
                    price=str(price),
                    currency=CURRENCY,
                    price_type=price_type,
                    region=market.region,
                    external_id=(
                        f"demo:{make_slug(market.name)}:{make_slug(commodity.name)}:"
                        f"{price_type}:{day.isoformat()}"
                    ),
                )


def date_demo_records(now: datetime) -> int:
    """Each demo price recorded at noon of the day it was seen, as its agent would have
    (not all at the moment of seeding, which /collection/ would show as every agent's
    last report), and never later than ``now``. Returns how many there are."""
    noon = Cast(F("observed_on"), DateTimeField()) + (
        timedelta(hours=12) - (now.utcoffset() or timedelta())
    )
    recorded = Least(ExpressionWrapper(noon, output_field=DateTimeField()), Value(now))
    return Quote.objects.filter(external_id__startswith="demo:").update(created_at=recorded)


def new_demo_rows(today: date, days: int = 365 * YEARS) -> Iterator[PriceRow]:
    """The demo rows not stored yet. A day stored by an earlier seed keeps its price,
    though the spike and the crash, which follow the day of seeding, would now give some
    days another one (the import would refuse such a changed price)."""
    stored = set(
        Quote.objects.filter(external_id__startswith="demo:").values_list("external_id", flat=True)
    )
    return (row for row in demo_rows(today, days) if row.external_id not in stored)
