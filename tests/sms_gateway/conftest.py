import pytest

from agriprices.models import LatestPrice
from tests import factories


@pytest.fixture
def a_price(potatoes, osh):
    """Potatoes at 18 in Osh, approved and latest."""
    from agriprices import services as prices

    factories.QuoteFactory(commodity=potatoes, market=osh, price=18)
    prices.rebuild_latest_prices()
    return LatestPrice.objects.get()
