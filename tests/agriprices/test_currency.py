"""One currency per comparison. A price in another currency than the service's (an
agent's API write with "currency": "USD") is kept, shown in its own currency, held for an
operator, and never compared with som prices: not in the latest price and its week
change, the SMS reply, the rankings, the summaries, the warnings, the grid or the map,
even once an operator approves it. A code that is no currency is refused on every path
that takes one (the API, price files)."""

import io
from decimal import Decimal

import pytest

from agriprices.importers import import_price_rows, read_price_file
from agriprices.models import LatestPrice, PriceSummary, Quote
from agriprices.selectors.latest import latest_price, latest_prices
from agriprices.services.reviewing import review_quote
from agriprices.services.series import rebuild_latest_prices
from agriprices.validation import currency_error
from agriprices.warnings.computation import refresh_warnings
from agriprices.warnings.models import PriceWarning
from telecentre.selectors import prices as price_pages
from telecentre.selectors import review as review_pages
from tests import factories
from tests.api.conftest import client_with_token

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("code", ["KGS", "USD", "EUR", "KZT", "BYR", "BYN"])
def test_current_and_withdrawn_iso_codes_are_currencies(code):
    assert currency_error(code) is None


@pytest.mark.parametrize(
    "code",
    # Metals, units of account and CLDR's offshore yuan are codes, but no market's money.
    ["XYZ", "SOM", "US$", "DOLLARS", "", "XXX", "XTS", "XAU", "XDR", "XBA", "XSU", "CNH"],
)
def test_anything_else_is_not(code):
    assert "is not an ISO 4217 code" in currency_error(code)


@pytest.fixture
def osh_weeks(potatoes, osh, bishkek, days_ago):
    """Potatoes at Osh (18 som) and Bishkek (20 som) every few days for six weeks; an
    agent of Osh with an API token."""
    for market, level in [(osh, 18), (bishkek, 20)]:
        for ago in range(43, 0, -3):
            factories.QuoteFactory(
                commodity=potatoes, market=market, price=level, observed_on=days_ago(ago)
            )
    rebuild_latest_prices()
    agent = factories.agent(markets=[osh], username="agent_osh")
    return client_with_token(agent)


def post_usd(client, today):
    body = {
        "commodity": "potatoes",
        "market": "osh",
        "unit": "kg",
        "price": "0.21",
        "currency": "USD",
        "observed_on": today.isoformat(),
    }
    return client.post("/api/v1/quotes/", body, format="json")


def what_farmers_see(potatoes, osh):
    latest = latest_price(commodity=potatoes, market=osh)
    ranked = [(r.market.name, r.currency) for r in latest_prices(commodity=potatoes)]
    months = list(
        PriceSummary.objects.filter(market=osh)
        .order_by("period", "period_start")
        .values_list("period", "period_start", "median")
    )
    return latest.price, latest.currency, latest.change_week_pct, ranked, months


def test_a_usd_price_written_through_the_api_changes_nothing_a_farmer_sees(
    osh_weeks, potatoes, osh, operator, today
):
    before = what_farmers_see(potatoes, osh)
    response = post_usd(osh_weeks, today)
    assert response.status_code == 201
    body = response.json()
    # Stored, in its own currency, held for an operator (before: approved, and the SMS
    # said the price fell 98.8 % in a week; Osh ranked cheapest at "0.21").
    assert (Decimal(body["price"]), body["currency"], body["status"]) == (
        Decimal("0.21"),
        "USD",
        "flagged",
    )
    assert what_farmers_see(potatoes, osh) == before
    # An operator who confirms it keeps it on record; it is still compared with nothing.
    review_quote(quote_id=body["id"], reviewer=operator, approve=True)
    refresh_warnings()
    assert what_farmers_see(potatoes, osh) == before
    assert before[1] == "KGS" and before[2] == Decimal("0.0")
    assert not PriceWarning.objects.filter(price__lt=1).exists()
    # The record lists it as it is: 0.21 USD, not a som price.
    listed = osh_weeks.get("/api/v1/quotes/?market=osh&observed_after=" + today.isoformat())
    listed = [(Decimal(q["price"]), q["currency"]) for q in listed.json()["results"]]
    assert listed == [(Decimal("0.21"), "USD")]


def test_the_sms_reply_keeps_the_som_price_and_its_week_change(
    osh_weeks, potatoes, osh, today, client
):
    post_usd(osh_weeks, today)
    Quote.objects.filter(currency="USD").update(status="approved")
    rebuild_latest_prices()
    reply = client.get("/api/v1/ask/", {"q": "potatoes osh"}).json()["text"]
    # Before: "Potatoes Osh: 0.21 USD/kg ... -98.8% wk".
    assert reply.startswith("Potatoes Osh: 18 KGS/kg") and "USD" not in reply
    assert "98" not in reply and "Bishkek 20" in reply


def test_a_market_priced_only_in_another_currency_is_never_ranked(
    potatoes, osh, bishkek, today, client
):
    factories.QuoteFactory(commodity=potatoes, market=osh, price=18, observed_on=today)
    factories.QuoteFactory(
        commodity=potatoes, market=bishkek, price=Decimal("0.2"), currency="USD", observed_on=today
    )
    rebuild_latest_prices()
    assert [r.market.name for r in latest_prices(commodity=potatoes)] == ["Osh"]
    grid = price_pages.price_grid(language="en")
    assert [m.name for m in grid.markets] == ["Osh"]
    assert [row.latest.market.name for row in price_pages.price_map(potatoes).rows] == ["Osh"]
    assert set(PriceSummary.objects.values_list("market__name", flat=True)) == {"Osh"}
    page = client.get("/commodities/potatoes/").content.decode()
    assert "Osh" in page and "USD" not in page and "0.2" not in page


def test_the_review_queue_shows_it_in_its_currency_beside_nothing(
    osh_weeks, potatoes, osh, operator, today, client
):
    post_usd(osh_weeks, today)
    (item,) = review_pages.flagged_quotes()
    assert item.recent == [] and not item.context.compared
    client.force_login(operator)
    page = client.get("/review/").content.decode()
    assert "0.21 USD/kg" in page
    assert "In USD: compared with no other price." in page
    assert "% from normal" not in page


@pytest.mark.parametrize("code", ["XYZ", "dollars", "US$", "€", "123", "USDT"])
def test_the_api_refuses_a_code_that_is_no_currency_naming_the_field(osh_weeks, today, code):
    body = {"commodity": "potatoes", "market": "osh", "unit": "kg", "price": "18"}
    before = Quote.objects.count()
    response = osh_weeks.post("/api/v1/quotes/", {**body, "currency": code}, format="json")
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["field"] == "currency"
    # One message for every wrong code, saying what a currency is.
    assert "is not an ISO 4217 code such as KGS or USD" in error["message"]
    assert Quote.objects.count() == before


def test_a_service_currency_that_is_no_currency_stops_the_service_at_its_start(settings):
    from django.core import checks

    settings.AGRIPRICES_CURRENCY = "SOM"
    errors = [m for m in checks.run_checks() if m.id == "agriprices.E001"]
    assert [e.msg for e in errors] == [
        "AGRIPRICES_CURRENCY: currency 'SOM' is not an ISO 4217 code such as KGS or USD"
    ]


def test_a_batch_refuses_only_the_item_with_a_made_up_code(osh_weeks, today):
    items = [
        {"commodity": "potatoes", "market": "osh", "unit": "kg", "price": "18"},
        {"commodity": "potatoes", "market": "osh", "unit": "kg", "price": "18",
         "currency": "XYZ", "price_type": "wholesale"},
    ]  # fmt: skip
    response = osh_weeks.post("/api/v1/quotes/", items, format="json")
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["created", "rejected"]
    assert results[1]["errors"][0]["field"] == "currency"
    assert Quote.objects.filter(observed_on=today, price_type="wholesale").count() == 0


HEADER = "external_id,observed_on,region,market,commodity,unit,price_type,currency,price\n"


def test_an_import_refuses_a_made_up_code_and_holds_another_currency(db, today):
    day = today.isoformat()
    text = HEADER + (
        f"f:1,{day},Chuy,Osh,Potatoes,kg,retail,KGS,18\n"
        f"f:2,{day},Chuy,Osh,Onions,kg,retail,USD,0.3\n"
        f"f:3,{day},Chuy,Osh,Carrots,kg,retail,XYZ,20\n"
    )
    report = import_price_rows(read_price_file(io.StringIO(text), "csv"), all_or_nothing=False)
    assert [(e.line, e.reason) for e in report.errors] == [
        (4, "currency 'XYZ' is not an ISO 4217 code such as KGS or USD")
    ]
    assert "held for review: 1 in another currency than the service's" in report.summary()
    held = Quote.objects.get(currency="USD")
    assert held.status == "flagged"
    assert list(LatestPrice.objects.values_list("commodity__name", flat=True)) == ["Potatoes"]
