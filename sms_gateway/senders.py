"""What a reply depends on of its sender (language, home market, recent markets), copied
to SMS_REDIS_URL so that the webhook's fast lane answers a question without touching the
database (services._answer_from_memory).

The database stays the truth; the copy is trusted only while it is complete, which the
key COMPLETE says. Complete means: every subscriber whose settings differ from the
defaults has a hash ``sms:sender:<phone>`` with them, so a number without one writes for
the first time or never changed anything. It is kept so by construction:

- every saved or deleted Subscriber writes its change once the transaction commits
  (signals in apps.py); a write that fails (Redis away) marks the row stale in the
  database, and the periodic ``keep`` writes it again when Redis is back (a number
  deleted meanwhile has no row to mark: the daily rebuild drops its copy);
- the fast lane's own Lua script writes the recent markets of the question it answers
  (journal.py), in the same step that journals the message;
- without COMPLETE (a new or emptied Redis, a restored database, a deleted market, or
  once a day to repair drift from hand-made SQL) the fast lane reads the database, and
  ``keep`` rebuilds the copy. Changes made while it loads are written again at its end.

This Redis must not evict keys (``maxmemory-policy noeviction``, its default): a missing
hash would read as the defaults. About 100 bytes per subscriber.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import NamedTuple, TypeVar

import redis
from django.conf import settings
from django.db import transaction

from config.celery import publish
from sms_gateway.models import Subscriber
from sms_gateway.store import release, run_script, sms_redis, unreachable

logger = logging.getLogger(__name__)

COMPLETE = "sms:senders:complete"
LOADING = "sms:senders:loading"
#: Numbers written while a load runs, read from the database again at its end.
TOUCHED = "sms:senders:touched"
PREFIX = "sms:sender:"
#: A day: the copy is rebuilt from the database at least this often.
COMPLETE_SECONDS = 86400
LOAD_SECONDS = 900
FIELDS = ("language", "home_market", "recent_markets")
#: How often one process asks a worker to build a copy it found incomplete (beat also
#: does, every SMS_JOURNAL_FLUSH_EVERY_SECONDS).
ASK_EVERY_SECONDS = 30.0
_asked = {"at": -ASK_EVERY_SECONDS}


class Settings(NamedTuple):
    """What a reply depends on of its sender (see commands)."""

    phone: str
    language: str
    home_market_id: int | None
    recent_markets: tuple[int, ...]

    def subscriber(self) -> Subscriber:
        """An unsaved Subscriber with these settings, for the command handlers."""
        return Subscriber(
            phone=self.phone,
            language=self.language,
            home_market_id=self.home_market_id,
            recent_markets=list(self.recent_markets),
        )


def key(phone: str) -> str:
    return PREFIX + phone


T = TypeVar("T")


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (itertools.batched arrives with Python 3.12)."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


_READ = """
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
return redis.call('HMGET', KEYS[2], 'l', 'h', 'r')
"""
# Changed fields only (a number without a hash had the defaults); during a load the
# number is noted, since the load may have read its row before this change committed.
_WRITE = """
if ARGV[1] == 'delete' then
  redis.call('DEL', KEYS[1])
else
  redis.call('HSET', KEYS[1], unpack(ARGV, 3))
end
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('SADD', KEYS[3], ARGV[2]) end
return 1
"""
_FINISH = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[2])
return 1
"""


def read(client: redis.Redis, phone: str) -> Settings | None:
    """The number's settings from the copy; None while the copy is not complete (a
    worker is then asked to build it, at most every ASK_EVERY_SECONDS per process)."""
    found = run_script(client, _READ, [COMPLETE, key(phone)], [])
    if found is None:
        _ask_for_load()
        return None
    language, home, recent = (value.decode() if value else "" for value in found)
    return Settings(
        phone,
        language,
        int(home) if home else None,
        tuple(int(pk) for pk in recent.split(",")) if recent else (),
    )


def _ask_for_load() -> None:
    now = time.monotonic()
    if now - _asked["at"] < ASK_EVERY_SECONDS:
        return
    _asked["at"] = now
    from sms_gateway.tasks import keep_sender_settings  # tasks import this module

    publish(keep_sender_settings)


def encode(name: str, value: object) -> str:
    """A field as the copy holds it: language code, market id, ids joined by commas."""
    if name == "recent_markets":
        return ",".join(str(pk) for pk in value or ())
    return "" if value is None else str(value)


_SHORT = {"language": "l", "home_market": "h", "recent_markets": "r"}


def _pairs(subscriber: Subscriber, fields: Iterable[str]) -> list[str]:
    pairs = [subscriber.phone]
    for name in fields:
        value = getattr(subscriber, "home_market_id" if name == "home_market" else name)
        pairs += [_SHORT[name], encode(name, value)]
    return pairs


# --- Keeping it complete -----------------------------------------------------------------


def saved(
    sender: type,
    instance: Subscriber,
    raw: bool = False,
    update_fields: frozenset[str] | None = None,
    **kw: object,
) -> None:
    """post_save: write the changed settings once the transaction committed."""
    if raw:  # loaddata (restore): this database's subscribers are not the copy's
        transaction.on_commit(lambda: drop("database restored"))
        return
    fields = [f for f in FIELDS if update_fields is None or {f, f"{f}_id"} & set(update_fields)]
    if fields:
        pairs = _pairs(instance, fields)
        transaction.on_commit(lambda: _write(["set", *pairs]))


def deleted(sender: type, instance: Subscriber, **kw: object) -> None:
    """post_delete: forget the number's settings once the transaction committed."""
    phone = instance.phone
    transaction.on_commit(lambda: _write(["delete", phone]))


def market_deleted(**kw: object) -> None:
    """A deleted market leaves subscribers' home market empty in SQL, without signals."""
    transaction.on_commit(lambda: drop("market deleted"))


def _write(args: list[str]) -> None:
    if not settings.SMS_REDIS_URL:
        return  # no fast lane, no copy
    phone = args[1]
    client = sms_redis()
    try:
        if client is None:
            raise redis.ConnectionError("found unreachable a moment ago")
        run_script(client, _WRITE, [key(phone), LOADING, TOUCHED], args)
    except redis.RedisError as exc:
        if client is not None:
            unreachable(exc)
        # Written again by keep(); until then this number's copy is older than its row.
        Subscriber.objects.filter(phone=phone).update(settings_stale=True)


def drop(why: str) -> None:
    """Stop trusting the copy until keep() rebuilds it."""
    client = sms_redis()
    if client is None:
        return  # unset: nothing trusts it; away: the stale rows are written again
    try:
        client.delete(COMPLETE)
        logger.info("sender settings copy dropped (%s); rebuilt by the next keep", why)
    except redis.RedisError as exc:
        unreachable(exc)


def keep() -> dict[str, int]:
    """Beat's: write the rows marked stale again, and rebuild the copy when it is not
    complete. Safe to run twice at once (one load at a time)."""
    client = sms_redis()
    if client is None:
        return {"stale": 0, "loaded": 0}
    stale = _write_stale(client)
    loaded = 0 if client.exists(COMPLETE) else load(client)
    return {"stale": stale, "loaded": loaded}


def _write_stale(client: redis.Redis) -> int:
    phones = list(Subscriber.objects.filter(settings_stale=True).values_list("phone", flat=True))
    # The mark goes before the rows are read: a write failing meanwhile marks again.
    Subscriber.objects.filter(phone__in=phones).update(settings_stale=False)
    try:
        _copy(client, phones)
    except redis.RedisError:
        Subscriber.objects.filter(phone__in=phones).update(settings_stale=True)
        raise
    return len(phones)


def load(client: redis.Redis) -> int:
    """Copy every subscriber's settings from the database, then mark the copy complete;
    returns how many numbers were copied (0 when another load runs)."""
    token = uuid.uuid4().hex
    if not client.set(LOADING, token, nx=True, ex=LOAD_SECONDS):
        return 0
    try:
        copied = _load(client)
    except BaseException:
        release(client, LOADING, token)  # the next keep tries again, not in 15 minutes
        raise
    if not run_script(client, _FINISH, [LOADING, COMPLETE], [token, COMPLETE_SECONDS]):
        logger.warning("sender settings load outlived its lock; the next keep loads again")
        return 0
    logger.info("sender settings copied for %d number(s)", copied)
    return copied


def _load(client: redis.Redis) -> int:
    client.delete(TOUCHED)
    # Hashes of numbers deleted since would read as settings: the copy starts empty.
    for keys in batched(client.scan_iter(match=PREFIX + "*", count=1000), 1000):
        client.unlink(*keys)
    copied = 0
    rows = Subscriber.objects.only("phone", *FIELDS).order_by("pk").iterator(chunk_size=2000)
    for chunk in batched(rows, 2000):
        copied += _set(client, chunk)
    while touched := [p.decode() for p in client.spop(TOUCHED, 1000)]:
        _copy(client, touched)
    return copied


def _copy(client: redis.Redis, phones: list[str]) -> None:
    """The database's settings of ``phones`` into the copy (deleted numbers removed)."""
    for chunk in batched(phones, 2000):
        found = list(Subscriber.objects.filter(phone__in=chunk).only("phone", *FIELDS))
        _set(client, found)
        gone = set(chunk) - {s.phone for s in found}
        if gone:
            client.delete(*(key(p) for p in gone))


def _set(client: redis.Redis, subscribers: Iterable[Subscriber]) -> int:
    pipe = client.pipeline(transaction=False)
    written = 0
    for subscriber in subscribers:
        phone, *pairs = _pairs(subscriber, FIELDS)
        if any(pairs[1::2]):
            pipe.hset(key(phone), mapping=dict(zip(pairs[::2], pairs[1::2], strict=True)))
            written += 1
        else:
            pipe.delete(key(phone))
    pipe.execute()
    return written
