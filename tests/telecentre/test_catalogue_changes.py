"""A catalogue change shows at once: pages, sheets, SMS and API answers are cached until
anything they show changes, names included (agriprices.selectors.latest
.prices_last_modified is the one key)."""

import html
import re
from datetime import timedelta
from decimal import Decimal

import pytest

from agriprices.models import Quote
from agriprices.services.recording import record_quote
from sms_gateway.channels.inbound import simulate
from tests.factories import CommodityFactory, MarketFactory, RegionFactory, operator, unit

pytestmark = pytest.mark.django_db

PAGES = [
    "/?region=osh",
    "/commodities/potatoes/",
    "/markets/osh/",
    "/grid/?region=osh",
    "/sheet/?region=osh",
    "/sheet/radio/?region=osh&lang=ru",
    "/map/?commodity=potatoes",
]
API = "/api/v1/prices/latest/?commodity=potatoes"


def text(response) -> str:
    body = response.content.decode()
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


@pytest.fixture
def osh(today):
    region = RegionFactory(name="Osh", slug="osh", translations={"ru": "Ошская область"})
    market = MarketFactory(
        name="Osh", slug="osh", region=region, translations={"ru": "Ош"}, latitude=Decimal(40)
    )
    market.longitude = Decimal(72)
    market.save()
    market.aliases.create(name="Ош", language="ru")
    potato = CommodityFactory(name="Potatoes", slug="potatoes", translations={"ru": "Картофель"})
    potato.aliases.create(name="картошка", language="ru")
    for week in (1, 0):
        record_quote(
            agent=None,
            commodity=potato,
            market=market,
            unit=unit("kg"),
            price=Decimal(30 + week),
            observed_on=today - timedelta(weeks=week),
            source=Quote.Source.IMPORT,
        )
    return market


def seen(client) -> dict[str, str]:
    client.cookies["django_language"] = "ru"
    return {url: text(client.get(url)) for url in PAGES}


def test_a_renamed_market_crop_or_region_shows_at_once_on_every_cached_answer(
    client, osh, django_capture_on_commit_callbacks
):
    before = seen(client)
    for url, body in before.items():
        assert "Картофель" in body, url
    assert client.get(API).json()[0]["market"]["name"] == "Osh"
    assert "Ош" in simulate(sender="+996555000111", body="картошка ош")[1]
    with django_capture_on_commit_callbacks(execute=True):
        osh.translations = {"ru": "Ошский базар"}
        osh.name = "Osh Central"
        osh.save()
        osh.region.translations = {"ru": "Южная область"}
        osh.region.save()
        potato = osh.quotes.first().commodity
        potato.translations = {"ru": "Картошка ранняя"}
        potato.save()
    after = seen(client)
    for url, body in after.items():
        assert "Картошка ранняя" in body, url
        assert "Картофель" not in body, url
    for url in ("/?region=osh", "/commodities/potatoes/", "/map/?commodity=potatoes"):
        assert "Ошский базар" in after[url] and "Южная область" in after[url], url
    assert "Ошский базар" in after["/markets/osh/"]
    assert "Ошск" in after["/sheet/radio/?region=osh&lang=ru"]
    assert "Южная область" in after["/sheet/?region=osh"]
    assert client.get(API).json()[0]["market"]["name"] == "Osh Central"
    reply = simulate(sender="+996555000111", body="картошка ош")[1]
    assert "Картошка ранняя" in reply and "Ошский базар" in reply


def test_a_crop_renamed_in_the_admin_shows_on_the_cached_pages(
    client, osh, django_capture_on_commit_callbacks
):
    client.get("/?region=osh")  # its table cached now
    potato = osh.quotes.first().commodity
    client.force_login(operator("olga"))
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            f"/admin/agriprices/commodity/{potato.pk}/change/",
            {
                "name": "Potatoes",
                "slug": "potatoes",
                "category": "",
                "base_unit": potato.base_unit_id,
                "translations": '{"en": "Spuds"}',
                "aliases-TOTAL_FORMS": "0",
                "aliases-INITIAL_FORMS": "0",
            },
        )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    client.cookies["django_language"] = "en"
    assert "Spuds" in text(client.get("/?region=osh"))
