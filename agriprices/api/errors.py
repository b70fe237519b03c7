"""One error shape for every API failure:
``{"errors": [{"field": "price", "message": "...", "code": "invalid"}]}``; ``field`` is
null when the error concerns the request as a whole."""

from __future__ import annotations

import math
from typing import Any

from django.core.exceptions import BadRequest, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import ngettext
from django.views import defaults
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from agriprices.services.recording import QuoteError

_QUOTE_ERROR_STATUS = {
    "forbidden": status.HTTP_403_FORBIDDEN,
    "not_found": status.HTTP_404_NOT_FOUND,
    "conflict": status.HTTP_409_CONFLICT,
    "duplicate": status.HTTP_409_CONFLICT,
}


class ErrorItemSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True, help_text="The input at fault, or null.")
    message = serializers.CharField()
    code = serializers.CharField(help_text="Machine-readable: invalid, required, forbidden, …")


class ErrorSerializer(serializers.Serializer):
    """The body of every 4xx answer."""

    # The field is called errors in every error body; the name shadows a property of
    # Serializer that this schema-only serializer never uses.
    errors = ErrorItemSerializer(many=True)  # type: ignore[assignment]  # see above


def _join(parent: str | None, child: str | None) -> str | None:
    return f"{parent}.{child}" if parent and child else parent or child


def _is_leaf(value: Any) -> bool:
    return not isinstance(value, dict | list) or (
        isinstance(value, dict) and set(value) == {"message", "code"}
    )


def flatten_errors(detail: Any, field: str | None = None) -> list[dict[str, Any]]:
    """DRF's nested error details (``get_full_details()``) as a flat list; nested fields
    are dotted (``market.region``, and ``3.price`` for the fourth item of a list)."""
    if isinstance(detail, dict) and set(detail) == {"message", "code"}:
        return [{"field": field, "message": str(detail["message"]), "code": str(detail["code"])}]
    if isinstance(detail, dict):
        items = []
        for key, value in detail.items():
            name = None if key in ("non_field_errors", "detail") else str(key)
            items += flatten_errors(value, _join(field, name))
        return items
    if isinstance(detail, list):
        items = []
        for index, value in enumerate(detail):
            items += flatten_errors(value, field if _is_leaf(value) else _join(field, str(index)))
        return items
    return [{"field": field, "message": str(detail), "code": getattr(detail, "code", "invalid")}]


def error_response(items: list[dict[str, Any]], status_code: int) -> Response:
    return Response({"errors": items}, status=status_code)


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, QuoteError):
        return error_response(
            [{"field": exc.field, "message": exc.message, "code": exc.code}],
            _QUOTE_ERROR_STATUS.get(exc.code, status.HTTP_400_BAD_REQUEST),
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, exceptions.Throttled) and getattr(exc, "wait", None) is not None:
        # Said whole in the caller's language: DRF's own words are half translated
        # ("Запрос был проигнорирован. Expected available in 58 seconds.").
        wait = math.ceil(getattr(exc, "wait"))  # noqa: B009 - DRF's stubs do not declare it
        words = ngettext(
            "Too many requests: try again in %(n)d second.",
            "Too many requests: try again in %(n)d seconds.",
            wait,
        )
        exc = exceptions.Throttled(detail=words % {"n": wait})
        exc.wait = wait  # type: ignore[attr-defined]  # its Retry-After header
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real bug: let it be a logged 500, never a silent success
    if isinstance(exc, exceptions.APIException):
        response.data = {"errors": flatten_errors(exc.get_full_details())}
    return response


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


class PageNotFound(Http404):
    """A 404 whose message is written for the reader, in the page's language ("No such
    bulletin."): the 404 page shows it. Other 404s' messages are Django's, in English and
    for developers ("No Bulletin matches the given query."); the page leaves them out."""


class PageBadRequest(BadRequest):
    """A page asked for with a parameter it cannot take (an unknown region), its message
    written for the reader and naming the parameter: the 400 page shows it, and the
    request changes nothing."""


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's 400: JSON under /api/, else a page in the reader's language saying what
    was wrong (PageBadRequest) with a way back."""
    if _is_api(request):
        body = {"errors": [{"field": None, "message": "bad request", "code": "invalid"}]}
        return JsonResponse(body, status=400)
    reason = str(exception) if isinstance(exception, PageBadRequest) else ""
    return render(request, "400.html", {"reason": reason}, status=400)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's 404 for a URL no route matches: JSON under /api/, the usual page elsewhere,
    with the view's reason when it gave one for the reader."""
    if _is_api(request):
        body = {"errors": [{"field": None, "message": "no such URL", "code": "not_found"}]}
        return JsonResponse(body, status=404)
    reason = str(exception) if isinstance(exception, PageNotFound) else ""
    return render(request, "404.html", {"reason": reason}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        body = {"errors": [{"field": None, "message": "internal error", "code": "error"}]}
        return JsonResponse(body, status=500)
    return defaults.server_error(request)
