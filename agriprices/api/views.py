"""API v1 views: parse and check the request, call selectors or services, serialise.
No business rule lives here."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.http.response import HttpResponseBase
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import permissions, status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from agriprices import name_index
from agriprices.api import params as p
from agriprices.api import serializers as s
from agriprices.api.base import (
    CSV_NOTE,
    ERRORS,
    PAGED_ERRORS,
    WRITE_ERRORS,
    ApiView,
    PagePagination,
    with_next_link,
)
from agriprices.api.caching import PricesChangeMixin, cached_until_prices_change
from agriprices.api.errors import ErrorSerializer, flatten_errors
from agriprices.models import Quote
from agriprices.roles import signed_in_user
from agriprices.selectors.catalogue import (
    commodities,
    commodity_by_ref,
    market_by_ref,
    markets,
    markets_by_id,
    markets_near,
    regions,
)
from agriprices.selectors.latest import latest_prices
from agriprices.selectors.quotes import quotes
from agriprices.selectors.series import price_series
from agriprices.services.recording import QuoteError, record_quote, record_quote_once
from agriprices.services.reviewing import review_quote
from agriprices.warnings import bands
from agriprices.warnings.queries import price_warnings


class QuoteCursorPagination(CursorPagination):
    """Cursor pages stay fast at millions of rows (no COUNT, no OFFSET)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000
    ordering = ("-observed_on", "-id")

    def get_paginated_response(self, data: Any) -> Response:
        return with_next_link(super().get_paginated_response(data), self.get_next_link())

    def get_ordering(self, request: Request, queryset: Any, view: Any) -> tuple[str, ...]:
        field = getattr(view, "ordering", None) or self.ordering[0]
        return (field, "-id" if field.startswith("-") else "id")


class RefDetail(ApiView):
    """One commodity or market, named in the URL by id, slug or any alias."""

    kind: str
    resolve: Callable[[str], Any]
    rows: Callable[[], Any]

    def get(self, request: Request, ref: str) -> Response:
        found = type(self).resolve(ref)
        if found is None:
            raise NotFound(f"no {self.kind} called {ref[:60]!r}")
        return Response(self.get_serializer(type(self).rows().get(pk=found.pk)).data)


REF_PARAMETER = OpenApiParameter("ref", str, "path", description="Id, slug or any name.")


# --- Catalogue ------------------------------------------------------------------------


class CommodityList(ApiView):
    params_class = p.CommodityParams
    pagination_class = PagePagination
    serializer_class = s.CommoditySerializer

    @extend_schema(
        summary="Commodities",
        description="Every commodity with its names in each language." + CSV_NOTE,
        parameters=[p.CommodityParams],
        responses={200: s.CommoditySerializer(many=True), **PAGED_ERRORS},
    )
    def get(self, request: Request) -> HttpResponseBase:
        query = self.params().validated_data
        rows = commodities(category=query.get("category"))
        if "search" not in query:
            return self.paged(rows)
        ranked = [m.obj.pk for m in name_index.search_commodities(query["search"], limit=10)]
        return self.paged(sorted(rows.filter(pk__in=ranked), key=lambda c: ranked.index(c.pk)))


@extend_schema_view(
    get=extend_schema(
        summary="One commodity",
        parameters=[REF_PARAMETER],
        responses={200: s.CommoditySerializer, 404: ErrorSerializer, **ERRORS},
    )
)
class CommodityDetail(RefDetail):
    serializer_class = s.CommoditySerializer
    kind = "commodity"
    resolve = staticmethod(commodity_by_ref)
    rows = commodities


class MarketList(ApiView):
    params_class = p.MarketParams
    pagination_class = PagePagination
    serializer_class = s.MarketSerializer

    @extend_schema(
        summary="Markets",
        description="Markets, by region, or nearest first to a point." + CSV_NOTE,
        parameters=[p.MarketParams],
        responses={200: s.MarketSerializer(many=True), **PAGED_ERRORS},
    )
    def get(self, request: Request) -> HttpResponseBase:
        query = self.params().validated_data
        if "near" not in query:
            return self.paged(markets(region=query.get("region")))
        lat, lon = query["near"]
        nearest = markets_near(
            latitude=lat,
            longitude=lon,
            region=query.get("region"),
            within_km=query.get("within_km"),
        )
        return self.paged(nearest)


@extend_schema_view(
    get=extend_schema(
        summary="One market",
        parameters=[REF_PARAMETER],
        responses={200: s.MarketSerializer, 404: ErrorSerializer, **ERRORS},
    )
)
class MarketDetail(RefDetail):
    serializer_class = s.MarketSerializer
    kind = "market"
    resolve = staticmethod(market_by_ref)
    rows = markets


class RegionList(ApiView):
    serializer_class = s.RegionSerializer
    pagination_class = PagePagination
    params_class = p.QueryParams

    @extend_schema(
        summary="Regions", responses={200: s.RegionSerializer(many=True), **PAGED_ERRORS}
    )
    def get(self, request: Request) -> HttpResponseBase:
        self.params()
        return self.paged(regions())


# --- Quotes ---------------------------------------------------------------------------

QUOTE_EXAMPLE = {
    "commodity": "potatoes",
    "market": "osh",
    "unit": "kg",
    "price": "18.50",
    "observed_on": "2026-11-20",
    "external_id": "agent7-2026-11-20-1",
}


class QuoteList(PricesChangeMixin, ApiView):
    params_class = p.QuoteParams
    pagination_class = QuoteCursorPagination
    serializer_class = s.QuoteSerializer

    def get_permissions(self) -> Sequence[Any]:
        if self.request.method == "POST":
            return [permissions.IsAuthenticated(), permissions.DjangoModelPermissions()]
        return super().get_permissions()

    def get_queryset(self):  # DjangoModelPermissions reads the model from here
        return Quote.objects.none()

    @extend_schema(
        summary="Recorded prices",
        description=(
            "Approved prices, newest first, by cursor pages. Names in filters may be ids, "
            "slugs or any alias." + CSV_NOTE
        ),
        parameters=[p.QuoteParams],
        responses={200: s.QuoteSerializer(many=True), **PAGED_ERRORS},
    )
    def get(self, request: Request) -> HttpResponseBase:
        query = self.params()
        if query.validated_data["status"] != Quote.Status.APPROVED and not request.user.has_perm(
            "agriprices.review_quote"
        ):
            raise PermissionDenied("only operators may list prices that are not approved")
        self.ordering = query.validated_data["ordering"]
        return self.paged(quotes(**query.filters()))

    @extend_schema(
        summary="Record prices (market agents)",
        description=(
            "One price (an object: answered 201 with the quote, or an error) or a batch of "
            f"up to {settings.API_MAX_BATCH} (a list: answered 200 with each item created, "
            "unchanged or rejected with its own reasons; the good ones are stored). Each "
            "price is checked like every other entry path: a price far from the recent "
            "median, or in another currency than the service's (kept in its own and "
            "compared with nothing), is stored with status `flagged` for an operator; a "
            "day more than AGRIPRICES_MAX_AGE_DAYS (60) ago is refused. An agent may only "
            "write for the markets assigned to them. Give `external_id` so that a retried "
            "request is answered `unchanged` instead of doubled."
        ),
        request=s.QuoteInputSerializer,
        responses={
            201: s.QuoteSerializer,
            200: OpenApiResponse(
                PolymorphicProxySerializer(
                    component_name="QuoteWriteResult",
                    serializers=[s.BatchResultSerializer, s.QuoteSerializer],
                    resource_type_field_name=None,
                ),
                description=(
                    "A batch was sent (the result of each item), or one price was sent "
                    "again with an external_id already stored (that quote, unchanged)."
                ),
            ),
            409: OpenApiResponse(ErrorSerializer, description="Already recorded."),
            **WRITE_ERRORS,
        },
        examples=[
            OpenApiExample("One price", value=QUOTE_EXAMPLE, request_only=True),
            OpenApiExample(
                "A batch",
                value=[QUOTE_EXAMPLE, {**QUOTE_EXAMPLE, "commodity": "onions", "price": "25"}],
                request_only=True,
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        body = request.data
        if isinstance(body, dict):
            quote, created = self._record(body)
            code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
            return Response(s.QuoteSerializer(quote).data, status=code)
        if not isinstance(body, list) or not body:
            raise ValidationError("send one price as an object, or a list of them")
        if len(body) > settings.API_MAX_BATCH:
            raise ValidationError(f"at most {settings.API_MAX_BATCH} prices per request")
        results = []
        for index, item in enumerate(body):
            try:
                quote, created = self._record(item)
            except (ValidationError, QuoteError) as exc:
                errors = (
                    flatten_errors(exc.get_full_details())
                    if isinstance(exc, ValidationError)
                    else [{"field": exc.field, "message": exc.message, "code": exc.code}]
                )
                results.append({"index": index, "status": "rejected", "errors": errors})
                continue
            results.append(
                {
                    "index": index,
                    "status": "created" if created else "unchanged",
                    "quote": s.QuoteSerializer(quote).data,
                }
            )
        counts = {
            k: sum(r["status"] == k for r in results) for k in ("created", "unchanged", "rejected")
        }
        return Response({**counts, "results": results})

    def _record(self, item: Any) -> tuple[Quote, bool]:
        if not isinstance(item, dict):
            raise ValidationError("each price must be an object")
        data = s.QuoteInputSerializer(data=item)
        data.is_valid(raise_exception=True)
        fields = {**data.validated_data, "agent": self.request.user, "source": Quote.Source.API}
        external_id = fields.pop("external_id", None)
        if external_id:
            return record_quote_once(external_id=f"api:{external_id}", **fields)
        return record_quote(**fields), True


class QuoteReview(ApiView):
    serializer_class = s.QuoteSerializer
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="Approve or reject a price (operators)",
        description="Rejecting needs a reason. The latest price follows at once.",
        request=s.ReviewInputSerializer,
        responses={
            200: s.QuoteSerializer,
            404: ErrorSerializer,
            409: OpenApiResponse(ErrorSerializer, description="Already in that state."),
            **WRITE_ERRORS,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        data = s.ReviewInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        quote = review_quote(
            quote_id=pk,
            reviewer=signed_in_user(request),
            approve=data.validated_data["decision"] == "approve",
            reason=data.validated_data["reason"],
        )
        return Response(self.get_serializer(quotes(status=None).get(pk=quote.pk)).data)


# --- Prices ---------------------------------------------------------------------------


class LatestPrices(PricesChangeMixin, ApiView):
    params_class = p.LatestParams
    serializer_class = s.LatestPriceSerializer

    @extend_schema(
        summary="Latest prices",
        description=(
            "The newest approved price per market for a commodity (cheapest per base unit "
            "first), or per commodity at a market, with the change against a week and a "
            "month earlier." + CSV_NOTE
        ),
        parameters=[p.LatestParams],
        responses={200: s.LatestPriceSerializer(many=True), **ERRORS},
    )
    @cached_until_prices_change
    def get(self, request: Request) -> Response:
        query = self.params().validated_data
        rows = latest_prices(
            commodity=query.get("commodity"),
            markets=query.get("market") or None,
            region=query.get("region"),
            price_type=query["price_type"],
        )
        return Response(self.get_serializer(rows, many=True).data)


class PriceSeries(PricesChangeMixin, ApiView):
    params_class = p.SeriesParams
    serializer_class = s.SeriesSerializer

    @extend_schema(
        summary="Price series",
        description=(
            "Weekly (Monday-based) or monthly median, lowest and highest approved price per "
            "base unit, per market. With `format=csv`, one row per market and period."
        ),
        parameters=[p.SeriesParams],
        responses={200: s.SeriesSerializer, **ERRORS},
    )
    @cached_until_prices_change
    def get(self, request: Request) -> Response:
        query = self.params().validated_data
        commodity = query["commodity"]
        chosen = query["market"] or None
        by_market = price_series(
            commodity=commodity,
            markets=chosen,
            period=query["period"],
            start=query["start"],
            end=query["end"],
            price_type=query["price_type"],
        )
        shown = chosen or markets_by_id(list(by_market))
        # One serializer for all markets: DRF builds its fields once, not 250 times.
        refs = {ref["id"]: ref for ref in s.MarketRefSerializer(shown, many=True).data}
        series = [
            {
                "market": refs[market_id],
                "points": [s.series_point(summary) for summary in summaries],
            }
            for market_id, summaries in sorted(
                by_market.items(), key=lambda kv: refs[kv[0]]["name"]
            )
        ]
        if request.accepted_renderer.format == "csv":
            return Response(
                [{"market": e["market"]["name"], **point} for e in series for point in e["points"]]
            )
        return Response(
            {
                "commodity": s.CommodityRefSerializer(commodity).data,
                "period": query["period"],
                "price_type": query["price_type"],
                "base_unit": commodity.base_unit.code,
                "start": query["start"].isoformat(),
                "end": query["end"].isoformat(),
                "series": series,
            }
        )


class PriceWarnings(PricesChangeMixin, ApiView):
    params_class = p.WarningParams
    serializer_class = s.PriceWarningSerializer
    pagination_class = PagePagination

    @extend_schema(
        summary="Price warnings",
        description=(
            "Seasonal price warnings per series (commodity, market, price type): the "
            "month's median price per base unit, the normal price for the season, WFP's "
            f"Alert for Price Spikes (ALPS: {bands.describe(bands.ALPS)}) "
            f"and FAO's Indicator of Price Anomalies (IPA: {bands.describe(bands.IPA)}), "
            "and whether the series has the history ALPS needs (3 years, "
            "70 % of months). Worst band first. Recomputed nightly from approved prices; "
            "dates are ISO months." + CSV_NOTE
        ),
        parameters=[p.WarningParams],
        responses={200: s.PriceWarningSerializer(many=True), **PAGED_ERRORS},
    )
    @cached_until_prices_change
    def get(self, request: Request) -> HttpResponseBase:
        query = self.params().validated_data
        rows = price_warnings(
            commodity=query.get("commodity"),
            markets=query.get("market") or None,
            region=query.get("region"),
            bands=query.get("band", []),
            ipa_bands=query.get("ipa_band", []),
            month=query.get("month"),
            price_type=query["price_type"],
        )
        return self.paged(rows)
