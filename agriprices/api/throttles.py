"""Reads are limited per client address, writes per account (token), at rates set by
API_READ_RATE and API_WRITE_RATE. Counts live in the shared cache, so with Redis as the
cache every web process counts together."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

if TYPE_CHECKING:  # DRF's views import the throttles named in settings: no cycle at runtime
    from rest_framework.request import Request
    from rest_framework.views import APIView


class _LiveRateThrottle(SimpleRateThrottle):
    def get_rate(self) -> str | None:
        # DRF copies the rates once at import; read them when asked instead.
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope or "")
        return str(rate) if rate is not None else None


class ReadThrottle(_LiveRateThrottle):
    scope = "read"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class WriteThrottle(_LiveRateThrottle):
    scope = "write"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return None
        ident = request.user.pk if request.user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
