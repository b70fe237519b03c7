"""The price warnings on the dashboard: their page, the badges in price tables, the
normal price on the chart, the review queue's help, and bulletin drafts."""

import re
from datetime import timedelta

import pytest

from agriprices.models import Quote
from agriprices.services.recording import record_quote
from agriprices.services.reviewing import review_quote
from agriprices.services.series import rebuild_latest_prices
from agriprices.warnings.computation import refresh_warnings
from telecentre.models import Bulletin
from tests import factories
from tests.agriprices.test_price_warnings import load_series, price_of

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def warned(potatoes, osh, bishkek, today):
    """Potatoes in crisis at Osh, normal at Bishkek; onions low at Osh."""
    onions = factories.CommodityFactory(name="Onions", slug="onions")
    load_series(potatoes, osh, today, last_factor=1.5)
    load_series(potatoes, bishkek, today)
    load_series(onions, osh, today, last_factor=0.55)
    refresh_warnings()
    return onions


def test_the_warnings_page_lists_alert_and_crisis_first(client, warned):
    page = text(client.get("/warnings/"))
    assert page.index("Alert and crisis") < page.index("Potatoes Osh") < page.index("Low for")
    assert re.search(r"Potatoes Osh Osh Region \w+ \d{4} [\d.]+/kg [\d.]+ \+\d+ % crisis", page)
    assert re.search(r"Low for the season .*Onions Osh .* -\d+ % low", page)
    assert "1 crop and market at a normal price." in page
    assert "recomputed every night" in page


def test_the_warnings_page_speaks_the_readers_language(client, warned):
    client.cookies["django_language"] = "ru"
    page = text(client.get("/warnings/"))
    assert "Тревога и кризис" in page and "кризис" in page


def test_a_region_shows_only_its_markets(client, warned, osh):
    page = text(client.get(f"/warnings/?region={osh.region.slug}"))
    assert "Potatoes Osh" in page and "Bishkek" not in page.split("Region")[-1]


def test_price_tables_carry_the_band_badge(client, warned):
    for url in ("/", "/markets/osh/", "/commodities/potatoes/"):
        html = client.get(url).content.decode()
        assert '<span class="band b-crisis">crisis</span>' in html, url
    assert '<span class="band b-low">low</span>' in client.get("/markets/osh/").content.decode()


def test_a_market_in_crisis_is_charted_against_its_own_normal_price(client, warned):
    html = client.get("/commodities/potatoes/?months=24").content.decode()
    trend = html[html.index("<figure>") : html.index("</figure>")]
    # Nobody's bands behind the lines: a normal market never looks as if in crisis.
    assert 'fill="#fff3c4"' not in trend and 'stroke-dasharray="3 2"' not in trend
    legend = re.findall(r"</svg> ([^<]+?)(?: <small>(\w+)</small>)?</li>", trend)
    assert legend == [("Osh", "crisis"), ("Bishkek", "")]  # the market in crisis first
    own = html[html.index("Against their normal price") : html.index("Markets compared")]
    assert own.count('class="chart"') == 1  # Osh only: Bishkek is normal
    assert "<figcaption>Osh against its normal price</figcaption>" in own
    assert "Bishkek" not in own
    assert own.count('fill="#fff3c4"') == 1  # stress
    assert own.count('fill="#ffd8b0"') == 1  # alert
    assert 'stroke-dasharray="3 2"' in own  # the normal price
    assert "Normal price for the season (dashed)" in own


def test_the_review_queue_tells_a_typo_from_a_spike(client, potatoes, osh, bishkek, today):
    load_series(potatoes, osh, today, count=47)
    load_series(potatoes, bishkek, today, count=47)
    refresh_warnings()
    this_month = today.replace(day=1)
    # Normal prices this month, near enough to today's to be "that week" on any day.
    near = max(this_month, today - timedelta(days=1))
    for market in (osh, bishkek):
        for _ in range(4):
            factories.QuoteFactory(
                commodity=potatoes,
                market=market,
                price=price_of(this_month, 47),
                observed_on=near,
            )
    rebuild_latest_prices()
    typo = record_quote(
        agent=None,
        commodity=potatoes,
        market=osh,
        unit=potatoes.base_unit,
        price=price_of(this_month, 47) * 10,
        observed_on=today,
        source=Quote.Source.IMPORT,
    )
    assert typo.status == Quote.Status.FLAGGED
    client.force_login(factories.operator())
    page = text(client.get("/review/"))
    assert "1 of 1 price waiting, newest first" in page
    # The price itself is a crisis; its month's median would not move; the other market
    # did not move either: a typo.
    assert re.search(r"This price: \+\d+ % from normal crisis", page)
    assert "Its month if approved: normal" in page
    # Bishkek's own seasonal move since last month, whichever month this is.
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    move = (price_of(this_month, 47) / price_of(last_month, 46) - 1) * 100
    shown = re.search(r"Other markets: ([▲▼]) (\d+\.\d) % in a month \(1 market\)", page)
    assert shown and shown[1] == ("▲" if move > 0 else "▼")
    assert abs(float(shown[2]) - float(abs(move))) <= 0.1
    assert "Other prices here that week:" in page


def test_a_bulletin_draft_starts_from_the_warnings(client, warned):
    client.force_login(factories.operator())
    html = client.get("/bulletins/new/?from=warnings").content.decode()
    assert re.search(r'name="title" value="Price warnings, \w+ \d{4}"', html)
    body = html[html.index('name="body"') :]
    assert "Potatoes at Osh:" in body and "(crisis)" in body and "Onions at Osh:" in body
    summary = html[html.index('name="sms_summary"') :]
    assert "Potatoes Osh +" in summary
    # The draft is only a draft: nothing is saved until the operator saves it.
    assert not Bulletin.objects.exists()


def test_nobody_but_editors_sees_the_draft_button(client, warned):
    assert "Start a bulletin" not in text(client.get("/warnings/"))
    client.force_login(factories.operator())
    assert "Start a bulletin from these warnings" in text(client.get("/warnings/"))


def test_pages_follow_a_recomputation(client, warned, potatoes, osh):
    assert "crisis" in text(client.get("/warnings/"))
    first = Quote.objects.filter(market=osh, commodity=potatoes).latest("observed_on")
    review_quote(quote_id=first.pk, reviewer=factories.operator(), approve=False, reason="typo")
    refresh_warnings(only_changed=True)
    page = text(client.get("/warnings/"))
    assert "Potatoes Osh" not in page.split("Stress")[0].split("Alert and crisis")[-1]


def test_markets_in_crisis_are_charted_even_when_they_are_the_dearest(client, potatoes, today):
    calm = [factories.MarketFactory(name=f"Calm {n}") for n in range(6)]
    for market in calm:
        load_series(potatoes, market, today)
    hot = [factories.MarketFactory(name=name) for name in ("Osh", "Uzgen")]
    for market in hot:
        load_series(potatoes, market, today, last_factor=1.6)
    refresh_warnings()
    html = client.get("/commodities/potatoes/?months=24").content.decode()
    trend = html[html.index("<figure>") : html.index("</figure>")]
    drawn = re.findall(r"</svg> ([^<]+?)(?: <small>\w+</small>)?</li>", trend)
    assert len(drawn) == 6 and set(drawn[:2]) == {"Osh", "Uzgen"}
    own = html[html.index("Against their normal price") : html.index("Markets compared")]
    assert own.count('class="chart"') == 2
    table = text(client.get("/commodities/potatoes/")).split("cheapest first")[1]
    assert all(market.name in table for market in calm + hot)  # and every market compared


def test_a_national_spike_charts_every_market_in_a_band_and_names_the_rest(client, potatoes, today):
    """Eight markets in crisis at once: each is a line of the chart with its name in the
    legend, six have their own small chart, and the other two are named under them."""
    markets = [factories.MarketFactory(name=f"Town {n}") for n in range(8)]
    for market in markets:
        load_series(potatoes, market, today, last_factor=1.5)
    refresh_warnings()
    html = client.get("/commodities/potatoes/?months=24").content.decode()
    legend = html.split('<ul class="legend">')[1].split("</ul>")[0]
    assert all(f"Town {n}" in legend for n in range(8))
    assert html.count("against its normal price</figcaption>") == 6
    also = text(client.get("/commodities/potatoes/?months=24")).split("Also in a warning band")
    assert len(also) == 2 and also[1].count("(crisis)") == 2
