"""What every v1 view shares, whichever app it belongs to: parameters validated by a
serializer, the error responses documented, pages with a Link header."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from agriprices.api import params as p
from agriprices.api.errors import ErrorSerializer

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
CSV_NOTE = " Add `format=csv` for the same rows as CSV."


class LinkHeaderMixin:
    """Pagination that also says where the next page is in a Link header, for CSV
    clients that cannot read the JSON envelope."""

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        if self.get_next_link():
            response["Link"] = f'<{self.get_next_link()}>; rel="next"'
        return response


class PagePagination(LinkHeaderMixin, PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


class ApiView(GenericAPIView):
    """Common to every v1 view: parameters validated by ``params_class``."""

    params_class: type[p.QueryParams] | None = None
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        try:
            return super().perform_content_negotiation(request, force)
        except Http404:
            # DRF answers an unknown ?format= with 404; it is a bad parameter.
            raise ValidationError({"format": "use json or csv"}, code="invalid") from None

    def params(self) -> p.QueryParams:
        checked = self.params_class(data=self.request.query_params)
        checked.is_valid(raise_exception=True)
        return checked

    def paged(self, rows: Any) -> Response:
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
