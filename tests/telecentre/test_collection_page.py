"""/collection/ for operators: this round by market with each agent's last report, the
late prices, flagged markets and the weeks × markets history; editing a market's plan;
the agent's form starting with what is due; the ODK form following the plan."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone

from agriprices.audit.models import AuditAction, AuditEvent
from agriprices.collection import schedule as sched
from agriprices.collection.completeness import completeness
from agriprices.collection.models import CollectionPlan, PlannedItem
from agriprices.models import PriceType, Quote
from agriprices.services.series import rebuild_latest_prices
from openrosa.xform import form_for
from telecentre import dates
from tests import factories

#: Plans of these tests take effect before any day they ask about.
LONG_AGO = date(2025, 1, 1)


@pytest.fixture
def week(db, potatoes, osh, bishkek, settings):
    """Osh collects every day: reported in full until three days ago, nothing since.
    Bishkek collects on Mondays and reported last week."""
    settings.COLLECTION_ESCALATE_AFTER = 2
    today = timezone.localdate()
    onions = factories.CommodityFactory(name="Onions", base_unit=potatoes.base_unit)
    plan = CollectionPlan.objects.create(
        market=osh,
        kind="every",
        every_days=1,
        starts_on=LONG_AGO,
        weekdays="",
        tolerance_days=0,
        effective_from=LONG_AGO,
    )
    for commodity in (potatoes, onions):
        PlannedItem.objects.create(plan=plan, commodity=commodity)
    bishkek_plan = CollectionPlan.objects.create(
        market=bishkek, weekdays="0", effective_from=LONG_AGO
    )
    PlannedItem.objects.create(plan=bishkek_plan, commodity=potatoes)
    aida = factories.agent(markets=[osh], username="aida")
    for days in range(3, 10):
        for commodity in (potatoes, onions):
            factories.QuoteFactory(
                commodity=commodity,
                market=osh,
                observed_on=today - timedelta(days=days),
                agent=aida,
            )
    monday = today - timedelta(days=today.weekday())
    for weeks in range(1, 4):
        factories.QuoteFactory(
            commodity=potatoes, market=bishkek, observed_on=monday - timedelta(weeks=weeks)
        )
    return {"today": today, "onions": onions, "aida": aida}


def shown(week) -> str:
    """The week of yesterday: Osh's rounds since it stopped are late in it whatever
    weekday today is (on a Monday, this week's only round is not due yet)."""
    return sched.week_of(week["today"] - timedelta(days=1)).label


def test_operators_see_the_round_the_late_prices_and_the_flagged_market(client, week, operator):
    client.force_login(operator)
    page = client.get(f"/collection/?week={shown(week)}").content.decode()
    assert "Flagged: no prices round after round" in page
    assert "Osh: 2 rounds missed in a row; aida" in page
    assert "Late prices" in page and "Onions" in page
    assert "The last 8 weeks" in page
    # Each agent with their last report.
    assert "aida" in page


def test_a_market_missed_as_far_back_as_counted_reads_8_plus(client, week, operator, potatoes):
    """helper-63: the streaks look back 8 rounds, so a market missed for months read
    "8 rounds missed", as if it had reported before those."""
    naryn = factories.MarketFactory(name="Naryn")
    plan = CollectionPlan.objects.create(market=naryn, weekdays="0", effective_from=LONG_AGO)
    PlannedItem.objects.create(plan=plan, commodity=potatoes)
    client.force_login(operator)
    page = client.get(f"/collection/?week={shown(week)}").content.decode()
    assert "Naryn: 8+ rounds missed in a row" in page
    assert "Osh: 2 rounds missed in a row" in page  # shorter streaks as they are
    row = re.search(r"<th scope=\"row\">Naryn .*?</tr>", page).group(0)
    assert re.search(r'data-label="[^"]*">8\+ ⚠</td>', row)


def test_a_crop_added_on_the_default_plan_is_no_change_of_plan(client, operator, potatoes):
    """helper-65: the Plan column read "default: Monday; from 5 Dec: default: Monday" for a
    week in which the market began to report a crop, as if its market day had changed."""
    talas = factories.MarketFactory(name="Talas")
    onions = factories.CommodityFactory(name="Onions", base_unit=potatoes.base_unit)
    today = timezone.localdate()
    last_monday = today - timedelta(days=today.weekday() + 7)
    for weeks_ago in range(6):
        factories.QuoteFactory(
            commodity=potatoes, market=talas, observed_on=last_monday - timedelta(weeks=weeks_ago)
        )
    # First on last week's Friday, nearer the Monday after: expected from the Friday on.
    factories.QuoteFactory(
        commodity=onions, market=talas, observed_on=last_monday + timedelta(days=4)
    )
    rebuild_latest_prices()
    client.force_login(operator)
    page = client.get(f"/collection/?week={sched.week_of(last_monday).label}").content.decode()
    row = re.search(r'<th scope="row">Talas .*?</tr>', page).group(0)
    plan = re.search(r'data-label="Plan">(.*?)</td>', row).group(1)
    assert plan.startswith("default: Monday") and plan.count("default") == 1, plan
    assert "from" not in plan


def test_the_page_in_russian(client, week, operator):
    client.force_login(operator)
    page = client.get("/collection/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Сбор цен" in page and "Опоздавшие цены" in page


def test_on_a_phone_each_cell_says_its_column_in_the_readers_language(client, week, operator):
    """At 320 px the tables become cards and each cell shows its column's name (its
    data-label): a row of every market, every cell named, the weeks by their number."""
    client.force_login(operator)
    page = client.get(f"/collection/?week={shown(week)}", HTTP_ACCEPT_LANGUAGE="ru")
    page = page.content.decode()
    labels = re.findall(r'data-label="([^"]*)"', page)
    assert "" not in labels
    for column in ("Получено", "Опоздали", "Пропущено сборов", "План", "Рынок"):
        assert column in labels
    this_week = shown(week)[5:]
    assert labels.count(this_week) == page.count('<tr><th scope="row">', page.index("history"))


def test_the_history_links_to_a_year_of_it_as_csv_for_the_week_and_region_shown(
    client, week, operator, osh
):
    """The page's eight weeks lead to the same table for a year, as a spreadsheet: the
    link is the API's answer for the week and region shown, and it opens."""
    client.force_login(operator)
    page = client.get(f"/collection/?week={shown(week)}&region={osh.region.slug}").content
    link = re.search(r'href="([^"]*)">A year of it, week by week \(CSV\)', page.decode())
    assert link is not None
    url = link.group(1).replace("&amp;", "&")
    response = client.get(url)
    assert response.status_code == 200
    rows = response.content.decode().splitlines()
    assert rows[0].startswith("market,name,region,week,")
    assert len(rows) == 1 + 52  # Osh alone, the region shown, week by week
    assert rows[-1].startswith(f"osh,Osh,{osh.region.slug},{shown(week)},")


def test_a_market_gone_silent_without_a_plan_is_named_not_lost(client, week, operator, potatoes):
    """helper-61: a market without a plan that stopped reporting is flagged while its
    default plan counts its rounds, then, 90 days on, expects nothing and vanished from
    the page. It is named as gone silent, with its last price and where to set a plan;
    not a market without an agent (an imported history), nor one reporting lately."""
    today = week["today"]
    naryn = factories.MarketFactory(name="Naryn")
    factories.agent(markets=[naryn], username="nurlan")
    last = today - timedelta(days=120)
    for days in range(0, 60, 7):
        factories.QuoteFactory(
            commodity=potatoes, market=naryn, observed_on=last - timedelta(days=days)
        )
    imported = factories.MarketFactory(name="Talas")
    factories.QuoteFactory(commodity=potatoes, market=imported, observed_on=last)
    lately = factories.MarketFactory(name="Karakol")
    factories.agent(markets=[lately], username="kanat")
    factories.QuoteFactory(commodity=potatoes, market=lately, observed_on=today - timedelta(days=8))
    held = factories.MarketFactory(name="Batken")  # its prices held for review lately
    factories.agent(markets=[held], username="bakyt")
    for observed_on, status in ((last, Quote.Status.APPROVED), (today, Quote.Status.PENDING)):
        factories.QuoteFactory(
            commodity=potatoes, market=held, observed_on=observed_on, status=status
        )
    planned = factories.MarketFactory(name="Jalal-Abad")
    factories.agent(markets=[planned], username="jyldyz")
    factories.QuoteFactory(commodity=potatoes, market=planned, observed_on=last)
    CollectionPlan.objects.create(
        market=planned, weekdays="0", effective_from=today + timedelta(days=7)
    )
    rebuild_latest_prices()
    client.force_login(operator)
    page = client.get("/collection/").content.decode()
    heading = "Gone silent: no price, approved or held for review, for more than 90 days"
    box = page.split(heading)[1].split("</div>")[0]
    assert f"Naryn: last price {dates.day(last)}" in box
    assert f'href="/collection/plans/{naryn.slug}/"' in box
    assert "Talas" not in box and "Karakol" not in box and "Osh" not in box
    # helper-62 then helper-66: a market whose prices of late wait for review is not
    # silent: its default plan expects what they are of, and its round has them (held
    # prices count). A market given a plan to come is not named either.
    assert "Batken" not in box and box.count(dates.day(last)) == 1
    assert "Jalal-Abad" not in box
    batken = page.split('<th scope="row">Batken')[1].split("</tr>")[0]
    assert "1/1 (100 %)" in batken
    # Said as of today: a week past does not say it.
    past = sched.week_of(today - timedelta(days=7)).label
    assert "Gone silent" not in client.get(f"/collection/?week={past}").content.decode()
    russian = client.get("/collection/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Замолчали: нет цен, утверждённых или на проверке, больше 90 дней" in russian


def test_a_market_whose_prices_were_never_approved_is_named_silent_too(
    client, week, operator, potatoes
):
    """helper-67: a market whose prices, all older than 90 days, were held for review
    and never reviewed expected nothing and was named nowhere (the list read approved
    prices alone). One whose only price was rejected never reported: not named."""
    today = week["today"]
    naryn = factories.MarketFactory(name="Naryn")
    factories.agent(markets=[naryn], username="nurlan")
    last = today - timedelta(days=100)
    factories.QuoteFactory(
        commodity=potatoes, market=naryn, observed_on=last, status=Quote.Status.FLAGGED
    )
    talas = factories.MarketFactory(name="Talas")
    factories.agent(markets=[talas], username="talant")
    factories.QuoteFactory(
        commodity=potatoes, market=talas, observed_on=last, status=Quote.Status.REJECTED
    )
    rebuild_latest_prices()
    client.force_login(operator)
    page = client.get("/collection/").content.decode()
    box = page.split("Gone silent:")[1].split("</div>")[0]
    assert f"Naryn: last price {dates.day(last)}" in box
    assert "Talas" not in box


@pytest.mark.parametrize(("who", "status"), [("agent", 403), (None, 302)])
def test_only_operators_see_it(client, week, who, status):
    if who:
        client.force_login(week["aida"])
    assert client.get("/collection/").status_code == status


def test_another_week_and_a_bad_one(client, week, operator):
    client.force_login(operator)
    year, number, _ = (week["today"] - timedelta(weeks=3)).isocalendar()
    label = f"{year}-W{number:02d}"
    assert label in client.get(f"/collection/?week={label}").content.decode()
    # A week that cannot be read, or so far off the calendar cannot count from it, is
    # a 400 saying so (as every page's parameters), never another week in its place.
    for asked, said in [
        ("2026-W99", "2026-W99 does not exist"),
        ("0001-W01", "0001-W01 is outside 1900-01-01 to"),
        ("9999-W52", "9999-W52 is outside"),
        ("next week", "not written as YYYY-Www"),
    ]:
        response = client.get("/collection/", {"week": asked})
        assert response.status_code == 400, asked
        assert said in response.content.decode(), asked


def opened(client, market):
    """The plan form as an operator opens it: the version it carries."""
    response = client.get(f"/collection/plans/{market.slug}/")
    assert response.status_code == 200
    return response.context["form"].initial["version"]


def test_an_operator_edits_a_plan(client, week, operator, osh, potatoes):
    client.force_login(operator)
    response = client.post(
        f"/collection/plans/{osh.slug}/",
        {
            "kind": "weekdays",
            "weekdays": ["1", "4"],
            "tolerance_days": "1",
            "expected_retail": [str(potatoes.pk)],
            "expected_wholesale": [str(potatoes.pk)],
            "version": opened(client, osh),
        },
    )
    assert response.status_code == 302
    # A new version from today; the one before still judges the days before.
    old, plan = CollectionPlan.objects.filter(market=osh).order_by("effective_from")
    assert (old.effective_from, old.kind, old.every_days) == (LONG_AGO, "every", 1)
    assert plan.effective_from == timezone.localdate()
    assert (plan.kind, plan.weekdays, plan.every_days) == ("weekdays", "14", None)
    assert set(plan.items.values_list("commodity__name", "price_type")) == {
        ("Potatoes", PriceType.RETAIL),
        ("Potatoes", PriceType.WHOLESALE),
    }
    # The audit trail says who changed which market's plan, and what.
    event = AuditEvent.objects.get(action=AuditAction.PLAN_CHANGED)
    assert (event.actor, event.subject) == (operator, "collection plan osh")
    assert "schedule: every 1 days from" in event.detail and "-> weekdays 14" in event.detail
    assert "+ potatoes wholesale" in event.detail and "- onions retail" in event.detail


def test_the_same_plan_sent_twice_is_saved_once_without_a_conflict(
    client, week, operator, osh, potatoes
):
    """A double tap, or a form resent on a bad line: the second is no one else's change
    to warn of, and changes nothing more."""
    client.force_login(operator)
    form = {
        "kind": "weekdays",
        "weekdays": ["1", "4"],
        "tolerance_days": "1",
        "expected_retail": [str(potatoes.pk)],
        "version": opened(client, osh),
    }
    first = client.post(f"/collection/plans/{osh.slug}/", form)
    again = client.post(f"/collection/plans/{osh.slug}/", form, follow=True)
    assert first.status_code == 302 and again.redirect_chain[0][1] == 302
    assert "Plan saved" in again.content.decode()
    assert "Someone changed" not in again.content.decode()
    assert CollectionPlan.objects.filter(market=osh).count() == 2  # LONG_AGO's and today's
    assert AuditEvent.objects.filter(action=AuditAction.PLAN_CHANGED).count() == 1
    # Opened again and saved as it is (the weekdays ticked in another order): nothing.
    unchanged = form | {"weekdays": ["4", "1"], "version": opened(client, osh)}
    assert client.post(f"/collection/plans/{osh.slug}/", unchanged).status_code == 302
    assert CollectionPlan.objects.filter(market=osh).count() == 2
    assert AuditEvent.objects.filter(action=AuditAction.PLAN_CHANGED).count() == 1


def test_a_plan_saved_as_it_is_makes_no_new_version(client, week, operator, bishkek, potatoes):
    """Bishkek's plan from long ago, saved today unchanged: no version from today, no
    audit row (helper-53: each such save added both)."""
    client.force_login(operator)
    form = {
        "kind": "weekdays",
        "weekdays": ["0"],
        "tolerance_days": "1",
        "expected_retail": [str(potatoes.pk)],
        "version": opened(client, bishkek),
    }
    assert client.post(f"/collection/plans/{bishkek.slug}/", form).status_code == 302
    assert list(CollectionPlan.objects.filter(market=bishkek).values_list("effective_from")) == [
        (LONG_AGO,)
    ]
    assert not AuditEvent.objects.filter(action=AuditAction.PLAN_CHANGED).exists()


def test_two_tabs_editing_a_plan_do_not_undo_each_other(client, week, operator, osh, potatoes):
    """The second save of a plan opened before the first is refused, saying so, with the
    plan as it now is in the form: nothing of the first tab's change is lost."""
    client.force_login(operator)
    version = opened(client, osh)
    first = {
        "kind": "weekdays",
        "weekdays": ["1"],
        "tolerance_days": "1",
        "expected_retail": [str(potatoes.pk)],
        "version": version,
    }
    assert client.post(f"/collection/plans/{osh.slug}/", first).status_code == 302
    second = first | {"weekdays": ["3"], "expected_retail": [str(week["onions"].pk)]}
    response = client.post(f"/collection/plans/{osh.slug}/", second)
    assert response.status_code == 409
    assert "Someone changed this plan since you opened it" in response.content.decode()
    assert response.context["form"].initial["weekdays"] == [1]  # the values now stored
    plan = CollectionPlan.objects.filter(market=osh).order_by("-effective_from").first()
    assert plan.weekdays == "1"
    assert list(plan.items.values_list("commodity__name", flat=True)) == ["Potatoes"]
    assert AuditEvent.objects.filter(action=AuditAction.PLAN_CHANGED).count() == 1
    # Made again on the current plan, it is saved.
    second["version"] = response.context["form"].initial["version"]
    assert client.post(f"/collection/plans/{osh.slug}/", second).status_code == 302
    # Today's version changed again: still two versions, the old one and today's.
    old, plan = CollectionPlan.objects.filter(market=osh).order_by("effective_from")
    assert (old.kind, plan.weekdays) == ("every", "3")


def test_a_plan_expecting_no_crop_is_refused(client, week, operator, osh):
    """A plan expecting nothing would drop the market from /collection/ and the API."""
    client.force_login(operator)
    response = client.post(
        f"/collection/plans/{osh.slug}/",
        {
            "kind": "weekdays",
            "weekdays": ["1"],
            "tolerance_days": "1",
            "version": opened(client, osh),
        },
    )
    assert response.status_code == 200
    assert "Tick at least one crop" in response.content.decode()
    assert PlannedItem.objects.filter(plan__market=osh).count() == 2
    assert "Osh" in client.get("/collection/").content.decode()


def test_a_plan_is_found_by_its_slug_only(client, week, operator, osh):
    client.force_login(operator)
    for ref in ("osh'--", "OSH", "Osh", str(osh.pk)):
        assert client.get(f"/collection/plans/{ref}/").status_code == 404, ref


def test_the_plan_column_names_the_market_days(client, week, operator):
    client.force_login(operator)
    page = client.get("/collection/").content.decode()
    assert "Monday" in page  # Bishkek's market day
    assert f"every 1 day from {dates.day(LONG_AGO)}" in page  # Osh, every day


def test_an_every_n_days_plan_shows_its_first_day_and_a_slip_of_the_year_is_refused(
    client, week, operator, osh, potatoes
):
    """A plan from a first collection day to come says when it starts, on the page and
    among the versions to come; a first day years away (2062 for 2026) is refused."""
    client.force_login(operator)
    first_day = timezone.localdate() + timedelta(days=13)
    form = {
        "kind": "every",
        "every_days": "3",
        "starts_on": first_day.isoformat(),
        "tolerance_days": "1",
        "expected_retail": [str(potatoes.pk)],
        "version": opened(client, osh),
    }
    assert client.post(f"/collection/plans/{osh.slug}/", form).status_code == 302
    page = client.get("/collection/").content.decode()
    assert f"every 3 days from {dates.day(first_day)}" in page
    slip = first_day.replace(year=first_day.year + 36)
    response = client.post(
        f"/collection/plans/{osh.slug}/",
        form | {"starts_on": slip.isoformat(), "version": opened(client, osh)},
    )
    assert response.status_code == 200
    assert "At most a year after the plan takes effect." in response.content.decode()
    assert CollectionPlan.objects.get(
        market=osh, effective_from=timezone.localdate()
    ).starts_on == (first_day)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "weekdays", "tolerance_days": "1"}, "weekdays"),
        ({"kind": "every", "tolerance_days": "1"}, "every_days"),
        ({"kind": "every", "every_days": "5", "tolerance_days": "1"}, "starts_on"),
        ({"kind": "weekdays", "weekdays": ["9"], "tolerance_days": "1"}, "weekdays"),
        ({"kind": "weekdays", "weekdays": ["1"], "tolerance_days": "9"}, "tolerance_days"),
    ],
)
def test_a_bad_plan_is_refused_beside_its_field_and_changes_nothing(
    client, week, operator, osh, data, field
):
    client.force_login(operator)
    before = list(CollectionPlan.objects.filter(market=osh).values())
    response = client.post(f"/collection/plans/{osh.slug}/", data)
    assert response.status_code == 200
    assert response.context["form"].errors.get(field)
    assert list(CollectionPlan.objects.filter(market=osh).values()) == before
    assert PlannedItem.objects.filter(plan__market=osh).count() == 2


def test_the_agents_form_starts_with_what_is_due(client, week, potatoes):
    client.force_login(week["aida"])
    page = client.get("/report/").content.decode()
    assert "Still due today" in page
    assert (
        f"?market={week['aida'].agent_profile.markets.get().pk}&amp;commodity={potatoes.pk}" in page
    )
    # A link fills the form in.
    chosen = client.get(f"/report/?commodity={week['onions'].pk}&price_type=retail")
    assert chosen.context["form"].initial["commodity"] == str(week["onions"].pk)
    factories.QuoteFactory(
        commodity=potatoes,
        market=week["aida"].agent_profile.markets.get(),
        observed_on=week["today"],
        agent=week["aida"],
    )
    page = client.get("/report/").content.decode()
    assert f"commodity={potatoes.pk}&" not in page


def test_the_odk_form_lists_planned_crops_first_and_changes_with_the_plan(week, osh, kg):
    apples = factories.CommodityFactory(name="Apples", base_unit=kg)
    first = form_for(week["aida"])
    xml = first.xml
    # Planned Onions and Potatoes before unplanned Apples, though A comes first.
    assert xml.index("<name>onions</name>") < xml.index("<name>apples</name>")
    assert xml.index("<name>potatoes</name>") < xml.index("<name>apples</name>")
    plan = CollectionPlan.objects.get(market=osh)
    plan.tolerance_days = 1
    plan.save()
    assert form_for(week["aida"]).version != first.version
    PlannedItem.objects.create(plan=plan, commodity=apples)
    assert form_for(week["aida"]).version != first.version


def test_still_due_lists_only_what_a_price_sent_today_counts_for(client, db, potatoes, osh):
    """Osh collects Monday to Saturday with a day's tolerance: tomorrow's round opens
    today, but a price sent today counts for today's round. Reported in full today,
    nothing is due today, though tomorrow's prices are still to come."""
    today = timezone.localdate()
    tomorrow = today + timedelta(days=1)
    plan = CollectionPlan.objects.create(
        market=osh,
        weekdays=f"{today.weekday()}{tomorrow.weekday()}",
        tolerance_days=1,
        effective_from=LONG_AGO,
    )
    PlannedItem.objects.create(plan=plan, commodity=potatoes)
    aida = factories.agent(markets=[osh], username="aida")
    client.force_login(aida)
    assert "Still due today" in client.get("/report/").content.decode()
    factories.QuoteFactory(commodity=potatoes, market=osh, observed_on=today, agent=aida)
    assert "Still due today" not in client.get("/report/").content.decode()


def test_the_plan_page_shows_the_versions_to_come_and_where_a_save_stops(
    client, week, operator, bishkek, potatoes
):
    """A version made in the admin for a later day would silently take over from a
    dashboard save: the page names it, and says the save applies until then."""
    client.force_login(operator)
    today = week["today"]
    later = today + timedelta(days=10)
    future = CollectionPlan.objects.create(market=bishkek, weekdays="3", effective_from=later)
    PlannedItem.objects.create(plan=future, commodity=week["onions"])
    page = client.get(f"/collection/plans/{bishkek.slug}/").content.decode()
    assert "Versions to come" in page
    assert "Thursday" in page and "Onions" in page
    until = dates.day(later - timedelta(days=1))
    assert f"Saving makes the plan from today until {until}" in page
    response = client.post(
        f"/collection/plans/{bishkek.slug}/",
        {
            "kind": "weekdays",
            "weekdays": ["1"],
            "tolerance_days": "1",
            "expected_retail": [str(potatoes.pk)],
            "version": opened(client, bishkek),
        },
        follow=True,
    )
    assert f"it applies from today until {until}" in response.content.decode()
    # A market without versions to come says nothing of them.
    assert "Versions to come" not in client.get("/collection/plans/osh/").content.decode()


def test_the_plan_column_is_the_plan_of_the_week_shown(client, week, operator, bishkek):
    """A week to come shows the version that will judge it, not today's."""
    client.force_login(operator)
    today = week["today"]
    next_monday = today - timedelta(days=today.weekday()) + timedelta(weeks=1)
    future = CollectionPlan.objects.create(
        market=bishkek, weekdays="3", effective_from=next_monday + timedelta(days=2)
    )
    PlannedItem.objects.create(plan=future, commodity=week["onions"])
    label = "{}-W{:02d}".format(*next_monday.isocalendar()[:2])
    response = client.get(f"/collection/?week={label}")
    row = next(r for r in response.context["rows"] if r["market"] == bishkek)
    assert [(plan.schedule.weekdays, since) for plan, since, _ in row["plans"]] == [
        ((0,), None),
        ((3,), next_monday + timedelta(days=2)),
    ]
    assert "Monday; from " in response.content.decode()
    # The week after: the new version alone.
    label = "{}-W{:02d}".format(*(next_monday + timedelta(weeks=1)).isocalendar()[:2])
    row = next(
        r
        for r in client.get(f"/collection/?week={label}").context["rows"]
        if r["market"] == bishkek
    )
    assert [(plan.schedule.weekdays, since) for plan, since, _ in row["plans"]] == [((3,), None)]


def test_the_agents_column_names_the_agents_of_a_version_replaced_in_the_week(
    client, week, operator, potatoes
):
    """helper-59: a market whose newest version expects nothing showed "no agent" for a
    week its older version still judged, with an agent assigned who reported for it."""
    today = week["today"]
    golf = factories.MarketFactory(name="Golf")
    nurlan = factories.agent(markets=[golf], username="nurlan")
    old = CollectionPlan.objects.create(market=golf, weekdays="0", effective_from=LONG_AGO)
    PlannedItem.objects.create(plan=old, commodity=potatoes)
    last_week = today - timedelta(weeks=1)
    monday = last_week - timedelta(days=last_week.weekday())
    # From Wednesday of last week on, nothing expected: last week's Monday is the old one's.
    CollectionPlan.objects.create(market=golf, weekdays="0", effective_from=monday + timedelta(2))
    factories.QuoteFactory(commodity=potatoes, market=golf, observed_on=monday, agent=nurlan)
    client.force_login(operator)
    page = client.get(f"/collection/?week={sched.week_of(monday).label}").content.decode()
    row = page.split('<th scope="row">Golf')[1].split("</tr>")[0]
    assert "nurlan" in row and "no agent" not in row


def test_a_week_nothing_was_expected_in_says_why(client, week, operator):
    """helper-61: a week before the plans, its markets judged by the default plan,
    read "set a plan, or record prices" where prices were recorded: the default plan
    judges the last 90 days only, and the page says so."""
    client.force_login(operator)
    page = client.get("/collection/?week=2024-W40").content.decode()
    assert "No market expects prices this week" in page
    assert "judged over its last 90 days only" in page


def test_an_old_week_says_markets_without_a_plan_are_left_out(client, week, operator, potatoes):
    """helper-63: for a week older than the default plan's 90 days, the markets without
    a plan were left out without a word while others were listed."""
    naryn = factories.MarketFactory(name="Naryn")
    old_week = sched.week_of(week["today"] - timedelta(weeks=20))
    factories.QuoteFactory(commodity=potatoes, market=naryn, observed_on=old_week.start)
    client.force_login(operator)
    page = client.get(f"/collection/?week={old_week.label}").content.decode()
    assert '<th scope="row">Osh' in page  # its plan judges the week
    since = dates.day(week["today"] - timedelta(days=90))
    assert f"judged over their last 90 days only, from {since}: before it, nothing" in page
    this_week = client.get("/collection/").content.decode()
    assert "judged over their last 90 days only" not in this_week


def test_a_default_plan_saved_as_opened_judges_the_rounds_to_come_alike(client, operator, potatoes):
    """helper-66: the editor of a market on the default plan offered a plan's tolerance
    of 1 day, not the 3 it is judged by, so Save pressed without a change turned late,
    every week, a crop its agents bring three days after the market day."""
    naryn = factories.MarketFactory(name="Naryn")
    onions = factories.CommodityFactory(name="Onions", base_unit=potatoes.base_unit)
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    for weeks_ago in range(1, 8):
        factories.QuoteFactory(
            commodity=potatoes, market=naryn, observed_on=monday - timedelta(weeks=weeks_ago)
        )
        factories.QuoteFactory(
            commodity=onions,
            market=naryn,
            observed_on=monday - timedelta(weeks=weeks_ago) + timedelta(days=3),
        )
    rebuild_latest_prices()
    client.force_login(operator)
    opened_page = client.get(f"/collection/plans/{naryn.slug}/")
    page = opened_page.content.decode()
    assert "no plan of its own in force: below is the default one" in page
    assert "a price counting when it comes up to 3 days before or after the market day" in page
    field = re.search(r'<input[^>]*name="tolerance_days"[^>]*>', page).group(0)
    assert 'value="3"' in field
    initial = opened_page.context["form"].initial
    form = {
        key: value
        for key, value in initial.items()
        if key in {"kind", "weekdays", "tolerance_days", "version"} or key.startswith("expected_")
    }
    assert client.post(f"/collection/plans/{naryn.slug}/", form).status_code == 302
    plan = CollectionPlan.objects.get(market=naryn)
    assert (plan.weekdays, plan.tolerance_days) == ("0", 3)
    # The onions of Thursday still count for Monday's round, as under the default plan.
    factories.QuoteFactory(commodity=potatoes, market=naryn, observed_on=monday)
    thursday = monday + timedelta(days=3)
    factories.QuoteFactory(commodity=onions, market=naryn, observed_on=thursday)
    report = completeness(sched.week_of(monday), today=thursday + timedelta(days=1))
    assert (report.by_market[naryn.pk].received, report.by_market[naryn.pk].late) == (2, 0)


def test_the_editor_says_the_default_plan_judges_until_a_version_to_come(
    client, week, operator, potatoes
):
    """helper-66: with only a version to come, the editor showed the default plan
    without saying it was the default."""
    naryn = factories.MarketFactory(name="Naryn")
    factories.QuoteFactory(commodity=potatoes, market=naryn, observed_on=week["today"])
    CollectionPlan.objects.create(
        market=naryn, weekdays="2", effective_from=week["today"] + timedelta(days=3)
    )
    client.force_login(operator)
    page = client.get(f"/collection/plans/{naryn.slug}/").content.decode()
    assert "no plan of its own in force: below is the default one" in page
    assert "Versions to come" in page
