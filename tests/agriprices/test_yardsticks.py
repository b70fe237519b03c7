"""Honest yardsticks: the review queue sets a held price against the normal price fitted
without it, and a farmer's price reply says what the warnings page says, even in the
first days of a month (before the month under way is judged)."""

from decimal import Decimal

import pytest

from agriprices.selectors.latest import latest_price
from agriprices.services.series import rebuild_latest_prices
from agriprices.warnings.computation import refresh_warnings
from sms_gateway.channels.inbound import simulate as simulate_sms
from telecentre.selectors import review as review_pages
from telecentre.selectors import warnings as warning_pages
from tests import factories
from tests.agriprices.test_price_warnings import load_series, price_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def steady(potatoes, osh, today):
    """Four years of potatoes at Osh, about 35 som, and one approved price early this
    month."""
    months = load_series(potatoes, osh, today)
    factories.QuoteFactory(
        commodity=potatoes, market=osh, observed_on=today.replace(day=1),
        price=price_of(months[-1], len(months)),
    )  # fmt: skip
    rebuild_latest_prices()
    return months


def test_a_slipped_decimal_is_set_against_the_normal_price_without_it(
    steady, potatoes, osh, today, client, operator
):
    normal = float(latest_price(commodity=potatoes, market=osh).price)
    slipped = factories.QuoteFactory(
        commodity=potatoes, market=osh, observed_on=today, status="flagged",
        price=Decimal(str(round(normal * 10, 1))),
    )  # fmt: skip
    (item,) = review_pages.flagged_quotes()
    assert item.quote == slipped
    # Before: the normal price was refitted with the slip in its month's median (the
    # median of one approved price and the slip): +355 %, a third as far off.
    assert 850 <= item.context.price_vs_normal_pct <= 950
    assert item.context.price_band == "crisis"
    client.force_login(operator)
    page = client.get("/review/").content.decode()
    assert f"This price: +{item.context.price_vs_normal_pct} % from normal" in page


def test_the_normal_price_of_a_month_with_no_other_price_is_the_trend_carried_on(
    potatoes, osh, today
):
    months = load_series(potatoes, osh, today)
    factories.QuoteFactory(
        commodity=potatoes, market=osh, observed_on=today, status="flagged",
        price=price_of(months[-1], len(months)) * 10,
    )  # fmt: skip
    (item,) = review_pages.flagged_quotes()
    assert 850 <= item.context.price_vs_normal_pct <= 950


@pytest.fixture
def spike_then_a_new_month(potatoes, osh, today):
    """Four years of potatoes at Osh, last month 40 % dear and judged so; this month
    one price yet, as dear: the month under way is not judged before it has four."""
    months = load_series(potatoes, osh, today, last_factor=1.4)
    refresh_warnings()
    factories.QuoteFactory(
        commodity=potatoes, market=osh, observed_on=today,
        price=price_of(months[-1], len(months)) * Decimal("1.4"),
    )  # fmt: skip
    rebuild_latest_prices()
    refresh_warnings()
    return months


def test_the_sms_season_hint_uses_the_newest_judged_month_as_the_warnings_page_does(
    spike_then_a_new_month, potatoes, osh, today
):
    shown = warning_pages.warnings_page()
    assert [(w.commodity, w.market, w.month) for w in shown.alarming] == [
        (potatoes, osh, spike_then_a_new_month[-1])
    ]
    # Before: the reply looked for this month's warning only, and said nothing.
    _, reply = simulate_sms(sender="+996555000009", body="potatoes osh")
    assert f"{today:%d.%m}" in reply and "High for the season" in reply
