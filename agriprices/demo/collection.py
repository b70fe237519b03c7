"""The demo's collection plan: every market but Batken collects its retail prices on its
market days (Batken keeps the default plan, so the page shows one). Talas's agent
(``agent2``) missed its last two rounds: nothing recorded around those Thursdays, so
Talas is flagged; Tokmok's newest round is only half reported; every other round is
reported in full, on its market days, by the market's agents (``ensure_demo_users``
names them on the prices), so ``/collection/`` shows every state and nothing else."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction

from agriprices.collection.models import CollectionPlan, PlannedItem
from agriprices.collection.schedule import Schedule
from agriprices.demo.crops import COMMODITIES
from agriprices.demo.places import MARKETS, DemoMarket
from agriprices.models import Commodity, Market, PriceType

#: No plan of its own: the default one (what it reported lately, weekly).
DEFAULT_PLAN_MARKET = "Batken"
#: (market, rounds): the market's newest closed rounds with no price at all.
MISSED = ("Talas", 2)
#: The market whose newest round has only every other crop (this week's, but on a
#: Monday, before its first market day, last week's). Not a market whose newest prices
#: the SMS examples read (Bishkek, Osh): a crop asked without a market is answered from
#: the markets priced last.
PARTLY = "Tokmok"
TOLERANCE = 1
#: The day the demo plans take effect: before any demo price.
PLANS_FROM = date(2000, 1, 1)


def _schedule(market: DemoMarket) -> Schedule:
    return Schedule(weekdays=market.weekdays, tolerance=TOLERANCE)


def skipped(market: DemoMarket, commodity_index: int, day: date, today: date) -> bool:
    """Whether the demo leaves out this price, to show a missed and a partial round."""
    schedule = _schedule(market)
    if market.name == MISSED[0]:
        rounds = schedule.last_rounds(today, MISSED[1])
        # Nothing from the first of those rounds on: the market went unvisited since.
        return bool(rounds) and day >= schedule.window(rounds[-1])[0]
    if market.name == PARTLY and commodity_index % 2:
        newest = schedule.days(today - timedelta(days=6), today)
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
        # One version, in force over the demo's years of prices: the rounds the page
        # shows are judged by it, not by the default plan of a market without one.
        plan, _ = CollectionPlan.objects.update_or_create(
            market=market,
            effective_from=PLANS_FROM,
            defaults={
                "kind": CollectionPlan.Kind.WEEKDAYS,
                "weekdays": "".join(str(day) for day in demo.weekdays),
                "tolerance_days": TOLERANCE,
            },
        )
        PlannedItem.objects.bulk_create(
            [PlannedItem(plan=plan, commodity=c, price_type=PriceType.RETAIL) for c in commodities],
            ignore_conflicts=True,
        )
        count += 1
    return count
