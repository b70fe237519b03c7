"""The dashboard in a real browser: Debian's Chromium, driven by Playwright and launched
by its path (no downloaded browser). Screenshots go to test-artifacts/screenshots/."""

import os
import shutil
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from agriprices.models import Quote
from agriprices.services import record_quote
from tests.factories import CommodityFactory, MarketFactory, RegionFactory, agent, operator, unit

pytestmark = pytest.mark.browser
CHROMIUM = os.environ.get("AGRIPRICES_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
# Without these, Chromium keeps calling Google's services, which this network refuses.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def chromium():
    if not shutil.which(CHROMIUM):
        if os.environ.get("AGRIPRICES_REQUIRE_BROWSER"):
            pytest.fail(f"no Chromium at {CHROMIUM}")
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests
    # make between browser steps are plain synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
    yield browser
    browser.close()
    playwright.stop()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def prices(transactional_db):
    today = timezone.localdate()
    region = RegionFactory(name="Osh", slug="osh")
    osh = MarketFactory(name="Osh", region=region)
    potato = CommodityFactory(name="Potatoes", slug="potatoes")
    for week in range(6, -1, -1):
        record_quote(
            agent=None,
            commodity=potato,
            market=osh,
            unit=unit("kg"),
            price=Decimal(30 + week % 2),
            observed_on=today - timedelta(weeks=week, days=1),
            source=Quote.Source.IMPORT,
        )
    aibek = agent(markets=[osh], username="aibek")
    flagged = record_quote(
        agent=aibek,
        commodity=potato,
        market=osh,
        unit=unit("kg"),
        price=Decimal("95"),
        observed_on=today,
        source=Quote.Source.WEB,
    )
    assert flagged.status == "flagged"
    operator("olga")
    return {"region": region, "osh": osh, "potato": potato, "flagged": flagged}


def log_in(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()


def test_operator_approves_a_flagged_price_and_the_home_table_changes(
    chromium, live_server, prices
):
    page = chromium.new_page()
    page.goto(live_server.url + "/?region=osh")
    row = page.locator("tbody tr", has_text="Potatoes")
    assert "30 KGS/kg" in row.inner_text()
    log_in(page, live_server.url, "olga")
    page.goto(live_server.url + "/review/")
    assert "the recent median at Osh" in page.inner_text("table.review")
    shot(page, "review-queue")
    page.locator("table.review tbody tr", has_text="95 KGS/kg").get_by_role(
        "button", name="Approve"
    ).click()
    page.wait_for_load_state()
    assert "1 price approved." in page.inner_text(".messages")
    assert "Nothing to review." in page.inner_text("main")
    page.goto(live_server.url + "/")
    assert "95 KGS/kg" in page.locator("tbody tr", has_text="Potatoes").inner_text()
    shot(page, "home-after-approval")
    page.goto(live_server.url + "/commodities/potatoes/?months=3")
    assert page.locator("svg.chart").count() == 1
    shot(page, "commodity-chart")
    page.close()


def test_operator_writes_and_publishes_a_bulletin(chromium, live_server, prices):
    page = chromium.new_page()
    log_in(page, live_server.url, "olga")
    page.goto(live_server.url + "/bulletins/new/")
    page.fill("#id_title", "Locusts in Osh")
    page.select_option("#id_category", "pests")
    page.select_option("#id_language", "en")
    page.get_by_label("Osh").check()
    page.fill("#id_body", "Locust swarms were seen near Osh. Report any sightings.")
    page.fill("#id_sms_summary", "Locusts near Osh: report sightings.")
    page.get_by_role("button", name="Count again").click()
    assert "1 SMS each (GSM-7)" in page.inner_text(".count")
    shot(page, "bulletin-form")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert "Bulletin saved." in page.inner_text(".messages")
    page.locator("main").get_by_role("button", name="Publish").click()
    page.wait_for_load_state()
    assert "Bulletin published." in page.inner_text(".messages")
    page.goto(live_server.url + "/")
    assert "Locusts in Osh" in page.inner_text("aside")
    shot(page, "home-with-bulletin")
    page.close()


def test_agent_submits_a_price_on_a_320_pixel_screen(chromium, live_server, prices):
    context = chromium.new_context(viewport={"width": 320, "height": 640}, is_mobile=True)
    page = context.new_page()
    log_in(page, live_server.url, "aibek")
    page.goto(live_server.url + "/report/")
    page.select_option("#id_commodity", label="Potatoes")
    page.fill("#id_price", "31")
    # Today already has the agent's flagged price: this one was seen yesterday.
    page.fill("#id_observed_on", (timezone.localdate() - timedelta(days=1)).isoformat())
    shot(page, "report-320px")
    # Nothing sticks out sideways on a small phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    assert "Recorded. Thank you." in page.inner_text("body"), page.inner_text("main")
    quote = Quote.objects.filter(agent__username="aibek", source="web").latest("id")
    assert quote.price == Decimal("31")
    context.close()


def test_home_works_with_javascript_turned_off(chromium, live_server, prices):
    other = MarketFactory(name="Talas", region=RegionFactory(name="Talas", slug="talas"))
    record_quote(
        agent=None,
        commodity=prices["potato"],
        market=other,
        unit=unit("kg"),
        price=Decimal("27"),
        observed_on=timezone.localdate(),
        source=Quote.Source.IMPORT,
    )
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/")
    assert page.locator("tbody tr").count() == 2
    page.select_option("#id_region", "talas")
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    rows = page.locator("tbody tr")
    assert rows.count() == 1 and "Talas" in rows.first.inner_text()
    page.select_option("#language", "ru")
    page.locator("header").get_by_role("button").first.click()
    page.wait_for_load_state()
    assert "Последние цены" in page.inner_text("h1")
    shot(page, "home-no-javascript-ru")
    context.close()


# --- Every page on a cheap phone, a bigger phone and a desktop ---------------------------

WIDTHS = (320, 412, 1280)


@pytest.fixture
def demo_site(transactional_db):
    """The demo's markets and a few months of prices, with its logins."""
    from io import StringIO

    from django.core.management import call_command

    from agriprices import services

    call_command("seed_demo", "--force", "--days", "120", stdout=StringIO(), stderr=StringIO())
    call_command("seed_demo_bulletins", stdout=StringIO())
    services.refresh_warnings()
    from telecentre.models import Bulletin

    return Bulletin.objects.order_by("pk").first()


def every_page(bulletin) -> list[tuple[str, str | None, str]]:
    return [
        ("home", None, "/"),
        ("home-region", None, "/?region=osh"),
        ("commodity", None, "/commodities/potatoes/?months=24"),
        ("market", None, "/markets/osh/"),
        ("warnings", None, "/warnings/"),
        ("grid", None, "/grid/"),
        ("map", None, "/map/?commodity=potatoes"),
        ("sheet", None, "/sheet/"),
        ("radio-ru", None, "/sheet/radio/?lang=ru"),
        ("bulletins", None, "/bulletins/"),
        ("bulletin", None, f"/bulletins/{bulletin.pk}/"),
        ("login", None, "/accounts/login/"),
        ("review", "operator", "/review/"),
        ("bulletin-new", "operator", "/bulletins/new/?from=warnings"),
        ("publish", "operator", f"/bulletins/{bulletin.pk}/publish/"),
        ("sms-simulator", "operator", "/simulator/"),
        ("ussd-simulator", "operator", "/simulator/ussd/"),
        ("report", "agent", "/report/"),
        ("odk-collect-setup", "agent", "/openrosa/setup/"),
    ]


def test_no_page_is_wider_than_the_screen(chromium, live_server, demo_site):
    """At 320, 412 and 1280 pixels no page scrolls sideways (a grid may scroll inside
    its own box); a screenshot of each goes to the test artifacts."""
    too_wide = []
    for width in WIDTHS:
        for user in (None, "operator", "agent"):
            context = chromium.new_context(
                viewport={"width": width, "height": 800}, is_mobile=width < 600
            )
            page = context.new_page()
            if user:
                page.goto(f"{live_server.url}/accounts/login/")
                page.fill("#id_username", user)
                page.fill("#id_password", f"{user}-demo")
                page.locator("main button[type=submit]").click()
                page.wait_for_load_state()
            for name, who, url in every_page(demo_site):
                if who != user:
                    continue
                response = page.goto(live_server.url + url)
                assert response.status == 200, url
                shot(page, f"{name}-{width}px")
                scroll = page.evaluate("document.documentElement.scrollWidth")
                if scroll > width:
                    too_wide.append((url, width, scroll))
            context.close()
    assert not too_wide, too_wide


def test_dates_are_unambiguous_in_every_language(chromium, live_server, demo_site):
    import re

    page = chromium.new_page()
    for language, pattern in (
        ("en", r"\b\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b"),
        (
            "fr",
            r"\b\d{1,2} (janv\.|févr\.|mars|avr\.|mai|juin|juil\.|août|sept\.|oct\.|nov\.|déc\.)",
        ),
        ("ru", r"\b\d{1,2} (янв|февр|мар|апр|мая|июн|июл|авг|сент|окт|нояб|дек)\."),
        ("ky", r"\b\d{1,2}-(янв|фев|мар|апр|май|июн|июл|авг|сен|окт|ноя|дек)"),
    ):
        page.context.add_cookies(
            [{"name": "django_language", "value": language, "url": live_server.url}]
        )
        page.goto(live_server.url + "/markets/osh/")
        text = page.inner_text("main table")
        assert re.search(pattern, text), (language, text[:200])
        assert not re.search(r"\d{1,2}/\d{1,2}/\d{4}", text)
    page.close()
