"""Inbound SMS that could not be stored because the database was down.

Twilio does not send an inbound message again once we answered 200, so a message the
webhook cannot store must be kept somewhere else until the database is back: in a Redis
hash when Redis is there, else as a file in SMS_SPOOL_DIR. Both are keyed by the
provider's message id, so a message spooled twice is kept once. ``replay`` (a periodic
task) answers each spooled message through the normal path and removes it only after
the database holds it, so a replay cut short is simply run again.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import redis
from django.conf import settings

logger = logging.getLogger(__name__)
REDIS_KEY = "sms:spool"
#: Seconds during which an unreachable SMS_REDIS_URL is not dialled again.
RETRY_AFTER = 5.0

_clients: dict[str, redis.Redis] = {}
_down_until = {"at": 0.0}

Entry = dict[str, str]


def put(entry: Entry) -> str:
    """Keep ``entry`` (provider, provider_sid, sender, body, received_at); returns where."""
    key = f"{entry['provider']}:{entry['provider_sid']}"
    payload = json.dumps(entry, ensure_ascii=False)
    client = _redis()
    if client is not None:
        try:
            client.hset(REDIS_KEY, key, payload)
            return "redis"
        except redis.RedisError as exc:
            _unreachable(exc)
    directory = Path(settings.SMS_SPOOL_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    # Written whole, then renamed: a crash never leaves half a message to replay.
    handle, temporary = tempfile.mkstemp(dir=directory, suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        file.write(payload)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, directory / f"{_file_name(key)}.json")
    return "file"


def pending() -> int:
    """How many spooled messages wait (for /readyz and the replay's log)."""
    return sum(1 for _ in _entries())


def replay(handle: Callable[[Entry], Any]) -> int:
    """Call ``handle`` on every spooled message and forget each one it returned from.
    Stops at the first failure (the database is still down): the rest wait."""
    done = 0
    for entry, forget in _entries():
        handle(entry)
        forget()
        done += 1
    return done


def _entries() -> Iterator[tuple[Entry, Callable[[], object]]]:
    client = _redis()
    if client is not None:
        try:
            spooled = client.hgetall(REDIS_KEY)
        except redis.RedisError as exc:
            _unreachable(exc)
            spooled = {}
        for key, payload in sorted(spooled.items(), key=lambda kv: _received(kv[1])):
            yield json.loads(payload), functools.partial(client.hdel, REDIS_KEY, key)
    directory = Path(settings.SMS_SPOOL_DIR)
    if directory.is_dir():
        for path in sorted(directory.glob("*.json"), key=lambda p: p.stat().st_mtime):
            yield json.loads(path.read_text(encoding="utf-8")), path.unlink


def _received(payload: bytes | str) -> str:
    return json.loads(payload).get("received_at", "")


def _file_name(key: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in key)[:120]


def _redis() -> redis.Redis | None:
    """The client of SMS_REDIS_URL, or None when it is unset or was just found
    unreachable. Short timeouts: the webhook that spools must fall back to a file in well
    under a second, never hang."""
    url = settings.SMS_REDIS_URL
    if not url or time.monotonic() < _down_until["at"]:
        return None
    if url not in _clients:
        _clients[url] = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=1)
    return _clients[url]


def _unreachable(exc: Exception) -> None:
    """Leave SMS_REDIS_URL alone for RETRY_AFTER seconds: messages go to files meanwhile
    (and files and Redis are both replayed), no message waits for a connect timeout."""
    _down_until["at"] = time.monotonic() + RETRY_AFTER
    logger.warning("spool: Redis unreachable (%s); using files for %.0f s", exc, RETRY_AFTER)
