"""The region a browser chose: asked for in the query, else remembered in a cookie, so
every page of prices, sheets and scripts opens on it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from agriprices.models import Region
from agriprices.selectors.catalogue import region_by_ref

REGION_COOKIE = "region"
REGION_COOKIE_AGE = 365 * 24 * 3600


def chosen_region(request: HttpRequest) -> Region | None:
    """The region asked for, else the one this browser chose before."""
    ref = request.GET.get("region", request.COOKIES.get(REGION_COOKIE, ""))
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
