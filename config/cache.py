"""Django's Redis cache, with one redis-py client per connection pool, that answers a
miss instead of failing while Redis is unreachable.

Django builds a new ``redis.Redis`` for every cache operation, and redis-py's constructor
fills a table of some 170 response callbacks each time: about a millisecond per inbound
SMS, which makes half a dozen cache calls. A client is safe to share between threads (it
takes a connection from the pool for each command), so one per pool is enough.

Everything kept in this cache can be recomputed from the database, so an outage of Redis
must not take the SMS webhook or the pages down: reads miss, writes are dropped, and
after one failure Redis is left alone for a few seconds instead of being dialled (with
its connect timeout) by every call of every request. ``incr`` alone raises
``CacheUnavailable``: a counter that silently restarted at zero would be a wrong answer,
and its callers (the per-number limits) decide what an unknown count means.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import redis
from django.core.cache.backends import redis as django_redis

logger = logging.getLogger(__name__)
#: Seconds during which Redis is not tried again after it failed.
RETRY_AFTER = 5.0


class CacheUnavailable(Exception):
    """The shared cache could not be reached."""


class _ReusingClient(django_redis.RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        # Django's own pool helpers, private and so not in django-stubs.
        index = self._get_connection_pool_index(write)  # type: ignore[attr-defined]  # private, see above
        client = self._clients.get(index)
        if client is None:
            pool = self._get_connection_pool(write)  # type: ignore[attr-defined]  # as above
            client = self._client(connection_pool=pool)  # type: ignore[attr-defined]  # as above
            self._clients[index] = client
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _ReusingClient
        self._down_until = 0.0

    def _guarded(self, call: Callable[[], Any], fallback: Any) -> Any:
        if time.monotonic() < self._down_until:
            return fallback
        try:
            return call()
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            self._down_until = time.monotonic() + RETRY_AFTER
            logger.warning("cache unreachable (%s); carrying on without it", exc)
            return fallback

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._guarded(lambda: super(RedisCache, self).get(key, default, version), default)

    def get_many(self, keys: Any, version: int | None = None) -> dict:
        return self._guarded(lambda: super(RedisCache, self).get_many(keys, version), {})

    def set(self, *args: Any, **kwargs: Any) -> None:
        self._guarded(lambda: super(RedisCache, self).set(*args, **kwargs), None)

    def set_many(self, *args: Any, **kwargs: Any) -> list:
        return self._guarded(lambda: super(RedisCache, self).set_many(*args, **kwargs), [])

    def add(self, *args: Any, **kwargs: Any) -> bool:
        return self._guarded(lambda: super(RedisCache, self).add(*args, **kwargs), False)

    def delete(self, *args: Any, **kwargs: Any) -> bool:
        return self._guarded(lambda: super(RedisCache, self).delete(*args, **kwargs), False)

    def touch(self, *args: Any, **kwargs: Any) -> bool:
        return self._guarded(lambda: super(RedisCache, self).touch(*args, **kwargs), False)

    def clear(self) -> None:
        self._guarded(lambda: super(RedisCache, self).clear(), None)

    def count(self, key: Any, by: int, timeout: int) -> int:
        """Add ``by`` to the counter ``key`` and return its total; a new counter expires
        after ``timeout`` seconds. One round trip (SET NX EX, then INCRBY, in MULTI),
        atomic across processes. Raises ``CacheUnavailable`` like ``incr``."""
        key = self.make_and_validate_key(key)

        def add_and_count() -> int:
            pipeline = self._cache.get_client(key, write=True).pipeline(transaction=True)
            pipeline.set(key, 0, ex=timeout, nx=True)
            pipeline.incrby(key, by)
            return pipeline.execute()[1]

        unavailable = object()
        value = self._guarded(add_and_count, unavailable)
        if value is unavailable:
            raise CacheUnavailable("the shared cache is unreachable")
        return value

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        unavailable = object()
        value = self._guarded(
            lambda: super(RedisCache, self).incr(key, delta, version), unavailable
        )
        if value is unavailable:
            raise CacheUnavailable("the shared cache is unreachable")
        return value
