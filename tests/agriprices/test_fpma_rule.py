"""FAO FPMA's rule: no warning is sent or shown for a series whose latest price is more
than two months old, however alarming its last judged month."""

from datetime import date, timedelta

import pytest

from agriprices.models import LatestPrice
from agriprices.selectors.latest import latest_prices
from agriprices.warnings.computation import refresh_warnings
from agriprices.warnings.indicators import current_since
from agriprices.warnings.models import PriceWarning
from agriprices.warnings.queries import price_warnings, warning_of, with_warnings
from sms_gateway.channels.inbound import simulate
from sms_gateway.models import OutboundMessage
from tests.agriprices.test_price_warnings import follow, load_series


@pytest.mark.parametrize(
    ("today", "since"),
    [
        (date(2026, 12, 6), date(2026, 10, 6)),
        (date(2026, 12, 31), date(2026, 10, 31)),
        (date(2026, 4, 30), date(2026, 2, 28)),
        (date(2026, 1, 15), date(2025, 11, 15)),
    ],
)
def test_two_months_back(today, since):
    assert current_since(today) == since


@pytest.fixture
def old_spike(potatoes, osh, today):
    """Four years of potatoes at Osh ending in a spike, the last price in the month
    before the one two months ago: more than two months old."""
    load_series(potatoes, osh, today - timedelta(days=62), last_factor=1.4)
    follow(potatoes, osh, "+996555000001")
    refresh_warnings()


def test_an_old_series_warns_nobody_and_shows_nowhere(old_spike, potatoes, osh, today):
    latest = LatestPrice.objects.get(commodity=potatoes, market=osh)
    assert latest.observed_on < current_since(today)
    # Judged and kept on record...
    assert PriceWarning.objects.filter(alps_band__in=["alert", "crisis"]).exists()
    # ...but not current: not on the warnings page or API, not beside the latest price,
    # not in a farmer's reply, and no SMS.
    assert not price_warnings().exists()
    assert warning_of(latest) is None
    assert with_warnings(latest_prices(commodity=potatoes)).get().warning_band is None
    _, reply = simulate(sender="+996555000009", body="potatoes osh")
    assert "for the season" not in reply
    assert not OutboundMessage.objects.exists()


def test_a_recent_series_still_warns(potatoes, osh, today):
    load_series(potatoes, osh, today, last_factor=1.4)
    follow(potatoes, osh, "+996555000001")
    refresh_warnings()
    latest = LatestPrice.objects.get(commodity=potatoes, market=osh)
    assert price_warnings().get().alps_band in ("alert", "crisis")
    assert warning_of(latest) is not None
    assert OutboundMessage.objects.count() == 1


def test_the_rule_applies_as_days_pass_with_no_new_price(potatoes, osh, today):
    load_series(potatoes, osh, today, last_factor=1.4)
    refresh_warnings()
    later = today + timedelta(days=75)
    assert price_warnings(today=today).exists()
    assert not price_warnings(today=later).exists()


def test_no_sms_when_the_series_went_quiet_before_the_run(potatoes, osh, today):
    load_series(potatoes, osh, today, last_factor=1.4)
    follow(potatoes, osh, "+996555000001")
    refresh_warnings(today=today + timedelta(days=75))
    assert PriceWarning.objects.exists()
    assert not OutboundMessage.objects.exists()
