"""The collection plan and completeness: defaults, the state of each expected price per
collection day (tolerance, held prices), counts per market, agent, region and overall,
and streaks of missed rounds."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from agriprices.collection import schedule as sched
from agriprices.collection.completeness import completeness, weekly_history
from agriprices.collection.models import CollectionPlan, PlannedItem
from agriprices.collection.plans import market_plans
from agriprices.models import PriceType, Quote
from agriprices.services.series import rebuild_latest_prices
from tests import factories

#: Plans of these tests take effect before any day they ask about.
LONG_AGO = date(2025, 1, 1)

# A Wednesday: Monday 2026-11-30 is the week's first collection day in these tests.
WEDNESDAY = date(2026, 12, 2)
MONDAY = date(2026, 11, 30)


def plan(market, *, weekdays="0", tolerance=1, items=(), **kwargs):
    made = CollectionPlan.objects.create(
        market=market,
        weekdays=weekdays,
        tolerance_days=tolerance,
        **{"effective_from": LONG_AGO, **kwargs},
    )
    for commodity, price_type, *agent in items:
        PlannedItem.objects.create(
            plan=made, commodity=commodity, price_type=price_type, agent=agent[0] if agent else None
        )
    return made


def price(commodity, market, day, **kwargs):
    return factories.QuoteFactory(commodity=commodity, market=market, observed_on=day, **kwargs)


@pytest.fixture
def onions(kg):
    return factories.CommodityFactory(name="Onions", base_unit=kg)


# --- The calendar -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schedule", "start", "end", "days"),
    [
        (sched.Schedule(weekdays=(0,)), MONDAY, MONDAY + timedelta(days=13), [0, 7]),
        (sched.Schedule(weekdays=(1, 4)), MONDAY, MONDAY + timedelta(days=6), [1, 4]),
        (
            sched.Schedule(every_days=3, starts_on=MONDAY - timedelta(days=1)),
            MONDAY,
            MONDAY + timedelta(days=6),
            [2, 5],
        ),
        (sched.Schedule(weekdays=(0,)), MONDAY + timedelta(days=1), MONDAY, []),
        # Every N days from a first collection day: none before it.
        (
            sched.Schedule(every_days=3, starts_on=MONDAY + timedelta(days=4)),
            MONDAY - timedelta(days=7),
            MONDAY + timedelta(days=10),
            [4, 7, 10],
        ),
    ],
)
def test_collection_days_of_weekdays_and_every_n_days(schedule, start, end, days):
    assert schedule.days(start, end) == [MONDAY + timedelta(days=n) for n in days]
    every_day = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    assert [day for day in every_day if schedule.is_collection_day(day)] == schedule.days(
        start, end
    )


def test_a_plan_every_n_days_expects_nothing_before_its_first_collection_day(osh, potatoes):
    first_day = MONDAY + timedelta(days=4)
    plan(
        osh,
        kind=CollectionPlan.Kind.EVERY,
        weekdays="",
        every_days=3,
        starts_on=first_day,
        items=[(potatoes, "retail")],
    )
    before = completeness(sched.day_period(MONDAY + timedelta(days=1)), today=WEDNESDAY)
    assert before.items == [] and before.overall.late == 0
    later = completeness(sched.week_period(2026, 49), today=MONDAY + timedelta(days=6))
    assert [i.day for i in later.items] == [first_day]


def test_a_cycle_is_the_longest_wait_between_two_collection_days():
    assert sched.Schedule(weekdays=(0,)).cycle_days == 7
    assert sched.Schedule(weekdays=(1, 4)).cycle_days == 4
    assert sched.Schedule(every_days=10, starts_on=MONDAY).cycle_days == 10


def test_a_schedule_without_days_is_refused():
    with pytest.raises(ValueError, match="weekdays"):
        sched.Schedule()


@pytest.mark.parametrize(
    ("today", "received", "state"),
    [
        (MONDAY, False, sched.NOT_DUE),
        (MONDAY + timedelta(days=1), False, sched.NOT_DUE),  # within the tolerance
        (MONDAY + timedelta(days=2), False, sched.LATE),
        (MONDAY + timedelta(days=2), True, sched.RECEIVED),
        (MONDAY - timedelta(days=3), False, sched.NOT_DUE),
    ],
)
def test_state_of_an_expected_price(today, received, state):
    closes_on = sched.Schedule(weekdays=(0,)).closes_on(MONDAY)
    assert closes_on == MONDAY + timedelta(days=2)
    assert sched.state_of(closes_on=closes_on, today=today, received=received) == state


def test_streak_counts_the_newest_missed_rounds_in_a_row():
    assert sched.streak([True, True, False, True]) == 2
    assert sched.streak([False, True]) == 0
    assert sched.streak([]) == 0


# --- Plans and their defaults -----------------------------------------------------------


def test_a_market_without_a_plan_expects_what_it_reported_in_90_days_weekly(
    osh, potatoes, onions, kg
):
    rice = factories.CommodityFactory(name="Rice", base_unit=kg)
    thursday = WEDNESDAY - timedelta(days=6)
    price(potatoes, osh, thursday)
    price(onions, osh, thursday, price_type=PriceType.WHOLESALE)
    price(rice, osh, WEDNESDAY - timedelta(days=91))  # too long ago to be expected
    rebuild_latest_prices()
    found = market_plans([osh], today=WEDNESDAY)[osh.pk]
    assert found.default
    assert {(e.commodity_id, e.price_type) for e in found.items} == {
        (potatoes.pk, PriceType.RETAIL),
        (onions.pk, PriceType.WHOLESALE),
    }
    # Weekly, on the weekday its latest prices fell on: Thursday.
    assert found.schedule.weekdays == (3,)
    assert found.schedule.cycle_days == 7


def test_a_market_that_never_reported_expects_nothing(osh, settings):
    found = market_plans([osh], today=WEDNESDAY)[osh.pk]
    assert found.items == ()
    assert found.schedule.weekdays == (settings.COLLECTION_DEFAULT_WEEKDAY,)
    assert completeness(sched.week_of(WEDNESDAY), today=WEDNESDAY).overall.expected == 0


def test_an_own_plan_replaces_the_default(osh, potatoes, onions):
    price(onions, osh, WEDNESDAY - timedelta(days=2))
    rebuild_latest_prices()
    plan(osh, weekdays="14", items=[(potatoes, PriceType.RETAIL)])
    found = market_plans([osh], today=WEDNESDAY)[osh.pk]
    assert not found.default
    assert [e.commodity_id for e in found.items] == [potatoes.pk]
    assert found.schedule.weekdays == (1, 4)


# --- Completeness -----------------------------------------------------------------------


def test_received_late_and_not_due_per_collection_day(osh, potatoes, onions):
    plan(osh, weekdays="02", items=[(potatoes, "retail"), (onions, "retail")])
    price(potatoes, osh, MONDAY + timedelta(days=1))  # a day after Monday: within tolerance
    report = completeness(sched.week_of(WEDNESDAY), today=WEDNESDAY)
    states = {(i.commodity_id, i.day): i.state for i in report.items}
    assert states == {
        (potatoes.pk, MONDAY): sched.RECEIVED,
        (onions.pk, MONDAY): sched.LATE,
        # Wednesday is today: due, not late, until its tolerance has passed.
        (potatoes.pk, WEDNESDAY): sched.NOT_DUE,
        (onions.pk, WEDNESDAY): sched.NOT_DUE,
    }
    tally = report.by_market[osh.pk]
    assert (tally.expected, tally.received, tally.late, tally.not_due) == (4, 1, 1, 2)
    assert tally.percent == 25


def test_a_price_outside_the_tolerance_does_not_count(osh, potatoes):
    plan(osh, weekdays="0", tolerance=1, items=[(potatoes, "retail")])
    price(potatoes, osh, MONDAY + timedelta(days=2))
    report = completeness(sched.day_period(MONDAY), today=WEDNESDAY + timedelta(days=5))
    assert [i.state for i in report.items] == [sched.LATE]
    plan_row = CollectionPlan.objects.get(market=osh)
    plan_row.tolerance_days = 2
    plan_row.save()
    report = completeness(sched.day_period(MONDAY), today=WEDNESDAY + timedelta(days=5))
    assert [i.state for i in report.items] == [sched.RECEIVED]


@pytest.mark.parametrize(
    ("status", "state"),
    [
        (Quote.Status.FLAGGED, sched.RECEIVED),  # held for review: it was collected
        (Quote.Status.PENDING, sched.RECEIVED),
        (Quote.Status.APPROVED, sched.RECEIVED),
        (Quote.Status.REJECTED, sched.LATE),
    ],
)
def test_held_prices_count_as_received_and_rejected_ones_do_not(osh, potatoes, status, state):
    plan(osh, weekdays="0", items=[(potatoes, "retail")])
    price(potatoes, osh, MONDAY, status=status)
    report = completeness(sched.day_period(MONDAY), today=WEDNESDAY)
    assert [i.state for i in report.items] == [state]


def test_price_types_are_expected_apart(osh, potatoes):
    plan(osh, weekdays="0", items=[(potatoes, "retail"), (potatoes, "wholesale")])
    price(potatoes, osh, MONDAY, price_type=PriceType.WHOLESALE)
    report = completeness(sched.day_period(MONDAY), today=WEDNESDAY)
    assert {i.price_type: i.state for i in report.items} == {
        "retail": sched.LATE,
        "wholesale": sched.RECEIVED,
    }


def test_every_n_days(osh, potatoes):
    plan(
        osh,
        kind=CollectionPlan.Kind.EVERY,
        weekdays="",
        every_days=10,
        starts_on=MONDAY - timedelta(days=20),
        items=[(potatoes, "retail")],
    )
    report = completeness(sched.month_period(2026, 11), today=WEDNESDAY)
    assert [i.day for i in report.items] == [date(2026, 11, 10), date(2026, 11, 20), MONDAY]


def test_counts_per_agent_region_and_overall(osh, bishkek, potatoes, onions):
    first = factories.agent(markets=[osh], username="aida")
    second = factories.agent(markets=[bishkek], username="bek")
    plan(osh, weekdays="0", items=[(potatoes, "retail"), (onions, "retail", second)])
    plan(bishkek, weekdays="0", items=[(potatoes, "retail")])
    price(potatoes, osh, MONDAY)
    report = completeness(sched.day_period(MONDAY), today=WEDNESDAY)
    assert report.overall.expected == 3 and report.overall.received == 1
    # Onions at Osh are bek's to report, not aida's.
    assert (report.by_agent[first.pk].expected, report.by_agent[first.pk].received) == (1, 1)
    assert (report.by_agent[second.pk].expected, report.by_agent[second.pk].late) == (2, 2)
    assert report.by_region[osh.region_id].percent == 50
    assert report.by_region[bishkek.region_id].percent == 0
    only_bek = completeness(sched.day_period(MONDAY), today=WEDNESDAY, agent=second)
    assert {(i.market_id, i.commodity_id) for i in only_bek.items} == {
        (osh.pk, onions.pk),
        (bishkek.pk, potatoes.pk),
    }


def test_streaks_of_missed_rounds_per_market_and_agent(osh, bishkek, potatoes, onions):
    aida = factories.agent(markets=[osh], username="aida")
    plan(osh, weekdays="0", items=[(potatoes, "retail"), (onions, "retail")])
    plan(bishkek, weekdays="0", items=[(potatoes, "retail")])
    for weeks_ago in (1, 2, 3, 4):
        price(potatoes, bishkek, MONDAY - timedelta(weeks=weeks_ago))
    # Osh: reported (in part) three weeks ago, nothing in the last two rounds.
    price(onions, osh, MONDAY - timedelta(weeks=3))
    report = completeness(sched.week_of(WEDNESDAY), today=WEDNESDAY)
    # This Monday's round closed yesterday (tolerance 1): missed at both markets...
    assert report.market_streaks[bishkek.pk] == 1
    # ...and at Osh the two before it too; a partly reported round is not missed.
    assert report.market_streaks[osh.pk] == 3
    assert report.agent_streaks[aida.pk] == 3
    assert report.escalated() == [osh.pk] or set(report.escalated()) == {osh.pk}


def test_an_old_week_shows_the_streaks_it_had_then(osh, bishkek, potatoes):
    """The streaks of a period past are those at its end: a week fully reported shows
    no missed rounds, though the market missed every round since."""
    aida = factories.agent(markets=[osh], username="aida")
    plan(osh, weekdays="0", items=[(potatoes, "retail")])
    plan(bishkek, weekdays="0", items=[(potatoes, "retail")])
    for weeks_ago in (3, 4, 5, 6):
        price(potatoes, osh, MONDAY - timedelta(weeks=weeks_ago), agent=aida)
    # Bishkek missed the two rounds before that week, and the week's too.
    for weeks_ago in (6, 7):
        price(potatoes, bishkek, MONDAY - timedelta(weeks=weeks_ago))
    old_week = sched.week_of(MONDAY - timedelta(weeks=3))
    report = completeness(old_week, today=WEDNESDAY)
    assert report.by_market[osh.pk].percent == 100
    assert report.market_streaks[osh.pk] == 0
    assert report.agent_streaks[aida.pk] == 0
    assert report.market_streaks[bishkek.pk] == 3  # weeks 5, 4 and 3 ago, not since
    assert report.escalated() == [bishkek.pk]
    # Narrowed to Osh's region, the agent's streak is still as of that week.
    narrowed = completeness(old_week, today=WEDNESDAY, region=osh.region)
    assert (narrowed.market_streaks, narrowed.agent_streaks[aida.pk]) == ({osh.pk: 0}, 0)
    # This week (not over) counts as of today: Osh has missed three rounds since.
    now = completeness(sched.week_of(WEDNESDAY), today=WEDNESDAY)
    assert (now.market_streaks[osh.pk], now.agent_streaks[aida.pk]) == (3, 3)


def test_weekly_history_per_market(osh, potatoes):
    plan(osh, weekdays="0", items=[(potatoes, "retail")])
    price(potatoes, osh, MONDAY - timedelta(weeks=1))
    periods, table, markets = weekly_history(today=WEDNESDAY, weeks=3)
    assert [p.label for p in periods] == ["2026-W47", "2026-W48", "2026-W49"]
    assert [t.percent for t in table[osh.pk]] == [0, 100, 0]
    assert markets[osh.pk] == osh


def test_completeness_queries_do_not_grow_with_markets(django_assert_max_num_queries, potatoes, kg):
    for n in range(30):
        market = factories.MarketFactory(name=f"Market {n}")
        factories.agent(markets=[market], username=f"agent{n}")
        plan(market, weekdays="0", items=[(potatoes, "retail")])
        price(potatoes, market, MONDAY)
    with django_assert_max_num_queries(10):
        report = completeness(sched.week_of(WEDNESDAY), today=WEDNESDAY)
    assert report.overall.received == 30


def test_an_agent_of_two_markets_missed_a_day_only_when_both_got_nothing(osh, bishkek, potatoes):
    both = factories.agent(markets=[osh, bishkek], username="both")
    plan(osh, weekdays="0", items=[(potatoes, "retail")])
    plan(bishkek, weekdays="0", items=[(potatoes, "retail")])
    for weeks_ago in (0, 1):
        price(potatoes, bishkek, MONDAY - timedelta(weeks=weeks_ago))
    report = completeness(sched.week_of(WEDNESDAY), today=WEDNESDAY)
    assert report.market_streaks[osh.pk] >= 2
    assert report.agent_streaks[both.pk] == 0


def test_an_agents_streak_is_the_same_whatever_the_filter(osh, bishkek, potatoes):
    """Filtering by one market or region must not hide the rounds the agent made at
    their other markets: the streak is over all the markets they answer for."""
    both = factories.agent(markets=[osh, bishkek], username="both")
    plan(osh, weekdays="0", items=[(potatoes, "retail")])
    plan(bishkek, weekdays="0", items=[(potatoes, "retail")])
    for weeks_ago in (0, 1, 2):
        price(potatoes, bishkek, MONDAY - timedelta(weeks=weeks_ago))
    week = sched.week_of(WEDNESDAY)
    unfiltered = completeness(week, today=WEDNESDAY)
    assert unfiltered.agent_streaks[both.pk] == 0
    for narrowed in (
        completeness(week, today=WEDNESDAY, markets=[osh]),
        completeness(week, today=WEDNESDAY, region=osh.region),
        completeness(week, today=WEDNESDAY, region=osh.region, agent=both),
    ):
        assert narrowed.agent_streaks[both.pk] == 0
        # The markets shown are still only those asked for, with their own streaks.
        assert set(narrowed.market_streaks) == {osh.pk}
        assert narrowed.market_streaks[osh.pk] == unfiltered.market_streaks[osh.pk] >= 3
    # And an agent who missed everywhere has the same streak filtered or not.
    quiet = factories.agent(markets=[osh, bishkek], username="quiet")
    Quote.objects.filter(market=bishkek, observed_on=MONDAY - timedelta(weeks=1)).delete()
    Quote.objects.filter(market=bishkek, observed_on=MONDAY).delete()
    everywhere = completeness(week, today=WEDNESDAY).agent_streaks[quiet.pk]
    assert everywhere == 2
    assert completeness(week, today=WEDNESDAY, markets=[osh]).agent_streaks[quiet.pk] == 2


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("COLLECTION_ESCALATE_AFTER", 0),
        ("COLLECTION_ESCALATE_AFTER", 9),  # streaks are counted up to 8 rounds
        ("COLLECTION_STALE_GRACE_CYCLES", -1),
        ("COLLECTION_REMINDER_HOUR", 24),
        ("COLLECTION_DEFAULT_WEEKDAY", 7),
        ("COLLECTION_TOLERANCE_DAYS", 7),
    ],
)
def test_manage_py_check_refuses_collection_settings_out_of_range(settings, name, value):
    from django.core import checks
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    setattr(settings, name, value)
    [error] = [m for m in checks.run_checks() if m.id == "agriprices.E002"]
    assert error.msg.startswith(f"{name}={value}:")
    with pytest.raises(SystemCheckError, match=name):
        call_command("check")
