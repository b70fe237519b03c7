from decimal import Decimal

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from agriprices.models import CommodityAlias, MarketAlias, PriceType
from agriprices.services.series import refresh_series
from tests import factories


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def token_client():
    """A function that makes an API client holding ``user``'s token."""
    return client_with_token


def client_with_token(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def prices(db, potatoes, osh, bishkek, days_ago):
    """Potatoes and onions at Osh, Bishkek and Naryn over six weeks, with names in
    several scripts."""
    onions = factories.CommodityFactory(name="Onions", category="vegetables and fruits")
    naryn = factories.MarketFactory(name="Naryn")
    for market, lat, lon in [(osh, "40.5283", "72.7985"), (bishkek, "42.8746", "74.5698")]:
        market.latitude, market.longitude = Decimal(lat), Decimal(lon)
        market.save()
    CommodityAlias.objects.create(commodity=potatoes, name="картошка", language="ky")
    MarketAlias.objects.create(market=osh, name="Ош", language="ru")
    base = {osh: 18, bishkek: 20, naryn: 22}
    for market, level in base.items():
        for commodity, factor in [(potatoes, 1), (onions, 1.5)]:
            for ago in range(42, 0, -7):
                factories.QuoteFactory(
                    commodity=commodity,
                    market=market,
                    price=Decimal(str(round(level * factor + (42 - ago) / 7, 1))),
                    observed_on=days_ago(ago),
                )
            refresh_series(
                commodity_id=commodity.pk,
                market_id=market.pk,
                price_type=PriceType.RETAIL,
                first_day=days_ago(42),
                last_day=days_ago(7),
            )
    factories.QuoteFactory(
        commodity=potatoes,
        market=osh,
        price=Decimal("180"),
        observed_on=days_ago(1),
        status="flagged",
    )
    return {"potatoes": potatoes, "onions": onions, "osh": osh, "bishkek": bishkek, "naryn": naryn}
