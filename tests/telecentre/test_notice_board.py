"""The dashboard for a phone and a notice board: dates nobody misreads, the price grid,
the one-market sheet, the map of markets and the radio script."""

import html
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import translation

from agriprices import spoken
from agriprices.models import Quote
from agriprices.services.recording import record_quote
from agriprices.services.series import rebuild_latest_prices
from agriprices.warnings.computation import refresh_warnings
from telecentre import dates, maps
from tests.factories import CommodityFactory, MarketFactory, RegionFactory, unit

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def record(commodity, market, price, day):
    return record_quote(
        agent=None,
        commodity=commodity,
        market=market,
        unit=unit("kg"),
        price=Decimal(price),
        observed_on=day,
        source=Quote.Source.IMPORT,
    )


@pytest.fixture
def country(today):
    chui = RegionFactory(name="Chui", slug="chui")
    naryn_region = RegionFactory(name="Naryn Region", slug="naryn-region")
    bishkek = MarketFactory(name="Bishkek", region=chui, latitude="42.8746", longitude="74.5698")
    tokmok = MarketFactory(name="Tokmok", region=chui, latitude="42.8419", longitude="75.3015")
    naryn = MarketFactory(
        name="Naryn", region=naryn_region, latitude="41.4287", longitude="75.9911"
    )
    potato = CommodityFactory(name="Potatoes", slug="potatoes")
    onion = CommodityFactory(name="Onions", slug="onions")
    record(potato, bishkek, "40", today - timedelta(days=2))
    record(potato, tokmok, "30", today - timedelta(days=1))
    record(potato, naryn, "20", today - timedelta(days=30))  # stale
    record(onion, bishkek, "25", today - timedelta(days=3))
    return {"bishkek": bishkek, "tokmok": tokmok, "naryn": naryn, "potato": potato}


# --- Dates ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "language, this_year, other_year",
    [
        ("en", "1 Dec", "1 Dec 2025"),
        ("fr", "1 déc.", "1 déc. 2025"),
        ("ru", "1 дек.", "1 дек. 2025"),
        ("ky", "1-дек.", "2025-ж. 1-дек."),
    ],
)
def test_a_day_reads_the_same_to_everyone(language, this_year, other_year, today):
    with translation.override(language):
        assert dates.day(date(today.year, 12, 1)) == this_year
        if today.year != 2025:
            assert dates.day(date(2025, 12, 1)) == other_year


def test_csv_keeps_iso_dates(client, country):
    body = client.get("/sheet.csv").getvalue().decode()
    assert re.search(r"^\d{4}-\d{2}-\d{2},", body.splitlines()[1])


# --- The grid ---------------------------------------------------------------------------


def test_the_grid_marks_the_cheapest_and_greys_the_stale(client, country):
    markup = client.get("/grid/?region=").content.decode()
    head = markup[markup.index("<thead>") : markup.index("</thead>")]
    assert [m for m in ("Bishkek", "Naryn", "Tokmok") if m in head] == [
        "Bishkek",
        "Naryn",
        "Tokmok",
    ]
    potatoes = markup[markup.index("Potatoes") : markup.index("</tr>", markup.index("Potatoes"))]
    # Tokmok is cheapest of the current prices; Naryn's 20 is a month old: grey, not cheapest.
    assert '<td class="cheapest"><strong>30 ★</strong></td>' in potatoes
    assert re.search(r'<td class="stale">20 <small>\d+ days</small></td>', potatoes)
    onions = markup[markup.index("Onions") : markup.index("</tr>", markup.index("Onions"))]
    assert "★" not in onions and onions.count("<td>—</td>") == 2


def test_the_grid_of_one_region(client, country):
    page = text(client.get("/grid/?region=naryn-region"))
    assert "Naryn" in page and "Tokmok" not in page.split("Show")[-1]


# --- The printed sheet --------------------------------------------------------------------


def test_a_region_with_one_market_names_no_cheapest_or_dearest(client, country, today):
    rebuild_latest_prices()
    week = (today - timedelta(days=today.weekday())).isoformat()
    record(country["potato"], country["naryn"], "21", today)
    # Chui's two markets priced in the week shown too, whatever weekday today is.
    record(country["potato"], country["bishkek"], "41", today)
    record(country["potato"], country["tokmok"], "31", today)
    page = text(client.get(f"/sheet/?week={week}&region=naryn-region"))
    assert "Naryn Region · Naryn" in page
    assert "Cheapest" not in page and "Dearest" not in page
    chui = text(client.get(f"/sheet/?week={week}&region=chui"))
    assert "Cheapest" in chui and "Dearest" in chui


# --- The map ------------------------------------------------------------------------------


def test_the_map_draws_each_market_against_the_national_median(client, country):
    markup = client.get("/map/?commodity=potatoes").content.decode()
    svg = markup[
        markup.index('<svg xmlns="http://www.w3.org/2000/svg" viewBox') : markup.index("</svg>")
    ]
    assert 'class="map"' in svg
    assert '<path d="M' in svg and 'Z"' in svg  # the country's outline
    # Median of 40, 30, 20 is 30: Bishkek dearer (▲ red), Tokmok near (●), Naryn cheaper (▼).
    assert nearest_mark(svg, "Bishkek 40") == ("up", "#b71c1c")
    assert nearest_mark(svg, "Tokmok 30") == ("dot", "#8d6e00")
    assert nearest_mark(svg, "Naryn 20") == ("down", "#1b5e20")
    table = text(client.get("/map/?commodity=potatoes")).split("The same, as a table")[-1]
    assert re.search(r"Bishkek Chui 40/kg .* ▲ 33.3 %", table)


def marks(svg):
    """Each pin's shape, colour and position."""
    found = [
        ("up" if step == "10" else "down", colour, float(x), float(y))
        for x, y, step, colour in re.findall(
            r'<path d="M([\d.]+) ([\d.]+)l6 (-?10)h-12z" fill="(#\w+)"/>', svg
        )
    ]
    found += [
        ("dot", colour, float(x), float(y))
        for x, y, colour in re.findall(
            r'<circle cx="([\d.]+)" cy="([\d.]+)" r="5" fill="(#\w+)"/>', svg
        )
    ]
    return found


def nearest_mark(svg, label):
    """The shape and colour of the pin nearest to ``label``'s anchor."""
    x, y = map(
        float, re.search(rf'<text x="([\d.]+)" y="([\d.]+)"[^>]*>{label}</text>', svg).groups()
    )
    shape, colour, *_ = min(marks(svg), key=lambda m: (m[2] - x) ** 2 + (m[3] - y) ** 2)
    return shape, colour


def test_the_map_without_an_outline_file_still_shows_the_markets(client, country, settings):
    settings.AGRIPRICES_COUNTRY_OUTLINE = "/nonexistent/outline.json"
    maps._outline.cache_clear()
    markup = client.get("/map/?commodity=potatoes").content.decode()
    assert "Tokmok 30" in markup and 'Z"' not in markup[markup.index('class="map"') :]


def test_an_unknown_crop_on_the_map_is_a_404(client, country):
    assert client.get("/map/?commodity=bananas").status_code == 404


def test_markets_are_drawn_where_they_are():
    pins = [
        maps.Pin("West", 40.0, 70.0, "near"),
        maps.Pin("East", 40.0, 80.0, "near"),
        maps.Pin("North", 43.0, 75.0, "near"),
    ]
    svg = maps.market_map(pins, title="t").svg
    x = {m: float(re.search(rf'x="([\d.]+)"[^>]*>{m}', svg)[1]) for m in ("West", "East")}
    assert x["West"] < x["East"]
    y_north = float(re.search(r'y="([\d.]+)"[^>]*>North', svg)[1])
    y_west = float(re.search(r'y="([\d.]+)"[^>]*>West', svg)[1])
    assert y_north < y_west


# --- The radio script ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "language, value, words",
    [
        ("en", "33.50", "thirty-three som fifty tyiyn"),
        ("fr", "21", "vingt et un soms"),
        ("ru", "33.5", "тридцать три сома пятьдесят тыйынов"),
        ("ru", "21", "двадцать один сом"),
        ("ru", "25", "двадцать пять сомов"),
        ("ky", "1250.05", "миң эки жүз элүү сом беш тыйын"),
        ("ky", "99", "токсон тогуз сом"),
    ],
)
def test_prices_are_written_as_they_are_said(language, value, words):
    assert spoken.price(Decimal(value), "KGS", language) == words


def test_percentages_agree_with_their_number():
    assert spoken.percent(-22, "ru") == "двадцать два процента"
    assert spoken.percent(11, "ru") == "одиннадцать процентов"
    assert spoken.percent(19, "en") == "nineteen percent"


def test_the_radio_script_reads_the_week_and_its_warnings(client, country, today):
    from tests.agriprices.test_price_warnings import load_series

    load_series(country["potato"], country["tokmok"], today, last_factor=1.5)
    refresh_warnings()
    page = text(client.get("/sheet/radio/?region=chui&lang=en"))
    assert "Good day. Here are this week's market prices in Chui." in page
    # Every price names its market.
    assert re.search(r"Potatoes in Bishkek: [a-z -]+ som( [a-z -]+ tyiyn)? a kilo", page)
    assert re.search(r"Potatoes in Tokmok: [a-z -]+ som( [a-z -]+ tyiyn)? a kilo", page)
    assert re.search(
        r"A warning for potatoes in Tokmok: the price has reached (crisis|alert) level, "
        r"[a-z-]+ percent above",
        page,
    )
    assert not re.search(r"\d", page.split("Good day.")[-1].split("Those were")[0])
    ru = text(client.get("/sheet/radio/?region=chui&lang=ru"))
    assert "Добрый день." in ru and "сом" in ru


def test_the_radio_script_in_an_unknown_language_is_refused_naming_it(client, country):
    page = client.get("/sheet/radio/?lang=xx")
    assert page.status_code == 400 and "Language: there is no script in “xx”" in text(page)


def test_crowded_labels_never_overlap_and_the_crowded_are_numbered():
    # Twelve markets within a few kilometres of Bishkek, and three far apart.
    crowded = [
        maps.Pin(f"Market {n} {30 + n}.5", 42.87 + (n % 4) * 0.02, 74.57 + (n // 4) * 0.03, "near")
        for n in range(12)
    ]
    apart = [
        maps.Pin("Osh 33", 40.53, 72.80, "dearer"),
        maps.Pin("Naryn 20", 41.43, 75.99, "cheaper"),
        maps.Pin("Karakol 31", 42.49, 78.39, "near"),
    ]
    drawing = maps.market_map(crowded + apart, title="t")
    texts = re.findall(
        r'<text x="([\d.]+)" y="([\d.]+)" text-anchor="(\w+)">([^<]+)</text>', drawing.svg
    )
    boxes = []
    for x, y, anchor, label in texts:
        x, y = float(x), float(y)
        width = len(label) * maps.CHAR_EM * maps.LABEL_SIZE
        left = {"start": x, "end": x - width, "middle": x - width / 2}[anchor]
        boxes.append((left, y - maps.LABEL_SIZE * 0.8, left + width, y + maps.LABEL_SIZE * 0.2))
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)
    labelled = {label for *_, label in texts}
    # The far-apart markets keep their names; the crowd is numbered and listed beside.
    assert {"Osh 33", "Naryn 20", "Karakol 31"} <= labelled
    assert drawing.numbered and all(str(n) in labelled for n, _ in drawing.numbered)
    listed = {label for _, label in drawing.numbered} | set(drawing.unlabelled)
    assert {pin.label for pin in crowded} == (labelled & {p.label for p in crowded}) | listed
