"""Pages in the reader's language down to the last word: categories and units named in
it, lists in its alphabetical order, and every price type a market reports, chosen on
each page that shows prices."""

import html
import re
from decimal import Decimal

import pytest
from django.utils import translation

from agriprices.labels import unit_name
from agriprices.models import PriceType, Quote
from agriprices.services.recording import record_quote
from tests.factories import CommodityFactory, MarketFactory, RegionFactory, unit

pytestmark = pytest.mark.django_db


def text(response) -> str:
    body = response.content.decode()
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


def table(response) -> str:
    """The page's price table alone, as text."""
    body = response.content.decode()
    found = re.search(r"<tbody>.*?</tbody>", body, re.S)
    return text_of(found.group(0)) if found else ""


def text_of(markup: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup))).strip()


def speak(client, language):
    client.cookies["django_language"] = language


def price(crop, market, amount, day, price_type=PriceType.RETAIL, label="kg"):
    record_quote(
        agent=None,
        commodity=crop,
        market=market,
        unit=unit(label),
        price=Decimal(amount),
        observed_on=day,
        price_type=price_type,
        source=Quote.Source.IMPORT,
    )


@pytest.fixture
def osh(today):
    region = RegionFactory(name="Osh", slug="osh", translations={"ru": "Ошская область"})
    osh = MarketFactory(
        name="Osh", slug="osh", region=region, translations={"ru": "Ош", "ky": "Ош"}
    )
    uzgen = MarketFactory(
        name="Uzgen", slug="uzgen", region=region, translations={"ru": "Узген", "ky": "Өзгөн"}
    )
    apples = CommodityFactory(
        name="Apples",
        slug="apples",
        category="vegetables and fruits",
        translations={"fr": "Pommes", "ru": "Яблоки", "ky": "Алма"},
    )
    wheat = CommodityFactory(
        name="Wheat",
        slug="wheat",
        category="cereals and tubers",
        translations={"fr": "Blé", "ru": "Пшеница", "ky": "Буудай"},
    )
    eggs = CommodityFactory(
        name="Eggs",
        slug="eggs",
        category="meat, fish and eggs",
        base_unit=unit("pcs"),
        translations={"fr": "Œufs", "ru": "Яйца", "ky": "Жумуртка"},
    )
    onions = CommodityFactory(
        name="Onions",
        slug="onions",
        category="vegetables and fruits",
        translations={"fr": "Oignons", "ru": "Лук", "ky": "Пияз"},
    )
    for market, level in ((osh, 0), (uzgen, 2)):
        for crop, amount in ((apples, 60), (wheat, 22), (onions, 25)):
            price(crop, market, amount + level, today)
        price(eggs, market, 120 + level, today, label="10 pcs")
    price(wheat, osh, 18, today, price_type=PriceType.WHOLESALE)
    price(wheat, osh, 15, today, price_type=PriceType.FARM_GATE)
    return {"osh": osh, "uzgen": uzgen, "wheat": wheat}


@pytest.mark.parametrize(
    "language, crops, markets",
    [
        ("en", ["Apples", "Eggs", "Onions", "Wheat"], ["Osh", "Uzgen"]),
        ("fr", ["Blé", "Œufs", "Oignons", "Pommes"], ["Osh", "Uzgen"]),
        ("ru", ["Лук", "Пшеница", "Яблоки", "Яйца"], ["Ош", "Узген"]),
        # Kyrgyz order: Ө after О, not folded into it.
        ("ky", ["Алма", "Буудай", "Жумуртка", "Пияз"], ["Ош", "Өзгөн"]),
    ],
)
def test_prices_are_listed_in_the_readers_alphabetical_order(client, osh, language, crops, markets):
    speak(client, language)
    rows = re.findall(
        r"<tr><th scope=\"row\">(.*?)</td>", client.get("/?region=osh").content.decode()
    )
    listed = [text_of(row).split(" ")[0] for row in rows]
    assert listed == [c for c in crops for _ in markets]
    first = re.findall(
        r"<tr><th scope=\"row\">.*?<td data-label=\"[^\"]+\">(.*?)</td>",
        client.get("/?region=osh").content.decode(),
    )
    assert [text_of(m) for m in first[:2]] == markets
    grid = client.get("/grid/?region=osh").content.decode()
    heads = re.findall(r'<th scope="col">(.*?)</th>', grid)[1:]
    assert heads == markets
    assert [
        text_of(r).rsplit(" /", 1)[0] for r in re.findall(r'<th scope="row">(.*?)</th>', grid)
    ] == crops
    market_page = client.get("/markets/osh/").content.decode()
    assert [text_of(r) for r in re.findall(r'<th scope="row">(.*?)</th>', market_page)] == crops


@pytest.mark.parametrize(
    "language, category, per_kg, per_ten",
    [
        ("en", "cereals and tubers", "KGS/kg", "KGS/10 pcs"),
        ("fr", "céréales et tubercules", "KGS/kg", "KGS/10 pce"),
        ("ru", "зерновые и клубнеплоды", "KGS/кг", "KGS/10 шт."),
        ("ky", "дан эгиндери жана түймөктүүлөр", "KGS/кг", "KGS/10 даана"),
    ],
)
def test_categories_and_units_are_named_in_the_readers_language(
    client, osh, language, category, per_kg, per_ten
):
    speak(client, language)
    page = client.get("/?region=osh")
    options = re.search(r'<select name="category".*?</select>', page.content.decode(), re.S)
    assert category in text_of(options.group(0))
    if language != "en":
        assert "cereals and tubers" not in text(page)
    assert per_kg in table(page) and per_ten in table(page)
    assert per_kg in table(client.get("/markets/osh/"))


@pytest.mark.parametrize(
    "code, language, said",
    [
        ("bag50kg", "ru", "мешок 50 кг"),
        ("bag50kg", "en", "50 kg bag"),
        ("mt", "fr", "t"),
        ("dozen", "ky", "дюжина"),
        ("loaf", "ru", "loaf"),  # a unit of its own, shown as stored
    ],
)
def test_unit_codes_are_said_as_readers_write_them(code, language, said):
    with translation.override(language):
        assert unit_name(code) == said


@pytest.mark.parametrize(
    "url",
    [
        "/?region=osh",
        "/markets/osh/",
        "/commodities/wheat/",
        "/grid/?region=osh",
        "/map/?commodity=wheat",
        "/sheet/?region=osh",
    ],
)
@pytest.mark.parametrize(
    "language, kind, label, amount",
    [
        ("en", "retail", "retail", "22"),
        ("en", "wholesale", "wholesale", "18"),
        ("fr", "farmgate", "bord champ", "15"),
        ("ru", "wholesale", "опт", "18"),
        ("ky", "farmgate", "өндүрүүчүдөн", "15"),
    ],
)
def test_every_price_page_shows_the_price_type_chosen(
    client, osh, url, language, kind, label, amount
):
    speak(client, language)
    sep = "&" if "?" in url else "?"
    page = client.get(f"{url}{sep}price_type={kind}")
    assert page.status_code == 200
    body = page.content.decode()
    select = re.search(r'<select name="price_type".*?</select>', body, re.S).group(0)
    assert re.search(rf'<option value="{kind}" selected>', select)
    assert label.lower() in text_of(select).lower()
    if kind != "retail":
        assert label.lower() in text_of(re.search(r"<h1>.*?</h1>", body, re.S).group(0)).lower()
    assert amount in text(page)
    others = {"retail": "22", "wholesale": "18", "farmgate": "15"}
    for other, figure in others.items():
        if other != kind and "grid" not in url and "sheet" not in url:
            assert f" {figure} " not in f" {table(page)} ".replace("/", " "), (other, url)


def test_an_unknown_price_type_is_refused_naming_it(client, osh):
    page = client.get("/grid/?price_type=barter")
    assert page.status_code == 400 and "Price type: there is no price type “barter”" in text(page)


@pytest.mark.parametrize("language", ["en", "fr", "ru", "ky"])
def test_the_commodity_page_chooses_its_region_like_the_others(client, osh, language):
    other = RegionFactory(name="Chuy", slug="chuy", translations={"ru": "Чуйская область"})
    tokmok = MarketFactory(name="Tokmok", slug="tokmok", region=other)
    price(osh["wheat"], tokmok, 19, osh["osh"].quotes.first().observed_on)
    speak(client, language)
    page = client.get("/commodities/wheat/?months=3")
    body = page.content.decode()
    region_select = re.search(r'<select name="region".*?</select>', body, re.S).group(0)
    assert 'value="chuy"' in region_select and 'value="osh"' in region_select
    assert '<input type="hidden" name="months" value="3">' in body
    assert "Tokmok" in table(page)
    chosen = client.get("/commodities/wheat/?months=3&region=osh")
    assert (
        "Tokmok" not in table(chosen)
        and "Uzgen" in table(chosen)
        or "Өзгөн" in table(chosen)
        or "Узген" in table(chosen)
    )
    assert re.search(r'<option value="osh" selected>', chosen.content.decode())
    # The months links keep the region.
    assert "?months=12&amp;region=osh" in chosen.content.decode()
