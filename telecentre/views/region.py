"""What a browser chose to see: the region (asked for in the query, else remembered in
a cookie, so every page of prices, sheets and scripts opens on it) and the price type
(retail unless the query asks for wholesale or farm-gate prices)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from agriprices.api.errors import PageBadRequest
from agriprices.models import PriceType, Region
from agriprices.selectors.catalogue import region_by_ref

REGION_COOKIE = "region"
REGION_COOKIE_AGE = 365 * 24 * 3600


def chosen_region(request: HttpRequest) -> Region | None:
    """The region asked for, else the one this browser chose before. A region asked for
    that does not exist is a 400 naming it (PageBadRequest), never another region or the
    whole country in its place; one remembered that no longer exists is forgotten."""
    if "region" in request.GET:
        ref = request.GET["region"]
        found = region_by_ref(ref) if ref else None
        if ref and found is None:
            raise PageBadRequest(
                _("Region: there is no region “%(region)s”; choose one from the list.")
                % {"region": ref[:60]}
            )
        return found
    ref = request.COOKIES.get(REGION_COOKIE, "")
    return region_by_ref(ref) if ref else None


def remember_region(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    if "region" in request.GET:
        if request.GET["region"]:
            response.set_cookie(
                REGION_COOKIE, request.GET["region"], max_age=REGION_COOKIE_AGE, samesite="Lax"
            )
        else:
            response.delete_cookie(REGION_COOKIE)
    return response


def chosen_price_type(request: HttpRequest) -> str:
    """The price type asked for (``?price_type=wholesale``), retail by default; one that
    does not exist is a 400 naming it."""
    asked = request.GET.get("price_type", "") or PriceType.RETAIL
    if asked not in PriceType.values:
        raise PageBadRequest(
            _("Price type: there is no price type “%(type)s”; choose one from the list.")
            % {"type": asked[:40]}
        )
    return asked


def price_type_choices(chosen: str) -> dict[str, object]:
    """What a page's price type control and headings need (``_filters.html``)."""
    return {
        "price_type": chosen,
        "price_types": PriceType.choices,
        "price_type_label": PriceType(chosen).label,
    }
