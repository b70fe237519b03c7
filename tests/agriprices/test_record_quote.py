from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from agriprices.models import LatestPrice, PriceType, Quote, QuoteEvent
from agriprices.selectors.agents import live_quote_of_agent
from agriprices.selectors.latest import latest_price
from agriprices.services.recording import QuoteError, record_quote, record_quote_once
from agriprices.services.reviewing import review_quote
from tests import factories

D = Decimal
pytestmark = pytest.mark.django_db


def record(agent, commodity, market, price, day, unit=None, **kwargs):
    return record_quote(
        agent=agent,
        commodity=commodity,
        market=market,
        unit=unit or commodity.base_unit,
        price=D(price),
        observed_on=day,
        source=kwargs.pop("source", Quote.Source.WEB),
        **kwargs,
    )


def test_a_normal_price_is_approved_and_becomes_the_latest(agent, potatoes, osh, today):
    quote = record(agent, potatoes, osh, "18.5", today)
    assert quote.status == Quote.Status.APPROVED
    assert quote.currency == "KGS"
    latest = latest_price(commodity=potatoes, market=osh)
    assert (latest.quote_id, latest.price) == (quote.pk, D("18.5"))
    event = QuoteEvent.objects.get(quote=quote)
    assert (event.from_status, event.to_status, event.actor) == ("", "approved", agent)


def test_price_in_a_bag_is_compared_per_kg(agent, potatoes, osh, today):
    quote = record(agent, potatoes, osh, "900", today, unit=factories.unit("bag50kg"))
    assert quote.price_per_base_unit == D("18")


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"price": "0"}, "price", "price must be greater than zero"),
        ({"price": "-4"}, "price", "price must be greater than zero"),
        ({"day": 1}, "observed_on", "is in the future"),
        ({"unit": "l"}, "unit", "unit l cannot be converted to kg"),
        ({"market": "bishkek"}, "market", "not assigned to the market Bishkek"),
        ({"price_type": "street"}, "price_type", "unknown price type"),
        ({"agent": None}, "agent", "needs the agent"),
    ],
)
def test_each_rule_refuses_and_stores_nothing(
    agent, potatoes, osh, bishkek, today, days_ago, change, field, message
):
    kwargs = {
        "agent": agent,
        "commodity": potatoes,
        "market": bishkek if change.get("market") else osh,
        "price": change.get("price", "18"),
        "day": today if "day" not in change else days_ago(-change["day"]),
        "unit": factories.unit(change["unit"]) if "unit" in change else None,
    }
    if "price_type" in change:
        kwargs["price_type"] = change["price_type"]
    if "agent" in change:
        kwargs["agent"] = change["agent"]
    with pytest.raises(QuoteError) as error:
        record(**kwargs)
    assert error.value.field == field
    assert message in error.value.message
    assert Quote.objects.count() == 0
    assert LatestPrice.objects.count() == 0


def test_operators_record_at_any_market(operator, potatoes, bishkek, today):
    assert record(operator, potatoes, bishkek, "20", today).status == Quote.Status.APPROVED


def test_inactive_agent_cannot_record(agent, potatoes, osh, today):
    agent.is_active = False
    agent.save()
    with pytest.raises(QuoteError):
        record(agent, potatoes, osh, "18", today)


def test_second_price_of_the_same_agent_market_commodity_and_day_is_a_duplicate(
    agent, potatoes, osh, today
):
    first = record(agent, potatoes, osh, "18", today)
    with pytest.raises(QuoteError) as error:
        record(agent, potatoes, osh, "19", today)
    assert error.value.code == "duplicate"
    assert error.value.existing == first  # named to the caller, not by an id in the text
    assert error.value.message == (
        f"Potatoes at Osh is already recorded for {today.isoformat()}: 18 KGS/kg. "
        "Ask an operator to reject it before entering a correction."
    )
    assert Quote.objects.count() == 1
    # Another price type is another series: not a duplicate.
    assert record(agent, potatoes, osh, "15", today, price_type=PriceType.WHOLESALE)


def test_after_a_rejection_the_agent_can_enter_a_correction(agent, operator, potatoes, osh, today):
    wrong = record(agent, potatoes, osh, "18", today)
    review_quote(quote_id=wrong.pk, reviewer=operator, approve=False, reason="typo")
    corrected = record(agent, potatoes, osh, "19", today)
    assert corrected.status == Quote.Status.APPROVED


def test_the_database_refuses_a_duplicate_even_past_the_service(agent, potatoes, osh, today):
    record(agent, potatoes, osh, "18", today)
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.QuoteFactory(
            agent=agent, commodity=potatoes, market=osh, observed_on=today, source="web"
        )


def test_the_database_refuses_a_price_of_zero(potatoes, osh):
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.QuoteFactory(commodity=potatoes, market=osh, price=D("0"), price_per_base_unit=1)


def test_an_outlier_is_stored_flagged_with_its_reason_and_is_not_the_latest(
    agent, potatoes, osh, days_ago
):
    for n, price in enumerate(["18", "18.5", "19", "18", "18.5"], start=2):
        record(agent, potatoes, osh, price, days_ago(n * 2))
    before = latest_price(commodity=potatoes, market=osh)
    slipped = record(agent, potatoes, osh, "185", days_ago(1))
    assert slipped.status == Quote.Status.FLAGGED
    assert slipped.status_reason == "10.0× the recent median at Osh (median 18.5 of 5 prices)"
    assert latest_price(commodity=potatoes, market=osh).quote_id == before.quote_id


def test_a_price_in_another_currency_is_held_and_compared_with_nothing(
    agent, potatoes, osh, days_ago
):
    for n in range(2, 7):
        record(agent, potatoes, osh, "18", days_ago(n))
    quote = record(agent, potatoes, osh, "0.2", days_ago(1), currency="usd")
    assert (quote.status, quote.currency) == (Quote.Status.FLAGGED, "USD")
    assert quote.status_reason == "priced in USD, not KGS: kept apart, compared with nothing"


def test_a_new_market_is_judged_against_other_markets(
    agent, operator, potatoes, osh, bishkek, days_ago
):
    for n in range(2, 7):
        record(operator, potatoes, bishkek, "18", days_ago(n))
    quote = record(agent, potatoes, osh, "180", days_ago(1))
    assert quote.status == Quote.Status.FLAGGED
    assert "across markets" in quote.status_reason


def test_a_restated_price_that_lost_a_race_is_the_same_price_again(
    agent, potatoes, osh, kg, today, monkeypatch
):
    """Two deliveries of one price under two ids at once: the second passes the check
    before the first commits, and its insert meets the first's row. It is answered as
    the same price again, not as an error (found on PostgreSQL with parallel forms)."""
    from agriprices.services import recording

    fields = dict(agent=agent, commodity=potatoes, market=osh, unit=kg, observed_on=today)
    first, _ = record_quote_once(external_id="a", price=Decimal("18"), source="api", **fields)
    real = live_quote_of_agent
    calls = iter([None])  # the check before the insert sees nothing yet
    monkeypatch.setattr(
        recording, "live_quote_of_agent", lambda **kw: next(calls, None) or real(**kw)
    )
    again, created = record_quote_once(
        external_id="b", price=Decimal("18.00"), source="api", **fields
    )
    assert (again, created) == (first, False) and Quote.objects.count() == 1
