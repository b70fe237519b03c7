"""Per-number limits, counted atomically where every web process sees the same counter:
in SMS_REDIS_URL when it is set (the webhook's fast lane counts in the same Lua scripts
that store its replies, see journal.py), else in the shared cache. INCR is atomic across
processes, unlike read-then-write throttles.

While that store is unreachable each process counts on its own: the limits then hold per
process (looser by the number of processes) instead of not at all, and replies keep
flowing."""

from __future__ import annotations

import threading

import redis
from django.core.cache import cache
from django.utils import timezone

from config.cache import CacheUnavailable
from sms_gateway.store import run_script, sms_redis, unreachable

#: A Lua function adding ``by`` to a window's counter and returning the new total; the
#: counter expires a minute after its window. Shared by every script that counts.
LUA_COUNT = """
local function count(key, by, ttl)
  local total = redis.call('INCRBY', key, by)
  if total == tonumber(by) then redis.call('EXPIRE', key, ttl) end
  return total
end
"""
_COUNT_SCRIPT = LUA_COUNT + "return count(KEYS[1], ARGV[1], ARGV[2])"

_local_counts: dict[str, int] = {}
_local_lock = threading.Lock()


def window_key(name: str, key: str, *, window_seconds: int) -> tuple[str, int]:
    """(counter key, seconds it must live) of ``key``'s current window."""
    window = int(timezone.now().timestamp()) // window_seconds
    return f"sms:{name}:{key}:{window}", window_seconds + 60


def count(name: str, key: str, *, window_seconds: int, by: int = 1) -> int:
    """Add ``by`` to the counter of ``key`` in the current window; return the new total."""
    counter, ttl = window_key(name, key, window_seconds=window_seconds)
    client = sms_redis()
    try:
        if client is not None:
            return int(run_script(client, _COUNT_SCRIPT, [counter], [by, ttl]))
        return _cache_count(counter, by, ttl)
    except redis.RedisError as exc:
        unreachable(exc)
        return local_count(counter, by)
    except CacheUnavailable:
        return local_count(counter, by)


def _cache_count(counter: str, by: int, ttl: int) -> int:
    # incr() is atomic where the cache is shared; add() creates the counter only if no
    # other process has just done so, else that one's counter is incremented.
    try:
        return cache.incr(counter, by)
    except ValueError:
        if cache.add(counter, by, timeout=ttl):
            return by
        return cache.incr(counter, by)


def local_count(counter: str, by: int) -> int:
    """This process's own count of ``counter``, for while the shared store is away."""
    window_suffix = counter[counter.rindex(":") :]
    with _local_lock:
        if len(_local_counts) > 100_000:  # forget windows that have ended
            for old in [k for k in _local_counts if not k.endswith(window_suffix)]:
                del _local_counts[old]
        _local_counts[counter] = _local_counts.get(counter, 0) + by
        return _local_counts[counter]


def peek(name: str, key: str, *, window_seconds: int) -> int:
    counter, _ = window_key(name, key, window_seconds=window_seconds)
    client = sms_redis()
    try:
        shared = client.get(counter) if client is not None else cache.get(counter)
    except redis.RedisError:
        shared = None
    return int(shared or 0) or _local_counts.get(counter, 0)
