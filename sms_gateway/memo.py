"""Replies to read-only questions, remembered in each web process until a name or a
latest price changes.

Farmers ask the same few hundred questions (a crop at a market, in one of four
languages) thousands of times a day, and their answer only changes when a price is
approved. A process forgets everything at once when it changes a price or a name
itself, and when the shared version (agriprices.selectors.reference_version) moved, which
it reads at most once a second: another process's change is seen within that second.
While the shared cache is unreachable, or when each process has a cache of its own
(where another process's change could never be seen), nothing is remembered.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from django.conf import settings

from agriprices import selectors

#: How often a process asks the shared cache whether names or prices changed.
CHECK_EVERY_SECONDS = 1.0
#: Replies kept per process; all are forgotten when there would be more.
MAX_REPLIES = 20_000

#: Cache backends a process does not share with the others.
_PRIVATE_CACHES = ("LocMemCache", "DummyCache", "FileBasedCache")

T = TypeVar("T")

_lock = threading.Lock()
_replies: dict[Hashable, Any] = {}
_state = {"version": None, "checked": 0.0}
_MISSING = object()  # None is a result to remember too


def remember(key: Hashable, compute: Callable[[], T]) -> T:
    """What was remembered for ``key``, else ``compute()``'s result, remembered."""
    if not _current():
        return compute()
    found = _replies.get(key, _MISSING)
    if found is _MISSING:
        found = compute()
        with _lock:
            if len(_replies) >= MAX_REPLIES:
                _replies.clear()
            _replies[key] = found
    return found


def forget(**kwargs: object) -> None:
    """Signal receiver: a name or a latest price changed in this process."""
    with _lock:
        _replies.clear()
        _state["checked"] = 0.0


def _current() -> bool:
    """Whether the remembered replies may be used; forgets them when the shared version
    moved."""
    if settings.CACHES["default"]["BACKEND"].endswith(_PRIVATE_CACHES):
        return False
    now = time.monotonic()
    if now - _state["checked"] < CHECK_EVERY_SECONDS:
        return _state["version"] is not None
    version = selectors.reference_version()
    with _lock:
        if version is None or version != _state["version"]:
            _replies.clear()
        _state["version"], _state["checked"] = version, now
    return version is not None
