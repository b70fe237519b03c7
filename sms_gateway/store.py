"""The Redis named by SMS_REDIS_URL, where the gateway keeps state that several web
processes share and that must outlive any one of them (see the setting's comment)."""

from __future__ import annotations

import logging
import time

import redis
from django.conf import settings

logger = logging.getLogger(__name__)
#: Seconds during which an unreachable SMS_REDIS_URL is not dialled again.
RETRY_AFTER = 5.0

_clients: dict[str, redis.Redis] = {}
_down_until = {"at": 0.0}


def sms_redis() -> redis.Redis | None:
    """The shared client (safe across threads: each command takes a pooled connection),
    or None when SMS_REDIS_URL is empty or was just found unreachable. Short timeouts:
    a caller must get an error it can fall back from in well under a second, never a
    stuck webhook."""
    url = settings.SMS_REDIS_URL
    if not url or time.monotonic() < _down_until["at"]:
        return None
    if url not in _clients:
        _clients[url] = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=1)
    return _clients[url]


def unreachable(exc: Exception) -> None:
    """Leave SMS_REDIS_URL alone for RETRY_AFTER seconds after ``exc``: its callers carry
    on without it, and no message waits for a connect timeout meanwhile."""
    _down_until["at"] = time.monotonic() + RETRY_AFTER
    logger.warning("SMS Redis unreachable (%s); carrying on without it", exc)


_scripts: dict[str, redis.commands.core.Script] = {}


def run_script(client: redis.Redis, source: str, keys: list[str], args: list[object]) -> object:
    """Run a Lua script by its hash (EVALSHA: the source crosses the wire once per
    Redis restart, not with every call); atomic, like a single command."""
    script = _scripts.get(source)
    if script is None:
        script = _scripts.setdefault(source, client.register_script(source))
    return script(keys=keys, args=args, client=client)


_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def release(client: redis.Redis, lock: str, token: str) -> None:
    """Delete the lock ``lock`` if it still holds ``token``: a holder that outlived it
    must not free another's."""
    run_script(client, _RELEASE, [lock], [token])
