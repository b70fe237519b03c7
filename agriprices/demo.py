"""Demo data for the Kyrgyz pilot region: markets, commodities with their names in
English, Russian, Kyrgyz and French (and the Latin spellings farmers type), and four
years of prices with seasons, regional spread, a few slipped decimal points, and in the
last weeks one spike (potatoes at Osh) and one crash (onions at Naryn), so every band of
the price warnings shows. The two older years have retail prices only, one a week: the
warnings need years of monthly medians, not every market day, and ``make demo`` stays
quick.

Every price is a pure function of (market, commodity, price type, day, and the day the
demo is seeded, for the spike and the crash), so running the seed again adds the new
days and leaves the stored ones unchanged. The prices
enter through ``importers.import_price_rows``, so the outlier rule flags the slips.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from agriprices.importers.rows import PriceRow
from agriprices.models import (
    AgentProfile,
    Commodity,
    CommodityAlias,
    Market,
    MarketAlias,
    PriceType,
    Quote,
    Region,
    Unit,
)
from agriprices.names import make_slug, normalize_name
from agriprices.roles import MARKET_AGENTS, OPERATORS
from agriprices.units import BASE_UNIT_CODES, parse_unit_label

SEED = "agriprices-demo-v1"
CURRENCY = "KGS"
YEARS = 4
#: Before this many days ago, retail prices only, on one day a week.
DETAILED_DAYS = 365 * 2
#: (market, commodity, size): moves that build up over the last SHOCK_DAYS. Potatoes
#: climb at Osh, and less at Jalal-Abad next door; onions collapse at Naryn.
SHOCKS = (("Osh", "Potatoes", 0.45), ("Jalal-Abad", "Potatoes", 0.25), ("Naryn", "Onions", -0.40))
#: A slipped decimal point a few days ago, held for review.
RECENT_SLIP = ("Bishkek", "Rice")
#: Retail series that began lately (days ago): the warnings say "not enough history".
NEW_SERIES = {("Batken", "Apples"): 540}
SHOCK_DAYS = 42


@dataclass(frozen=True)
class DemoMarket:
    name: str
    region: str
    latitude: str
    longitude: str
    ru: str
    ky: str
    weekdays: tuple[int, ...]  # days prices are collected (Monday = 0)
    level: float  # how dear the market is overall


MARKETS = [
    DemoMarket(
        "Bishkek", "Bishkek City", "42.874600", "74.569800", "Бишкек", "Бишкек", (0, 2, 4), 1.06
    ),
    DemoMarket("Osh", "Osh", "40.528300", "72.798500", "Ош", "Ош", (0, 2, 4), 0.97),
    DemoMarket(
        "Jalal-Abad",
        "Jalal-Abad",
        "40.933300",
        "73.000000",
        "Джалал-Абад",
        "Жалал-Абад",
        (1, 4),
        0.95,
    ),
    DemoMarket(
        "Karakol", "Issyk-Kul", "42.490700", "78.393600", "Каракол", "Каракол", (1, 4), 1.01
    ),
    DemoMarket("Tokmok", "Chuy", "42.841900", "75.301500", "Токмак", "Токмок", (1, 4), 0.99),
    DemoMarket("Naryn", "Naryn", "41.428700", "75.991100", "Нарын", "Нарын", (3,), 1.08),
    DemoMarket("Talas", "Talas", "42.522800", "72.242700", "Талас", "Талас", (3,), 0.96),
    DemoMarket("Batken", "Batken", "40.062800", "70.819400", "Баткен", "Баткен", (3,), 1.03),
]


#: The regions' names in each language, and how the radio script says "in" them where
#: the rule (agriprices.declension) cannot: a French region takes "dans la région de".
REGIONS = {
    "Bishkek City": (
        {
            "en": "Bishkek City",
            "fr": "Ville de Bichkek",
            "ru": "город Бишкек",
            "ky": "Бишкек шаары",
        },
        {"fr": "dans la ville de Bichkek"},
    ),
    "Osh": (
        {"en": "Osh Region", "fr": "Région d'Och", "ru": "Ошская область", "ky": "Ош облусу"},
        {"en": "in the Osh Region", "fr": "dans la région d'Och"},
    ),
    "Jalal-Abad": (
        {
            "en": "Jalal-Abad Region",
            "fr": "Région de Djalal-Abad",
            "ru": "Джалал-Абадская область",
            "ky": "Жалал-Абад облусу",
        },
        {"en": "in the Jalal-Abad Region", "fr": "dans la région de Djalal-Abad"},
    ),
    "Issyk-Kul": (
        {
            "en": "Issyk-Kul Region",
            "fr": "Région d'Yssyk-Koul",
            "ru": "Иссык-Кульская область",
            "ky": "Ысык-Көл облусу",
        },
        {"en": "in the Issyk-Kul Region", "fr": "dans la région d'Yssyk-Koul"},
    ),
    "Chuy": (
        {
            "en": "Chuy Region",
            "fr": "Région de Tchouï",
            "ru": "Чуйская область",
            "ky": "Чүй облусу",
        },
        {"en": "in the Chuy Region", "fr": "dans la région de Tchouï"},
    ),
    "Naryn": (
        {
            "en": "Naryn Region",
            "fr": "Région de Naryn",
            "ru": "Нарынская область",
            "ky": "Нарын облусу",
        },
        {"en": "in the Naryn Region", "fr": "dans la région de Naryn"},
    ),
    "Talas": (
        {
            "en": "Talas Region",
            "fr": "Région de Talas",
            "ru": "Таласская область",
            "ky": "Талас облусу",
        },
        {"en": "in the Talas Region", "fr": "dans la région de Talas"},
    ),
    "Batken": (
        {
            "en": "Batken Region",
            "fr": "Région de Batken",
            "ru": "Баткенская область",
            "ky": "Баткен облусу",
        },
        {"en": "in the Batken Region", "fr": "dans la région de Batken"},
    ),
}


@dataclass(frozen=True)
class DemoCommodity:
    name: str
    category: str
    unit: str  # the unit agents quote in
    price: float  # typical retail price per that unit, KGS, at the start of the demo
    season: float  # share the price swings over the year
    peak_month: int  # month the price is dearest
    ru: str
    ky: str
    fr: str
    spellings: tuple[str, ...]  # other names farmers type (Latin transliterations, slang)
    cheap_at: tuple[str, ...] = ()  # markets where it is grown, so cheaper


COMMODITIES = [
    DemoCommodity(
        "Wheat",
        "cereals and tubers",
        "kg",
        22,
        0.08,
        5,
        "Пшеница",
        "Буудай",
        "Blé",
        ("pshenitsa", "buuday", "bugday", "ble"),
        ("Talas", "Tokmok"),
    ),
    DemoCommodity(
        "Wheat flour",
        "cereals and tubers",
        "kg",
        40,
        0.05,
        5,
        "Мука",
        "Ун",
        "Farine",
        ("muka", "un", "flour", "farine de ble"),
    ),
    DemoCommodity(
        "Potatoes",
        "cereals and tubers",
        "kg",
        30,
        0.30,
        6,
        "Картофель",
        "Картошка",
        "Pommes de terre",
        ("картошка", "kartoshka", "kartofel", "potato", "картоха"),
        ("Karakol", "Naryn"),
    ),
    DemoCommodity(
        "Onions",
        "vegetables and fruits",
        "kg",
        25,
        0.30,
        5,
        "Лук",
        "Пияз",
        "Oignons",
        ("luk", "piyaz", "onion"),
        ("Jalal-Abad", "Osh"),
    ),
    DemoCommodity(
        "Carrots",
        "vegetables and fruits",
        "kg",
        25,
        0.25,
        5,
        "Морковь",
        "Сабиз",
        "Carottes",
        ("morkov", "sabiz", "carrot"),
        ("Osh",),
    ),
    DemoCommodity(
        "Maize",
        "cereals and tubers",
        "kg",
        20,
        0.08,
        6,
        "Кукуруза",
        "Жүгөрү",
        "Maïs",
        ("kukuruza", "jugoru", "corn"),
        ("Jalal-Abad",),
    ),
    DemoCommodity(
        "Rice",
        "cereals and tubers",
        "kg",
        90,
        0.05,
        6,
        "Рис",
        "Күрүч",
        "Riz",
        ("ris", "kuruch", "guruch"),
        ("Osh", "Jalal-Abad"),
    ),
    DemoCommodity(
        "Beans",
        "pulses and nuts",
        "kg",
        120,
        0.08,
        7,
        "Фасоль",
        "Буурчак",
        "Haricots",
        ("fasol", "buurchak", "bean"),
        ("Talas",),
    ),
    DemoCommodity(
        "Apples",
        "vegetables and fruits",
        "kg",
        60,
        0.30,
        6,
        "Яблоки",
        "Алма",
        "Pommes",
        ("yabloki", "alma", "apple"),
        ("Karakol",),
    ),
    DemoCommodity(
        "Cabbage",
        "vegetables and fruits",
        "kg",
        20,
        0.30,
        5,
        "Капуста",
        "Капуста",
        "Chou",
        ("kapusta",),
    ),
    DemoCommodity(
        "Tomatoes",
        "vegetables and fruits",
        "kg",
        70,
        0.40,
        2,
        "Помидоры",
        "Помидор",
        "Tomates",
        ("pomidory", "pomidor", "tomato"),
        ("Jalal-Abad", "Osh", "Batken"),
    ),
    DemoCommodity(
        "Cucumbers",
        "vegetables and fruits",
        "kg",
        60,
        0.40,
        2,
        "Огурцы",
        "Бадыраң",
        "Concombres",
        ("ogurtsy", "badyrang", "cucumber"),
    ),
    DemoCommodity(
        "Milk",
        "milk and dairy",
        "l",
        60,
        0.10,
        1,
        "Молоко",
        "Сүт",
        "Lait",
        ("moloko", "sut", "süt"),
    ),
    DemoCommodity(
        "Beef",
        "meat, fish and eggs",
        "kg",
        650,
        0.05,
        3,
        "Говядина",
        "Уй эти",
        "Bœuf",
        ("govyadina", "uy eti", "myaso", "мясо"),
        ("Naryn",),
    ),
    DemoCommodity(
        "Mutton",
        "meat, fish and eggs",
        "kg",
        700,
        0.05,
        3,
        "Баранина",
        "Кой эти",
        "Mouton",
        ("baranina", "koy eti"),
        ("Naryn",),
    ),
    DemoCommodity(
        "Eggs",
        "meat, fish and eggs",
        "10 pcs",
        120,
        0.10,
        1,
        "Яйца",
        "Жумуртка",
        "Œufs",
        ("yaytsa", "jumurtka", "egg"),
    ),
    DemoCommodity(
        "Sugar",
        "miscellaneous food",
        "kg",
        85,
        0.04,
        9,
        "Сахар",
        "Кант",
        "Sucre",
        ("sahar", "kant"),
    ),
    DemoCommodity(
        "Sunflower oil",
        "oil and fats",
        "l",
        150,
        0.04,
        3,
        "Подсолнечное масло",
        "Күн карама майы",
        "Huile de tournesol",
        ("maslo", "oil", "may"),
    ),
]

#: Where wholesale and farm-gate prices are also collected (weekly, on Mondays).
WHOLESALE = {
    "Bishkek": ("Wheat", "Wheat flour", "Potatoes", "Onions", "Rice", "Sugar"),
    "Osh": ("Wheat", "Wheat flour", "Potatoes", "Onions", "Rice", "Sugar"),
}
FARM_GATE = {"Naryn": ("Potatoes", "Wheat"), "Talas": ("Beans", "Wheat", "Potatoes")}
PRICE_TYPE_LEVEL = {PriceType.RETAIL: 1.0, PriceType.WHOLESALE: 0.85, PriceType.FARM_GATE: 0.7}

DEMO_USERS = [
    # username, password, role; the password is printed by seed_demo, for demos only.
    ("admin", "admin-demo", "admin"),
    ("operator", "operator-demo", OPERATORS),
    ("agent", "agent-demo", MARKET_AGENTS),
]
DEMO_AGENT_MARKETS = ("Osh", "Jalal-Abad")


def _noise(*key: object) -> float:
    """A repeatable number in [0, 1) for the key."""
    digest = hashlib.blake2b(repr((SEED, *key)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def _shock(market: DemoMarket, commodity: DemoCommodity, day: date, today: date) -> float:
    """The spike or the crash: nothing until SHOCK_DAYS before ``today``, then a steady
    climb (or fall) to its full size a week before it."""
    for market_name, commodity_name, size in SHOCKS:
        if (market.name, commodity.name) == (market_name, commodity_name):
            progress = (day - (today - timedelta(days=SHOCK_DAYS))).days / (SHOCK_DAYS - 7)
            return 1 + size * min(1.0, max(0.0, progress))
    return 1.0


def demo_price(
    market: DemoMarket, commodity: DemoCommodity, price_type: str, day: date, today: date
) -> Decimal:
    """The demo price of one quote: season, yearly drift, market level, local produce,
    day-to-day noise, the recent spike or crash, and now and then a slipped decimal
    point."""
    season = commodity.season * math.cos(2 * math.pi * (day.month - commodity.peak_month) / 12)
    drift = 1 + 0.06 * (day.toordinal() - date(2024, 1, 1).toordinal()) / 365
    local = 0.85 if market.name in commodity.cheap_at else 1.0
    noise = 1 + (_noise(market.name, commodity.name, price_type, day) - 0.5) * 0.06
    value = commodity.price * (1 + season) * drift * market.level * local * noise
    value *= _shock(market, commodity, day, today)
    value *= PRICE_TYPE_LEVEL[PriceType(price_type)]
    slip = _noise("slip", market.name, commodity.name, price_type, day)
    if (market.name, commodity.name) == RECENT_SLIP and 2 <= (today - day).days <= 4:
        slip = 0  # a fresh typo for the review queue, beside the real spike at Osh
    if slip < 0.0008:
        value *= 10  # an agent typed 1850 for 185.0
    elif slip < 0.0012:
        value /= 10
    step = Decimal("1") if value >= 100 else Decimal("0.5") if value >= 20 else Decimal("0.1")
    return max((Decimal(str(value)) / step).quantize(Decimal(1)) * step, step)


def _collection_days(weekdays: tuple[int, ...], today: date, days: int) -> Iterator[date]:
    day = today - timedelta(days=days)
    detailed_from = today - timedelta(days=DETAILED_DAYS)
    while day <= today:
        if day.weekday() in (weekdays if day >= detailed_from else weekdays[:1]):
            yield day
        day += timedelta(days=1)


def demo_rows(today: date, days: int = 365 * YEARS) -> Iterator[PriceRow]:
    """Demo prices of the ``days`` up to ``today`` (four years by default), as rows of a
    price file."""
    line = 1
    by_name = {c.name: c for c in COMMODITIES}
    for market in MARKETS:
        series = [(c, PriceType.RETAIL, market.weekdays) for c in COMMODITIES]
        series += [(by_name[n], PriceType.WHOLESALE, (0,)) for n in WHOLESALE.get(market.name, ())]
        series += [(by_name[n], PriceType.FARM_GATE, (0,)) for n in FARM_GATE.get(market.name, ())]
        for commodity, price_type, weekdays in series:
            # Wholesale and farm-gate prices began two years ago: too little history
            # for the warnings, which say so.
            span = days if price_type == PriceType.RETAIL else min(days, DETAILED_DAYS)
            span = min(span, NEW_SERIES.get((market.name, commodity.name), span))
            unit = commodity.unit
            if price_type == PriceType.WHOLESALE and commodity.unit == "kg":
                unit = "bag50kg"
            for day in _collection_days(weekdays, today, span):
                line += 1
                price = demo_price(market, commodity, price_type, day, today)
                if unit == "bag50kg":
                    price *= 50
                yield PriceRow(
                    line=line,
                    observed_on=day.isoformat(),
                    commodity=commodity.name,
                    market=market.name,
                    unit=unit,
                    price=str(price),
                    currency=CURRENCY,
                    price_type=price_type,
                    region=market.region,
                    external_id=(
                        f"demo:{make_slug(market.name)}:{make_slug(commodity.name)}:"
                        f"{price_type}:{day.isoformat()}"
                    ),
                )


def new_demo_rows(today: date, days: int = 365 * YEARS) -> Iterator[PriceRow]:
    """The demo rows not stored yet. A day stored by an earlier seed keeps its price,
    though the spike and the crash, which follow the day of seeding, would now give some
    days another one (the import would refuse such a changed price)."""
    stored = set(
        Quote.objects.filter(external_id__startswith="demo:").values_list("external_id", flat=True)
    )
    return (row for row in demo_rows(today, days) if row.external_id not in stored)


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
                "translations": {"ru": market.ru, "ky": market.ky},
            },
        )
        for name, language in ((market.name, "en"), (market.ru, "ru"), (market.ky, "ky")):
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


@transaction.atomic
def ensure_demo_users() -> list[tuple[str, str, str]]:
    """The demo logins, with known passwords; returns (username, password, role)."""
    user_model = get_user_model()
    for username, password, role in DEMO_USERS:
        user, _ = user_model.objects.get_or_create(username=username)
        user.set_password(password)
        user.is_staff = role != MARKET_AGENTS
        user.is_superuser = role == "admin"
        user.save()
        if role != "admin":
            user.groups.add(Group.objects.get(name=role))
        if role == MARKET_AGENTS:
            profile, _ = AgentProfile.objects.get_or_create(user=user)
            profile.markets.set(Market.objects.filter(name__in=DEMO_AGENT_MARKETS))
    return DEMO_USERS
