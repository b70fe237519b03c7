import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from agriprices import name_index
from agriprices.demo.crops import COMMODITIES
from agriprices.demo.places import MARKETS
from agriprices.demo.prices import demo_price
from agriprices.demo.users import DEMO_USERS
from agriprices.models import Commodity, LatestPrice, Market, Quote
from agriprices.selectors.agents import assigned_markets

pytestmark = pytest.mark.django_db


def seed(*args):
    out = io.StringIO()
    call_command("seed_demo", "--force", "--days", "60", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_seed_loads_the_pilot_region_and_prints_the_logins():
    out = seed()
    names = set(Market.objects.values_list("name", flat=True))
    assert {
        "Bishkek",
        "Osh",
        "Jalal-Abad",
        "Karakol",
        "Naryn",
        "Talas",
        "Batken",
        "Tokmok",
    } <= names
    assert Commodity.objects.count() >= 15
    for username, password, _ in DEMO_USERS:
        assert f"{username:<9} password: {password}" in out
    assert Quote.objects.filter(status="approved").count() > 1000
    assert LatestPrice.objects.count() >= 8 * 15
    # Each commodity answers to its Russian and Kyrgyz names and Latin spellings.
    for text, name in [
        ("картошка", "Potatoes"),
        ("буудай", "Wheat"),
        ("jumurtka", "Eggs"),
        ("Ош", "Osh"),
    ]:
        found = name_index.search_commodities(text) or name_index.search_markets(text)
        assert found[0].obj.name == name


def test_seeding_twice_duplicates_nothing():
    seed()
    counts = [m.objects.count() for m in (Market, Commodity, Quote, LatestPrice)]
    out = seed()
    assert "created 0" in out
    assert [m.objects.count() for m in (Market, Commodity, Quote, LatestPrice)] == counts


def test_the_same_seed_gives_the_same_prices(today):
    market, commodity = MARKETS[0], COMMODITIES[0]
    assert demo_price(market, commodity, "retail", today, today) == demo_price(
        market, commodity, "retail", today, today
    )


def test_seed_refuses_public_passwords_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seed_demo", "--days", "7", stdout=io.StringIO())
    assert Market.objects.count() == 0


def test_demo_agent_is_assigned_to_its_markets():
    seed()
    from django.contrib.auth import get_user_model

    agent = get_user_model().objects.get(username="agent")
    assert sorted(m.name for m in assigned_markets(agent)) == ["Jalal-Abad", "Osh"]
    assert not agent.has_perm("agriprices.review_quote")
    operator = get_user_model().objects.get(username="operator")
    assert operator.has_perm("agriprices.review_quote")


def test_seeding_again_a_week_later_adds_the_new_days(monkeypatch, today):
    from datetime import timedelta

    from agriprices.management.commands import seed_demo

    seed()
    before = Quote.objects.count()
    later = today + timedelta(days=7)
    monkeypatch.setattr(seed_demo.timezone, "localdate", lambda: later)
    monkeypatch.setattr("agriprices.validation.date_error", lambda *a: None)
    monkeypatch.setattr("agriprices.importers.checks.date_error", lambda *a: None, raising=False)
    out = seed()
    # The spike follows the day of seeding; the days stored a week ago keep their prices.
    assert "rejected 0" in out and Quote.objects.count() > before


def test_the_demo_shows_a_spike_and_a_crash(today):
    from datetime import timedelta

    osh, naryn = (next(m for m in MARKETS if m.name == n) for n in ("Osh", "Naryn"))
    potatoes, onions = (next(c for c in COMMODITIES if c.name == n) for n in ("Potatoes", "Onions"))
    recent = today - timedelta(days=7)
    # The same day seeded long after (no shock then) against seeded now.
    calm = today + timedelta(days=200)
    spike = demo_price(osh, potatoes, "retail", recent, today) / demo_price(
        osh, potatoes, "retail", recent, calm
    )
    crash = demo_price(naryn, onions, "retail", recent, today) / demo_price(
        naryn, onions, "retail", recent, calm
    )
    assert spike > 1.4 and crash < 0.65


def test_the_demo_names_every_place_and_crop_in_each_language(client):
    """A French listener hears French names ("à Och", "Bichkek"), and a farmer who types
    the market's own name in a French question is still answered in French."""
    seed()
    osh = Market.objects.get(name="Osh")
    assert [osh.display_name(lang) for lang in ("en", "fr", "ru", "ky")] == [
        "Osh",
        "Och",
        "Ош",
        "Ош",
    ]
    for thing in [*Market.objects.all(), *Commodity.objects.all(), osh.region]:
        for language in ("fr", "ru", "ky"):
            assert thing.translations.get(language) or thing.name in {"Karakol", "Naryn"} | {
                "Talas",
                "Batken",
            }, (thing, language)
    script = client.get("/sheet/radio/?region=osh&lang=fr").content.decode()
    assert "Pommes de terre à Och" in script and "à Osh" not in script
    home = client.get("/?region=chuy", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Tokmak" in home and "Tokmok" not in home
    from sms_gateway.conversation.understanding import read

    assert read("oignons osh").language == "fr"
    assert read("oignons och").market == osh


def test_the_demo_shows_every_collection_state_and_nothing_else(today, settings):
    """One agent missed the last two rounds (their market flagged, nothing since), one
    market is partly reported this week; every other market reported its rounds, on its
    market days, by its agents, whose last report shows."""
    from agriprices.collection import schedule as sched
    from agriprices.collection.completeness import completeness

    settings.COLLECTION_ESCALATE_AFTER = 2
    seed()
    report = completeness(sched.week_of(today), today=today)
    names = {pk: market.name for pk, market in report.markets.items()}
    assert [names[pk] for pk in report.escalated()] == ["Talas"]
    by_name = {user.username: pk for pk, user in report.agents.items()}
    assert report.agent_streaks[by_name["agent2"]] == 2
    assert report.agent_streaks[by_name["agent"]] == 0
    assert report.last_reports[by_name["agent"]] is not None
    talas = Market.objects.get(name="Talas")
    assert not Quote.objects.filter(market=talas, observed_on__gte=today - timedelta(days=8))
    tallies = {names[pk]: tally for pk, tally in report.by_market.items()}
    # Osh has its rounds in full: received or still open, none late.
    assert tallies["Osh"].late == 0 and tallies["Osh"].received > 0
    # Tokmok's newest round (Tuesday and Friday) is half reported.
    tokmok = Market.objects.get(name="Tokmok")
    newest = max(
        today - timedelta(days=n)
        for n in range(7)
        if (today - timedelta(days=n)).weekday() in (1, 4)
    )
    day = completeness(sched.day_period(newest), today=today, markets=[tokmok])
    assert 0 < day.overall.received < day.overall.expected
    # An agent's last report is the day of their newest price, not the day of seeding:
    # agent2, who missed the last two rounds, last reported before them.
    agent2_newest = Quote.objects.filter(agent__username="agent2").latest("observed_on")
    last = timezone.localtime(report.last_reports[by_name["agent2"]]).date()
    assert last == agent2_newest.observed_on < today - timedelta(days=7)
    assert report.last_reports[by_name["agent"]] <= timezone.now()
