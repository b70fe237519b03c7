"""Pages that tell the whole truth in every language: regions by their own names, counts
with the right plural, dated bulletins, a 404 and a 403 a reader understands, every price
reachable page by page, and every figure labelled when a phone stacks a table."""

import html
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from agriprices.models import Quote
from agriprices.services.recording import record_quote
from agriprices.services.series import rebuild_latest_prices
from sms_gateway.models import Broadcast
from telecentre.models import Bulletin
from tests import factories
from tests.factories import CommodityFactory, MarketFactory, RegionFactory, agent, operator, unit

pytestmark = pytest.mark.django_db

OSH = {"en": "Osh Region", "fr": "Région d'Och", "ru": "Ошская область", "ky": "Ош облусу"}
CHUY = {"en": "Chuy Region", "fr": "Région de Tchouï", "ru": "Чуйская область", "ky": "Чүй облусу"}


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def speak(client, language):
    client.cookies["django_language"] = language


@pytest.fixture
def regions(today):
    osh = RegionFactory(name="Osh", slug="osh", translations=OSH)
    chuy = RegionFactory(name="Chuy", slug="chuy", translations=CHUY)
    market = MarketFactory(name="Osh", region=osh, translations={"ru": "Ош", "ky": "Ош"})
    MarketFactory(name="Tokmok", region=chuy, translations={"ru": "Токмак", "ky": "Токмок"})
    potato = CommodityFactory(name="Potatoes", slug="potatoes", translations={"ru": "Картофель"})
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
    return {"osh": osh, "chuy": chuy, "market": market, "potato": potato}


# --- Regions are data, translated like markets and crops ---------------------------------


@pytest.mark.parametrize("language", ["en", "fr", "ru", "ky"])
def test_regions_are_named_in_the_readers_language(client, regions, language):
    speak(client, language)
    home = html.unescape(client.get("/?region=osh").content.decode())
    assert OSH[language] in home.split("</h1>")[0]
    chooser = re.search(r'<select name="region".*?</select>', home, re.S)[0]
    options = re.findall(r'<option value="(osh|chuy)"[^>]*>([^<]+)</option>', chooser)
    assert dict(options) == {"osh": OSH[language], "chuy": CHUY[language]}
    # In that language's alphabetical order.
    names = [name for _, name in options]
    assert names == sorted(names, key=str.casefold)
    market = text(client.get("/markets/osh/"))
    assert OSH[language] in market
    commodity = text(client.get("/commodities/potatoes/"))
    assert OSH[language] in commodity


def test_the_bulletin_form_offers_regions_by_their_local_names(client, regions):
    client.force_login(operator("olga"))
    speak(client, "ky")
    form = text(client.get("/bulletins/new/"))
    assert "Ош облусу" in form and "Чүй облусу" in form


def test_the_api_gives_every_regions_names(client, regions):
    found = {r["slug"]: r["names"] for r in client.get("/api/v1/regions/").json()["results"]}
    assert found["osh"] == OSH


# --- Plurals through gettext -----------------------------------------------------------------


@pytest.mark.parametrize(
    "language, tabs",
    [
        ("en", ["3 months", "6 months", "12 months", "24 months"]),
        ("fr", ["3 mois", "6 mois", "12 mois", "24 mois"]),
        ("ru", ["3 месяца", "6 месяцев", "12 месяцев", "24 месяца"]),
        ("ky", ["3 ай", "6 ай", "12 ай", "24 ай"]),
    ],
)
def test_counts_take_their_languages_plural(client, regions, language, tabs):
    speak(client, language)
    page = client.get("/commodities/potatoes/").content.decode()
    shown = re.findall(r"<(?:a href=\"\?months=\d+\"|strong)>([^<]+)</(?:a|strong)>", page)
    assert shown[:4] == tabs


@pytest.mark.parametrize(
    "language, one, three",
    [
        ("en", "to 1 subscriber:", "sent to 3 subscribers."),
        ("ru", "1 подписчику:", "отправлена 3 подписчикам."),
        ("fr", "à 1 abonné :", "envoyé à 3 abonnés."),
    ],
)
def test_one_subscriber_is_not_1_subscribers(
    client, regions, settings, language, one, three, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "sms_gateway.backends.locmem.LocmemBackend"
    person = factories.SubscriberFactory(phone="+996555900001")
    factories.SubscriptionFactory(
        subscriber=person, commodity=regions["potato"], market=regions["market"]
    )
    client.force_login(operator("olga"))
    speak(client, language)
    bulletin = Bulletin.objects.create(
        title="Frost",
        category="weather",
        language="en",
        body="Frost on Thursday.",
        sms_summary="Frost Thursday night.",
    )
    bulletin.regions.add(regions["osh"])
    assert one in text(client.get(f"/bulletins/{bulletin.pk}/publish/"))
    for n in (2, 3):
        factories.SubscriptionFactory(
            subscriber=factories.SubscriberFactory(phone=f"+99655590000{n}"),
            commodity=regions["potato"],
            market=regions["market"],
        )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/bulletins/{bulletin.pk}/publish/", {"send_sms": "on"})
    assert Broadcast.objects.get().recipients == 3
    assert three in text(client.get(f"/bulletins/{bulletin.pk}/publish/"))


# --- Bulletins carry their date --------------------------------------------------------------


@pytest.mark.parametrize(
    "language, day", [("en", r"\d{1,2} [A-Z][a-z]{2}"), ("ru", r"\d{1,2} [а-я]{3,4}\.")]
)
def test_the_bulletins_list_dates_each_bulletin(client, regions, language, day):
    published = Bulletin.objects.create(
        title="Locusts",
        category="pests",
        language="en",
        body="Seen near Osh.",
        published_at=timezone.now() - timedelta(days=2),
    )
    published.regions.add(regions["osh"])
    speak(client, language)
    page = client.get("/bulletins/").content.decode()
    item = page[page.index("Locusts") :]
    found = re.search(r'<time datetime="(\d{4}-\d{2}-\d{2})">([^<]+)</time>', item)
    assert found and found[1] == timezone.localdate(published.published_at).isoformat()
    assert re.fullmatch(day, found[2])
    assert OSH[language] in item


def test_an_editor_sees_when_a_draft_was_written(client, regions):
    Bulletin.objects.create(title="Draft", category="notice", language="en", body="Soon.")
    client.force_login(operator("olga"))
    assert re.search(r"written \d{1,2} [A-Z][a-z]{2}", text(client.get("/bulletins/")))


# --- 404 and 403 in the reader's language, with a way back -----------------------------------


@pytest.mark.parametrize(
    "language, title, back",
    [
        ("en", "Page not found", "Back to the latest prices"),
        ("fr", "Page introuvable", "Retour aux derniers prix"),
        ("ru", "Страница не найдена", "Вернуться к последним ценам"),
        ("ky", "Барак табылган жок", "Акыркы бааларга кайтуу"),
    ],
)
def test_a_missing_page_speaks_the_readers_language_and_leads_back(
    client, regions, language, title, back
):
    speak(client, language)
    for url in ("/no/such/page/", "/commodities/bananas/"):
        page = client.get(url)
        assert page.status_code == 404
        body = page.content.decode()
        assert f"<h1>{title}</h1>" in body, url
        assert f'<a href="/">{back}</a>' in body
        assert '<form method="get" action="/"' in body and 'name="q"' in body  # search
        assert "Resolver404" not in body and "Http404" not in body


@pytest.mark.parametrize(
    "language, reason", [("en", "No such commodity."), ("ru", "Такого товара нет.")]
)
def test_a_missing_page_says_what_was_not_found(client, language, reason):
    speak(client, language)
    assert reason in text(client.get("/commodities/bananas/"))


@pytest.mark.parametrize(
    "language, reason",
    [
        ("en", "No such bulletin."),
        ("fr", "Bulletin introuvable."),
        ("ru", "Такого бюллетеня нет."),
        ("ky", "Мындай бюллетень жок."),
    ],
)
def test_a_missing_bulletin_is_explained_in_the_readers_language(client, language, reason):
    """Django's own reason ("No Bulletin matches the given query.") is English for
    developers: a reader gets the view's, in their language, or none."""
    speak(client, language)
    draft = Bulletin.objects.create(title="Draft", category="notice", language="en", body="x")
    for url in ("/bulletins/999999/", f"/bulletins/{draft.pk}/"):
        page = client.get(url)
        assert page.status_code == 404
        assert reason in text(page) and "matches the given query" not in text(page), url
    client.force_login(operator("olga"))
    for url in ("/bulletins/999999/edit/", "/bulletins/999999/publish/"):
        page = client.get(url)
        assert page.status_code == 404 and reason in text(page), url
    page = client.post("/bulletins/999999/expire/")
    assert page.status_code == 404 and reason in text(page)


def test_django_own_404_reasons_are_never_shown(client):
    client.force_login(operator("olga"))
    page = client.get("/openrosa/photos/999999/", HTTP_ACCEPT_LANGUAGE="ru")
    assert page.status_code == 404
    assert "Страница не найдена" in text(page) and "matches" not in text(page)


def test_an_api_url_that_does_not_exist_is_still_json(client):
    answer = client.get("/api/v1/nothing-here/")
    assert answer.status_code == 404 and answer.json()["errors"][0]["code"] == "not_found"


@pytest.mark.parametrize("language, title", [("en", "Not allowed"), ("ru", "Нет доступа")])
def test_a_forbidden_page_says_so_in_the_readers_language(client, regions, language, title):
    client.force_login(agent(markets=[regions["market"]]))
    speak(client, language)
    page = client.get("/review/")
    assert page.status_code == 403 and f"<h1>{title}</h1>" in page.content.decode()


# --- Every row reachable -------------------------------------------------------------------


@pytest.fixture
def many_prices(today):
    """130 latest prices in one region: more than a page of the home table (120)."""
    region = RegionFactory(name="Osh", slug="osh")
    markets = [MarketFactory(name=f"Market {n:02d}", region=region) for n in range(13)]
    crops = [CommodityFactory(name=f"Crop {n}", slug=f"crop-{n}") for n in range(10)]
    for market in markets:
        for crop in crops:
            factories.QuoteFactory(commodity=crop, market=market, observed_on=today)

    rebuild_latest_prices()
    return markets, crops


def test_the_home_page_pages_through_every_price(client, many_prices):
    first = client.get("/?region=osh")
    body = text(first)
    assert "Prices 1–120 of 130" in body and "Page 1 of 2" in body
    assert first.content.decode().count("<tr>") == 121  # the header and 120 rows
    link = re.search(r'<a href="\?([^"]+)" rel="next">', first.content.decode())[1]
    assert "region=osh" in html.unescape(link)
    second = client.get("/?" + html.unescape(link))
    assert "Prices 121–130 of 130" in text(second)
    assert second.content.decode().count("<tr>") == 11
    rows = re.findall(
        r"<tr><th scope=\"row\">.*?</tr>", first.content.decode() + second.content.decode()
    )
    assert len(rows) == 130 and len(set(rows)) == 130
    assert 'rel="prev"' in second.content.decode()


def test_a_page_past_the_end_shows_the_last(client, many_prices):
    assert "Prices 121–130 of 130" in text(client.get("/?region=osh&page=9"))
    assert "Prices 1–120 of 130" in text(client.get("/?region=osh&page=x"))


# --- Labels of stacked rows ----------------------------------------------------------------


@pytest.mark.parametrize(
    "language, labels",
    [
        ("en", ["Market", "Price", "Date", "vs last week"]),
        ("fr", ["Marché", "Prix", "Date", "vs semaine passée"]),
        ("ru", ["Рынок", "Цена", "Дата", "к прошлой неделе"]),
        ("ky", ["Базар", "Баа", "Күнү", "өткөн жумага карата"]),
    ],
)
def test_every_figure_carries_its_columns_name(client, regions, language, labels):
    speak(client, language)
    page = client.get("/?region=osh").content.decode()
    row = re.search(r"<tbody>\s*<tr>(.*?)</tr>", page, re.S)[1]
    assert re.findall(r'<td[^>]* data-label="([^"]+)"', row) == labels
    assert row.count("<td") == len(labels)
