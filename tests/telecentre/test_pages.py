"""The dashboard as operators, agents and visitors use it: every page and permission."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from agriprices.models import LatestPrice, Quote, QuoteEvent
from agriprices.services.recording import record_quote
from sms_gateway.backends import locmem
from sms_gateway.models import Broadcast, Subscriber
from telecentre.models import Bulletin
from tests import factories
from tests.factories import (
    CommodityFactory,
    MarketFactory,
    RegionFactory,
    agent,
    operator,
    unit,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(today):
    osh_region = RegionFactory(name="Osh", slug="osh")
    chui = RegionFactory(name="Chui", slug="chui")
    osh = MarketFactory(name="Osh", region=osh_region)
    uzgen = MarketFactory(name="Uzgen", region=osh_region)
    bishkek = MarketFactory(name="Bishkek", region=chui)
    potato = CommodityFactory(name="Potatoes", slug="potatoes", category="tubers")
    potato.aliases.create(name="картошка", language="ru")
    onion = CommodityFactory(name="Onions", slug="onions", category="vegetables")
    for market, base in ((osh, 30), (uzgen, 26), (bishkek, 34)):
        for week in range(8, -1, -1):
            for crop, scale in ((potato, 1), (onion, Decimal("0.6"))):
                record_quote(
                    agent=None,
                    commodity=crop,
                    market=market,
                    unit=unit("kg"),
                    price=Decimal(base + (8 - week)) * scale,
                    observed_on=today - timedelta(weeks=week),
                    source=Quote.Source.IMPORT,
                )
    return {
        "osh": osh,
        "uzgen": uzgen,
        "bishkek": bishkek,
        "potato": potato,
        "onion": onion,
        "osh_region": osh_region,
        "chui": chui,
    }


def text(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_home_lists_latest_prices_with_change_and_remembers_the_region(client, world):
    page = client.get("/?region=osh")
    body = text(page)
    assert "Potatoes Osh 38 KGS/kg" in body and "Potatoes Uzgen 34 KGS/kg" in body
    assert "Bishkek" not in body.split("Bulletins")[0]
    assert "▲ 2.7 %" in body  # 38 against 37 a week before
    assert page.cookies["region"].value == "osh"
    assert "Uzgen" in text(client.get("/"))  # the cookie chose Osh region again
    assert "Potatoes Bishkek" not in text(client.get("/"))
    client.get("/?region=")  # all regions again
    assert "Potatoes Bishkek" in text(client.get("/"))


def test_home_search_finds_a_crop_by_any_alias_and_filters_by_category(client, world):
    body = text(client.get("/?q=картошка"))
    assert "Potatoes Osh" in body and "Onions" not in body.split("Bulletins")[0]
    body = text(client.get("/?category=vegetables"))
    assert "Onions Osh" in body and "Potatoes Osh" not in body


def test_home_search_reads_a_question_like_an_sms(client, world):
    page = text(client.get("/?q=how much are potatoes at uzgen?"))
    assert "Potatoes Uzgen" in page
    assert "Potatoes Osh" not in page and "Onions Uzgen" not in page
    page = text(client.get("/?q=картошки цена"))  # an alias, inflected
    assert "Potatoes Bishkek" in page and "Onions Bishkek" not in page


def test_a_bad_filter_is_explained_not_an_error(client, world):
    page = client.get("/?region=osh&market=nowhere")
    assert page.status_code == 200
    assert "Some filters were not understood; showing all prices." in text(page)
    shown = text(page).split("Search")[-1]
    assert "Potatoes Osh" in shown and "Potatoes Uzgen" in shown
    assert "Bishkek" not in shown  # the region understood holds


def test_an_unknown_region_is_refused_naming_it(client, world):
    page = client.get("/?region=atlantis")
    assert page.status_code == 400
    assert "Region: there is no region “atlantis”" in text(page)


def test_commodity_page_charts_markets_and_compares_cheapest_first(client, world):
    page = client.get("/commodities/potatoes/?months=3")
    body = page.content.decode()
    assert body.count('class="chart"') == 1
    assert "Weekly median price of Potatoes, last 3 months" in body
    for market in ("Osh", "Uzgen", "Bishkek"):
        assert f"</svg> {market}</li>" in body  # legend
    table = text(page).split("cheapest first")[1]
    assert table.index("Uzgen") < table.index("Osh") < table.index("Bishkek")
    assert client.get("/commodities/картошка/").status_code == 200  # by alias
    assert client.get("/commodities/tractors/").status_code == 404


def test_market_page_has_every_crop_with_a_sparkline(client, world):
    body = client.get("/markets/osh/").content.decode()
    assert body.count('class="spark"') == 2
    assert "Onions" in body and "Potatoes" in body


def test_a_fresh_install_shows_its_pages_before_any_crop_or_market_exists(client):
    """The first market, before any crop: nothing to order by names yet."""
    for url in ("/", "/map/", "/sheet/"):
        assert client.get(url).status_code in (200, 404), url
    MarketFactory(name="Osh", slug="osh", region=RegionFactory(name="Osh", slug="osh"))
    response = client.get("/markets/osh/")
    assert response.status_code == 200 and "Osh" in text(response)
    assert client.get("/?region=osh").status_code == 200


def test_printed_sheet_folds_each_region_to_one_row_per_crop_and_csv_has_every_market(
    client, world
):
    page = client.get("/sheet/")
    assert page.content.decode().count("<caption>") == 2
    body = text(page)
    # Osh region: Osh 38 and Uzgen 34 this week, 37 and 33 the week before.
    assert "Potatoes 36/kg 34 Uzgen 38 Osh ▲ 2.9 %" in body
    lines = client.get("/sheet.csv").getvalue().decode().splitlines()
    assert lines[0].startswith("week,region,commodity,market,unit,median")
    assert len(lines) == 1 + 6
    assert any(",Osh,Potatoes,Osh,kg,38," in line for line in lines)
    one_region = text(client.get("/sheet/?region=chui"))
    assert "Potatoes 42/kg" in one_region and "Uzgen" not in one_region


def test_the_sheet_csv_file_is_named_for_its_region_and_week(client, world, today):
    week = (today - timedelta(days=today.weekday())).isoformat()
    chui = client.get("/sheet.csv?region=chui")
    assert chui["Content-Disposition"] == f'attachment; filename="prices-chui-{week}.csv"'
    assert all(",Chui," in line for line in chui.getvalue().decode().splitlines()[1:])
    client.get("/sheet/?region=")  # back to every region
    every = client.get("/sheet.csv")
    assert every["Content-Disposition"] == f'attachment; filename="prices-all-regions-{week}.csv"'


# --- Review queue ----------------------------------------------------------------------------


@pytest.fixture
def flagged(world, today):
    agent_user = agent(markets=[world["osh"]], username="aibek")
    return record_quote(
        agent=agent_user,
        commodity=world["potato"],
        market=world["osh"],
        unit=unit("kg"),
        price=Decimal("380"),
        observed_on=today,
        source=Quote.Source.WEB,
    )


def test_operator_sees_why_a_price_was_flagged_and_approves_it(client, world, flagged):
    assert flagged.status == "flagged"
    reviewer = operator("olga")
    client.force_login(reviewer)
    body = text(client.get("/review/"))
    assert "380 KGS/kg" in body and "the recent median at Osh" in body
    assert "38/kg" in body  # the recent prices beside it
    client.post("/review/", {"quotes": [flagged.pk], "action": "approve"})
    flagged.refresh_from_db()
    assert flagged.status == "approved"
    event = QuoteEvent.objects.filter(quote=flagged).last()
    assert (event.actor, event.to_status) == (reviewer, "approved")
    latest = LatestPrice.objects.get(commodity=world["potato"], market=world["osh"])
    assert latest.price == Decimal("380")


def test_rejecting_needs_a_reason_and_works_in_bulk(client, world, flagged):
    client.force_login(operator("olga"))
    page = client.post("/review/", {"quotes": [flagged.pk], "action": "reject"}, follow=True)
    assert "Say why the price is rejected" in text(page)
    flagged.refresh_from_db()
    assert flagged.status == "flagged"
    client.post("/review/", {"quotes": [flagged.pk], "action": "reject", "reason": "typo"})
    flagged.refresh_from_db()
    assert (flagged.status, flagged.status_reason) == ("rejected", "typo")


def test_a_long_review_queue_pages_and_each_action_keeps_to_the_price_named(client, world, today):
    # 60 prices held: more than a page (50). Stored flagged as an outlier would be.
    held = [
        factories.QuoteFactory(
            commodity=world["potato"],
            market=world["osh"],
            price=Decimal(300 + n),
            observed_on=today - timedelta(days=n % 20),
            status=Quote.Status.FLAGGED,
            status_reason=f"far above the median ({n})",
        )
        for n in range(60)
    ]
    client.force_login(operator("olga"))
    first = client.get("/review/").content.decode()
    assert first.count('name="quotes" value=') == 50 + 50  # the table's and the one-price forms'
    assert "1–50 of 60 prices waiting, newest first" in text_of(first)
    assert 'href="?page=2" rel="next"' in first
    second = client.get("/review/?page=2").content.decode()
    on_second = [int(pk) for pk in re.findall(r'id="q(\d+)"', second)]
    assert len(on_second) == 10 and "51–60 of 60" in text_of(second)
    assert not set(on_second) & set(int(pk) for pk in re.findall(r'id="q(\d+)"', first))
    # Approve one price named on page 2: that one, and back to page 2.
    chosen = on_second[3]
    answer = client.post("/review/?page=2", {"quotes": [chosen], "action": "approve"})
    assert answer.status_code == 302 and answer["Location"] == "/review/?page=2"
    assert Quote.objects.get(pk=chosen).status == "approved"
    assert Quote.objects.filter(status="flagged").count() == 59
    # The same request again (a double tap) changes nothing more, and says why.
    again = client.post("/review/?page=2", {"quotes": [chosen], "action": "reject", "reason": "x"})
    assert Quote.objects.get(pk=chosen).status == "approved"
    assert again.status_code == 200 and Quote.objects.filter(status="flagged").count() == 59
    assert {q.pk for q in held} >= set(on_second)
    # A page past the end shows the last one.
    assert "51–59 of 59" in text_of(client.get("/review/?page=9").content.decode())


def text_of(markup: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup))


def test_agents_cannot_review_and_visitors_must_log_in(client, world, flagged):
    assert client.get("/review/").status_code == 302
    client.force_login(agent(markets=[world["osh"]], username="other"))
    assert client.get("/review/").status_code == 403
    assert client.post("/review/", {"quotes": [flagged.pk], "action": "approve"}).status_code == 403
    flagged.refresh_from_db()
    assert flagged.status == "flagged"


# --- Agent entry ----------------------------------------------------------------------------


def entry(world, **fields):
    return {
        "market": world["osh"].pk,
        "commodity": world["potato"].pk,
        "price": "39",
        "unit": unit("kg").pk,
        "price_type": "retail",
        "observed_on": timezone.localdate().isoformat(),
        **fields,
    }


def test_an_agent_records_a_price_through_the_same_rules(client, world):
    user = agent(markets=[world["osh"]], username="aibek")
    client.force_login(user)
    form = client.get("/report/").content.decode()
    assert "Uzgen" not in form  # only their markets
    page = client.post("/report/", entry(world), follow=True)
    assert "Recorded. Thank you." in text(page)
    quote = Quote.objects.get(agent=user)
    assert (quote.status, quote.source, quote.price) == ("approved", "web", Decimal("39"))


def test_an_unusual_price_is_questioned_before_it_is_sent(client, world):
    user = agent(markets=[world["osh"]], username="aibek")
    client.force_login(user)
    page = client.post("/report/", entry(world, price="390"))
    assert "Is this price right?" in text(page)
    assert not Quote.objects.filter(agent=user).exists()
    client.post("/report/", entry(world, price="390", confirm="on"))
    assert Quote.objects.get(agent=user).status == "flagged"


def test_an_agent_cannot_record_for_another_market(client, world):
    client.force_login(agent(markets=[world["osh"]], username="aibek"))
    page = client.post("/report/", entry(world, market=world["bishkek"].pk))
    assert "Select a valid choice" in text(page)
    assert not Quote.objects.filter(source="web").exists()


# --- Bulletins ------------------------------------------------------------------------------


def bulletin_fields(world, **fields):
    return {
        "title": "Frost warning",
        "category": "weather",
        "language": "en",
        "regions": [world["osh_region"].pk],
        "body": "Night frost expected on Thursday.",
        "sms_summary": "Frost Thursday night: cover seedlings.",
        **fields,
    }


def test_operator_writes_checks_and_publishes_a_bulletin_with_sms(
    client, world, settings, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "sms_gateway.backends.locmem.LocmemBackend"
    locmem.outbox.clear()
    for n in range(3):
        person = factories.SubscriberFactory(phone=f"+99655590000{n}")
        factories.SubscriptionFactory(
            subscriber=person, commodity=world["potato"], market=world["osh"]
        )
    factories.SubscriptionFactory(
        subscriber=factories.SubscriberFactory(phone="+996555900009"),
        commodity=world["potato"],
        market=world["bishkek"],
    )
    client.force_login(operator("olga"))
    checked = client.post("/bulletins/new/", {**bulletin_fields(world), "check": "1"})
    assert "38 characters, 1 SMS each (GSM-7)" in text(checked)
    assert not Bulletin.objects.exists()
    client.post("/bulletins/new/", bulletin_fields(world))
    bulletin = Bulletin.objects.get()
    assert bulletin.status == "draft"
    assert client.get("/bulletins/").content.decode().count("Frost warning") == 1
    preview = text(client.get(f"/bulletins/{bulletin.pk}/publish/"))
    assert "to 3 subscribers: 1 SMS each, 3 SMS in all" in preview
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/bulletins/{bulletin.pk}/publish/", {"send_sms": "on"})
    bulletin.refresh_from_db()
    assert bulletin.status == "published" and bulletin.broadcast is not None
    assert sorted(m["to"] for m in locmem.outbox) == [f"+99655590000{n}" for n in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/bulletins/{bulletin.pk}/publish/", {"send_sms": "on"})
    assert len(locmem.outbox) == 3 and Broadcast.objects.count() == 1
    client.logout()
    assert "Frost warning" in text(client.get("/"))  # beside the prices, for everyone


def test_a_summary_too_long_for_the_budget_is_refused(client, world, settings):
    settings.BULLETIN_SMS_MAX_SEGMENTS = 1
    client.force_login(operator("olga"))
    page = client.post("/bulletins/new/", bulletin_fields(world, sms_summary="Заморозки " * 10))
    assert "the most allowed is 1" in text(page)
    assert not Bulletin.objects.exists()


def test_drafts_and_expired_bulletins_are_hidden_from_visitors(client, world):
    draft = factories.BulletinFactory(title="Draft", body="x", category="notice", language="en")
    old = factories.BulletinFactory(
        title="Old",
        body="x",
        category="notice",
        language="en",
        published_at=timezone.now(),
        expires_on=timezone.localdate() - timedelta(days=1),
    )
    assert client.get(f"/bulletins/{draft.pk}/").status_code == 404
    assert client.get(f"/bulletins/{old.pk}/").status_code == 404
    assert "Draft" not in text(client.get("/bulletins/"))
    client.force_login(agent(markets=[], username="aibek"))
    assert client.get("/bulletins/new/").status_code == 403
    assert client.post(f"/bulletins/{draft.pk}/publish/").status_code == 403


def test_an_operator_takes_a_bulletin_down(client, world):
    live = factories.BulletinFactory(
        title="Live", body="x", category="notice", language="en", published_at=timezone.now()
    )
    client.force_login(operator("olga"))
    client.post(f"/bulletins/{live.pk}/expire/")
    live.refresh_from_db()
    assert live.status == "expired"


# --- Simulator and languages ------------------------------------------------------------


def test_the_simulator_shows_the_exact_reply_and_changes_nothing(client, world):
    client.force_login(operator("olga"))
    page = client.post("/simulator/", {"phone": "0555 123 456", "message": "POTATO OSH"})
    body = text(page)
    assert "Potatoes Osh: 38 KGS/kg" in body and "1 SMS (GSM-7" in body
    client.post("/simulator/", {"phone": "+996555123456", "message": "STOP"})
    assert not Subscriber.objects.filter(opted_out=True).exists()
    assert not Subscriber.objects.exists()
    client.force_login(agent(markets=[], username="aibek"))
    assert client.get("/simulator/").status_code == 403


@pytest.mark.parametrize(
    ("language", "expected"),
    [("ru", "Последние цены"), ("ky", "Акыркы баалар"), ("fr", "Derniers prix")],
)
def test_the_language_switcher_changes_every_page(client, world, language, expected):
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    body = text(client.get("/"))
    assert expected in body


def test_pages_make_a_bounded_number_of_queries(
    client, world, flagged, django_assert_max_num_queries
):
    client.force_login(operator("olga"))
    for url, most in (
        ("/", 14),  # + the crops' and markets' names, to order them
        ("/commodities/potatoes/", 13),  # + the normal price under the chart
        ("/markets/osh/", 10),  # + the crops' names, to order them in the reader's language
        ("/review/", 13),  # + how many wait, and what the warnings make of each
        ("/sheet/", 12),
        ("/warnings/", 9),
    ):
        # + 1 on every signed-in page: the session's second factor (django-otp loads the
        # device that verified it), or whether an unverified account has one.
        with django_assert_max_num_queries(most + 1):
            assert client.get(url).status_code == 200


def test_cached_price_pages_follow_every_new_price(client, world, today):
    for url in ("/?region=osh", "/markets/osh/", "/commodities/potatoes/", "/sheet/"):
        assert "38" in text(client.get(url))
    record_quote(
        agent=None,
        commodity=world["potato"],
        market=world["osh"],
        unit=unit("kg"),
        price=Decimal("39.5"),
        observed_on=today,
        source=Quote.Source.IMPORT,
    )
    assert "Potatoes Osh 39.5 KGS/kg" in text(client.get("/?region=osh"))
    assert "39.5 KGS/kg" in text(client.get("/markets/osh/"))
    assert "39.5 KGS/kg" in text(client.get("/commodities/potatoes/"))


def test_an_operator_edits_a_bulletin_and_agents_see_no_operator_links(client, world):
    draft = factories.BulletinFactory(title="Draft", body="x", category="notice", language="en")
    draft.regions.set([world["chui"]])
    client.force_login(operator("olga"))
    fields = bulletin_fields(world, title="Frost, updated", regions=[world["chui"].pk])
    client.post(f"/bulletins/{draft.pk}/edit/", fields)
    draft.refresh_from_db()
    assert draft.title == "Frost, updated" and draft.status == "draft"
    client.force_login(agent(markets=[world["osh"]], username="aibek"))
    nav = client.get("/").content.decode().split("<main>")[0]
    assert "Report a price" in nav and "Review" not in nav and "SMS simulator" not in nav
    assert client.post(f"/bulletins/{draft.pk}/edit/", fields).status_code == 403


def test_the_ussd_simulator_walks_the_menus_and_changes_nothing(client, world):
    from sms_gateway.models import Subscription

    client.force_login(operator("olga"))

    def step(path, answer=""):
        data = {"phone": "0555 123 456", "path": path, "answer": answer}
        page = client.post("/simulator/ussd/", data)
        assert page.status_code == 200
        return text(page)

    first = step("")
    assert "1 Price of a crop" in first and "6 Language EN/FR/RU/KY" in first
    assert "Choose a crop" in step("", "1")
    assert "Choose a market" in step("1", "1")  # Onions: the crops come by name
    end = step("1*1", "1")
    assert "Onions " in end and "KGS/kg" in end and "The session is over." in end
    step("3*1", "1")  # subscribe to onions at the first market: simulated only
    step("5", "1")  # stop all SMS, confirmed: simulated only
    assert not Subscriber.objects.exists() and not Subscription.objects.exists()
    client.force_login(agent(markets=[], username="aibek"))
    assert client.get("/simulator/ussd/").status_code == 403
