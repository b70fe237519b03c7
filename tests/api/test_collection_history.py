"""GET /api/v1/collection/history/: the collection page's weeks × markets table for up
to a year, for anyone; CSV; errors; and an answer that follows every change at once
(it is kept in the shared cache until anything it counts changes)."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from django.utils import timezone

from agriprices.collection.models import CollectionPlan, PlannedItem
from agriprices.collection.services import delete_plans, save_plan
from agriprices.models import PriceType, Quote
from agriprices.services.reviewing import review_quote
from tests import factories

URL = "/api/v1/collection/history/"
LONG_AGO = date(2025, 1, 1)


def week_label(day: date) -> str:
    return "{}-W{:02d}".format(*day.isocalendar()[:2])


@pytest.fixture
def mondays(db, potatoes, osh, bishkek):
    """Osh and Bishkek collect potatoes on Mondays. Osh reported the last three Mondays;
    Bishkek only the one before last."""
    today = timezone.localdate()
    this_monday = today - timedelta(days=today.weekday())
    past = [this_monday - timedelta(weeks=n) for n in (3, 2, 1)]
    for market in (osh, bishkek):
        plan = CollectionPlan.objects.create(market=market, weekdays="0", effective_from=LONG_AGO)
        PlannedItem.objects.create(plan=plan, commodity=potatoes)
    for monday in past:
        factories.QuoteFactory(commodity=potatoes, market=osh, observed_on=monday)
    factories.QuoteFactory(commodity=potatoes, market=bishkek, observed_on=past[1])
    return past


def fields(response):
    return [error["field"] for error in response.json()["errors"]]


def weeks_of(body, market):
    line = next(m for m in body["markets"] if m["market"] == market)
    return {w["week"]: tally for w, tally in zip(body["weeks"], line["weeks"], strict=True)}


def test_each_market_week_by_week_for_anyone(api, mondays):
    last_week = week_label(mondays[-1])
    body = api.get(URL, {"weeks": 4, "week": last_week}).json()
    assert [w["week"] for w in body["weeks"]] == [
        week_label(mondays[0] - timedelta(weeks=1)),
        *map(week_label, mondays),
    ]
    assert body["weeks"][-1]["start"] == mondays[-1].isoformat()
    osh, bishkek = weeks_of(body, "osh"), weeks_of(body, "bishkek")
    assert [t["percent"] for t in osh.values()][1:] == [100, 100, 100]
    assert [t["percent"] for t in bishkek.values()][1:] == [0, 100, 0]
    assert bishkek[last_week] == {
        "expected": 1,
        "received": 0,
        "late": 1,
        "not_due": 0,
        "percent": 0,
    }
    # Markets by region then name; no one is named.
    assert [m["market"] for m in body["markets"]] == ["bishkek", "osh"]
    assert "agent" not in str(body)


def test_the_default_is_the_last_eight_weeks_up_to_this_one(api, mondays):
    body = api.get(URL).json()
    assert len(body["weeks"]) == 8
    assert body["weeks"][-1]["week"] == week_label(timezone.localdate())
    assert body["today"] == timezone.localdate().isoformat()


def test_a_year_is_the_most_one_answer_holds(api, mondays):
    assert len(api.get(URL, {"weeks": 52}).json()["weeks"]) == 52
    assert len(api.get(URL, {"weeks": " 3 "}).json()["weeks"]) == 3
    # helper-65: a count in other digits than 0 to 9, or as Python writes numbers, was
    # read (５ as 5, 1_0 as 10): it is refused, as days, weeks and months are.
    for wrong in ("53", "0", "-1", "a year", "5.5", "５", "1_0", "8.0", "+8", "٨"):
        response = api.get(URL, {"weeks": wrong})
        assert response.status_code == 400, wrong
        assert fields(response) == ["weeks"], wrong


def test_wrong_parameters_are_named(api, mondays):
    for params, field in [
        ({"week": "2026-49"}, "week"),
        ({"week": "2026-W60"}, "week"),
        ({"region": "atlantis"}, "region"),
        ({"market": "nowhere"}, "market"),
        ({"weks": "4"}, "weks"),
        ({"week": "1900-W02", "weeks": "3"}, "weeks"),  # weeks before any price is asked
    ]:
        response = api.get(URL, params)
        assert response.status_code == 400, params
        assert fields(response) == [field], params


def test_filtered_by_region_and_by_market(api, mondays, osh):
    body = api.get(URL, {"region": osh.region.slug, "weeks": 2}).json()
    assert [m["market"] for m in body["markets"]] == ["osh"]
    body = api.get(URL, {"market": "bishkek", "weeks": 2}).json()
    assert [m["market"] for m in body["markets"]] == ["bishkek"]


def test_csv_has_a_row_per_market_and_week(api, mondays):
    last_week = week_label(mondays[-1])
    response = api.get(URL, {"weeks": 3, "week": last_week, "format": "csv"})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 2 * 3
    bishkek = [r for r in rows if r["market"] == "bishkek"]
    assert [(r["week"], r["received"], r["late"], r["percent"]) for r in bishkek] == [
        (week_label(mondays[0]), "0", "1", "0"),
        (week_label(mondays[1]), "1", "0", "100"),
        (last_week, "0", "1", "0"),
    ]


def test_a_price_recorded_or_rejected_shows_in_the_next_answer(api, mondays, potatoes, bishkek):
    """The answer is kept until anything it counts changes: the agent who reports late
    and the reviewer who rejects a price see the table follow at once."""
    last_week = week_label(mondays[-1])
    ask = {"weeks": 2, "week": last_week}
    assert weeks_of(api.get(URL, ask).json(), "bishkek")[last_week]["received"] == 0
    held = factories.QuoteFactory(
        commodity=potatoes, market=bishkek, observed_on=mondays[-1], status=Quote.Status.FLAGGED
    )
    assert weeks_of(api.get(URL, ask).json(), "bishkek")[last_week]["received"] == 1
    review_quote(quote_id=held.pk, reviewer=factories.operator(), approve=False, reason="typo")
    assert weeks_of(api.get(URL, ask).json(), "bishkek")[last_week]["received"] == 0


def test_a_plan_changed_or_deleted_shows_in_the_next_answer(api, mondays, potatoes, osh, bishkek):
    today = timezone.localdate()
    this_week = week_label(today)
    onions = factories.CommodityFactory(name="Onions")

    def expected_this_week():
        return weeks_of(api.get(URL, {"weeks": 1}).json(), "bishkek")[this_week]["expected"]

    assert expected_this_week() == 1
    # From today Bishkek collects on every day of the week, potatoes and onions.
    save_plan(
        market=bishkek,
        kind=CollectionPlan.Kind.WEEKDAYS,
        weekdays=range(7),
        expected=[(potatoes, PriceType.RETAIL), (onions, PriceType.RETAIL)],
    )
    assert expected_this_week() > 1
    # A later change elsewhere: the version deleted below is not the newest one.
    save_plan(
        market=osh,
        kind=CollectionPlan.Kind.WEEKDAYS,
        weekdays=[0],
        expected=[(potatoes, PriceType.RETAIL)],
    )
    assert expected_this_week() > 1
    delete_plans(CollectionPlan.objects.filter(market=bishkek, effective_from=today), actor=None)
    assert expected_this_week() == 1


def test_a_round_turns_late_when_it_closes_with_nothing_written(api, potatoes, monkeypatch):
    """A new day changes the answer by itself: today's round of a market collected
    daily is not yet due today, and late tomorrow, with nothing written in between."""
    today = timezone.localdate()
    daily = factories.MarketFactory(name="Daily")
    plan = CollectionPlan.objects.create(
        market=daily,
        kind=CollectionPlan.Kind.EVERY,
        every_days=1,
        starts_on=LONG_AGO,
        tolerance_days=0,
        effective_from=LONG_AGO,
    )
    PlannedItem.objects.create(plan=plan, commodity=potatoes)

    def this_week():
        tally = weeks_of(api.get(URL, {"weeks": 2}).json(), "daily")[week_label(today)]
        return tally["late"], tally["not_due"]

    weekday = today.weekday()
    assert this_week() == (weekday, 7 - weekday)
    real = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real() + timedelta(days=1))
    assert this_week() == (weekday + 1, 6 - weekday)


def test_a_past_week_is_counted_as_it_stands_today_as_the_week_report_counts_it(api, potatoes):
    """A round on a Sunday closes after its week ends: asked about that week now, it is
    late, in the history as in the week's report."""
    sundays = factories.MarketFactory(name="Sundays")
    plan = CollectionPlan.objects.create(market=sundays, weekdays="6", effective_from=LONG_AGO)
    PlannedItem.objects.create(plan=plan, commodity=potatoes)
    last_week = week_label(timezone.localdate() - timedelta(weeks=2))  # closed by now
    history = weeks_of(api.get(URL, {"weeks": 1, "week": last_week}).json(), "sundays")
    report = api.get("/api/v1/collection/", {"week": last_week, "market": "sundays"}).json()
    line = report["markets"][0]
    assert history[last_week] == {key: line[key] for key in history[last_week]}
    assert (line["late"], line["not_due"]) == (1, 0)


def test_weeks_to_come_end_where_asked(api, mondays):
    next_week = week_label(timezone.localdate() + timedelta(weeks=1))
    body = api.get(URL, {"weeks": 2, "week": next_week}).json()
    assert [w["week"] for w in body["weeks"]] == [week_label(timezone.localdate()), next_week]
    assert weeks_of(body, "osh")[next_week] == {
        "expected": 1,
        "received": 0,
        "late": 0,
        "not_due": 1,
        "percent": 0,
    }


def test_a_crop_or_a_market_deleted_is_gone_from_the_next_answer(
    api, mondays, potatoes, osh, bishkek, monkeypatch
):
    """A deleted row leaves no newer one: the answer must still follow, and its
    Last-Modified must not go back (a client holding the older answer would be told it
    has not changed)."""
    real = timezone.now
    clock = {"ahead": timedelta(seconds=2)}
    monkeypatch.setattr(timezone, "now", lambda: real() + clock["ahead"])
    this_week = week_label(timezone.localdate())
    quinoa = factories.CommodityFactory(name="Quinoa")
    ghost = factories.MarketFactory(name="Ghost")
    for market in (bishkek, ghost):
        save_plan(
            market=market,
            kind=CollectionPlan.Kind.WEEKDAYS,
            weekdays=range(7),
            expected=[(potatoes, PriceType.RETAIL), (quinoa, PriceType.RETAIL)],
        )
    factories.QuoteFactory(commodity=potatoes, market=osh)  # the newest change
    clock["ahead"] = timedelta(seconds=4)
    before = api.get(URL, {"weeks": 1})
    expected = weeks_of(before.json(), "bishkek")[this_week]["expected"]
    assert "ghost" in [m["market"] for m in before.json()["markets"]]
    clock["ahead"] = timedelta(seconds=6)
    quinoa.delete()
    ghost.delete()
    clock["ahead"] = timedelta(seconds=8)
    after = api.get(URL, {"weeks": 1}, HTTP_IF_MODIFIED_SINCE=before["Last-Modified"])
    assert after.status_code == 200
    # Quinoa was planned on each day from today to Sunday.
    days_left = 7 - timezone.localdate().weekday()
    assert weeks_of(after.json(), "bishkek")[this_week]["expected"] == expected - days_left
    assert "ghost" not in [m["market"] for m in after.json()["markets"]]
