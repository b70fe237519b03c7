"""Plans take effect from a day: each collection day is judged by the version of its
market's plan in force that day, before a market's first version by the default plan;
a plan made or changed today leaves the past as it was judged, in the completeness,
the streaks and the weeks × markets history. Editing in the dashboard or the admin
saves a new version (or changes today's), and existing plans were migrated as versions
taking effect on the day they were made."""

from __future__ import annotations

import importlib
import re
from datetime import date, datetime, timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from agriprices.audit.models import AuditAction, AuditEvent
from agriprices.collection import schedule as sched
from agriprices.collection.completeness import completeness, weekly_history
from agriprices.collection.models import CollectionPlan, PlannedItem
from agriprices.collection.plans import market_plans
from agriprices.collection.reminders import counts_today
from agriprices.collection.services import PlanConflict, plan_version, save_plan
from agriprices.models import PriceType, Quote
from agriprices.services.series import rebuild_latest_prices
from tests import factories

WEDNESDAY = date(2026, 12, 2)
MONDAY = date(2026, 11, 30)
THURSDAY = date(2026, 11, 26)
LONG_AGO = date(2025, 1, 1)


@pytest.fixture
def onions(kg):
    return factories.CommodityFactory(name="Onions", base_unit=kg)


def version(market, effective_from, *, weekdays="0", items=()):
    made = CollectionPlan.objects.create(
        market=market, weekdays=weekdays, effective_from=effective_from
    )
    for commodity, *agent in items:
        PlannedItem.objects.create(
            plan=made, commodity=commodity, agent=agent[0] if agent else None
        )
    return made


def price(commodity, market, day):
    return factories.QuoteFactory(commodity=commodity, market=market, observed_on=day)


def test_a_plan_made_today_leaves_the_past_rounds_to_the_default_plan(osh, potatoes, onions):
    # Osh has reported potatoes every Thursday: on the default plan, nothing was missed.
    for weeks_ago in range(10):
        price(potatoes, osh, THURSDAY - timedelta(weeks=weeks_ago))
    rebuild_latest_prices()
    before = completeness(sched.week_of(WEDNESDAY), today=WEDNESDAY)
    assert before.market_streaks[osh.pk] == 0
    # Today the operator plans Mondays, potatoes and onions.
    version(osh, WEDNESDAY, items=[(potatoes,), (onions,)])
    report = completeness(sched.week_of(WEDNESDAY), today=WEDNESDAY)
    assert report.market_streaks[osh.pk] == 0
    assert not report.late
    assert not report.plans[osh.pk].default  # today's plan is the new one
    # Last week was judged by the default plan (Thursday, potatoes): received in full.
    last_week = completeness(sched.week_of(THURSDAY), today=WEDNESDAY)
    assert [(i.commodity_id, i.day, i.state) for i in last_week.items] == [
        (potatoes.pk, THURSDAY, sched.RECEIVED)
    ]
    periods, table, _ = weekly_history(today=WEDNESDAY, weeks=4)
    assert [t.percent for t in table[osh.pk][:3]] == [100, 100, 100]
    # From today on, the new plan: next Monday expects both crops.
    next_week = completeness(sched.week_of(MONDAY + timedelta(weeks=1)), today=WEDNESDAY)
    assert {(i.commodity_id, i.state) for i in next_week.items} == {
        (potatoes.pk, sched.NOT_DUE),
        (onions.pk, sched.NOT_DUE),
    }


def test_a_market_new_today_has_missed_no_round_before(osh, potatoes):
    """helper-59: a market's first price, today, flagged it for 8 rounds missed in a row:
    the default plan, worked out from that price, judged the weeks before it existed."""
    price(potatoes, osh, WEDNESDAY)
    rebuild_latest_prices()
    report = completeness(sched.week_of(WEDNESDAY), today=WEDNESDAY)
    assert (report.by_market[osh.pk].expected, report.by_market[osh.pk].received) == (1, 1)
    assert report.market_streaks[osh.pk] == 0
    assert osh.pk not in report.escalated()
    periods, table, _ = weekly_history(today=WEDNESDAY, weeks=3)
    assert [(t.expected, t.late) for t in table[osh.pk]] == [(0, 0), (0, 0), (1, 0)]
    # Before its first price nothing was expected; from it on, its rounds are: a market
    # whose agent then stops reporting is missed, and flagged in time.
    later = WEDNESDAY + timedelta(weeks=3)
    report = completeness(sched.week_of(later), today=later)
    assert report.market_streaks[osh.pk] == 2  # the two Wednesdays closed since
    periods, table, _ = weekly_history(today=later, weeks=6)
    assert [t.expected for t in table[osh.pk]] == [0, 0, 1, 1, 1, 1]


def test_a_market_reporting_again_after_a_long_silence_has_missed_no_round_before(osh, potatoes):
    """helper-60: a market with prices years ago (an import of its history) that gets
    one today was flagged for 8 rounds missed: the default plan is worked out from the
    last 90 days, and judges those alone."""
    for weeks_ago in range(20, 60):
        price(potatoes, osh, WEDNESDAY - timedelta(weeks=weeks_ago))
    price(potatoes, osh, WEDNESDAY)
    rebuild_latest_prices()
    report = completeness(sched.week_of(WEDNESDAY), today=WEDNESDAY)
    assert report.by_market[osh.pk].received == 1
    assert report.market_streaks[osh.pk] == 0
    periods, table, _ = weekly_history(today=WEDNESDAY, weeks=4)
    assert [t.expected for t in table[osh.pk]] == [0, 0, 0, 1]


def test_a_market_without_a_plan_is_judged_over_its_last_90_days_only(osh, potatoes):
    """helper-62: judged over a longer past, the default plan (worked out today: its
    market day, its crops) called weeks late that were not: a market that moved its
    market day from Monday to Thursday read 0 % and flagged for every week before."""
    for weeks_ago in range(20, 60):
        price(potatoes, osh, MONDAY - timedelta(weeks=weeks_ago))
    for weeks_ago in range(1, 20):
        price(potatoes, osh, THURSDAY - timedelta(weeks=weeks_ago - 1))
    rebuild_latest_prices()
    long_ago = completeness(sched.week_of(MONDAY - timedelta(weeks=30)), today=WEDNESDAY)
    assert osh.pk not in long_ago.by_market  # nothing expected, nothing late
    assert long_ago.market_streaks.get(osh.pk, 0) == 0
    periods, table, _ = weekly_history(today=WEDNESDAY, weeks=20)
    assert [t.late for t in table[osh.pk]] == [0] * 20
    # The 90 days, received in full (this week's Thursday is to come).
    judged = [t.received for t in table[osh.pk][:-1] if t.expected]
    assert judged == [1] * len(judged) and 12 <= len(judged) <= 13
    report = completeness(sched.week_of(WEDNESDAY), today=WEDNESDAY)
    assert report.market_streaks[osh.pk] == 0


def test_a_market_that_moved_its_market_day_lately_is_not_late_before_the_move(osh, potatoes):
    """helper-63: the default plan's day is the one its latest prices fell on most; with a
    day's tolerance, a market that moved from Mondays to Thursdays five weeks ago read
    0 % and flagged for the Mondays it reported on. Any day of the week counts."""
    for weeks_ago in range(5, 12):
        price(potatoes, osh, MONDAY - timedelta(weeks=weeks_ago))
    for weeks_ago in range(5):
        price(potatoes, osh, THURSDAY - timedelta(weeks=weeks_ago))
    rebuild_latest_prices()
    periods, table, _ = weekly_history(today=WEDNESDAY, weeks=12)
    assert [t.late for t in table[osh.pk]] == [0] * 12
    before = completeness(sched.week_of(MONDAY - timedelta(weeks=6)), today=WEDNESDAY)
    assert before.by_market[osh.pk].received == before.by_market[osh.pk].expected == 1
    assert before.market_streaks[osh.pk] == 0


def test_a_crop_a_market_added_lately_is_not_late_before_it_was_added(osh, potatoes, onions):
    """helper-63: the default plan expected every crop of its 90 days from the market's
    first price on, so a market that added onions three weeks ago read 50 % with a late
    price in each week before. Each crop is expected from the round of its first price."""
    for weeks_ago in range(8):
        price(potatoes, osh, THURSDAY - timedelta(weeks=weeks_ago))
    # Onions from three weeks ago, the first on a Saturday: it counts for the Thursday
    # before it (two days away, the nearer round), which expects onions from then on.
    price(onions, osh, THURSDAY - timedelta(weeks=2) + timedelta(days=2))
    price(onions, osh, THURSDAY - timedelta(weeks=1))
    price(onions, osh, THURSDAY)
    rebuild_latest_prices()
    periods, table, _ = weekly_history(today=WEDNESDAY, weeks=9)
    assert [(t.expected, t.received, t.late) for t in table[osh.pk]] == [
        *[(1, 1, 0)] * 5,
        (2, 2, 0),
        (2, 2, 0),
        (2, 2, 0),
        (2, 0, 0),  # this week's Thursday is not due yet
    ]
    before = completeness(sched.week_of(THURSDAY - timedelta(weeks=4)), today=WEDNESDAY)
    assert [(i.commodity_id, i.state) for i in before.items] == [(potatoes.pk, sched.RECEIVED)]
    assert not before.late
    # From the round of its first price on, onions are expected: missed next week,
    # they are late.
    next_week = THURSDAY + timedelta(weeks=1)
    price(potatoes, osh, next_week)
    rebuild_latest_prices()
    later = completeness(sched.week_of(next_week), today=next_week + timedelta(days=4))
    assert [(i.commodity_id, i.state) for i in later.late] == [(onions.pk, sched.LATE)]
    # Today's plan, as the page and the reminders see it, expects both.
    found = market_plans([osh], today=WEDNESDAY)[osh.pk]
    assert {item.commodity_id for item in found.items} == {potatoes.pk, onions.pk}


def test_a_crop_first_reported_today_is_in_todays_plan_before_its_round(osh, potatoes, onions):
    """helper-65: a crop first priced today, for the round of tomorrow, was left out of
    today's plan (its version took effect on its round): the plan editor, the ODK form
    and the reminders did not know it, and a plan saved from the editor dropped it."""
    rice = factories.CommodityFactory(name="Rice", base_unit=potatoes.base_unit)
    for weeks_ago in range(6):
        for crop in (potatoes, rice):
            price(crop, osh, THURSDAY - timedelta(weeks=weeks_ago))
    price(onions, osh, WEDNESDAY)  # counts for tomorrow's round, Thursday
    rebuild_latest_prices()
    found = market_plans([osh], today=WEDNESDAY)[osh.pk]
    assert found.default and found.schedule.weekdays == (3,)
    assert {item.commodity_id for item in found.items} == {potatoes.pk, rice.pk, onions.pk}
    # Tomorrow's round expects all three and has onions; the rounds before, the others.
    report = completeness(sched.week_of(WEDNESDAY), today=WEDNESDAY)
    assert {(i.commodity_id, i.state) for i in report.items} == {
        (potatoes.pk, sched.NOT_DUE),
        (rice.pk, sched.NOT_DUE),
        (onions.pk, sched.RECEIVED),
    }
    last_week = completeness(sched.week_of(THURSDAY), today=WEDNESDAY)
    assert {(i.commodity_id, i.state) for i in last_week.items} == {
        (potatoes.pk, sched.RECEIVED),
        (rice.pk, sched.RECEIVED),
    }


def test_a_crop_whose_prices_wait_for_review_is_in_todays_plan(osh, potatoes, onions):
    """helper-66: the default plan was made of approved prices alone, so a crop first
    priced yesterday and held for review was missing from today's plan (the editor, the
    ODK form, the reminders), and a plan saved from the editor dropped it for good."""
    for weeks_ago in range(6):
        price(potatoes, osh, THURSDAY - timedelta(weeks=weeks_ago))
    held = factories.QuoteFactory(
        commodity=onions, market=osh, observed_on=WEDNESDAY - timedelta(days=1)
    )
    held.status = Quote.Status.PENDING
    held.save()
    rebuild_latest_prices()
    found = market_plans([osh], today=WEDNESDAY)[osh.pk]
    assert found.schedule.weekdays == (3,)  # the approved prices' Thursday still
    assert [item.commodity_id for item in found.items] == [onions.pk, potatoes.pk]
    report = completeness(sched.week_of(WEDNESDAY), today=WEDNESDAY)
    assert {(i.commodity_id, i.state) for i in report.items} == {
        (potatoes.pk, sched.NOT_DUE),
        (onions.pk, sched.RECEIVED),  # a held price counts
    }
    # Rejected, it was no report: the crop is not expected.
    held.status = Quote.Status.REJECTED
    held.save()
    found = market_plans([osh], today=WEDNESDAY)[osh.pk]
    assert [item.commodity_id for item in found.items] == [potatoes.pk]


def test_a_market_whose_prices_all_wait_for_review_is_judged_on_their_day(osh, potatoes):
    for weeks_ago in range(4):
        factories.QuoteFactory(
            commodity=potatoes,
            market=osh,
            observed_on=THURSDAY - timedelta(weeks=weeks_ago),
            status=Quote.Status.FLAGGED,
        )
    rebuild_latest_prices()
    found = market_plans([osh], today=WEDNESDAY)[osh.pk]
    assert found.schedule.weekdays == (3,)
    assert [item.commodity_id for item in found.items] == [potatoes.pk]
    periods, table, _ = weekly_history(today=WEDNESDAY, weeks=4)
    assert [(t.expected, t.received) for t in table[osh.pk]] == [(1, 1)] * 3 + [(1, 0)]


def test_a_plan_is_not_missed_before_the_market_reported_or_before_it_took_effect(osh, potatoes):
    """helper-59: with its own plan (from today, or in force but with its first round to
    come), a market's first price flagged it for the rounds of the default plan before."""
    bishkek = factories.MarketFactory(name="Bishkek")
    version(osh, WEDNESDAY, weekdays="2", items=[(potatoes,)])
    every = CollectionPlan.objects.create(
        market=bishkek,
        kind=CollectionPlan.Kind.EVERY,
        every_days=7,
        starts_on=WEDNESDAY + timedelta(days=8),
        effective_from=WEDNESDAY - timedelta(weeks=5),
    )
    PlannedItem.objects.create(plan=every, commodity=potatoes)
    for market in (osh, bishkek):
        price(potatoes, market, WEDNESDAY)
    rebuild_latest_prices()
    report = completeness(sched.week_of(WEDNESDAY), today=WEDNESDAY)
    assert report.market_streaks == {osh.pk: 0, bishkek.pk: 0}
    assert not report.escalated()
    periods, table, _ = weekly_history(today=WEDNESDAY, weeks=8)
    assert [t.expected for t in table[osh.pk]] == [0] * 7 + [1]
    assert [t.expected for t in table[bishkek.pk]] == [0] * 8


def test_changing_a_plan_does_not_rewrite_the_weeks_before(osh, potatoes, onions):
    first = version(osh, LONG_AGO, items=[(potatoes,)])
    for weeks_ago in range(6):
        price(potatoes, osh, MONDAY - timedelta(weeks=weeks_ago))
    # From today, Tuesdays and onions.
    save_plan(
        market=osh,
        kind="weekdays",
        weekdays=[1],
        expected=[(onions, PriceType.RETAIL)],
        effective_from=WEDNESDAY,
    )
    assert CollectionPlan.objects.filter(market=osh).count() == 2
    first.refresh_from_db()
    assert (first.weekdays, [i.commodity_id for i in first.items.all()]) == ("0", [potatoes.pk])
    for monday in (MONDAY, MONDAY - timedelta(weeks=1), MONDAY - timedelta(weeks=4)):
        report = completeness(sched.week_of(monday), today=WEDNESDAY)
        assert [(i.commodity_id, i.day, i.state) for i in report.items] == [
            (potatoes.pk, monday, sched.RECEIVED)
        ], monday
    report = completeness(sched.week_of(WEDNESDAY), today=WEDNESDAY)
    assert report.market_streaks[osh.pk] == 0
    assert report.plans[osh.pk].schedule.weekdays == (1,)
    _, table, _ = weekly_history(today=WEDNESDAY, weeks=6)
    assert [t.percent for t in table[osh.pk]] == [100] * 6
    # Next week: Tuesday's onions.
    upcoming = completeness(sched.week_of(WEDNESDAY + timedelta(weeks=1)), today=WEDNESDAY)
    assert [(i.commodity_id, i.day.weekday()) for i in upcoming.items] == [(onions.pk, 1)]


def test_a_streak_runs_across_versions_each_round_judged_by_its_own(osh, potatoes, onions):
    # Mondays until a week ago, Thursdays since; nothing came on either.
    version(osh, LONG_AGO, items=[(potatoes,)])
    version(osh, MONDAY - timedelta(days=5), weekdays="3", items=[(onions,)])
    price(potatoes, osh, MONDAY - timedelta(weeks=4))
    report = completeness(sched.week_of(WEDNESDAY), today=WEDNESDAY)
    # Thursday 26 Nov (the new version's), Mondays 23, 16, 9 Nov (the old one's); the
    # Monday of 2 Nov was visited.
    assert report.market_streaks[osh.pk] == 4


def test_saving_the_same_day_changes_that_version_and_keeps_agents(osh, potatoes, onions):
    aida = factories.agent(markets=[osh], username="aida")
    version(osh, LONG_AGO, items=[(potatoes, aida)])
    today = timezone.localdate()
    common = dict(market=osh, kind="weekdays", actor=None)
    save_plan(**common, weekdays=[2], expected=[(potatoes, "retail"), (onions, "retail")])
    save_plan(**common, weekdays=[3], expected=[(potatoes, "retail"), (onions, "retail")])
    versions = list(CollectionPlan.objects.filter(market=osh).order_by("effective_from"))
    assert [(v.effective_from, v.weekdays) for v in versions] == [(LONG_AGO, "0"), (today, "3")]
    # The agent named for potatoes is still named for them in the new version.
    assert {(i.commodity_id, i.agent_id) for i in versions[1].items.all()} == {
        (potatoes.pk, aida.pk),
        (onions.pk, None),
    }
    # Today's round is judged by today's version.
    assert market_plans([osh], today=today)[osh.pk].schedule.weekdays == (3,)
    assert market_plans([osh], today=today - timedelta(days=1))[osh.pk].schedule.weekdays == (0,)
    details = list(
        AuditEvent.objects.filter(action=AuditAction.PLAN_CHANGED)
        .order_by("at", "pk")
        .values_list("detail", flat=True)
    )
    assert details[0].startswith(f"from {today.isoformat()}; schedule: weekdays 0 -> weekdays 2")
    assert details[1] == "schedule: weekdays 2 -> weekdays 3"


def admin_change_form(plan, **changes):
    items = list(plan.items.order_by("pk"))
    data = {
        "kind": plan.kind,
        "weekdays": list(plan.weekdays),
        "tolerance_days": str(plan.tolerance_days),
        "version": plan_version(plan.market),
        "items-TOTAL_FORMS": str(len(items)),
        "items-INITIAL_FORMS": str(len(items)),
        "items-MIN_NUM_FORMS": "1",
        "items-MAX_NUM_FORMS": "1000",
    }
    for n, item in enumerate(items):
        data |= {
            f"items-{n}-id": str(item.pk),
            f"items-{n}-plan": str(plan.pk),
            f"items-{n}-commodity": str(item.commodity_id),
            f"items-{n}-price_type": item.price_type,
            f"items-{n}-agent": "",
        }
    return data | changes


def test_an_admin_form_opened_before_a_dashboard_save_is_refused(
    admin_client, osh, potatoes, onions
):
    """Operator A opens today's version in the admin, B saves a change in the
    dashboard, A saves: A is told, and B's change stays."""
    today = timezone.localdate()
    plan = version(osh, today, items=[(potatoes,)])
    url = f"/admin/agriprices/collectionplan/{plan.pk}/change/"
    opened = admin_client.get(url).context["adminform"].form.initial["version"]
    assert f'name="version" value="{opened}"' in admin_client.get(url).content.decode()
    stale = admin_change_form(plan, weekdays=["4"], version=opened)
    save_plan(
        market=osh,
        kind="weekdays",
        weekdays=[2],
        expected=[(potatoes, PriceType.RETAIL), (onions, PriceType.RETAIL)],
        version=opened,
    )
    response = admin_client.post(url, stale)
    assert response.status_code == 200
    assert "Someone changed this plan since you opened it" in response.content.decode()
    plan.refresh_from_db()
    assert plan.weekdays == "2" and plan.items.count() == 2
    assert CollectionPlan.objects.filter(market=osh).count() == 1
    # Opened again, it saves.
    response = admin_client.post(url, admin_change_form(plan, weekdays=["4"]))
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.weekdays == "4"


@pytest.mark.parametrize("since", ["today", "long ago"])
def test_the_same_admin_change_sent_twice_is_saved_once(admin_client, osh, potatoes, onions, since):
    """A second tap on Save, or the same change saved from another tab: the second
    finds the plan changed since it was read, but by that very change. It is told the
    plan was saved, and nothing more is: no second version, no second audit row, no
    price planned twice."""
    day = timezone.localdate() if since == "today" else LONG_AGO
    plan = version(osh, day, items=[(potatoes,)])
    url = f"/admin/agriprices/collectionplan/{plan.pk}/change/"
    change = admin_change_form(
        plan,
        weekdays=["4"],
        # Potatoes dropped, onions added (wholesale).
        **{"items-0-DELETE": "on"},
        **{
            "items-TOTAL_FORMS": "2",
            "items-1-plan": str(plan.pk),
            "items-1-commodity": str(onions.pk),
            "items-1-price_type": PriceType.WHOLESALE,
        },
    )
    first = admin_client.post(url, change)
    assert first.status_code == 302
    saved = {(v.effective_from, v.weekdays) for v in CollectionPlan.objects.filter(market=osh)}
    audited = AuditEvent.objects.filter(action=AuditAction.PLAN_CHANGED).count()
    assert audited == 1

    second = admin_client.post(url, change, follow=True)

    page = second.content.decode()
    assert "Someone changed this plan" not in page
    assert "was changed successfully" in page
    assert {
        (v.effective_from, v.weekdays) for v in CollectionPlan.objects.filter(market=osh)
    } == saved
    in_force = CollectionPlan.objects.get(market=osh, effective_from=timezone.localdate())
    assert {(i.commodity_id, i.price_type) for i in in_force.items.all()} == {
        (onions.pk, PriceType.WHOLESALE)
    }
    assert AuditEvent.objects.filter(action=AuditAction.PLAN_CHANGED).count() == audited


def test_another_change_from_a_form_opened_before_the_first_is_refused(
    admin_client, osh, potatoes, onions
):
    """Two tabs, two different changes: the second is refused, whatever it changes (a
    price added here), and the first stays."""
    plan = version(osh, timezone.localdate(), items=[(potatoes,)])
    url = f"/admin/agriprices/collectionplan/{plan.pk}/change/"
    first = admin_change_form(plan, weekdays=["4"])
    other = admin_change_form(
        plan,
        **{
            "items-TOTAL_FORMS": "2",
            "items-1-plan": str(plan.pk),
            "items-1-commodity": str(onions.pk),
            "items-1-price_type": PriceType.RETAIL,
        },
    )
    assert admin_client.post(url, first).status_code == 302
    response = admin_client.post(url, other)
    assert response.status_code == 200
    plan.refresh_from_db()
    assert plan.weekdays == "4"
    assert [i.commodity_id for i in plan.items.all()] == [potatoes.pk]
    # Said at the top, with the plan shown as it now is (not the refused values), and
    # a save from there goes through.
    said = [str(m) for m in response.context["messages"]]
    assert said[-1] == (
        "Someone changed this plan since you opened it. Its current values are shown: "
        "make your changes again and save."
    )
    form = response.context["adminform"].form
    assert not form.is_bound and form.initial["weekdays"] == [4]
    assert form.initial["version"] == plan_version(osh)
    assert response.context["inline_admin_formsets"][0].formset.total_form_count() == 1 + 3
    again = admin_change_form(plan, tolerance_days="2", version=form.initial["version"])
    assert admin_client.post(url, again).status_code == 302
    plan.refresh_from_db()
    assert (plan.weekdays, plan.tolerance_days) == ("4", 2)


def test_an_admin_form_of_a_version_replaced_meanwhile_comes_back_naming_the_new_one(
    admin_client, osh, potatoes, onions
):
    """Operator A opens the version in force in the admin, B saves a new version from
    today in the dashboard (A's version is replaced: it only judges days past now), A
    saves: the change form comes back as the version now reads, read only, saying
    nothing was saved and linking to the version in force; nothing changed."""
    plan = version(osh, LONG_AGO, items=[(potatoes,)])
    url = f"/admin/agriprices/collectionplan/{plan.pk}/change/"
    opened = admin_client.get(url)
    assert 'name="weekdays"' in opened.content.decode()  # in force: editable
    stale = admin_change_form(
        plan, weekdays=["4"], version=opened.context["adminform"].form.initial["version"]
    )
    in_force = replaced_today(osh, potatoes, onions)
    audited = AuditEvent.objects.count()

    response = admin_client.post(url, stale)

    assert response.status_code == 200
    page = response.content.decode()
    assert "This version of the plan was replaced meanwhile by" in page
    assert "nothing was saved here. Open it: if it does not hold your change yet" in page
    link = f'<a href="/admin/agriprices/collectionplan/{in_force.pk}/change/">{in_force}</a>'
    assert link in page
    assert 'name="weekdays"' not in page  # read only, as it is now
    plan.refresh_from_db()
    assert plan.weekdays == "0"
    assert [i.commodity_id for i in plan.items.all()] == [potatoes.pk]
    in_force.refresh_from_db()
    assert in_force.weekdays == "2" and in_force.items.count() == 2
    assert CollectionPlan.objects.filter(market=osh).count() == 2
    assert AuditEvent.objects.count() == audited
    # In the operator's language.
    russian = admin_client.post(url, stale, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Эта версия плана тем временем заменена" in russian
    # Opened again, it reads as any replaced version does: read only, no error.
    again = admin_client.get(url).content.decode()
    assert "replaced meanwhile" not in again and 'name="weekdays"' not in again


def replaced_today(osh, potatoes, onions):
    """Another operator's save meanwhile: Wednesdays, potatoes and onions, from today.
    The version now in force."""
    save_plan(
        market=osh,
        kind="weekdays",
        weekdays=[2],
        expected=[(potatoes, PriceType.RETAIL), (onions, PriceType.RETAIL)],
    )
    return CollectionPlan.objects.get(market=osh, effective_from=timezone.localdate())


def readonly_rows(page):
    """The read-only change form's rows: (label, what it shows)."""
    rows = re.findall(
        r"<label>([^<]*):</label>\s*<div class=\"readonly\">(.*?)</div>", page, flags=re.S
    )
    return {label: value.strip() for label, value in rows}


def test_a_replaced_version_reads_in_the_readers_language(admin_client, osh, potatoes, onions):
    """A version replaced shows its market days by name, in the reader's language, no
    row for the form's version token, and a save of it made meanwhile names the version
    in force by its market's name in that language."""
    osh.translations = {"ru": "Ош"}
    osh.save()
    plan = version(osh, LONG_AGO, weekdays="03", items=[(potatoes,)])
    url = f"/admin/agriprices/collectionplan/{plan.pk}/change/"
    stale = admin_change_form(plan, weekdays=["4"])
    in_force = replaced_today(osh, potatoes, onions)

    page = admin_client.get(url).content.decode()
    english = readonly_rows(page)
    assert english["Weekdays"] == "Monday, Thursday"
    assert "Version" not in english and "None" not in english.values()
    russian_page = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    russian = readonly_rows(russian_page)
    assert russian["Дни недели"] == "понедельник, четверг"
    assert "None" not in russian.values()

    said = admin_client.post(url, stale, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    in_force_url = f"/admin/agriprices/collectionplan/{in_force.pk}/change/"
    link = f'<a href="{in_force_url}">Ош ({in_force.effective_from})</a>'
    assert link in said
    plan.refresh_from_db()
    assert plan.weekdays == "03"


def test_who_may_only_view_plans_is_still_refused_a_save_of_a_replaced_version(
    client, osh, potatoes
):
    from django.contrib.auth.models import Permission

    plan = version(osh, LONG_AGO, items=[(potatoes,)])
    version(osh, timezone.localdate(), weekdays="2", items=[(potatoes,)])
    viewer = factories.UserFactory(username="viewer", is_staff=True)
    viewer.save()  # its password, set after it was made
    viewer.user_permissions.add(Permission.objects.get(codename="view_collectionplan"))
    client.force_login(viewer)
    url = f"/admin/agriprices/collectionplan/{plan.pk}/change/"
    assert client.get(url).status_code == 200
    assert client.post(url, admin_change_form(plan, weekdays=["4"])).status_code == 403
    plan.refresh_from_db()
    assert plan.weekdays == "0"


def test_the_dashboard_token_sees_a_change_to_any_version(osh, potatoes, onions):
    """With a future version, a dashboard save changes today's, not the newest: a form
    read before that change is stale all the same."""
    today = timezone.localdate()
    version(osh, today, items=[(potatoes,)])
    version(osh, today + timedelta(days=5), items=[(potatoes,)])
    read = plan_version(osh)
    expected = [(potatoes, PriceType.RETAIL)]
    save_plan(market=osh, kind="weekdays", weekdays=[2], expected=expected, version=read)
    with pytest.raises(PlanConflict):
        save_plan(market=osh, kind="weekdays", weekdays=[3], expected=expected, version=read)
    today_version = CollectionPlan.objects.get(market=osh, effective_from=today)
    assert today_version.weekdays == "2"


def test_editing_the_plan_in_force_in_the_admin_saves_a_version_from_today(
    admin_client, osh, potatoes
):
    plan = version(osh, LONG_AGO, items=[(potatoes,)])
    url = f"/admin/agriprices/collectionplan/{plan.pk}/change/"
    response = admin_client.post(url, admin_change_form(plan, weekdays=["4"]))
    assert response.status_code == 302, response.content.decode()[:2000]
    today = timezone.localdate()
    versions = list(CollectionPlan.objects.filter(market=osh).order_by("effective_from"))
    assert [(v.effective_from, v.weekdays) for v in versions] == [(LONG_AGO, "0"), (today, "4")]
    assert [i.commodity_id for i in versions[0].items.all()] == [potatoes.pk]
    assert [i.commodity_id for i in versions[1].items.all()] == [potatoes.pk]
    detail = AuditEvent.objects.get(action=AuditAction.PLAN_CHANGED).detail
    assert detail == f"from {today.isoformat()}; schedule: weekdays 0 -> weekdays 4"
    # The version replaced is read only now: the past is not rewritten from the admin.
    old = versions[0]
    refused = admin_client.post(
        f"/admin/agriprices/collectionplan/{old.pk}/change/",
        admin_change_form(old, weekdays=["2"]),
    )
    assert "nothing was saved" in refused.content.decode()
    old.refresh_from_db()
    assert old.weekdays == "0"
    # Saved unchanged: no new version, and no audit row (helper-54: "saved unchanged").
    newest = versions[1]
    admin_client.post(
        f"/admin/agriprices/collectionplan/{newest.pk}/change/", admin_change_form(newest)
    )
    assert CollectionPlan.objects.filter(market=osh).count() == 2
    assert AuditEvent.objects.filter(action=AuditAction.PLAN_CHANGED).count() == 1


def _migration():
    return importlib.import_module("agriprices.migrations.0016_collection_plan_versions")


def test_existing_plans_take_effect_from_the_day_they_were_made(osh, bishkek, potatoes):
    made_at = timezone.make_aware(datetime(2026, 3, 10, 12))
    edited_at = timezone.make_aware(datetime(2026, 9, 1, 12))
    AuditEvent.objects.create(
        action=AuditAction.PLAN_CHANGED,
        subject="collection plan osh",
        detail="schedule: default -> weekdays 0; tolerance: default -> 1 days; + potatoes retail",
        at=made_at,
    )
    AuditEvent.objects.create(
        action=AuditAction.PLAN_CHANGED,
        subject="collection plan osh",
        detail="schedule: weekdays 0 -> weekdays 1",
        at=edited_at,
    )
    osh_plan = version(osh, date(2026, 12, 1), items=[(potatoes,)])
    bishkek_plan = version(bishkek, date(2026, 12, 1), items=[(potatoes,)])
    CollectionPlan.objects.filter(pk=osh_plan.pk).update(updated_at=edited_at)
    CollectionPlan.objects.filter(pk=bishkek_plan.pk).update(updated_at=edited_at)
    _migration().effective_from_creation(apps, None)
    osh_plan.refresh_from_db()
    bishkek_plan.refresh_from_db()
    # Osh's plan was made on 10 March (its audit row says so); Bishkek's has no row:
    # its last change is the best date there is.
    assert osh_plan.effective_from == date(2026, 3, 10)
    assert bishkek_plan.effective_from == date(2026, 9, 1)


def test_a_plan_added_in_the_admin_takes_effect_today_or_later(admin_client, osh, potatoes):
    from tests.agriprices.test_admin import admin_plan_form

    url = "/admin/agriprices/collectionplan/add/"
    yesterday = timezone.localdate() - timedelta(days=1)
    refused = admin_client.post(
        url, admin_plan_form(osh, potatoes, effective_from=yesterday.isoformat())
    )
    assert "A plan takes effect today or later" in refused.content.decode()
    assert not CollectionPlan.objects.exists()
    assert admin_client.post(url, admin_plan_form(osh, potatoes)).status_code == 302
    assert CollectionPlan.objects.get().effective_from == timezone.localdate()


def test_deleting_a_version_is_audited_naming_its_day(admin_client, osh, potatoes):
    version(osh, LONG_AGO, items=[(potatoes,)])
    today = timezone.localdate()
    newest = version(osh, today, weekdays="1", items=[(potatoes,)])
    response = admin_client.post(
        "/admin/agriprices/collectionplan/",
        {"action": "delete_selected", "_selected_action": [str(newest.pk)], "post": "yes"},
    )
    assert response.status_code == 302
    assert list(
        CollectionPlan.objects.filter(market=osh).values_list("effective_from", flat=True)
    ) == [LONG_AGO]
    detail = AuditEvent.objects.get(action=AuditAction.PLAN_CHANGED).detail
    # Compared with the version that judges its days now, not with the default plan.
    assert (
        detail
        == f"deleted the version from {today.isoformat()}; schedule: weekdays 1 -> weekdays 0"
    )


def test_a_version_added_in_the_admin_is_compared_with_the_one_it_takes_over_from(
    admin_client, osh, potatoes, onions
):
    version(osh, LONG_AGO, items=[(potatoes,)])
    later = timezone.localdate() + timedelta(days=3)
    data = {
        "market": str(osh.pk),
        "effective_from": later.isoformat(),
        "kind": "weekdays",
        "weekdays": ["2"],
        "tolerance_days": "1",
        "items-TOTAL_FORMS": "1",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "1",
        "items-MAX_NUM_FORMS": "1000",
        "items-0-commodity": str(onions.pk),
        "items-0-price_type": "retail",
    }
    response = admin_client.post("/admin/agriprices/collectionplan/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    detail = AuditEvent.objects.get(action=AuditAction.PLAN_CHANGED).detail
    assert detail == (
        f"from {later.isoformat()}; schedule: weekdays 0 -> weekdays 2; "
        "+ onions retail; - potatoes retail"
    )


def test_a_version_that_judged_days_past_cannot_be_deleted(admin_client, osh, potatoes):
    """Deleting it would judge those days again by another plan: history rewritten."""
    from agriprices.collection.services import PlanError, delete_plans

    old = version(osh, LONG_AGO, items=[(potatoes,)])
    before = completeness(sched.week_of(THURSDAY), today=WEDNESDAY)
    page = admin_client.get(f"/admin/agriprices/collectionplan/{old.pk}/delete/")
    assert page.status_code == 403
    bulk = admin_client.post(
        "/admin/agriprices/collectionplan/",
        {"action": "delete_selected", "_selected_action": [str(old.pk)], "post": "yes"},
    )
    assert bulk.status_code == 403
    with pytest.raises(PlanError, match="Save a new version from today"):
        delete_plans([old], actor=None)
    assert CollectionPlan.objects.filter(pk=old.pk).exists()
    after = completeness(sched.week_of(THURSDAY), today=WEDNESDAY)
    assert after.plans[osh.pk] == before.plans[osh.pk]
    assert not AuditEvent.objects.filter(action=AuditAction.PLAN_CHANGED).exists()


def test_a_period_to_come_is_described_by_the_plan_in_force_then(osh, potatoes):
    """The API's default_plan and the page's plan are those of the period asked, not
    today's: a market on the default plan today with a version from next Monday."""
    price(potatoes, osh, THURSDAY)
    rebuild_latest_prices()
    next_monday = MONDAY + timedelta(weeks=1)
    version(osh, next_monday, weekdays="2", items=[(potatoes,)])
    this_week = completeness(sched.week_of(WEDNESDAY), today=WEDNESDAY)
    assert this_week.plans[osh.pk].default
    next_week = completeness(sched.week_of(next_monday), today=WEDNESDAY)
    assert not next_week.plans[osh.pk].default
    assert next_week.plans[osh.pk].schedule.weekdays == (2,)
    assert [v.effective_from for v, _ in next_week.versions_in_period(osh.pk)] == [next_monday]
    # A week past is described by the plan at its end.
    past = completeness(sched.week_of(THURSDAY), today=WEDNESDAY)
    assert past.plans[osh.pk].default


def test_a_price_counts_for_one_round_across_a_plan_change(potatoes):
    """Tokmok collects on Tuesdays and Fridays (tolerance 1); a price of Saturday 5
    December counts for Friday's round. A version from Sunday 6 collects on Mondays
    (tolerance 2): Monday 7's window reaches back to Saturday, but Saturday's price is
    Friday's, never Monday's too."""
    tokmok = factories.MarketFactory(name="Tokmok")
    old = version(tokmok, LONG_AGO, weekdays="14", items=[(potatoes,)])
    new = version(tokmok, date(2026, 12, 6), weekdays="0", items=[(potatoes,)])
    CollectionPlan.objects.filter(pk=new.pk).update(tolerance_days=2)
    assert old.tolerance_days == 1
    price(potatoes, tokmok, date(2026, 12, 5))
    today = date(2026, 12, 10)
    friday = completeness(sched.day_period(date(2026, 12, 4)), today=today)
    assert [i.state for i in friday.items] == [sched.RECEIVED]
    monday = completeness(sched.day_period(date(2026, 12, 7)), today=today)
    assert [i.state for i in monday.items] == [sched.LATE]
    # Nor in the weeks × markets history, nor as a visit in the streaks.
    _, table, _ = weekly_history(today=today, weeks=2)
    assert [(t.expected, t.received) for t in table[tokmok.pk]] == [(2, 1), (1, 0)]
    this_week = completeness(sched.week_of(today), today=today)
    assert this_week.market_streaks[tokmok.pk] == 1
    # A price of Sunday, no round's of the old version, counts for Monday.
    price(potatoes, tokmok, date(2026, 12, 6))
    monday = completeness(sched.day_period(date(2026, 12, 7)), today=today)
    assert [i.state for i in monday.items] == [sched.RECEIVED]
    assert completeness(sched.week_of(today), today=today).market_streaks[tokmok.pk] == 0


def test_a_reminder_names_no_round_a_price_of_today_would_not_count_for(potatoes):
    """On Saturday 5 December, a price counts for Friday's round (the old version's),
    so Monday's (the new one's) is not what today's price records."""
    tokmok = factories.MarketFactory(name="Tokmok")
    version(tokmok, LONG_AGO, weekdays="14", items=[(potatoes,)])
    new = version(tokmok, date(2026, 12, 6), weekdays="0", items=[(potatoes,)])
    CollectionPlan.objects.filter(pk=new.pk).update(tolerance_days=2)
    saturday = date(2026, 12, 5)
    for day, counts in ((date(2026, 12, 4), True), (date(2026, 12, 7), False)):
        found = completeness(sched.day_period(day), today=saturday, streaks=False)
        assert [counts_today(found, item, saturday) for item in found.items] == [counts]
