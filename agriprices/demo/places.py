"""The demo's markets, where they are and how dear, and the regions they are in, with
their names in each language."""

from __future__ import annotations

from dataclasses import dataclass


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
    fr: str = ""  # the French name, where French spells it otherwise (Och)


MARKETS = [
    DemoMarket(
        "Bishkek",
        "Bishkek City",
        "42.874600",
        "74.569800",
        "Бишкек",
        "Бишкек",
        (0, 2, 4),
        1.06,
        fr="Bichkek",
    ),
    DemoMarket("Osh", "Osh", "40.528300", "72.798500", "Ош", "Ош", (0, 2, 4), 0.97, fr="Och"),
    DemoMarket(
        "Jalal-Abad",
        "Jalal-Abad",
        "40.933300",
        "73.000000",
        "Джалал-Абад",
        "Жалал-Абад",
        (1, 4),
        0.95,
        fr="Djalal-Abad",
    ),
    DemoMarket(
        "Karakol", "Issyk-Kul", "42.490700", "78.393600", "Каракол", "Каракол", (1, 4), 1.01
    ),
    DemoMarket(
        "Tokmok", "Chuy", "42.841900", "75.301500", "Токмак", "Токмок", (1, 4), 0.99, fr="Tokmak"
    ),
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
