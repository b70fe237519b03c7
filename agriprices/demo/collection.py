"""The demo's collection plan: every market but Batken collects its retail prices on its
market days (Batken keeps the default plan, so the page shows one), but Osh's plan is
its Monday round only, and its second agent missed the last two: nothing recorded
around those Mondays, so Osh is flagged; and Tokmok's newest round is only half
reported, so every state shows on ``/collection/``. Osh's prices of its other market
days stay, so every week the sheet and the radio script read has them, and its newest
prices are those the rest of the demo has always had."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from agriprices.collection.models import CollectionPlan, PlannedItem
from agriprices.collection.schedule import Schedule
from agriprices.demo.crops import COMMODITIES
from agriprices.demo.places import MARKETS, DemoMarket
from agriprices.models import Commodity, Market, PriceType

#: No plan of its own: the default one (what it reported lately, weekly).
DEFAULT_PLAN_MARKET = "Batken"
#: (market, rounds): the market's newest closed rounds with no price at all.
MISSED = ("Osh", 2)
#: The market whose newest round has only every other crop.
PARTLY = "Tokmok"
TOLERANCE = 1


def _weekdays(market: DemoMarket) -> tuple[int, ...]:
    return (0,) if market.name == MISSED[0] else market.weekdays


def _schedule(market: DemoMarket) -> Schedule:
    return Schedule(weekdays=_weekdays(market), tolerance=TOLERANCE)


def skipped(market: DemoMarket, commodity_index: int, day: date, today: date) -> bool:
    """Whether the demo leaves out this price, to show a missed and a partial round."""
    schedule = _schedule(market)
    if market.name == MISSED[0]:
        for round_day in schedule.last_rounds(today, MISSED[1]):
            low, high = schedule.window(round_day)
            if low <= day <= high:
                return True
    if market.name == PARTLY and commodity_index % 2:
        newest = schedule.days(date.fromordinal(today.toordinal() - 6), today)
        return bool(newest) and day == newest[-1]
    return False


@transaction.atomic
def ensure_demo_plans() -> int:
    """The demo markets' plans; idempotent. Returns how many markets have one."""
    commodities = list(Commodity.objects.filter(name__in=[c.name for c in COMMODITIES]))
    count = 0
    for demo in MARKETS:
        if demo.name == DEFAULT_PLAN_MARKET:
            continue
        market = Market.objects.get(name=demo.name)
        plan, _ = CollectionPlan.objects.update_or_create(
            market=market,
            defaults={
                "kind": CollectionPlan.Kind.WEEKDAYS,
                "weekdays": "".join(str(day) for day in _weekdays(demo)),
                "tolerance_days": TOLERANCE,
            },
        )
        PlannedItem.objects.bulk_create(
            [PlannedItem(plan=plan, commodity=c, price_type=PriceType.RETAIL) for c in commodities],
            ignore_conflicts=True,
        )
        count += 1
    return count
