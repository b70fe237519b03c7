"""Per-number limits, counted atomically in the shared cache (Redis in production: INCR
is atomic across every web process, unlike read-then-write throttles)."""

from __future__ import annotations

from django.core.cache import cache
from django.utils import timezone


def count(name: str, key: str, *, window_seconds: int, by: int = 1) -> int:
    """Add ``by`` to the counter of ``key`` in the current window; return the new total."""
    window = int(timezone.now().timestamp()) // window_seconds
    cache_key = f"sms:{name}:{key}:{window}"
    # incr() is atomic where the cache is shared; add() creates the counter only if no
    # other process has just done so, else that one's counter is incremented.
    try:
        return cache.incr(cache_key, by)
    except ValueError:
        if cache.add(cache_key, by, timeout=window_seconds + 60):
            return by
        return cache.incr(cache_key, by)


def peek(name: str, key: str, *, window_seconds: int) -> int:
    window = int(timezone.now().timestamp()) // window_seconds
    return cache.get(f"sms:{name}:{key}:{window}", 0)
