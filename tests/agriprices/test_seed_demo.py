import io

import pytest
from django.core.management import CommandError, call_command

from agriprices import demo, name_index, selectors
from agriprices.models import Commodity, LatestPrice, Market, Quote

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
    for username, password, _ in demo.DEMO_USERS:
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
    market, commodity = demo.MARKETS[0], demo.COMMODITIES[0]
    assert demo.demo_price(market, commodity, "retail", today, today) == demo.demo_price(
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
    assert sorted(m.name for m in selectors.assigned_markets(agent)) == ["Jalal-Abad", "Osh"]
    assert not agent.has_perm("agriprices.review_quote")
    operator = get_user_model().objects.get(username="operator")
    assert operator.has_perm("agriprices.review_quote")
