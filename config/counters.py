"""Counters per time window, kept in the shared cache (Redis in production: INCR is
atomic across processes, unlike read-then-write throttles). The SMS gateway counts each
number's questions, reply segments and wrong PINs here; the login forms count failures.

While the cache is unreachable each process counts on its own: the limits then hold per
process (looser by the number of processes) instead of not at all, and replies and
logins keep working."""

from __future__ import annotations

import threading

from django.core.cache import cache, caches
from django.utils import timezone

from config.cache import CacheUnavailable, RedisCache

_local_counts: dict[str, int] = {}
_local_lock = threading.Lock()


def _window_key(name: str, key: str, window_seconds: int) -> str:
    window = int(timezone.now().timestamp()) // window_seconds
    return f"count:{name}:{key}:{window}"


def count(name: str, key: str, *, window_seconds: int, by: int = 1) -> int:
    """Add ``by`` to the counter ``name`` of ``key`` in the current window of
    ``window_seconds``; returns the new total."""
    counter = _window_key(name, key, window_seconds)
    try:
        backend = caches["default"]
        if isinstance(backend, RedisCache):  # in one round trip
            return backend.count(counter, by, window_seconds + 60)
        try:
            return cache.incr(counter, by)
        except ValueError:  # no counter yet in this window
            # add() creates it only if no other process has just done so; else theirs
            # is incremented. It lives a minute past its window.
            if cache.add(counter, by, timeout=window_seconds + 60):
                return by
            return cache.incr(counter, by)
    except CacheUnavailable:
        return _count_locally(counter, by)


def peek(name: str, key: str, *, window_seconds: int) -> int:
    """The counter's total in the current window, without adding to it."""
    counter = _window_key(name, key, window_seconds)
    return int(cache.get(counter) or 0) or _local_counts.get(counter, 0)


def _count_locally(counter: str, by: int) -> int:
    window_suffix = counter[counter.rindex(":") :]
    with _local_lock:
        if len(_local_counts) > 100_000:  # forget windows that have ended
            for old in [k for k in _local_counts if not k.endswith(window_suffix)]:
                del _local_counts[old]
        _local_counts[counter] = _local_counts.get(counter, 0) + by
        return _local_counts[counter]
