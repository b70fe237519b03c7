"""What is derived from a series' quotes (its latest price, its week and month summaries)
always equals what its approved quotes say, whatever sequence of recordings, approvals
and rejections led there."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agriprices.models import LatestPrice, PriceSummary, Quote
from agriprices.periods import PERIODS, summarize
from agriprices.services.recording import QuoteError, record_quote
from agriprices.services.reviewing import review_quote
from agriprices.services.series import rebuild_latest_prices, refresh_latest_price
from tests import factories
from tests.profiles import examples

pytestmark = pytest.mark.django_db

steps = st.lists(
    st.one_of(
        st.tuples(
            st.just("record"),
            st.integers(0, 1),  # market
            st.integers(0, 40),  # days ago
            st.decimals(min_value=Decimal("5"), max_value=Decimal("400"), places=1),
        ),
        st.tuples(st.just("approve"), st.integers(0, 50)),
        st.tuples(st.just("reject"), st.integers(0, 50)),
    ),
    min_size=1,
    max_size=25,
)


def newest_approved(commodity, market):
    return (
        Quote.objects.filter(commodity=commodity, market=market, status="approved")
        .order_by("-observed_on", "-id")
        .first()
    )


def stored_summaries(commodity, market):
    rows = PriceSummary.objects.filter(commodity=commodity, market=market, price_type="retail")
    return sorted((r.period, r.period_start, r.median, r.low, r.high, r.count) for r in rows)


def summaries_from_quotes(commodity, market):
    prices = list(
        Quote.objects.filter(commodity=commodity, market=market, status="approved").values_list(
            "observed_on", "price_per_base_unit"
        )
    )
    return sorted(
        (period, x.period_start, x.median, x.low, x.high, x.count)
        for period in PERIODS
        for x in summarize(prices, period)
    )


@settings(
    max_examples=examples(40),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(steps=steps)
def test_latest_price_is_always_the_newest_approved_quote(
    steps, potatoes, osh, bishkek, operator, today
):
    markets = [osh, bishkek]
    with transaction.atomic():
        for step in steps:
            try:
                if step[0] == "record":
                    _, market, ago, price = step
                    record_quote(
                        agent=operator,
                        commodity=potatoes,
                        market=markets[market],
                        unit=potatoes.base_unit,
                        price=price,
                        observed_on=today - timedelta(days=ago),
                        source=Quote.Source.WEB,
                    )
                else:
                    ids = list(Quote.objects.order_by("id").values_list("id", flat=True))
                    if not ids:
                        continue
                    review_quote(
                        quote_id=ids[step[1] % len(ids)],
                        reviewer=operator,
                        approve=step[0] == "approve",
                        reason="property test",
                    )
            except QuoteError:
                pass  # refused inputs change nothing; the invariant must still hold
            for market in markets:
                assert stored_summaries(potatoes, market) == summaries_from_quotes(potatoes, market)
                newest = newest_approved(potatoes, market)
                row = LatestPrice.objects.filter(commodity=potatoes, market=market).first()
                if newest is None:
                    assert row is None
                else:
                    assert row is not None
                    assert (row.quote_id, row.price, row.observed_on) == (
                        newest.pk,
                        newest.price,
                        newest.observed_on,
                    )
        transaction.set_rollback(True)


def test_week_and_month_changes(operator, potatoes, osh, days_ago):
    for ago, price in [(40, "10"), (9, "16"), (1, "20")]:
        factories.QuoteFactory(
            commodity=potatoes, market=osh, price=Decimal(price), observed_on=days_ago(ago)
        )
    refresh_latest_price(commodity_id=potatoes.pk, market_id=osh.pk, price_type="retail")
    row = LatestPrice.objects.get()
    assert row.change_week_pct == Decimal("25.0")
    assert row.change_month_pct == Decimal("100.0")


def test_no_week_change_when_the_previous_price_is_too_old(potatoes, osh, days_ago):
    for ago, price in [(30, "10"), (1, "20")]:
        factories.QuoteFactory(
            commodity=potatoes, market=osh, price=Decimal(price), observed_on=days_ago(ago)
        )
    refresh_latest_price(commodity_id=potatoes.pk, market_id=osh.pk, price_type="retail")
    row = LatestPrice.objects.get()
    assert row.change_week_pct is None
    assert row.change_month_pct == Decimal("100.0")


def test_rebuild_restores_rows_after_manual_database_work(potatoes, osh, bishkek, days_ago):
    factories.QuoteFactory(commodity=potatoes, market=osh, observed_on=days_ago(3))
    newest = factories.QuoteFactory(commodity=potatoes, market=osh, observed_on=days_ago(1))
    orphan_quote = factories.QuoteFactory(commodity=potatoes, market=bishkek, status="rejected")
    LatestPrice.objects.create(
        commodity=potatoes,
        market=bishkek,
        price_type="retail",
        quote=orphan_quote,
        unit=orphan_quote.unit,
        price=1,
        currency="KGS",
        price_per_base_unit=1,
        observed_on=orphan_quote.observed_on,
    )
    assert rebuild_latest_prices() == 1
    assert list(LatestPrice.objects.values_list("quote_id", flat=True)) == [newest.pk]
