"""GET /api/v1/collection/: completeness per market, region, agent and overall for a
day, a week or a month; filters; CSV; errors naming the parameter; who sees agents."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from agriprices.collection.models import CollectionPlan, PlannedItem
from tests import factories
from tests.api.conftest import client_with_token

#: Plans of these tests take effect before any day they ask about.
LONG_AGO = date(2025, 1, 1)


@pytest.fixture
def collected(db, potatoes, osh, bishkek):
    """Osh and Bishkek collect on Mondays; last Monday Osh reported, Bishkek did not."""
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday() + 7)
    for market in (osh, bishkek):
        plan = CollectionPlan.objects.create(market=market, weekdays="0", effective_from=LONG_AGO)
        PlannedItem.objects.create(plan=plan, commodity=potatoes)
    aida = factories.agent(markets=[osh], username="aida")
    factories.agent(markets=[bishkek], username="bek")
    factories.QuoteFactory(commodity=potatoes, market=osh, observed_on=monday, agent=aida)
    return {"monday": monday, "week": "{}-W{:02d}".format(*monday.isocalendar()[:2])}


def by_market(body):
    return {m["market"]: m for m in body["markets"]}


def test_a_week_per_market_region_and_overall_for_anyone(api, collected):
    body = api.get(f"/api/v1/collection/?week={collected['week']}").json()
    assert body["period"]["kind"] == "week" and body["period"]["label"] == collected["week"]
    assert body["overall"] == {
        "expected": 2,
        "received": 1,
        "late": 1,
        "not_due": 0,
        "percent": 50,
    }
    markets = by_market(body)
    assert (markets["osh"]["received"], markets["bishkek"]["late"]) == (1, 1)
    assert markets["bishkek"]["collection_days"] == [collected["monday"].isoformat()]
    assert body["late"] == [
        {
            "market": "bishkek",
            "commodity": "potatoes",
            "price_type": "retail",
            "day": collected["monday"].isoformat(),
        }
    ]
    assert {r["region"] for r in body["regions"]} == {"osh-region", "bishkek-region"}
    # Agents are people: an anonymous reader does not see them.
    assert "agents" not in body


def test_operators_and_partners_with_the_permission_see_agents(api, collected, operator):
    body = client_with_token(operator).get(f"/api/v1/collection/?week={collected['week']}")
    agents = {a["agent"]: a for a in body.json()["agents"]}
    assert (agents["aida"]["received"], agents["bek"]["late"]) == (1, 1)
    assert agents["aida"]["last_report"] is not None
    assert agents["bek"]["last_report"] is None  # bek never reported


def test_an_agents_last_report_is_when_they_last_recorded_a_price(api, collected, operator):
    from django.contrib.auth.models import User

    from agriprices.models import Quote

    aida = User.objects.get(username="aida")
    newest = factories.QuoteFactory(
        market=aida.agent_profile.markets.get(),
        observed_on=collected["monday"] - timedelta(days=7),  # an older day, recorded last
        agent=aida,
    )
    Quote.objects.filter(pk=newest.pk).update(created_at=timezone.now() + timedelta(hours=1))
    newest.refresh_from_db()
    body = client_with_token(operator).get(f"/api/v1/collection/?week={collected['week']}")
    agents = {a["agent"]: a for a in body.json()["agents"]}
    shown = agents["aida"]["last_report"].replace("Z", "+00:00")
    assert datetime.fromisoformat(shown) == newest.created_at


def test_an_agent_sees_their_own_line_and_not_anothers(api, collected):
    from django.contrib.auth.models import User

    aida = client_with_token(User.objects.get(username="aida"))
    own = aida.get(f"/api/v1/collection/?week={collected['week']}&agent=aida").json()
    assert [a["agent"] for a in own["agents"]] == ["aida"]
    assert [m["market"] for m in own["markets"]] == ["osh"]
    other = aida.get("/api/v1/collection/?agent=bek")
    assert other.status_code == 403

    assert other.json()["errors"][0]["field"] == "agent"
    assert api.get("/api/v1/collection/?agent=bek").status_code == 401


def test_an_agent_is_not_shown_a_market_that_expects_nothing_of_them(collected, potatoes):
    """helper-63: ``agent=`` listed the agent's markets whose plan names someone else
    for every price, at 0 of 0 expected."""
    from django.contrib.auth.models import User

    aida = User.objects.get(username="aida")
    bek = User.objects.get(username="bek")
    naryn = factories.MarketFactory(name="Naryn")
    aida.agent_profile.markets.add(naryn)
    plan = CollectionPlan.objects.create(market=naryn, weekdays="0", effective_from=LONG_AGO)
    PlannedItem.objects.create(plan=plan, commodity=potatoes, agent=bek)
    own = client_with_token(aida).get(f"/api/v1/collection/?week={collected['week']}&agent=aida")
    assert [m["market"] for m in own.json()["markets"]] == ["osh"]
    # bek is asked for Naryn's potatoes there, and sees it.
    theirs = client_with_token(bek).get(f"/api/v1/collection/?week={collected['week']}&agent=bek")
    assert {m["market"] for m in theirs.json()["markets"]} == {"bishkek", "naryn"}


def test_who_may_not_ask_about_agents_learns_no_names(api, collected):
    """Whether a username is an agent's is checked only for a reader who may ask: signed
    out, any name is a 401; an agent naming someone else, a 403, existing or not."""
    from django.contrib.auth.models import User

    for name in ("bek", "nosuchperson"):
        response = api.get(f"/api/v1/collection/?agent={name}")
        assert response.status_code == 401, name
        assert "nosuchperson" not in response.content.decode()
    aida = client_with_token(User.objects.get(username="aida"))
    for name in ("bek", "nosuchperson"):
        assert aida.get(f"/api/v1/collection/?agent={name}").status_code == 403, name


@pytest.mark.parametrize(
    ("query", "markets"),
    [
        ("market=osh", {"osh"}),
        ("market=osh,bishkek", {"osh", "bishkek"}),
        ("region=osh-region", {"osh"}),
    ],
)
def test_filters(api, collected, query, markets):
    body = api.get(f"/api/v1/collection/?week={collected['week']}&{query}").json()
    assert set(by_market(body)) == markets


def test_a_day_and_a_month(api, collected):
    monday = collected["monday"]
    day = api.get(f"/api/v1/collection/?date={monday.isoformat()}").json()
    assert (day["period"]["kind"], day["overall"]["expected"]) == ("day", 2)
    tuesday = api.get(f"/api/v1/collection/?date={(monday + timedelta(days=1)).isoformat()}")
    assert tuesday.json()["overall"]["expected"] == 0
    month = api.get(f"/api/v1/collection/?month={monday:%Y-%m}").json()
    assert month["period"]["start"] == monday.replace(day=1).isoformat()
    assert month["overall"]["expected"] >= 2


def test_csv_has_a_row_per_market(api, collected):
    response = api.get(f"/api/v1/collection/?week={collected['week']}&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {r["market"]: r["late"] for r in rows} == {"osh": "0", "bishkek": "1"}
    # Each row says its period, and true/false as the JSON does.
    assert {r["period"] for r in rows} == {collected["week"]}
    assert {r["flagged"] for r in rows} <= {"true", "false"}
    assert {r["default_plan"] for r in rows} == {"false"}


def test_an_old_week_has_the_missed_rounds_and_flag_it_had_then(api, osh, potatoes, settings):
    """Osh reported every Monday until three weeks ago, nothing since: that week is
    complete, with no missed rounds and no flag, in JSON and CSV."""
    settings.COLLECTION_ESCALATE_AFTER = 2
    today = timezone.localdate()
    plan = CollectionPlan.objects.create(market=osh, weekdays="0", effective_from=LONG_AGO)
    PlannedItem.objects.create(plan=plan, commodity=potatoes)
    monday = today - timedelta(days=today.weekday())
    for weeks in (3, 4, 5):
        factories.QuoteFactory(
            commodity=potatoes, market=osh, observed_on=monday - timedelta(weeks=weeks)
        )
    old = "{}-W{:02d}".format(*(monday - timedelta(weeks=3)).isocalendar()[:2])
    line = by_market(api.get(f"/api/v1/collection/?week={old}&market=osh").json())["osh"]
    assert (line["received"], line["expected"], line["missed_rounds"], line["flagged"]) == (
        1,
        1,
        0,
        False,
    )
    csv_text = api.get(f"/api/v1/collection/?week={old}&market=osh&format=csv").content
    (row,) = csv.DictReader(io.StringIO(csv_text.decode()))
    assert (row["missed_rounds"], row["flagged"]) == ("0", "false")
    # This week's streak is today's: the rounds missed since.
    line = by_market(api.get("/api/v1/collection/?market=osh").json())["osh"]
    assert line["missed_rounds"] >= 2 and line["flagged"]


def test_csv_quotes_a_line_break_in_a_name(api, collected, osh):
    """A carriage return (or a newline) in a market's name stays inside its cell: a
    CSV reader gets the same rows and names back."""
    Market = type(osh)
    Market.objects.filter(pk=osh.pk).update(name="Osh\rcentre")
    Market.objects.filter(slug="bishkek").update(name="Bishkek\nnorth")
    response = api.get(f"/api/v1/collection/?week={collected['week']}&format=csv")
    text = response.content.decode()
    assert '"Osh\rcentre"' in text and '"Bishkek\nnorth"' in text
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert {r["market"]: r["name"] for r in rows} == {
        "osh": "Osh\rcentre",
        "bishkek": "Bishkek\nnorth",
    }


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("week=2026-W54", "week"),
        ("week=2026-49", "week"),
        ("month=2026-13", "month"),
        ("date=2026-02-30", "date"),
        # Far off the calendar: refused by the rule that bounds a date, not a 500.
        ("month=9999-12", "month"),
        ("week=9999-W52", "week"),
        ("week=0001-W01", "week"),
        ("date=0001-01-01", "date"),
        # Full-width and Arabic-Indic digits are digits to \d and int(): ASCII only.
        ("date=２０２６-12-06", "date"),
        ("date=٢٠٢٦-١٢-٠٦", "date"),
        ("week=２０２６-W49", "week"),
        ("month=2026-１２", "month"),
        ("month=1899-12", "month"),
        ("date=2026-12-01&month=2026-12", "month"),
        ("market=atlantis", "market"),
        ("region=nowhere", "region"),
        ("agent=nobody", "agent"),
        ("wek=2026-W49", "wek"),
        ("format=xml", "format"),
    ],
)
def test_bad_parameters_are_named(api, collected, operator, query, field):
    response = client_with_token(operator).get(f"/api/v1/collection/?{query}")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field


def test_a_date_in_other_digits_is_refused_as_badly_written(api, collected):
    response = api.get("/api/v1/collection/?date=２０２６-12-06")
    assert response.status_code == 400
    assert "is not written as YYYY-MM-DD" in response.json()["errors"][0]["message"]


def test_default_is_this_week(api, collected):
    year, week, _ = timezone.localdate().isocalendar()
    assert api.get("/api/v1/collection/").json()["period"]["label"] == f"{year}-W{week:02d}"


def test_the_schema_says_a_missed_round_is_one_without_any_price_of_the_market(api, db):
    """helper-65: the schema said "with none of the planned prices", so a partner read a
    round of unplanned prices alone as missed; it is counted as visited."""
    schema = api.get("/api/v1/schema/?format=json").json()["components"]["schemas"]
    said = schema["MarketLine"]["properties"]["missed_rounds"]["description"]
    assert "none of the market's prices came, planned or not" in said
    assert "8 means as many or more" in said
    assert "8" in schema["AgentLine"]["properties"]["missed_rounds"]["description"]
