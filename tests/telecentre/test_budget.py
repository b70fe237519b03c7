"""Every page fits a 2G link: HTML under 14 KB gzipped (the first round trip), under 30 KB
with its stylesheet, no script, and only one request beyond the HTML, the stylesheet,
cached for a year under a hashed name. Measured over the demo data; the figures are
written to test-artifacts/page-budget.json."""

import gzip
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from agriprices.models import Quote
from telecentre.models import Bulletin

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
HTML_BUDGET = 14 * 1024
TOTAL_BUDGET = 30 * 1024
YEAR = 365 * 24 * 3600


class Resources(HTMLParser):
    """What a browser would fetch after the HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.fetched: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self.scripts += 1
        if tag == "link" and attrs.get("rel") in ("stylesheet", "icon", "preload"):
            self.fetched.append(attrs["href"])
        if tag in ("img", "script", "iframe", "audio", "video", "source") and attrs.get("src"):
            self.fetched.append(attrs["src"])


@pytest.fixture(scope="module")
def _demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        # The whole demo: four years, so the warnings page shows every band.
        call_command("seed_demo", "--force", stdout=io.StringIO())
        call_command("seed_demo_bulletins", stdout=io.StringIO())
    yield
    with django_db_blocker.unblock():
        call_command("flush", "--noinput", verbosity=0)


@pytest.fixture
def hashed_static(settings, tmp_path):
    """The production static set-up: collectstatic with the manifest storage."""
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", "--noinput", verbosity=0)
    return settings.STATIC_ROOT


def pages():
    flagged = Quote.objects.filter(status="flagged").first()
    assert flagged is not None, "the demo has flagged prices"
    bulletin = Bulletin.objects.first()
    return [
        ("home", None, "/"),
        ("home, one region", None, "/?region=osh"),
        ("home, search", None, "/?q=картошка"),
        ("home, second page", None, "/?region=&page=2"),
        ("commodity, 24 months", None, "/commodities/potatoes/?months=24"),
        (
            "commodity, wholesale in a region",
            None,
            "/commodities/potatoes/?region=osh&price_type=wholesale",
        ),
        ("market", None, "/markets/osh/"),
        ("price warnings", None, "/warnings/"),
        ("price grid, whole country", None, "/grid/?region="),
        ("map of markets", None, "/map/?commodity=potatoes"),
        ("radio script, Russian", None, "/sheet/radio/?lang=ru&region="),
        ("bulletins", None, "/bulletins/"),
        ("bulletin", None, f"/bulletins/{bulletin.pk}/"),
        ("price sheet", None, "/sheet/"),
        ("login", None, "/accounts/login/"),
        ("review queue", "operator", "/review/"),
        ("collection", "operator", "/collection/"),
        ("collection plan", "operator", "/collection/plans/osh/"),
        ("write a bulletin", "operator", "/bulletins/new/"),
        ("bulletin from the warnings", "operator", "/bulletins/new/?from=warnings"),
        ("publish", "operator", f"/bulletins/{bulletin.pk}/publish/"),
        ("SMS simulator", "operator", "/simulator/"),
        ("USSD simulator", "operator", "/simulator/ussd/"),
        ("voice simulator", "operator", "/simulator/voice/"),
        ("voice clips, Kyrgyz, every one", "operator", "/voice-clips/?lang=ky&show=all"),
        ("voice clips, Russian, missing", "operator", "/voice-clips/?lang=ru"),
        ("report a price", "agent", "/report/"),
        ("ODK Collect set-up", "agent", "/openrosa/setup/"),
        ("page not found", None, "/no/such/page/"),
        ("a parameter refused", None, "/sheet/radio/?region=atlantis"),
    ]


@pytest.mark.django_db
def test_every_page_fits_the_2g_budget(_demo, hashed_static):
    figures = []
    stylesheet_bytes = {}
    for name, user, url in pages():
        client = Client()
        if user:
            client.force_login(get_user_model().objects.get(username=user))
        response = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
        expected = {"page not found": 404, "a parameter refused": 400}.get(name, 200)
        assert response.status_code == expected, url
        assert response["Content-Encoding"] == "gzip"
        html = gzip.decompress(response.content).decode()
        found = Resources()
        found.feed(html)
        assert found.scripts == 0, f"{url} has a script"
        assert not re.search(r"\son[a-z]+=", html), f"{url} has an inline event handler"
        assert len(found.fetched) == 1, f"{url} fetches {found.fetched}"
        css_url = found.fetched[0]
        assert re.search(r"\.[0-9a-f]{12}\.css$", css_url), "the stylesheet has a hashed name"
        if css_url not in stylesheet_bytes:
            css = client.get(css_url, HTTP_ACCEPT_ENCODING="gzip")
            assert css.status_code == 200
            max_age = int(re.search(r"max-age=(\d+)", css["Cache-Control"]).group(1))
            assert max_age >= YEAR and "immutable" in css["Cache-Control"]
            stylesheet_bytes[css_url] = len(b"".join(css.streaming_content))
        total = len(response.content) + stylesheet_bytes[css_url]
        figures.append(
            {"page": name, "url": url, "html_gzip": len(response.content), "total": total}
        )
        assert len(response.content) < HTML_BUDGET, f"{url}: {len(response.content)} bytes"
        assert total < TOTAL_BUDGET, f"{url}: {total} bytes with its stylesheet"
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "page-budget.json").write_text(json.dumps(figures, indent=2))
