"""Invariants held by the database and the models themselves."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agriprices.models import CommodityAlias, LatestPrice, MarketAlias
from agriprices.selectors.quotes import approved_observations, reference_observations
from agriprices.validation import LOOKBACK, RecentPrices
from tests import factories
from tests.profiles import examples

pytestmark = pytest.mark.django_db


def test_an_alias_is_matched_by_its_normalised_form(potatoes):
    alias = CommodityAlias.objects.create(commodity=potatoes, name="  Pommes-de-Terre ")
    assert alias.normalized == "pommes de terre"


def test_one_name_cannot_mean_two_things(potatoes, osh):
    onions = factories.CommodityFactory(name="Onions")
    CommodityAlias.objects.create(commodity=potatoes, name="luk")
    with pytest.raises(IntegrityError), transaction.atomic():
        CommodityAlias.objects.create(commodity=onions, name="LUK")
    # An external code may equal a name: they are matched separately.
    MarketAlias.objects.create(market=osh, name="2618", kind="code")
    MarketAlias.objects.create(market=osh, name="2618", kind="name")


def test_one_latest_row_per_series(potatoes, osh):
    quote = factories.QuoteFactory(commodity=potatoes, market=osh)
    other = factories.QuoteFactory(commodity=potatoes, market=osh)
    fields = dict(
        commodity=potatoes,
        market=osh,
        price_type="retail",
        unit=quote.unit,
        price=1,
        currency="KGS",
        price_per_base_unit=1,
        observed_on=quote.observed_on,
    )
    LatestPrice.objects.create(quote=quote, **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        LatestPrice.objects.create(quote=other, **fields)


def test_translations_fall_back_to_the_name(potatoes):
    potatoes.translations = {"ru": "Картофель"}
    assert (potatoes.display_name("ru"), potatoes.display_name("ky")) == ("Картофель", "Potatoes")


history = st.lists(
    st.tuples(st.integers(0, 2), st.integers(0, 120), st.integers(10, 40)), max_size=40
)
# Many prices on few days, so ties at the sample cut-off are common.
crowded = st.lists(
    st.tuples(st.integers(0, 2), st.integers(0, 3), st.integers(10, 40)), max_size=40
)


@settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(history=history | crowded, value=st.integers(1, 400), market=st.integers(0, 2))
def test_bounded_reference_query_gives_the_verdict_of_the_full_history(
    history, value, market, potatoes, today
):
    """record_quote loads only a few rows; it must judge exactly as the rule would with
    every price at hand (the importer's way)."""
    markets = [factories.MarketFactory(name=f"M{i}") for i in range(3)]
    with transaction.atomic():
        for m, ago, price in history:
            factories.QuoteFactory(
                commodity=potatoes,
                market=markets[m],
                price=Decimal(price),
                observed_on=today - timedelta(days=ago),
            )
        args = dict(commodity_id=potatoes.pk, price_type="retail", currency="KGS")
        full = RecentPrices(approved_observations(**args, start=today - LOOKBACK, end=today))
        bounded = RecentPrices(
            reference_observations(**args, market_id=markets[market].pk, observed_on=today)
        )
        kwargs = dict(market_id=markets[market].pk, observed_on=today)
        assert full.assess(Decimal(value), **kwargs) == bounded.assess(Decimal(value), **kwargs)
        transaction.set_rollback(True)
