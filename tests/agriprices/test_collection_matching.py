"""Completeness matches prices to rounds in the database; here it is compared, on a
varied collection (overlapping tolerances, held and rejected prices, every-N-day plans,
a market on the default plan, prices of other crops and types, an agent answering for
one crop only), with a plain reading that asks for each expected price of each round
whether a price of its own counts for it. And the reads take the same number of queries
for 3 markets as for 12."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agriprices.collection import schedule as sched
from agriprices.collection.completeness import completeness, weekly_history
from agriprices.collection.models import CollectionPlan, PlannedItem
from agriprices.collection.plans import market_plans
from agriprices.collection.streaks import STREAK_ROUNDS
from agriprices.models import Market, PriceType, Quote
from agriprices.services.series import rebuild_latest_prices
from tests import factories

#: Plans of these tests take effect before any day they ask about.
LONG_AGO = date(2025, 1, 1)

TODAY = date(2026, 11, 19)  # a Thursday
STATUSES = [Quote.Status.APPROVED] * 3 + [
    Quote.Status.PENDING,
    Quote.Status.FLAGGED,
    Quote.Status.REJECTED,
]


def counts(report_or_items) -> Counter:
    return Counter(item.state for item in report_or_items)


def plain_items(period, *, today, agent=None):
    """(market, commodity, price type, day, state) of every expected price of every
    collection day, each asked of the quotes on its own."""
    plans = market_plans(list(Market.objects.all()), today=today)
    found = set()
    for market_id, plan in plans.items():
        schedule = plan.schedule
        for day in schedule.days(period.start, period.end):
            for item in plan.items:
                if agent is not None and agent.pk not in item.agent_ids:
                    continue
                if plan.default and day < default_expected_from(plan, item, today):
                    continue
                low, high = schedule.window(day)
                days = (
                    Quote.objects.filter(
                        market_id=market_id,
                        commodity_id=item.commodity_id,
                        price_type=item.price_type,
                        observed_on__range=(low, high),
                    )
                    .exclude(status=Quote.Status.REJECTED)
                    .values_list("observed_on", flat=True)
                )
                received = any(schedule.round_of(seen) == day for seen in days)
                # Late once no day from today on counts for the round.
                ahead = (today + timedelta(days=n) for n in range((high - today).days + 1))
                closed = all(schedule.round_of(seen) != day for seen in ahead)
                state = sched.RECEIVED if received else sched.LATE if closed else sched.NOT_DUE
                found.add((market_id, item.commodity_id, item.price_type, day, state))
    return found


def default_expected_from(plan, item, today):
    """The first round the default plan expects ``item`` on: that of the crop's first
    price of the 90 days, not before the market's first price of them."""
    since = today - timedelta(days=90)
    counted = Quote.objects.filter(market=plan.market, observed_on__gte=since).exclude(
        status=Quote.Status.REJECTED
    )
    market_first = counted.order_by("observed_on").first().observed_on
    crop_first = (
        counted.filter(commodity_id=item.commodity_id, price_type=item.price_type)
        .order_by("observed_on")
        .first()
        .observed_on
    )
    return max(market_first, plan.schedule.round_of(crop_first) or crop_first)


def plain_missed(plan, day):
    """Whether the round of ``day`` got no price of the market at all."""
    low, high = plan.schedule.window(day)
    days = (
        Quote.objects.filter(market=plan.market, observed_on__range=(low, high))
        .exclude(status=Quote.Status.REJECTED)
        .values_list("observed_on", flat=True)
    )
    return not any(plan.schedule.round_of(seen) == day for seen in days)


def plain_streak(plan, today):
    """Closed rounds in a row, newest back, without any price of the market."""
    return sched.streak(
        [plain_missed(plan, day) for day in plan.schedule.last_rounds(today, STREAK_ROUNDS)]
    )


def plain_agent_streaks(plans, today):
    """Each agent's rounds in a row, newest back, on which every market of theirs
    collecting that day got no price, over every round of every market read."""
    by_agent = defaultdict(dict)
    for plan in plans.values():
        agents = {a for item in plan.items for a in item.agent_ids}
        for day in plan.schedule.last_rounds(today, STREAK_ROUNDS):
            missed = plain_missed(plan, day)
            for agent_id in agents:
                by_agent[agent_id][day] = by_agent[agent_id].get(day, True) and missed
    return {
        agent_id: sched.streak([days[day] for day in sorted(days, reverse=True)])
        for agent_id, days in by_agent.items()
    }


@pytest.fixture
def varied(db, kg):
    rng = random.Random(27)
    crops = [factories.CommodityFactory(name=name, base_unit=kg) for name in "ABCDE"]
    markets = {
        # Tuesday and Friday, two days either side: windows overlap on Wednesday and
        # Thursday, where the nearer round takes the price.
        "tue-fri": dict(weekdays="14", tolerance_days=2),
        # Every two days, a day either side: the day between two rounds is the earlier's.
        "every-2": dict(kind="every", every_days=2, starts_on=date(2026, 9, 1)),
        "every-10": dict(kind="every", every_days=10, starts_on=date(2026, 10, 3)),
        "monday-exact": dict(weekdays="0", tolerance_days=0),
        "default": None,  # no plan: what it reported in 90 days, weekly
        "quiet": dict(weekdays="3"),  # stopped three rounds ago
    }
    made = {}
    for name, plan_fields in markets.items():
        market = made[name] = factories.MarketFactory(name=name)
        if plan_fields is None:
            continue
        plan = CollectionPlan.objects.create(market=market, effective_from=LONG_AGO, **plan_fields)
        for crop in crops[:3]:
            PlannedItem.objects.create(plan=plan, commodity=crop)
        PlannedItem.objects.create(plan=plan, commodity=crops[0], price_type=PriceType.WHOLESALE)
    aida = factories.agent(markets=[made["tue-fri"], made["every-2"]], username="aida")
    bek = factories.agent(markets=[made["every-10"], made["default"]], username="bek")
    chyngyz = factories.agent(markets=[made["every-10"]], username="chyngyz")
    factories.agent(markets=[made["monday-exact"], made["quiet"]], username="dinara")
    PlannedItem.objects.filter(plan__market=made["every-10"], commodity=crops[1]).update(
        agent=chyngyz
    )
    quotes = []
    for name, market in made.items():
        last = TODAY - timedelta(days=23) if name == "quiet" else TODAY + timedelta(days=2)
        day = TODAY - timedelta(days=95)
        while day <= last:
            for crop in crops:  # D and E are planned nowhere but at the default market
                for price_type in (PriceType.RETAIL, PriceType.WHOLESALE):
                    # E came to the default market lately: expected from its first round.
                    late_crop = crop is crops[4] and day < TODAY - timedelta(days=40)
                    if rng.random() < 0.3 and not late_crop:
                        quotes.append(
                            factories.QuoteFactory.build(
                                commodity=crop,
                                market=market,
                                price_type=price_type,
                                observed_on=day,
                                status=rng.choice(STATUSES),
                            )
                        )
            day += timedelta(days=1)
    Quote.objects.bulk_create(quotes)
    rebuild_latest_prices()
    return {"markets": made, "aida": aida, "bek": bek, "chyngyz": chyngyz}


@pytest.mark.parametrize(
    "period",
    [
        sched.month_period(2026, 11),
        sched.week_of(TODAY),
        sched.day_period(TODAY - timedelta(days=2)),
        sched.month_period(2026, 10),
    ],
    ids=lambda period: period.label,
)
def test_each_expected_price_has_the_state_a_plain_reading_gives(varied, period):
    report = completeness(period, today=TODAY)
    items = {(i.market_id, i.commodity_id, i.price_type, i.day, i.state) for i in report.items}
    assert len(items) == len(report.items)
    assert items == plain_items(period, today=TODAY)
    assert [i for i in report.items if i.state == sched.LATE] == report.late
    tallies = Counter(i.state for i in report.items)
    overall = report.overall
    assert (overall.expected, overall.received, overall.late, overall.not_due) == (
        len(items),
        tallies[sched.RECEIVED],
        tallies[sched.LATE],
        tallies[sched.NOT_DUE],
    )
    for market_id, tally in report.by_market.items():
        mine = Counter(i.state for i in report.items if i.market_id == market_id)
        assert (tally.received, tally.late, tally.not_due) == (
            mine[sched.RECEIVED],
            mine[sched.LATE],
            mine[sched.NOT_DUE],
        )
    for agent_id, tally in report.by_agent.items():
        theirs = Counter(i.state for i in report.items if agent_id in i.agent_ids)
        assert (tally.expected, tally.received, tally.late) == (
            sum(theirs.values()),
            theirs[sched.RECEIVED],
            theirs[sched.LATE],
        )


def test_the_varied_collection_has_every_state_and_case(varied):
    """What the comparisons above stand on: every state, prices held for review that
    count, rejected ones that do not, and prices outside every window."""
    found = plain_items(sched.month_period(2026, 11), today=TODAY)
    assert {state for *_, state in found} == set(sched.STATES)
    plans = market_plans(list(Market.objects.all()), today=TODAY)
    assert plans[varied["markets"]["default"].pk].default
    assert len(plans[varied["markets"]["default"].pk].items) > 4
    # Crop E, new at the default market, is expected from a round of its own.
    default = plans[varied["markets"]["default"].pk]
    firsts = {default_expected_from(default, item, TODAY) for item in default.items}
    assert len(firsts) > 1 and max(firsts) >= TODAY - timedelta(days=40)
    statuses = set(Quote.objects.values_list("status", flat=True))
    assert Quote.Status.REJECTED in statuses and Quote.Status.FLAGGED in statuses


def test_an_agent_sees_the_states_of_their_own_prices(varied):
    period = sched.month_period(2026, 11)
    for agent in (varied["aida"], varied["bek"], varied["chyngyz"]):
        report = completeness(period, today=TODAY, agent=agent)
        items = {(i.market_id, i.commodity_id, i.price_type, i.day, i.state) for i in report.items}
        assert items == plain_items(period, today=TODAY, agent=agent)
        assert report.by_agent[agent.pk].expected == len(items)
    # Crop B at every-10 is chyngyz's to report, not bek's, though both work there.
    named = PlannedItem.objects.get(agent=varied["chyngyz"]).commodity_id
    every_10 = varied["markets"]["every-10"].pk
    for agent, has_it in ((varied["chyngyz"], True), (varied["bek"], False)):
        report = completeness(period, today=TODAY, agent=agent)
        crops = {i.commodity_id for i in report.items if i.market_id == every_10}
        assert (named in crops) == has_it


def test_streaks_are_the_rounds_a_plain_reading_finds_unvisited(varied):
    report = completeness(sched.week_of(TODAY), today=TODAY)
    plans = market_plans(list(Market.objects.all()), today=TODAY)
    assert report.market_streaks == {
        pk: plain_streak(plan, TODAY) for pk, plan in plans.items() if plan.items
    }
    assert report.market_streaks[varied["markets"]["quiet"].pk] == 3


def test_agents_streaks_are_those_of_every_round_of_theirs(varied):
    """Rounds are read back only as far as each market's newest visited one; an agent's
    streak over several markets is still what every round of theirs says."""
    markets = varied["markets"]
    # Monday's newest closed round (the 16th) missed; every-10's visited on the 12th,
    # its round before (the 2nd) missed.
    Quote.objects.filter(market=markets["monday-exact"], observed_on=date(2026, 11, 16)).delete()
    Quote.objects.filter(
        market=markets["every-10"], observed_on__range=(date(2026, 11, 1), date(2026, 11, 3))
    ).delete()
    ermek = factories.agent(markets=[markets["monday-exact"], markets["every-10"]])
    report = completeness(sched.week_of(TODAY), today=TODAY)
    plans = market_plans(list(Market.objects.all()), today=TODAY)
    assert report.agent_streaks == plain_agent_streaks(plans, TODAY)
    assert report.market_streaks[markets["monday-exact"].pk] >= 1
    assert report.market_streaks[markets["every-10"].pk] == 0
    assert report.agent_streaks[ermek.pk] == 1  # the 16th, then the 12th was visited


# 13 weeks read more days than the 63 of one word of the bits the database says them in.
@pytest.mark.parametrize("weeks", [6, 13])
def test_the_weekly_history_counts_what_each_week_gives(varied, weeks):
    periods, table, _ = weekly_history(today=TODAY, weeks=weeks)
    plans = market_plans(list(Market.objects.all()), today=TODAY)
    assert set(table) == {pk for pk, plan in plans.items() if plan.items}
    for n, period in enumerate(periods):
        items = plain_items(period, today=TODAY)
        for market_id, row in table.items():
            mine = Counter(state for m, *_, state in items if m == market_id)
            tally = row[n]
            assert (tally.expected, tally.received, tally.late, tally.not_due) == (
                sum(mine.values()),
                mine[sched.RECEIVED],
                mine[sched.LATE],
                mine[sched.NOT_DUE],
            ), (market_id, period.label)


def _markets(count, crops, start):
    for n in range(start, start + count):
        market = factories.MarketFactory(name=f"Market {n}")
        factories.agent(markets=[market], username=f"agent{n}")
        plan = CollectionPlan.objects.create(market=market, weekdays="0", effective_from=LONG_AGO)
        for crop in crops:
            PlannedItem.objects.create(plan=plan, commodity=crop)
        for weeks_ago in range(n % 3):
            for crop in crops:
                factories.QuoteFactory(
                    commodity=crop,
                    market=market,
                    observed_on=date(2026, 11, 16) - timedelta(weeks=weeks_ago),
                )
    # One market on the default plan, as in any real service.
    factories.QuoteFactory(
        commodity=crops[0],
        market=factories.MarketFactory(name=f"Unplanned {start}"),
        observed_on=date(2026, 11, 17),
    )


def test_the_week_and_the_history_take_the_same_queries_for_more_markets(kg):
    crops = [factories.CommodityFactory(name=name, base_unit=kg) for name in "ABC"]

    def queries():
        rebuild_latest_prices()
        with CaptureQueriesContext(connection) as week:
            report = completeness(sched.week_of(TODAY), today=TODAY)
        with CaptureQueriesContext(connection) as history:
            _, table, _ = weekly_history(today=TODAY, weeks=52)
        assert report.overall.expected == len(report.items) > 0
        assert len(table) == len(report.by_market)
        return len(week), len(history)

    _markets(3, crops, 0)
    few = queries()
    _markets(9, crops, 3)
    # Markets, their regions, agents, plans, planned prices, default plans (their
    # approved prices with each crop's first, then the prices held for review), the
    # prices received, the rounds visited (each market's newest; the older ones of those
    # that missed it), the agents with their last reports, crops; the history: the first
    # six, and the counts.
    assert few == queries() == (12, 8)
