from decimal import Decimal

import pytest

from agriprices.models import LatestPrice, Quote
from agriprices.selectors.latest import latest_price
from agriprices.services.recording import QuoteError, record_quote
from agriprices.services.reviewing import review_quote

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(agent, potatoes, osh, days_ago):
    return [
        record_quote(
            agent=agent,
            commodity=potatoes,
            market=osh,
            unit=potatoes.base_unit,
            price=Decimal(price),
            observed_on=days_ago(day),
            source=Quote.Source.WEB,
        )
        for day, price in [(20, "18"), (15, "18.5"), (10, "19"), (8, "18"), (1, "180")]
    ]


def test_operator_approves_a_flagged_price_and_it_becomes_the_latest(
    history, operator, potatoes, osh
):
    flagged = history[-1]
    assert flagged.status == Quote.Status.FLAGGED
    review_quote(quote_id=flagged.pk, reviewer=operator, approve=True, reason="checked")
    latest = latest_price(commodity=potatoes, market=osh)
    assert latest.quote_id == flagged.pk
    assert latest.change_week_pct == Decimal("900.0")  # 180 against 18 eight days before
    events = list(
        flagged.events.values_list("from_status", "to_status", "actor__username", "reason")
    )
    assert events[-1] == ("flagged", "approved", operator.username, "checked")


def test_rejecting_needs_a_reason(history, operator):
    with pytest.raises(QuoteError) as error:
        review_quote(quote_id=history[-1].pk, reviewer=operator, approve=False)
    assert error.value.field == "reason"
    assert Quote.objects.get(pk=history[-1].pk).status == Quote.Status.FLAGGED


def test_agents_cannot_review(history, agent):
    with pytest.raises(QuoteError) as error:
        review_quote(quote_id=history[-1].pk, reviewer=agent, approve=True)
    assert error.value.code == "forbidden"
    assert Quote.objects.get(pk=history[-1].pk).status == Quote.Status.FLAGGED


def test_retracting_the_latest_price_falls_back_to_the_one_before(history, operator, potatoes, osh):
    newest_approved = history[3]
    review_quote(quote_id=newest_approved.pk, reviewer=operator, approve=False, reason="wrong")
    assert latest_price(commodity=potatoes, market=osh).quote_id == history[2].pk


def test_rejecting_every_price_removes_the_latest_row(history, operator, potatoes, osh):
    for quote in history[:4]:
        review_quote(quote_id=quote.pk, reviewer=operator, approve=False, reason="x")
    assert latest_price(commodity=potatoes, market=osh) is None
    assert LatestPrice.objects.count() == 0


def test_the_same_decision_twice_is_refused(history, operator):
    with pytest.raises(QuoteError) as error:
        review_quote(quote_id=history[0].pk, reviewer=operator, approve=True)
    assert error.value.code == "conflict"


def test_unknown_quote(operator, db):
    with pytest.raises(QuoteError) as error:
        review_quote(quote_id=999999, reviewer=operator, approve=True)
    assert error.value.code == "not_found"
