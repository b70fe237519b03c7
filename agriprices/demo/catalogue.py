"""The demo's catalogue stored: regions, markets, units and commodities with every name
they answer to."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from agriprices.demo.crops import COMMODITIES
from agriprices.demo.places import MARKETS, REGIONS
from agriprices.models import Commodity, CommodityAlias, Market, MarketAlias, Region, Unit
from agriprices.names import make_slug, normalize_name
from agriprices.units import BASE_UNIT_CODES, parse_unit_label


def _alias(
    model: type[CommodityAlias] | type[MarketAlias], owner: str, obj: Any, name: str, language: str
) -> None:
    """Add a matching name unless some thing already answers to it (Russian and Kyrgyz
    share words such as "Капуста")."""
    if not model.objects.filter(normalized=normalize_name(name), kind="name").exists():
        model.objects.create(**{owner: obj}, name=name, language=language)


@transaction.atomic
def ensure_demo_catalogue() -> None:
    """Regions, markets, units and commodities with their names; idempotent."""
    for market in MARKETS:
        region_names, locatives = REGIONS[market.region]
        region, _ = Region.objects.update_or_create(
            name=market.region,
            defaults={"translations": region_names, "locatives": locatives},
            create_defaults={
                "slug": make_slug(market.region),
                "translations": region_names,
                "locatives": locatives,
            },
        )
        obj, _ = Market.objects.update_or_create(
            name=market.name,
            defaults={
                "slug": make_slug(market.name),
                "region": region,
                "latitude": Decimal(market.latitude),
                "longitude": Decimal(market.longitude),
                "translations": {
                    "ru": market.ru,
                    "ky": market.ky,
                    **({"fr": market.fr} if market.fr else {}),
                },
            },
        )
        names = [(market.name, "en"), (market.ru, "ru"), (market.ky, "ky")]
        for name, language in names + ([(market.fr, "fr")] if market.fr else []):
            _alias(MarketAlias, "market", obj, name, language)
    for commodity in COMMODITIES:
        spec = parse_unit_label(commodity.unit)
        base = parse_unit_label(BASE_UNIT_CODES[spec.dimension])
        units = {}
        for s in {spec, base, parse_unit_label("bag50kg")}:
            units[s.code], _ = Unit.objects.get_or_create(
                code=s.code,
                defaults={
                    "name": s.name,
                    "dimension": s.dimension,
                    "base_quantity": s.base_quantity,
                },
            )
        crop, _ = Commodity.objects.update_or_create(
            name=commodity.name,
            defaults={
                "slug": make_slug(commodity.name),
                "category": commodity.category,
                "base_unit": units[base.code],
                "translations": {"ru": commodity.ru, "ky": commodity.ky, "fr": commodity.fr},
            },
        )
        names = [
            (commodity.name, "en"),
            (commodity.ru, "ru"),
            (commodity.ky, "ky"),
            (commodity.fr, "fr"),
            *((spelling, "") for spelling in commodity.spellings),
        ]
        for name, language in names:
            _alias(CommodityAlias, "commodity", crop, name, language)
