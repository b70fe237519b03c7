"""Per-number limits, counted atomically in the shared cache (Redis in production: INCR
is atomic across every web process, unlike read-then-write throttles).

While the shared cache is unreachable each process counts on its own: the limits then
hold per process (looser by the number of processes) instead of not at all, and replies
keep flowing."""

from __future__ import annotations

import threading

from django.core.cache import cache
from django.utils import timezone

from config.cache import CacheUnavailable

_local_counts: dict[str, int] = {}
_local_lock = threading.Lock()


def count(name: str, key: str, *, window_seconds: int, by: int = 1) -> int:
    """Add ``by`` to the counter of ``key`` in the current window; return the new total."""
    window = int(timezone.now().timestamp()) // window_seconds
    cache_key = f"sms:{name}:{key}:{window}"
    try:
        return _shared_count(cache_key, by, window_seconds)
    except CacheUnavailable:
        return _local_count(cache_key, by, f":{window}")


def _shared_count(cache_key: str, by: int, window_seconds: int) -> int:
    # incr() is atomic where the cache is shared; add() creates the counter only if no
    # other process has just done so, else that one's counter is incremented.
    try:
        return cache.incr(cache_key, by)
    except ValueError:
        if cache.add(cache_key, by, timeout=window_seconds + 60):
            return by
        return cache.incr(cache_key, by)


def _local_count(cache_key: str, by: int, window_suffix: str) -> int:
    with _local_lock:
        if len(_local_counts) > 100_000:  # forget windows that have ended
            for old in [k for k in _local_counts if not k.endswith(window_suffix)]:
                del _local_counts[old]
        _local_counts[cache_key] = _local_counts.get(cache_key, 0) + by
        return _local_counts[cache_key]


def peek(name: str, key: str, *, window_seconds: int) -> int:
    window = int(timezone.now().timestamp()) // window_seconds
    cache_key = f"sms:{name}:{key}:{window}"
    return cache.get(cache_key) or _local_counts.get(cache_key, 0)
