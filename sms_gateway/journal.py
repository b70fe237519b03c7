"""The webhook's fast lane, Redis side: read-only questions (a price, HELP, LIST) are
answered without writing to the database inside the request.

The reply is computed first, in every language a sender may have chosen (it changes
nothing, and is the same for everyone until a price or a name changes); then ``answer``,
one Lua script in one round trip, takes the provider's message id, picks the reply by the
sender's language in their settings (senders.py), counts the number's query and the
reply's segments, keeps the reply for a retried webhook, remembers the market asked
about and appends the message to the journal, or gives back an earlier delivery's reply.
A worker writes the journal to the database in batches (``drain``); rows are keyed by
the provider's message id there too, so a batch written twice (a worker killed between
the database's commit and the trim) is stored once. The journal holds messages the
database has not seen yet: run this Redis with ``appendonly yes``.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import redis

from sms_gateway import senders
from sms_gateway.limits import LUA_COUNT
from sms_gateway.store import release, run_script

logger = logging.getLogger(__name__)

JOURNAL_KEY = "sms:journal"
LOCK_KEY = "sms:journal:lock"
#: How long the reply to a message id is kept for a retried webhook (Twilio retries
#: within minutes; an operator may replay a day's webhooks after an incident).
SEEN_SECONDS = 2 * 86400

Entry = dict[str, Any]


@dataclass(frozen=True)
class Limits:
    """A number's counters (key, seconds to live) and how far each may go."""

    queries: tuple[str, int]
    max_queries: int
    segments: tuple[str, int]
    max_segments: int


@dataclass(frozen=True)
class Outcome:
    #: The action stored: the entry's own, or "limited" when a limit was passed.
    action: str
    reply: str
    #: An earlier delivery of this message id was answered; nothing was counted or kept.
    replayed: bool
    #: The journal's length after this entry (0 when replayed).
    waiting: int


# Everything in one round trip and atomically: two deliveries of one message id at once
# cannot both count and both be journalled. The reply is chosen here by the sender's
# language in their settings (senders.py), from the caller's replies by language ('*':
# the caller knew the settings); the markets they asked about last are updated here too.
# The entry comes as JSON and is completed here (cjson is part of Redis's Lua).
_ANSWER = (
    LUA_COUNT
    + """
local stored = redis.call('GET', KEYS[1])
if stored then return {0, stored} end
local replies, notices = cjson.decode(ARGV[2]), cjson.decode(ARGV[3])
local language = '*'
if not replies['*'] then
  if redis.call('EXISTS', KEYS[6]) == 0 then return {-1, ''} end
  language = redis.call('HGET', KEYS[5], 'l') or ''
  if not replies[language] then language = '' end
end
local entry = cjson.decode(ARGV[1])
entry.reply, entry.reply_segments = replies[language][1], replies[language][2]
local queries = count(KEYS[2], 1, ARGV[5])
local max_queries = tonumber(ARGV[6])
local market = ARGV[4]
if queries > max_queries then
  -- one notice when the limit is reached, then silence: each reply costs money
  entry.action, entry.reply, entry.reply_segments = 'limited', '', 0
  if queries == max_queries + 1 then
    entry.reply, entry.reply_segments = notices[language][1], notices[language][2]
  end
  market = ''
elseif count(KEYS[3], entry.reply_segments, ARGV[7]) > tonumber(ARGV[8]) then
  entry.action, entry.reply, entry.reply_segments = 'limited', '', 0
  market = ''
end
if market ~= '' then
  -- the market asked about first, then the others asked about before, at most three
  local before = redis.call('HGET', KEYS[5], 'r') or ''
  local recent = {tonumber(market)}
  for id in string.gmatch(before, '[^,]+') do
    if id ~= market and #recent < 3 then recent[#recent + 1] = tonumber(id) end
  end
  local now = table.concat(recent, ',')
  if now ~= before then
    redis.call('HSET', KEYS[5], 'r', now)
    entry.recent_markets = recent
  end
end
local seen = cjson.encode({action = entry.action, reply = entry.reply})
redis.call('SET', KEYS[1], seen, 'EX', ARGV[9])
return {redis.call('RPUSH', KEYS[4], cjson.encode(entry)), seen}
"""
)
_STORE = """
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return redis.call('RPUSH', KEYS[2], ARGV[3])
"""
# Trim and release only while the lock is still ours: a drain that outlived its lock
# leaves its batch to the next one (written again, stored once).
_TRIM = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('LTRIM', KEYS[2], ARGV[2], -1)
return 1
"""


def _seen_key(entry: Entry) -> str:
    return f"sms:seen:{entry['provider']}:{entry['provider_sid']}"


class Incomplete(Exception):
    """The sender settings copy is not complete: the caller must read the settings from
    the database and answer with one reply for them."""


def answer(
    client: redis.Redis,
    entry: Entry,
    limits: Limits,
    replies: str,
    notices: str,
    market: int | None,
    *,
    sender_key: str,
) -> Outcome:
    """Count ``entry``'s query and reply segments against ``limits``, keep its reply for
    a retried webhook, journal it, and put ``market`` first in the sender's recent
    markets. ``replies`` (JSON) maps a sender's language ("" for none) to [reply,
    segments], or "*" to the one reply for every sender; ``notices`` likewise holds the
    one notice sent when the hourly queries are passed (then nothing is). A message id
    seen before changes nothing and gets its first reply back. Raises Incomplete."""
    waiting, seen = run_script(
        client,
        _ANSWER,
        [
            _seen_key(entry),
            limits.queries[0],
            limits.segments[0],
            JOURNAL_KEY,
            sender_key,
            senders.COMPLETE,
        ],
        [
            _dump(entry),
            replies,
            notices,
            "" if market is None else str(market),
            limits.queries[1],
            limits.max_queries,
            limits.segments[1],
            limits.max_segments,
            SEEN_SECONDS,
        ],
    )
    if waiting == -1:
        raise Incomplete
    found = json.loads(seen)
    return Outcome(found["action"], found["reply"], replayed=not waiting, waiting=int(waiting))


def store(client: redis.Redis, entry: Entry) -> int:
    """Keep the reply and journal ``entry`` without counting (a message we do not answer);
    returns the journal's length."""
    return int(
        run_script(
            client,
            _STORE,
            [_seen_key(entry), JOURNAL_KEY],
            [_seen_value(entry), SEEN_SECONDS, _dump(entry)],
        )
    )


def drain(
    client: redis.Redis,
    write: Callable[[list[Entry]], None],
    *,
    batch: int = 500,
    lock_seconds: int = 300,
) -> int:
    """Hand the journal to ``write`` in batches, oldest first, removing each batch only
    after ``write`` returned; one drain at a time. Returns how many entries were written."""
    done = 0
    while client.llen(JOURNAL_KEY):
        token = uuid.uuid4().hex
        if not client.set(LOCK_KEY, token, nx=True, ex=lock_seconds):
            break  # another worker drains; it looks again before it lets go
        try:
            while raw := client.lrange(JOURNAL_KEY, 0, batch - 1):
                write([json.loads(item) for item in raw])
                if not run_script(client, _TRIM, [LOCK_KEY, JOURNAL_KEY], [token, len(raw)]):
                    logger.warning("journal: drain outlived its lock; the batch waits")
                    return done
                done += len(raw)
        finally:
            release(client, LOCK_KEY, token)
    return done


def pending(client: redis.Redis) -> int:
    """Answered messages not yet written to the database."""
    return int(client.llen(JOURNAL_KEY))


def _seen_value(entry: Entry) -> str:
    return json.dumps({"action": entry["action"], "reply": entry["reply"]}, ensure_ascii=False)


def _dump(entry: Entry) -> str:
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":"))
