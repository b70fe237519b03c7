"""Chromium for the browser tests: Debian's, driven by Playwright and launched by its
path (no downloaded browser); screenshots to test-artifacts/screenshots/."""

import os
import shutil
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from agriprices.models import Quote
from agriprices.services.recording import record_quote
from tests.factories import CommodityFactory, MarketFactory, RegionFactory, agent, operator, unit

CHROMIUM = os.environ.get("AGRIPRICES_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
#: A name that is not localhost, for the telecentre's own network: Chromium treats it as
#: the insecure origin it is (tests open it at the live server's port).
LAN_HOST = "telecentre.lan"
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
    f"--host-resolver-rules=MAP {LAN_HOST} 127.0.0.1",
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


@pytest.fixture
def shot():
    """Saves a full-page screenshot of a page under a name."""

    def save(page, name):
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    return save


@pytest.fixture
def demo_site(transactional_db):
    """The demo's markets and a few months of prices, with its logins."""
    from io import StringIO

    from django.core.management import call_command

    from agriprices.warnings.computation import refresh_warnings

    call_command("seed_demo", "--force", "--days", "120", stdout=StringIO(), stderr=StringIO())
    call_command("seed_demo_bulletins", stdout=StringIO())
    refresh_warnings()
    from telecentre.models import Bulletin

    return Bulletin.objects.order_by("pk").first()


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
