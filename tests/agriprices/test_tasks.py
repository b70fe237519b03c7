import pytest

from agriprices.models import LatestPrice
from agriprices.tasks import rebuild_latest_prices
from tests import factories


@pytest.mark.redis
def test_a_real_worker_rebuilds_latest_prices_through_redis(
    celery_worker_on_redis, potatoes, osh, days_ago
):
    newest = factories.QuoteFactory(commodity=potatoes, market=osh, observed_on=days_ago(1))
    factories.QuoteFactory(commodity=potatoes, market=osh, observed_on=days_ago(5))
    result = rebuild_latest_prices.delay()
    assert result.get(timeout=30) == {"series": 1}
    assert LatestPrice.objects.get().quote_id == newest.pk
    # Run twice (a redelivery): same outcome, nothing doubled.
    assert rebuild_latest_prices.delay().get(timeout=30) == {"series": 1}
    assert LatestPrice.objects.count() == 1
