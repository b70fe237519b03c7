import pytest

from agriprices.services.series import rebuild_latest_prices
from tests import factories


@pytest.fixture
def field(potatoes, osh, bishkek, today, days_ago):
    """An agent at Osh; weeks of potato prices there; Bishkek is someone else's."""
    aibek = factories.agent(markets=[osh], username="aibek")
    for ago in range(40, 0, -3):
        factories.QuoteFactory(commodity=potatoes, market=osh, price=30, observed_on=days_ago(ago))
    factories.unit("bag50kg")
    rebuild_latest_prices()
    return aibek
