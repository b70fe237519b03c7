import os

import pytest
import redis

from agriprices.models import LatestPrice
from sms_gateway import services
from tests import factories

REDIS_URL = os.environ.get("AGRIPRICES_TEST_REDIS_URL", "")
CLOSED = "redis://127.0.0.1:9/0"
FARMER = "+996555123456"


@pytest.fixture
def sms_redis(settings):
    if not REDIS_URL:
        pytest.skip("set AGRIPRICES_TEST_REDIS_URL=redis://127.0.0.1:6379/15 to run")
    settings.SMS_REDIS_URL = REDIS_URL
    # As in production: the cache that tells processes a price or a name changed.
    settings.CACHES = {"default": {"BACKEND": "config.cache.RedisCache", "LOCATION": REDIS_URL}}
    settings.TWILIO_AUTH_TOKEN = "test-auth-token-not-a-secret"
    settings.TWILIO_PUBLIC_BASE_URL = ""
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield client
    client.flushdb()


@pytest.fixture
def unflushed(monkeypatch):
    """No worker writes the journal: what the webhook itself wrote can be seen."""
    monkeypatch.setattr(services, "_journalled", lambda waiting: None)


@pytest.fixture
def a_price(potatoes, osh):
    """Potatoes at 18 in Osh, approved and latest."""
    from agriprices import services as prices

    factories.QuoteFactory(commodity=potatoes, market=osh, price=18)
    prices.rebuild_latest_prices()
    return LatestPrice.objects.get()
