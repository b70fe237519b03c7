"""Which round a price counts for, and when a round closes, near a change of plan: the
candidates are the market's real collection days (each a day of the version in force
on it), a price counts for the nearest within that day's tolerance (the earlier of two
as near), for one round only, and a round closes the day after the last day whose
prices count for it. The default plan judges the days before the first version however
the period is asked for, and an agent's streak is their rounds in a row, up to 8."""

from __future__ import annotations

from datetime import date

import pytest

from agriprices.collection import schedule as sched
from agriprices.collection.completeness import completeness, weekly_history
from agriprices.collection.models import CollectionPlan, PlannedItem
from agriprices.collection.reminders import counts_today
from agriprices.collection.streaks import STREAK_ROUNDS, last_rounds
from agriprices.models import Quote
from agriprices.services.series import rebuild_latest_prices
from tests import factories

TODAY = date(2026, 12, 6)  # a Sunday


def version(market, effective_from, weekdays, tolerance, *crops):
    made = CollectionPlan.objects.create(
        market=market, weekdays=weekdays, tolerance_days=tolerance, effective_from=effective_from
    )
    for crop in crops:
        PlannedItem.objects.create(plan=made, commodity=crop)
    return made


def held(crop, market, day):
    return factories.QuoteFactory(
        commodity=crop, market=market, observed_on=day, status=Quote.Status.PENDING
    )


def states(report):
    return [(item.day, item.state) for item in report.items]


def test_a_price_the_day_before_a_new_plans_first_round_counts_for_it(osh, potatoes):
    """A plan from Wednesday 2 December on Tuesdays and Thursdays, tolerance 1: Tuesday
    1 December was no collection day of it, so a price of the 2nd is Thursday's."""
    version(osh, date(2026, 12, 2), "13", 1, potatoes)
    held(potatoes, osh, date(2026, 12, 2))
    rebuild_latest_prices()
    thursday = date(2026, 12, 3)
    report = completeness(sched.week_of(thursday), today=TODAY)
    assert states(report) == [(thursday, sched.RECEIVED)]
    assert report.market_streaks[osh.pk] == 0
    _, table, _ = weekly_history(today=TODAY, weeks=2)
    assert [(t.expected, t.received) for t in table[osh.pk]] == [(0, 0), (1, 1)]
    # The day before the round, today's price would still count for it.
    found = completeness(sched.day_period(thursday), today=date(2026, 12, 2), streaks=False)
    assert [counts_today(found, item, date(2026, 12, 2)) for item in found.items] == [True]


def test_a_price_near_a_versions_end_counts_for_its_last_round(osh, potatoes):
    """Mondays and Thursdays, tolerance 2, until Wednesday 2 December; Saturdays,
    tolerance 0, from Thursday 3. A price of the 2nd is within reach of Monday 30
    November (Thursday 3 is no collection day any more; Saturday is out of reach)."""
    version(osh, date(2026, 11, 2), "03", 2, potatoes)
    version(osh, date(2026, 12, 3), "5", 0, potatoes)
    held(potatoes, osh, date(2026, 12, 2))
    report = completeness(sched.week_of(date(2026, 12, 2)), today=TODAY)
    assert states(report) == [
        (date(2026, 11, 30), sched.RECEIVED),
        (date(2026, 12, 5), sched.LATE),
    ]
    assert report.market_streaks[osh.pk] == 1
    assert osh.pk not in report.escalated()
    _, table, _ = weekly_history(today=TODAY, weeks=1)
    assert [(t.expected, t.received) for t in table[osh.pk]] == [(2, 1)]


def test_a_price_as_near_two_versions_rounds_counts_for_the_earlier_only(osh, potatoes):
    """Thursdays, tolerance 2, until Thursday 3 December; Saturdays, tolerance 2, from
    Friday 4: a price of Friday is one day from each round, and counts for Thursday's."""
    version(osh, date(2026, 11, 2), "3", 2, potatoes)
    version(osh, date(2026, 12, 4), "5", 2, potatoes)
    held(potatoes, osh, date(2026, 12, 4))
    report = completeness(sched.week_of(date(2026, 12, 3)), today=date(2026, 12, 10))
    assert states(report) == [
        (date(2026, 12, 3), sched.RECEIVED),
        (date(2026, 12, 5), sched.LATE),
    ]


def test_the_default_plan_judges_the_days_before_the_first_version_however_asked(
    osh, potatoes, settings
):
    """The first version takes effect on Monday 12 October (Mondays, tolerance 1); the
    default plan before it is Sundays (the latest price fell on Sunday 11), tolerance 1.
    Sunday's price is the default's round's: Monday's first round got nothing, whether
    the week is asked with its streaks or without, or as a column of the history."""
    settings.COLLECTION_TOLERANCE_DAYS = 1
    version(osh, date(2026, 10, 12), "0", 1, potatoes)
    factories.QuoteFactory(commodity=potatoes, market=osh, observed_on=date(2026, 10, 11))
    rebuild_latest_prices()
    week = sched.week_of(date(2026, 10, 12))
    answers = [
        completeness(week, today=TODAY).by_market[osh.pk],
        completeness(week, today=TODAY, streaks=False).by_market[osh.pk],
        completeness(sched.day_period(date(2026, 10, 12)), today=TODAY).by_market[osh.pk],
    ]
    for weeks in (8, 9):
        periods, table, _ = weekly_history(today=TODAY, weeks=weeks)
        answers.append(table[osh.pk][[p.label for p in periods].index(week.label)])
    assert [(t.expected, t.received, t.late) for t in answers] == [(1, 0, 1)] * 5
    # The default plan's Sunday got it.
    sunday = completeness(sched.day_period(date(2026, 10, 11)), today=TODAY, streaks=False)
    assert states(sunday) == [(date(2026, 10, 11), sched.RECEIVED)]


def test_an_agents_streak_is_their_rounds_in_a_row_up_to_eight(potatoes):
    """One agent, two markets never visited, on Mondays and on Thursdays: each market
    missed 8 rounds or more, and so did the agent: 8, not 16."""
    monday = factories.MarketFactory(name="Monday market")
    thursday = factories.MarketFactory(name="Thursday market")
    aida = factories.agent(markets=[monday, thursday], username="aida")
    version(monday, date(2026, 6, 1), "0", 1, potatoes)
    version(thursday, date(2026, 6, 1), "3", 1, potatoes)
    report = completeness(sched.week_of(TODAY), today=TODAY)
    assert report.market_streaks == {monday.pk: STREAK_ROUNDS, thursday.pk: STREAK_ROUNDS}
    assert report.agent_streaks == {aida.pk: STREAK_ROUNDS}
    # Visited at Thursday's third newest round (19 November): Monday 30 November and
    # 23 November and Thursday 3 December and 26 November are the agent's four before.
    held(potatoes, thursday, date(2026, 11, 19))
    report = completeness(sched.week_of(TODAY), today=TODAY)
    assert report.agent_streaks == {aida.pk: 4}
    assert report.market_streaks[monday.pk] == STREAK_ROUNDS


@pytest.mark.parametrize(
    ("today", "monday", "tuesday", "newest_closed"),
    [
        (date(2026, 11, 30), sched.NOT_DUE, sched.NOT_DUE, date(2026, 11, 24)),
        # From Tuesday on every price counts for Tuesday's round: Monday's has closed.
        (date(2026, 12, 1), sched.LATE, sched.NOT_DUE, date(2026, 11, 30)),
        (date(2026, 12, 4), sched.LATE, sched.NOT_DUE, date(2026, 11, 30)),
        (date(2026, 12, 5), sched.LATE, sched.LATE, date(2026, 12, 1)),
    ],
)
def test_a_round_closes_when_no_later_price_counts_for_it(
    osh, potatoes, today, monday, tuesday, newest_closed
):
    """Mondays and Tuesdays, tolerance 3: a price of Tuesday or later is Tuesday's, the
    nearer round, so Monday's prices are late from Tuesday, not from Friday."""
    version(osh, date(2026, 11, 2), "01", 3, potatoes)
    schedule = sched.Schedule(weekdays=(0, 1), tolerance=3)
    assert schedule.closes_on(date(2026, 11, 30)) == date(2026, 12, 1)
    assert schedule.closes_on(date(2026, 12, 1)) == date(2026, 12, 5)
    report = completeness(sched.week_of(date(2026, 12, 1)), today=today)
    assert states(report) == [(date(2026, 11, 30), monday), (date(2026, 12, 1), tuesday)]
    # The streaks count the same rounds as closed; a reminder never names one.
    assert last_rounds(report.histories[osh.pk], today, 1)[0][0] == newest_closed
    assert schedule.last_rounds(today, 1) == [newest_closed]
    found = completeness(sched.day_period(date(2026, 11, 30)), today=today, streaks=False)
    assert [counts_today(found, item, today) for item in found.items] == [monday != sched.LATE]
