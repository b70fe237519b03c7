"""The catalogue: commodities, markets, regions and units, found by what callers call
them (an id, a slug, any alias) and listed."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from django.db.models import F, Func, IntegerField, QuerySet, Value

from agriprices.models import Commodity, CommodityAlias, Market, MarketAlias, Region, Unit
from agriprices.names import Named, by_local_name, normalize_name


def _as_id(ref: str) -> int | None:
    """The id ``ref`` spells, if any. ASCII digits only: str.isdigit() also accepts "¹",
    which int() refuses."""
    if ref.isascii() and ref.isdigit() and len(ref) <= 18:
        return int(ref)
    return None


def _by_ref(
    model: type[Commodity] | type[Market],
    alias_model: type[CommodityAlias] | type[MarketAlias],
    owner: str,
    ref: str,
) -> Any:
    """An object by id, slug, or any alias (name in any script, or code like wfp:2618).
    Exact matches only: the API and forms must be predictable; typo tolerance is for
    ``search_*``."""
    ref = ref.strip()
    if not ref or len(ref) > 120 or "\x00" in ref:
        return None
    pk = _as_id(ref)
    if pk is not None:
        found = model.objects.filter(pk=pk).first()
        if found is not None:
            return found
    found = model.objects.filter(slug=ref.lower()).first()
    if found is not None:
        return found
    alias = alias_model.objects.filter(normalized=normalize_name(ref)).select_related(owner).first()
    if alias is not None:
        return getattr(alias, owner)
    return model.objects.filter(name__iexact=ref).first()


def commodity_by_ref(ref: str) -> Commodity | None:
    return _by_ref(Commodity, CommodityAlias, "commodity", ref)


def market_by_ref(ref: str) -> Market | None:
    return _by_ref(Market, MarketAlias, "market", ref)


def region_by_ref(ref: str) -> Region | None:
    """A region by id, slug, or its name in any language."""
    ref = ref.strip()
    if not ref or len(ref) > 120 or "\x00" in ref:
        return None
    pk = _as_id(ref)
    if pk is not None:
        found = Region.objects.filter(pk=pk).first()
        if found is not None:
            return found
    found = (
        Region.objects.filter(slug=ref.lower()).first()
        or Region.objects.filter(name__iexact=ref).first()
    )
    if found is not None:
        return found
    # Or its name in another language (``Ошская область``). A country has tens of
    # regions, and their names live in a JSON field no database indexes alike.
    wanted = normalize_name(ref)
    for region in Region.objects.exclude(translations={}):
        if any(normalize_name(name) == wanted for name in region.translations.values()):
            return region
    return None


def unit_by_code(code: str) -> Unit | None:
    if "\x00" in code:
        return None
    return Unit.objects.filter(code=code.strip().lower()).first()


# --- Catalogue lists ----------------------------------------------------------------------


class _Rank(Func):
    """``CASE field WHEN id THEN rank ... ELSE n END``, the ids and ranks written in as
    integers. Django's ``Case(When(...))`` says the same, but builds and compiles a lookup
    per id: 250 markets took 20 ms to compile, twice a page (its count and its rows)."""

    output_field = IntegerField()

    def __init__(self, field: str, ids: list[int]) -> None:
        ranks = " ".join(f"WHEN {int(pk)} THEN {rank}" for rank, pk in enumerate(ids))
        super().__init__(F(field), template=f"CASE %(expressions)s {ranks} ELSE {len(ids)} END")


def local_order(field: str, things: Iterable[Named], language: str) -> Func | Value:
    """An ordering of rows by the thing ``field`` names (``commodity_id``), by its name
    in ``language`` in that language's order (names.by_local_name): the database only
    knows one collation, and the names per language are data."""
    ids = [thing.pk for thing in by_local_name(things, language)]
    # Nothing to rank (no crop yet): every row is alike, and a CASE needs a WHEN.
    return _Rank(field, ids) if ids else Value(0, output_field=IntegerField())


def regions() -> QuerySet[Region]:
    return Region.objects.order_by("name")


def commodities(*, category: str | None = None) -> QuerySet[Commodity]:
    rows = Commodity.objects.select_related("base_unit").prefetch_related("aliases")
    if category:
        rows = rows.filter(category__iexact=category)
    return rows.order_by("name")


def markets(*, region: Region | None = None) -> QuerySet[Market]:
    rows = Market.objects.select_related("region").prefetch_related("aliases")
    if region is not None:
        rows = rows.filter(region=region)
    return rows.order_by("name")


def markets_by_id(ids: list[int]) -> QuerySet[Market]:
    return Market.objects.filter(pk__in=ids).select_related("region")


EARTH_RADIUS_KM = 6371.0


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def markets_near(
    *,
    latitude: float,
    longitude: float,
    region: Region | None = None,
    within_km: float | None = None,
) -> list[Market]:
    """Markets with a known position, nearest first, each with ``distance_km`` set.
    Markets are few (hundreds), so the distance is computed here, the same on every
    database."""
    found = []
    for market in markets(region=region).exclude(latitude=None).exclude(longitude=None):
        away = distance_km(
            latitude, longitude, float(market.latitude or 0), float(market.longitude or 0)
        )
        market.distance_km = round(away, 1)  # type: ignore[attr-defined]  # read by the API
        if within_km is None or away <= within_km:
            found.append(market)
    return sorted(found, key=lambda m: (m.distance_km, m.name))  # type: ignore[attr-defined]  # set above
