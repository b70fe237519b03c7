"""Counters per window (per-number SMS limits, login failures) stay exact when many web
processes count at once in Redis."""

import os
import threading

import pytest
from django.core.cache import cache

from config import counters

REDIS_URL = os.environ.get("AGRIPRICES_TEST_REDIS_URL", "")


@pytest.fixture
def redis_cache(settings):
    if not REDIS_URL:
        pytest.skip("set AGRIPRICES_TEST_REDIS_URL=redis://127.0.0.1:6379/15 to run")
    settings.CACHES = {
        "default": {"BACKEND": "config.cache.RedisCache", "LOCATION": REDIS_URL},
    }
    cache.clear()
    yield cache
    cache.clear()


def test_counts_add_up_and_expire_with_their_window():
    assert counters.count("t", "a", window_seconds=3600) == 1
    assert counters.count("t", "a", window_seconds=3600, by=3) == 4
    assert counters.peek("t", "a", window_seconds=3600) == 4
    assert counters.peek("t", "b", window_seconds=3600) == 0


def count_from_eight_threads(number: str) -> None:
    """Eight threads counting 50 queries each for ``number``, as web processes would."""

    def hammer():
        for _ in range(50):
            counters.count("race", number, window_seconds=3600)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


@pytest.mark.redis
def test_concurrent_counts_in_redis_lose_nothing(redis_cache):
    count_from_eight_threads("+996555000001")
    assert counters.peek("race", "+996555000001", window_seconds=3600) == 400
    client = redis_cache._cache.get_client(write=True)
    ttls = [client.ttl(key) for key in client.keys("*count:race:*")]
    assert len(ttls) == 1 and 3600 < ttls[0] <= 3660
