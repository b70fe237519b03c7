"""What a price file names, found or created: markets, commodities and units, and the
aliases (names as spelled, outside codes such as WFP's) that let the next file find
them again. Created only for rows that passed every check."""

from __future__ import annotations

from typing import Any

from agriprices.importers.checks import CheckedRow
from agriprices.importers.rows import PriceRow
from agriprices.models import (
    AliasBase,
    Commodity,
    CommodityAlias,
    Market,
    MarketAlias,
    Region,
    Unit,
)
from agriprices.names import make_slug, normalize_name
from agriprices.units import UnitSpec, base_unit_spec


def _unique_slug(model: type[Commodity] | type[Market] | type[Region], text: str) -> str:
    base = make_slug(text)[:100]
    slug, n = base, 2
    while model.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


class Catalogue:
    """Finds markets, commodities and units named by rows, and creates the missing ones
    only once a row has passed every check that does not need them (so a bad row leaves
    nothing behind). Looks each name up once per import."""

    def __init__(self) -> None:
        self._markets: dict[str, Market | None] = {}
        self._commodities: dict[str, Commodity | None] = {}
        self._units: dict[str, Unit] = {}
        self._regions: dict[str, Region] = {}
        self._learned: set[tuple[str, int, str, str]] = set()

    @staticmethod
    def _find(
        alias_model: type[CommodityAlias] | type[MarketAlias], owner: str, name: str, code: str
    ) -> Any:
        lookups = []
        if code:
            lookups.append((normalize_name(code), AliasBase.Kind.CODE))
        lookups.append((normalize_name(name), AliasBase.Kind.NAME))
        for normalized, kind in lookups:
            alias = (
                alias_model.objects.filter(normalized=normalized, kind=kind)
                .select_related(owner)
                .first()
            )
            if alias is not None:
                return getattr(alias, owner)
        return None

    def market(self, row: PriceRow) -> Market | None:
        key = f"{row.code_namespace}:{row.market_code}|{normalize_name(row.market)}"
        if key not in self._markets:
            code = f"{row.code_namespace}:{row.market_code}" if row.market_code else ""
            self._markets[key] = self._find(MarketAlias, "market", row.market, code)
        return self._markets[key]

    def commodity(self, row: PriceRow) -> Commodity | None:
        key = f"{row.code_namespace}:{row.commodity_code}|{normalize_name(row.commodity)}"
        if key not in self._commodities:
            code = f"{row.code_namespace}:{row.commodity_code}" if row.commodity_code else ""
            found = self._find(CommodityAlias, "commodity", row.commodity, code)
            if found is not None:
                found = Commodity.objects.select_related("base_unit").get(pk=found.pk)
            self._commodities[key] = found
        return self._commodities[key]

    def unit(self, spec: UnitSpec) -> Unit:
        if spec.code not in self._units:
            self._units[spec.code], _ = Unit.objects.get_or_create(
                code=spec.code,
                defaults={
                    "name": spec.name,
                    "dimension": spec.dimension,
                    "base_quantity": spec.base_quantity,
                },
            )
        return self._units[spec.code]

    def known_unit(self, spec: UnitSpec) -> Unit | None:
        if spec.code in self._units:
            return self._units[spec.code]
        return Unit.objects.filter(code=spec.code).first()

    def base_unit_for(self, spec: UnitSpec) -> Unit:
        return self.unit(base_unit_spec(spec))

    def create_market(self, checked: CheckedRow) -> Market:
        row = checked.row
        region_key = normalize_name(row.region)
        if region_key not in self._regions:
            region = Region.objects.filter(name__iexact=row.region.strip()).first()
            if region is None:
                region = Region.objects.create(
                    name=row.region.strip(), slug=_unique_slug(Region, row.region)
                )
            self._regions[region_key] = region
        market = Market.objects.create(
            name=row.market.strip(),
            slug=_unique_slug(Market, row.market),
            region=self._regions[region_key],
            district=row.district,
            latitude=checked.latitude,
            longitude=checked.longitude,
        )
        MarketAlias.objects.create(market=market, name=market.name)
        self._markets.clear()
        return market

    def create_commodity(self, checked: CheckedRow) -> Commodity:
        row = checked.row
        commodity = Commodity.objects.create(
            name=row.commodity.strip(),
            slug=_unique_slug(Commodity, row.commodity),
            category=row.category.strip().lower(),
            base_unit=self.base_unit_for(checked.unit_spec),
        )
        CommodityAlias.objects.create(commodity=commodity, name=commodity.name)
        self._commodities.clear()
        return commodity

    def learn_aliases(
        self,
        alias_model: type[CommodityAlias] | type[MarketAlias],
        owner: str,
        obj: Market | Commodity,
        name: str,
        code: str,
    ) -> None:
        """Remember a file's code and spelling for this thing, so the next file that
        spells it differently still matches. Never steals a name another thing holds."""
        key = (owner, obj.pk, normalize_name(name), code)
        if key in self._learned:
            return
        self._learned.add(key)
        for text, kind in ((code, AliasBase.Kind.CODE), (name, AliasBase.Kind.NAME)):
            normalized = normalize_name(text) if text else ""
            if not normalized:
                continue
            if not alias_model.objects.filter(normalized=normalized, kind=kind).exists():
                alias_model.objects.create(**{owner: obj}, name=text.strip(), kind=kind)
