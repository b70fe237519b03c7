"""Answers made of prices: their Last-Modified, and the shared cache that keeps each
until anything it shows changes or the day does."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, time
from functools import wraps
from time import monotonic, sleep
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.http import http_date
from rest_framework.request import Request
from rest_framework.response import Response

from agriprices.api.base import ApiView
from agriprices.selectors.latest import prices_last_modified


def answers_last_changed() -> datetime:
    """When an answer made of prices last changed: the last change of anything it shows
    (``prices_last_modified``), or the start of today where that is later, since a new
    day changes answers with nothing written (a round of collection closes; a warning
    stops being shown once its series' price is two months old, FAO FPMA)."""
    day_began = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
    changed = prices_last_modified()
    return max(changed, day_began) if changed is not None else day_began


class PricesChangeMixin(ApiView):
    """Last-Modified for answers made of prices (``answers_last_changed``). It is read
    before the data, so a price that changes while the answer is built makes the next
    request a full one, never a wrong 304."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self._read_at = timezone.now()
        self._changed = answers_last_changed() if request.method == "GET" else None

    def finalize_response(
        self, request: Request, response: Any, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        changed = getattr(self, "_changed", None)
        # An HTTP date counts whole seconds: a change later in the second of the last
        # one would leave it as it is, and a client holding it would be told nothing
        # changed (304). Unless that second was over when the last change was read, an
        # answer goes without (its ETag, made from the content, still lets a client ask
        # whether it changed).
        if (
            changed is not None
            and response.status_code == 200
            and int(self._read_at.timestamp()) > int(changed.timestamp())
        ):
            response["Last-Modified"] = http_date(changed.timestamp())
        return response


#: How long a reader waits for another that is counting the same answer before counting
#: it itself (a year of every market's collection takes one to two seconds cold).
MAKING_WAIT_SECONDS = 10.0
#: Headers an answer keeps when it is served from the cache.
KEPT_HEADERS = ("Link",)


def cached_until_prices_change(
    handler: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """Keep a public price answer in the shared cache until anything it shows changes or
    the day does: the key holds the time of the last change (``answers_last_changed``,
    read before the data, see PricesChangeMixin), so a cached answer is never stale and
    needs no invalidation. Only for answers that are the same for every caller.

    Readers who ask for the same answer while one of them counts it wait for that one
    (``_made_by_another``) rather than each counting it: after a change, every reader
    of a busy answer would otherwise miss at once."""

    @wraps(handler)
    def answer(
        self: PricesChangeMixin, request: Request, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        if self._changed is None:
            return handler(self, request, *args, **kwargs)
        renderer = request.accepted_renderer
        # The parameters in any order are the same question (``?region=osh&weeks=8``);
        # the scheme and host are part of it, since a page's links to the next name them.
        asked = sorted((name, tuple(values)) for name, values in request.query_params.lists())
        where = request.build_absolute_uri(request.path)
        raw = f"{where}|{asked}|{renderer.format}|{self._changed}"
        key = "api:v1:answer:" + hashlib.sha256(raw.encode()).hexdigest()
        making = key + ":making"
        cached = cache.get(key)
        if cached is None and not cache.add(making, True, MAKING_WAIT_SECONDS):
            cached = _made_by_another(key, making)
        if cached is not None:
            return _from_cache(cached)
        try:
            response = handler(self, request, *args, **kwargs)
            if not (isinstance(response, Response) and response.status_code == 200):
                return response
            # The rendered bytes: a year of weekly medians at every market is a megabyte
            # of JSON, too slow to encode again on every read.
            content_type = request.accepted_media_type
            if renderer.charset:  # JSON has none: it is UTF-8 by definition
                content_type += f"; charset={renderer.charset}"
            content = renderer.render(response.data, request.accepted_media_type, {})
            kept = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
            cached = (content, content_type, kept)
            cache.set(key, cached, settings.API_CACHE_SECONDS)
            return _from_cache(cached)
        finally:
            cache.delete(making)

    return answer


def _from_cache(cached: tuple[bytes | str, str, dict[str, str]]) -> HttpResponse:
    content, content_type, kept = cached
    response = HttpResponse(content, content_type=content_type)
    for name, value in kept.items():
        response[name] = value
    return response


def _made_by_another(key: str, making: str) -> Any:
    """The answer under ``key`` once the reader counting it (who holds ``making``) has
    kept it; None when that reader gave up (an error, a 400) or is taking too long, or
    when the cache cannot be reached: then this reader counts it itself."""
    deadline = monotonic() + MAKING_WAIT_SECONDS
    while True:
        found = cache.get_many([key, making])
        if key in found:
            return found[key]
        if making not in found or monotonic() >= deadline:
            return None
        sleep(0.02)
