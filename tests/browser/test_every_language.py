"""Issue 25 as a reader meets it in Chromium, at 320 and 1280 pixels, in English, French,
Russian and Kyrgyz: the radio script names every market, the chart draws the markets in
crisis against their own normal price, map labels never overlap, every price is
reachable, stacked figures keep their labels, a lost reader finds the way back, and a
telecentre serving plain HTTP on its network can log in. Screenshots go to
test-artifacts/screenshots/ (<page>-<language>-<width>px.png)."""

import re
from decimal import Decimal

import pytest

from agriprices.declension import locative
from agriprices.demo.catalogue import ensure_demo_catalogue
from agriprices.models import Market, PriceSummary, PriceType, Region
from agriprices.services.series import rebuild_latest_prices
from agriprices.warnings.computation import refresh_warnings
from telecentre.selectors.weeks import latest_summary_week
from tests.agriprices.test_price_warnings import load_series
from tests.browser.conftest import LAN_HOST
from tests.factories import CommodityFactory, MarketFactory, RegionFactory, operator

pytestmark = pytest.mark.browser
LANGUAGES = ("en", "fr", "ru", "ky")
WIDTHS = (320, 1280)


def screens(chromium, live_server):
    """A fresh page per language and width, in that language: (language, width, page)."""
    for language in LANGUAGES:
        for width in WIDTHS:
            context = chromium.new_context(
                viewport={"width": width, "height": 800}, is_mobile=width < 600
            )
            context.add_cookies(
                [{"name": "django_language", "value": language, "url": live_server.url}]
            )
            yield language, width, context.new_page()
            context.close()


def fits(page, width):
    return page.evaluate("document.documentElement.scrollWidth") <= width


#: The text of each SVG matching a selector, with its box on the screen.
TEXT_BOXES = """selector => [...document.querySelectorAll(selector)].map(svg =>
    [...svg.querySelectorAll('text')].map(t => {
        const r = t.getBoundingClientRect();
        return [t.textContent, r.left, r.top, r.right, r.bottom];
    }))"""


MARK_BOXES = """selector => [...document.querySelectorAll(selector + ' circle, ' + selector +
    ' path[fill]')].filter(e => e.getAttribute('fill') !== '#f3f6f1').map(e => {
        const r = e.getBoundingClientRect();
        return [r.left, r.top, r.right, r.bottom];
    })"""


def _cover(a, b, slack=1.0):
    """Whether two boxes overlap by more than ``slack`` pixels (a glyph's descent may
    graze a mark it was placed beside)."""
    return not (
        a[2] <= b[0] + slack or b[2] <= a[0] + slack or a[3] <= b[1] + slack or b[3] <= a[1] + slack
    )


def overlapping(boxes):
    """The pairs of texts whose boxes overlap."""
    return [
        (a, b)
        for i, (a, *ra) in enumerate(boxes)
        for b, *rb in boxes[i + 1 :]
        if not (ra[2] <= rb[0] or rb[2] <= ra[0] or ra[3] <= rb[1] or rb[3] <= ra[1])
    ]


# --- The radio script --------------------------------------------------------------------


def test_the_radio_script_names_every_market_in_every_language(
    chromium, live_server, demo_site, shot
):
    markets = list(Market.objects.select_related("region"))
    # The script reads the newest week's retail prices; a region none of whose markets
    # reported one that week (the demo's Talas, whose agent missed the last rounds; early
    # in a week, a region with only a wholesale price yet) has nothing to say on air.
    week = latest_summary_week()
    on_air = Region.objects.filter(
        pk__in=PriceSummary.objects.filter(
            period="week", period_start=week, price_type=PriceType.RETAIL
        ).values("market__region")
    )
    assert on_air.exists()
    for language, width, page in screens(chromium, live_server):
        page.goto(f"{live_server.url}/sheet/radio/?region=&lang={language}")
        sections = page.locator("article.radio section")
        headings = [sections.nth(n).locator("h3").inner_text() for n in range(sections.count())]
        expected = sorted(
            (r.display_name(language) for r in on_air),
            key=lambda name: name.casefold().replace("ө", "о").replace("ү", "у"),
        )
        assert [h.casefold() for h in headings] == [e.casefold() for e in expected]
        for n in range(sections.count()):
            section = sections.nth(n)
            region = next(
                r
                for r in Region.objects.all()
                if r.display_name(language).casefold() == headings[n].casefold()
            )
            said = [locative(m, language) for m in markets if m.region_id == region.pk]
            for paragraph in section.locator("p").all_inner_texts():
                for sentence in paragraph.split(". "):
                    # Every price sentence says where: "в Оше", "Ошто", "à Och".
                    assert any(place in sentence for place in said), (language, sentence)
        text = page.inner_text("article.radio")
        assert not any(ch.isdigit() for ch in text.split("\n", 1)[1]), language
        assert fits(page, width)
        shot(page, f"radio-script-{language}-{width}px")


# --- The chart -----------------------------------------------------------------------------


@pytest.fixture
def crisis(transactional_db, today):
    """Potatoes at eight markets with four years of history; the two dearest, Osh and
    Jalal-Abad, in crisis this month."""
    region = RegionFactory(
        name="Osh",
        slug="osh",
        translations={"fr": "Région d'Och", "ru": "Ошская область", "ky": "Ош облусу"},
    )
    potato = CommodityFactory(
        name="Potatoes",
        slug="potatoes",
        translations={"fr": "Pommes de terre", "ru": "Картофель", "ky": "Картошка"},
    )
    names = {
        "Osh": {"fr": "Och", "ru": "Ош", "ky": "Ош"},
        "Jalal-Abad": {"fr": "Djalal-Abad", "ru": "Джалал-Абад", "ky": "Жалал-Абад"},
    }
    hot = [MarketFactory(name=n, region=region, translations=t) for n, t in names.items()]
    calm = [MarketFactory(name=f"Calm {n}", region=region) for n in range(6)]
    for market in calm:
        load_series(potato, market, today)
    for market in hot:
        load_series(potato, market, today, last_factor=1.6)
    refresh_warnings()
    return hot


BAND = {"en": "crisis", "fr": "crise", "ru": "кризис", "ky": "кризис"}


def test_markets_in_crisis_are_drawn_against_their_own_normal_price(
    chromium, live_server, crisis, shot
):
    for language, width, page in screens(chromium, live_server):
        page.goto(f"{live_server.url}/commodities/potatoes/?months=24")
        legend = page.locator("main > figure ul.legend li").all_inner_texts()
        assert len(legend) == 6
        hot = {m.display_name(language) for m in crisis}
        # The markets in crisis first, and the legend says so in words, not colour.
        assert {item.strip().split(" ")[0] for item in legend[:2]} == {
            name.split(" ")[0] for name in hot
        }
        assert all(item.endswith(BAND[language]) for item in legend[:2])
        assert page.locator("main > figure svg.chart polygon[fill='#fff3c4']").count() == 0
        own = page.locator(".small-charts figure")
        assert own.count() == 2
        for n in range(2):
            caption = own.nth(n).locator("figcaption").inner_text()
            assert any(caption.startswith(name) for name in hot)
            # Its own bands, and its own line only.
            assert own.nth(n).locator("polygon").count() == 3
            assert own.nth(n).locator("ul.legend li").count() == 2  # the line, the normal
        for texts in page.evaluate(TEXT_BOXES, "svg.chart"):
            assert not overlapping(texts), (language, width)  # axes legible
        assert fits(page, width)
        shot(page, f"commodity-crisis-{language}-{width}px")


# --- The map -------------------------------------------------------------------------------


@pytest.fixture
def crowded_map(transactional_db, today):
    """The eight demo towns and six more markets within a few kilometres of Bishkek."""

    ensure_demo_catalogue()
    potato = CommodityFactory(name="Potatoes", slug="potatoes")
    extra = [
        MarketFactory(
            name=f"Bishkek {name}",
            region=Region.objects.get(name="Bishkek City"),
            latitude=Decimal("42.87") + Decimal(n) * Decimal("0.02"),
            longitude=Decimal("74.59") + Decimal(n % 3) * Decimal("0.03"),
        )
        for n, name in enumerate(
            ("Osh bazaar", "Dordoi", "Alamedin", "Orto-Sai", "Ak-Emir", "Madina")
        )
    ]
    # Three more at the very centre, two of them at the same point (an independent try
    # left such pins without a label or a number, their numbers over other marks).
    extra += [
        MarketFactory(
            name=f"Centre {n}",
            region=Region.objects.get(name="Bishkek City"),
            latitude=Decimal("42.8746") + Decimal(n // 2) * Decimal("0.002"),
            longitude=Decimal("74.5698"),
        )
        for n in range(3)
    ]
    from tests.factories import QuoteFactory

    for n, market in enumerate([*Market.objects.exclude(pk__in=[m.pk for m in extra]), *extra]):
        QuoteFactory(commodity=potato, market=market, price=Decimal(20 + n), observed_on=today)
    rebuild_latest_prices()


CAPTION = {
    "en": "national median",
    "fr": "médiane nationale",
    "ru": "медианой по стране",
    "ky": "өлкө боюнча медианага",
}


def test_map_labels_never_overlap(chromium, live_server, crowded_map, shot):
    for language, width, page in screens(chromium, live_server):
        page.goto(f"{live_server.url}/map/?commodity=potatoes")
        [boxes] = page.evaluate(TEXT_BOXES, "svg.map")
        assert len(boxes) >= 8
        assert not overlapping(boxes), (language, width)
        # No label or number over a market's mark, and every market has one or the other.
        marks = page.evaluate(MARK_BOXES, "svg.map")
        covered = [(text, mark) for text, *box in boxes for mark in marks if _cover(box, mark)]
        assert not covered, (language, width, covered[:3])
        assert not page.locator("text=Not labelled").count()
        # The crowd around Bishkek is numbered on the map and named beside it.
        listed = page.locator("ol.numbered li").all_inner_texts()
        assert listed and all(any(ch.isdigit() for ch in item) for item in listed)
        marks = {text for text, *_ in boxes}
        assert all(str(n) in marks for n in range(1, len(listed) + 1))
        assert CAPTION[language] in page.inner_text("figcaption")
        assert CAPTION[language].split()[0] in page.inner_text("footer").lower() or (
            language == "ky" and "медианага" in page.inner_text("footer")
        )
        assert fits(page, width)
        shot(page, f"map-crowded-{language}-{width}px")


# --- Every row reachable, every figure labelled --------------------------------------------

NEXT = {"en": "Next", "fr": "Suivante", "ru": "Дальше", "ky": "Кийинки"}
PRICE = {"en": "Price", "fr": "Prix", "ru": "Цена", "ky": "Баа"}


def test_the_home_page_pages_and_its_figures_keep_their_labels(
    chromium, live_server, demo_site, shot
):
    for language, width, page in screens(chromium, live_server):
        page.goto(f"{live_server.url}/?region=")
        first = page.locator("main tbody tr").count()
        caption = page.inner_text("main table caption")
        total = max(int(n) for n in re.findall(r"\d+", caption))
        assert first == 120 < total
        label = page.evaluate(
            """() => {
                const cell = document.querySelector('main tbody td.num');
                return [cell.dataset.label, getComputedStyle(cell, '::before').content,
                        getComputedStyle(document.querySelector('main thead')).position];
            }"""
        )
        assert label[0] == PRICE[language]
        if width == 320:  # stacked: the header row is hidden, each figure says its name
            assert label[1] not in ("none", "normal", "") and label[2] == "absolute"
        else:  # columns: the header names them once
            assert label[1] in ("none", "normal") and label[2] != "absolute"
        shot(page, f"home-{language}-{width}px")
        page.get_by_role("link", name=NEXT[language]).click()
        page.wait_for_load_state()
        assert page.locator("main tbody tr").count() == total - 120
        assert fits(page, width)
        shot(page, f"home-page-2-{language}-{width}px")


# --- Regions, dates and counts in the reader's language ---------------------------------

MONTHS_TAB = {
    "en": "3 months 6 months 12 months 24 months",
    "fr": "3 mois 6 mois 12 mois 24 mois",
    "ru": "3 месяца 6 месяцев 12 месяцев 24 месяца",
    "ky": "3 ай 6 ай 12 ай 24 ай",
}


def test_regions_dates_and_counts_in_every_language(chromium, live_server, demo_site, shot):
    regions = list(Region.objects.all())
    for language, width, page in screens(chromium, live_server):
        names = {r.display_name(language) for r in regions}
        page.goto(f"{live_server.url}/")
        offered = page.locator("#id_region option").all_inner_texts()[1:]
        assert set(offered) == names and offered != [r.name for r in regions]
        page.goto(f"{live_server.url}/bulletins/")
        articles = page.locator("main article.bulletin")
        assert articles.count() >= 3
        for n in range(articles.count()):
            meta = articles.nth(n).locator("p.meta")
            assert meta.locator("time").count() == 1  # each bulletin says when
            assert any(name in meta.inner_text() for name in names)
        shot(page, f"bulletins-dated-{language}-{width}px")
        page.goto(f"{live_server.url}/commodities/potatoes/")
        tabs = page.inner_text("p.tabs")
        assert tabs.endswith(MONTHS_TAB[language]), (language, tabs)
        assert fits(page, width)


# --- A lost reader ---------------------------------------------------------------------------

NOT_FOUND = {
    "en": ("Page not found", "Back to the latest prices"),
    "fr": ("Page introuvable", "Retour aux derniers prix"),
    "ru": ("Страница не найдена", "Вернуться к последним ценам"),
    "ky": ("Барак табылган жок", "Акыркы бааларга кайтуу"),
}


def test_a_missing_page_in_every_language_leads_back(chromium, live_server, demo_site, shot):
    for language, width, page in screens(chromium, live_server):
        answer = page.goto(f"{live_server.url}/markets/atlantis/")
        title, back = NOT_FOUND[language]
        assert answer.status == 404 and page.inner_text("h1") == title
        assert fits(page, width)
        shot(page, f"not-found-{language}-{width}px")
        page.get_by_role("link", name=back).click()
        page.wait_for_load_state()
        assert page.url == f"{live_server.url}/"
        assert page.locator("main tbody tr").count() > 0


# --- Logging in over plain HTTP on the telecentre's network ------------------------------


@pytest.mark.parametrize("secure, logged_in", [(False, True), (True, False)])
def test_login_over_plain_http_on_a_lan_address(
    chromium, live_server, settings, shot, secure, logged_in
):
    """``telecentre.lan`` is not localhost, so Chromium treats it as the insecure origin
    a telecentre's network is: a Secure cookie set over it is never sent back. With
    HTTPS unset the cookies are not Secure and the operator logs in; with the Secure
    flag (what DEBUG=false used to imply) the same login fails, which is what this test
    guards against."""
    assert settings.SESSION_COOKIE_SECURE is False and settings.CSRF_COOKIE_SECURE is False
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = secure
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, LAN_HOST]
    operator("olga")
    home = f"http://{LAN_HOST}:{live_server.url.rsplit(':', 1)[1]}/"
    page = chromium.new_page()
    page.goto(f"{home}accounts/login/")
    page.fill("#id_username", "olga")
    page.fill("#id_password", "pw")
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    if logged_in:
        assert "olga" in page.inner_text("header") and page.url == home
        cookie = next(c for c in page.context.cookies() if c["name"] == "sessionid")
        assert cookie["secure"] is False
        shot(page, "login-plain-http-lan")
    else:
        assert "olga" not in page.content()  # refused (CSRF) or not kept: locked out
    page.close()
