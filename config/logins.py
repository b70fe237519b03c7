"""Stopping password guessing, for every way in (the dashboard's and the admin's login
forms, ODK Collect's HTTP authentication): after LOGIN_MAX_FAILURES wrong passwords for
one username, or LOGIN_MAX_FAILURES_PER_ADDRESS from one address (a telecentre's
operators share one), in LOGIN_LOCK_SECONDS, every attempt is refused until the window
ends, right password or not. A live Collect key is the exception (``openrosa.auth``):
the lock is there for what can be guessed, passwords and codes; a 256-bit key cannot,
and the phones behind one address must not be locked out by one that retries a revoked
key. Counted in the shared cache, so every process sees it."""

from __future__ import annotations

from django.conf import settings

from config import counters


def _keys(username: str, address: str) -> list[tuple[str, int]]:
    name = username.strip().lower()[:150]
    return [
        (f"user:{name}", settings.LOGIN_MAX_FAILURES),
        (f"ip:{address}", settings.LOGIN_MAX_FAILURES_PER_ADDRESS),
    ]


def locked(username: str, address: str) -> bool:
    """Whether logins for ``username`` or from ``address`` are refused for now."""
    window = settings.LOGIN_LOCK_SECONDS
    return any(
        counters.peek("login", key, window_seconds=window) >= most
        for key, most in _keys(username, address)
    )


def failed(username: str, address: str) -> None:
    """Count one wrong password."""
    for key, _most in _keys(username, address):
        counters.count("login", key, window_seconds=settings.LOGIN_LOCK_SECONDS)


def address_locked(address: str) -> bool:
    """Whether attempts from ``address`` are refused for now (for credentials with no
    username: Collect keys that are not live)."""
    window = settings.LOGIN_LOCK_SECONDS
    most = settings.LOGIN_MAX_FAILURES_PER_ADDRESS
    return counters.peek("login", f"ip:{address}", window_seconds=window) >= most


def address_failed(address: str) -> None:
    """Count one wrong credential that names no user."""
    counters.count("login", f"ip:{address}", window_seconds=settings.LOGIN_LOCK_SECONDS)
