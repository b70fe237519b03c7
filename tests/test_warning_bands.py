"""Every band of the band table reaches every reader: the API's filters, the badge in
price tables, the warnings page, the ``band`` template tag and its CSS rule, the chart,
the SMS warning, the radio script and bulletin drafts. The table is the only list of
bands, so a band a reader does not take from it fails here."""

import math
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.template import Context, Template

from agriprices.periods import period_start
from agriprices.services.series import rebuild_latest_prices
from agriprices.warnings import bands
from agriprices.warnings.models import PriceWarning
from sms_gateway.replies import warning_text
from telecentre.radio import radio_script
from telecentre.services import warnings_draft
from tests import factories

pytestmark = pytest.mark.django_db

STYLESHEET = Path(__file__).resolve().parents[1] / "telecentre/static/telecentre/site.css"


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def inside(band: bands.Band, indicator: str) -> float | None:
    """A value of ``indicator`` in ``band`` (None when the indicator never gives it)."""
    at = band.threshold(indicator)
    if at is None:
        return None
    if band.below:
        return at - 0.5
    if math.isinf(at):  # the floor: just under the lowest band above it
        above = [b.threshold(indicator) for b in bands.BANDS if not b.below]
        return min(t for t in above if t is not None and not math.isinf(t)) - 0.1
    return at + 0.01


@pytest.fixture(params=bands.BANDS, ids=lambda band: band.name)
def banded(request, potatoes, osh, today):
    """Potatoes at Osh priced weekly for ten weeks, the warnings of their months in the
    band under test."""
    band = request.param
    days = [today - timedelta(weeks=n) for n in range(10)]
    for day in days:
        factories.QuoteFactory(commodity=potatoes, market=osh, price=Decimal("30"), observed_on=day)
    rebuild_latest_prices()
    alps, ipa = inside(band, bands.ALPS), inside(band, bands.IPA)
    for month in {day.replace(day=1) for day in days}:
        PriceWarning.objects.create(
            commodity=potatoes,
            market=osh,
            price_type="retail",
            month=month,
            price=Decimal("30"),
            normal_price=Decimal("20"),
            spread=Decimal("4"),
            alps=alps,
            alps_band=bands.alps_band(alps) if alps is not None else "",
            ipa=ipa,
            ipa_band=bands.ipa_band(ipa) if ipa is not None else "",
        )
    return band


def test_the_indicators_reach_the_band(banded):
    for indicator in (bands.ALPS, bands.IPA):
        value = inside(banded, indicator)
        if value is not None:
            assert bands.classify(indicator, value) == banded.name


def test_the_api_filters_by_the_band(client, banded):
    for indicator, parameter in ((bands.ALPS, "band"), (bands.IPA, "ipa_band")):
        response = client.get(f"/api/v1/prices/warnings/?{parameter}={banded.name}")
        if banded.threshold(indicator) is None:  # a band the indicator never gives
            assert response.status_code == 400
            assert [e["field"] for e in response.json()["errors"]] == [parameter]
        else:
            rows = response.json()["results"]
            assert [row[f"{indicator}_band"] for row in rows] == [banded.name]


def test_price_tables_show_the_badge(client, banded):
    html = client.get("/").content.decode()
    if banded.badge:
        assert f'<span class="band {banded.css_class}">{banded.label}</span>' in html
    else:
        assert 'class="band ' not in html


def test_the_warnings_page_lists_the_band_under_its_heading(client, banded):
    page = text(client.get("/warnings/"))
    if banded.badge:
        assert page.index(str(banded.heading)) < page.index("Potatoes Osh")
        assert re.search(rf"Potatoes Osh .* {banded.label} ALPS", page)
    else:
        assert "1 crop and market at a normal price." in page


def test_the_template_tag_and_the_stylesheet_draw_the_band(banded):
    drawn = Template("{% load prices %}{{ name|band }}").render(Context({"name": banded.name}))
    if banded.badge:
        assert drawn == f'<span class="band {banded.css_class}">{banded.label}</span>'
        assert f".{banded.css_class}{{" in STYLESHEET.read_text(encoding="utf-8")
    else:
        assert drawn == ""


def test_a_band_with_a_zone_gets_the_market_its_own_chart(client, banded):
    html = client.get("/commodities/potatoes/?months=3").content.decode()
    own = html[html.index("Against their normal price") :] if banded.chart_fill else html
    if banded.chart_fill:
        assert "<figcaption>Osh against its normal price</figcaption>" in own
        for _start, _end, fill in bands.chart_zones():
            assert f'fill="{fill}"' in own
        assert f"<small>{banded.label}</small>" in html
    else:
        assert "against its normal price</figcaption>" not in html


def test_followers_are_told_of_an_alarming_band_by_its_sms_name(banded):
    if not banded.alarming:
        assert banded.sms is None
        return
    warning = PriceWarning.objects.select_related("commodity__base_unit", "market").latest("month")
    assert warning_text(language="en", warning=warning).startswith(f"{banded.sms}, ")


def test_the_radio_and_bulletin_drafts_announce_the_band(banded, today):
    script = radio_script(region=None, language="en", week=period_start(today, "week"))
    said = " ".join(p for section in script.sections for p in section.paragraphs)
    body = warnings_draft(region=None, language="en")["body"]
    if banded.radio is not None:
        words = str(banded.radio).split("%(in_market)s")[1].split("%(")[0]
        assert words in said
        assert f"({banded.label})" in body
    else:
        assert "usual price" not in said
        assert "Potatoes at Osh" not in body
