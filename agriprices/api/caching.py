"""Answers made of prices: their Last-Modified, and the shared cache that keeps each
until anything it shows changes or the day does."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, time
from functools import wraps
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


def cached_until_prices_change(
    handler: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """Keep a public price answer in the shared cache until anything it shows changes or
    the day does: the key holds the time of the last change (``answers_last_changed``,
    read before the data, see PricesChangeMixin), so a cached answer is never stale and
    needs no invalidation. Only for answers that are the same for every caller."""

    @wraps(handler)
    def answer(
        self: PricesChangeMixin, request: Request, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        if self._changed is None:
            return handler(self, request, *args, **kwargs)
        renderer = request.accepted_renderer
        raw = f"{request.get_full_path()}|{renderer.format}|{self._changed}"
        key = "api:v1:" + hashlib.sha256(raw.encode()).hexdigest()
        cached = cache.get(key)
        if cached is not None:
            content, content_type = cached
            return HttpResponse(content, content_type=content_type)
        response = handler(self, request, *args, **kwargs)
        if isinstance(response, Response) and response.status_code == 200:
            # The rendered bytes: a year of weekly medians at every market is a megabyte
            # of JSON, too slow to encode again on every read.
            content_type = request.accepted_media_type
            if renderer.charset:  # JSON has none: it is UTF-8 by definition
                content_type += f"; charset={renderer.charset}"
            content = renderer.render(response.data, request.accepted_media_type, {})
            cache.set(key, (content, content_type), settings.API_CACHE_SECONDS)
            return HttpResponse(content, content_type=content_type)
        return response

    return answer
