"""The dashboard in a real browser (tests/browser/conftest.py): a price approved, a
bulletin published, a price reported from a small phone, pages without JavaScript, and
every page at three widths in four languages."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from agriprices.models import Quote
from agriprices.services.recording import record_quote
from tests.factories import (
    BulletinFactory,
    MarketFactory,
    RegionFactory,
    unit,
)

pytestmark = pytest.mark.browser


def log_in(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()


def test_operator_approves_a_flagged_price_and_the_home_table_changes(
    chromium, live_server, prices, shot
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


def test_operator_writes_and_publishes_a_bulletin(chromium, live_server, prices, shot):
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


def test_agent_submits_a_price_on_a_320_pixel_screen(chromium, live_server, prices, shot):
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


def test_home_works_with_javascript_turned_off(chromium, live_server, prices, shot):
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


# --- Every page on a cheap phone, a bigger phone and a desktop, in every language ----------

#: (width, languages): every page at 320 and 1280 pixels in the four languages, at 412 in
#: English.
SIZES = ((320, ("en", "fr", "ru", "ky")), (412, ("en",)), (1280, ("en", "fr", "ru", "ky")))


def every_page(bulletin) -> list[tuple[str, str | None, str]]:
    return [
        ("home", None, "/"),
        ("home-region", None, "/?region=osh"),
        ("commodity", None, "/commodities/potatoes/?months=24"),
        # Its region and price type controls, and a heading that names the type.
        ("commodity-wholesale", None, "/commodities/potatoes/?region=osh&price_type=wholesale"),
        ("market", None, "/markets/osh/"),
        ("warnings", None, "/warnings/"),
        ("grid", None, "/grid/"),
        ("map", None, "/map/?commodity=potatoes"),
        ("sheet", None, "/sheet/"),
        ("radio", None, "/sheet/radio/"),
        ("bulletins", None, "/bulletins/"),
        ("bulletin", None, f"/bulletins/{bulletin.pk}/"),
        ("login", None, "/accounts/login/"),
        ("not-found", None, "/no/such/page/"),
        ("bad-parameter", None, "/sheet/radio/?region=atlantis"),
        ("review", "operator", "/review/"),
        ("collection", "operator", "/collection/"),
        ("collection-plan", "operator", "/collection/plans/osh/"),
        ("bulletin-new", "operator", "/bulletins/new/?from=warnings"),
        ("publish", "operator", f"/bulletins/{bulletin.pk}/publish/"),
        ("sms-simulator", "operator", "/simulator/"),
        ("ussd-simulator", "operator", "/simulator/ussd/"),
        ("broadcasts", "operator", "/broadcasts/"),
        ("audit", "operator", "/audit/"),
        ("collect-keys", "operator", "/openrosa/keys/"),
        ("two-factor-setup", "operator", "/accounts/two-factor/setup/"),
        ("voice-simulator", "operator", "/simulator/voice/"),
        ("voice-clips", "operator", "/voice-clips/?show=all"),
        ("report", "agent", "/report/"),
        ("odk-collect-setup", "agent", "/openrosa/setup/"),
    ]


#: What a stacked table shows before each figure, read from the page itself: every data
#: cell of a visible table has a label, and at 320 pixels it is drawn before the figure.
STACKED_LABELS = """() => [...document.querySelectorAll('main table:not(.grid) tbody td')]
    .filter(td => td.offsetParent !== null && td.textContent.trim() && !td.querySelector('input'))
    .map(td => [td.dataset.label || '', getComputedStyle(td, '::before').content])"""


def test_every_page_fits_the_screen_in_every_language(chromium, live_server, demo_site, shot):
    """At 320 and 1280 pixels in English, French, Russian and Kyrgyz (and 412 in
    English) no page scrolls sideways (a grid may scroll inside its own box), the page is
    in its language, and on a phone every figure of a stacked table keeps its column's
    name; a screenshot of each goes to the test artifacts."""
    too_wide, unlabelled = [], []
    for width, languages in SIZES:
        for language in languages:
            for user in (None, "operator", "agent"):
                context = chromium.new_context(
                    viewport={"width": width, "height": 800}, is_mobile=width < 600
                )
                context.add_cookies(
                    [{"name": "django_language", "value": language, "url": live_server.url}]
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
                    expected = {"not-found": 404, "bad-parameter": 400}.get(name, 200)
                    assert response.status == expected, url
                    assert page.get_attribute("html", "lang") == language, url
                    shot(page, f"{name}-{language}-{width}px")
                    scroll = page.evaluate("document.documentElement.scrollWidth")
                    if scroll > width:
                        too_wide.append((url, language, width, scroll))
                    for label, before in page.evaluate(STACKED_LABELS):
                        drawn = before not in ("none", "normal", "")
                        if not label or drawn != (width < 640):
                            unlabelled.append((url, language, width, label, before))
                context.close()
    assert not too_wide, too_wide
    assert not unlabelled, unlabelled[:10]


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


def test_a_pasted_link_or_a_long_name_never_widens_a_phone(chromium, live_server, prices, shot):
    link = "https://www.fao.org/giews/countrybrief/country.jsp?code=KGZ&lang=en&detail=full"
    bulletin = BulletinFactory(
        title="Hailstorm_warning_for_the_whole_Alai_valley_and_its_pastures",
        body=f"The FAO country brief is at {link} — read it before planting.",
        published_at=timezone.now(),
    )
    bulletin.regions.add(prices["region"])
    MarketFactory(name="Kara-Suu-Central-Wholesale-And-Retail-Bazaar-Number-Two")
    page = chromium.new_page(viewport={"width": 320, "height": 800})
    for path in ["/bulletins/", "/?region=osh", "/"]:
        page.goto(live_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{path} is {width} px wide at 320"
    shot(page, "long-link-320px")


def test_the_collection_page_reads_on_a_phone_and_prints(chromium, live_server, demo_site, shot):
    """The demo's collection at 320 pixels: Talas flagged (its agent missed the last two
    rounds), the history readable without sideways scrolling, every figure labelled;
    printed, the page loses its menus and keeps the tables."""
    context = chromium.new_context(viewport={"width": 320, "height": 800}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "operator")
    page.fill("#id_password", "operator-demo")
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/collection/")
    flagged = page.inner_text("[role=alert]")
    assert "Talas" in flagged and "2 rounds missed in a row" in flagged and "agent2" in flagged
    assert "Osh" not in flagged
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    history = page.locator("table.history tbody tr", has_text="Osh").inner_text()
    assert "%" in history
    labels = page.evaluate(STACKED_LABELS)
    assert labels and all(label and before not in ("none", "normal") for label, before in labels)
    shot(page, "collection-320px")
    page.emulate_media(media="print")
    assert page.locator("header.top").is_hidden()
    assert page.locator("table.history").is_visible()
    assert page.pdf(format="A4")[:4] == b"%PDF"
    context.close()
