"""What every v1 view shares, whichever app it belongs to: parameters validated by a
serializer, the error responses documented, pages with a Link header."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.http.response import HttpResponseBase
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from agriprices.api import params as p
from agriprices.api.errors import ErrorSerializer
from agriprices.api.renderers import ROW_LIMIT_HEADER, streamed

ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="A parameter or field is wrong."),
    429: OpenApiResponse(ErrorSerializer, description="Too many requests; see Retry-After."),
}
PAGED_ERRORS = {
    **ERRORS,
    404: OpenApiResponse(ErrorSerializer, description="No such page or cursor."),
}
WRITE_ERRORS = {
    **ERRORS,
    401: OpenApiResponse(ErrorSerializer, description="No or bad token."),
    403: OpenApiResponse(ErrorSerializer, description="Not allowed for this account."),
}
CSV_NOTE = (
    " Add `format=csv` for every row of the filtered list as CSV, not paged (up to "
    "API_CSV_MAX_ROWS, stated in the `X-Row-Limit` header)."
)


def with_next_link(response: Response, link: str | None) -> Response:
    """The page's answer, saying where the next page is in a Link header too, for CSV
    clients that cannot read the JSON envelope."""
    if link:
        response["Link"] = f'<{link}>; rel="next"'
    return response


class PagePagination(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000

    def get_paginated_response(self, data: Any) -> Response:
        return with_next_link(super().get_paginated_response(data), self.get_next_link())


class ApiView(GenericAPIView):
    """Common to every v1 view: parameters validated by ``params_class``."""

    params_class: type[p.QueryParams] | None = None
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        if len(request.query_params.getlist("format")) > 1:
            # Otherwise the last would win (QueryParams refuses any other repeated). The
            # refusal itself is in the first format, JSON.
            if force:
                renderer = self.get_renderers()[0]
                return renderer, renderer.media_type
            raise ValidationError({"format": "give one value"}, code="invalid")
        try:
            return super().perform_content_negotiation(request, force)
        except Http404:
            # DRF answers an unknown ?format= with 404; it is a bad parameter.
            raise ValidationError({"format": "use json or csv"}, code="invalid") from None

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        renderer = getattr(request, "accepted_renderer", None)
        if renderer is not None and renderer.format == "csv" and response.status_code == 200:
            # Every CSV answer, streamed, whole or cached, states how many rows it holds
            # at most (renderers.ROW_LIMIT_HEADER).
            response[ROW_LIMIT_HEADER] = str(settings.API_CSV_MAX_ROWS)
        return response

    def params(self) -> Any:
        """The query parameters, checked by ``params_class`` (a 400 naming the bad one)."""
        if self.params_class is None:
            raise TypeError(f"{type(self).__name__} reads no parameters")
        checked = self.params_class(data=self.request.query_params)
        checked.is_valid(raise_exception=True)
        return checked

    def paged(self, rows: Any) -> HttpResponseBase:
        """One page of ``rows`` as JSON; as CSV, every row (renderers.streamed), in the
        order the pages follow."""
        if self.request.accepted_renderer.format == "csv":
            ordering = getattr(self.paginator, "get_ordering", None)
            if ordering is not None and isinstance(rows, QuerySet):
                rows = rows.order_by(*ordering(self.request, rows, self))
            return streamed(rows, self.get_serializer_class(), self.get_serializer_context())
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
