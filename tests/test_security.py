"""The security table: hostile input changes nothing and shows up escaped; forms need
their CSRF token; logins cannot be guessed at; bodies too large or of the wrong type are
refused; agents act only at their markets."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from agriprices.models import Quote
from sms_gateway.channels.inbound import receive as receive_sms
from sms_gateway.services import register_agent_phone
from tests import factories
from tests.factories import (
    CommodityFactory,
    MarketFactory,
    QuoteFactory,
    RegionFactory,
    agent,
    operator,
    unit,
)

pytestmark = pytest.mark.django_db
XSS = "<script>alert(1)</script>"
SQL = "' OR 1=1; DROP TABLE agriprices_quote; --"


@pytest.fixture
def hostile():
    """Every text an outsider or a careless operator can put on a page, hostile."""
    region = RegionFactory(name=f"Region {XSS}", slug="hostile")
    market = MarketFactory(name=f"Market {XSS}", slug="market-x", region=region)
    crop = CommodityFactory(name=f"Crop {XSS}", slug="crop-x", category=f"cat {XSS}")
    QuoteFactory(commodity=crop, market=market, observed_on=timezone.localdate())
    from agriprices.services.series import rebuild_latest_prices

    rebuild_latest_prices()
    QuoteFactory(commodity=crop, market=market, status="flagged", status_reason=f"reason {XSS}")
    bulletin = factories.BulletinFactory(
        title=f"Title {XSS}",
        body=f"Body {XSS}",
        sms_summary=f"SMS {XSS}",
        category="notice",
        language="en",
        published_at=timezone.now(),
    )
    bulletin.regions.set([region])
    return {"region": region, "market": market, "crop": crop, "bulletin": bulletin}


def test_hostile_text_is_escaped_on_every_page(client, hostile):
    client.force_login(operator("olga"))
    pages = [
        "/",
        "/?region=hostile",
        "/commodities/crop-x/",
        "/markets/market-x/",
        "/bulletins/",
        f"/bulletins/{hostile['bulletin'].pk}/",
        f"/bulletins/{hostile['bulletin'].pk}/publish/",
        f"/bulletins/{hostile['bulletin'].pk}/edit/",
        "/review/",
        "/sheet/",
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert XSS not in html, url
        assert "&lt;script&gt;" in html, url
    reply = client.post("/simulator/", {"phone": "+996555123456", "message": XSS})
    assert XSS not in reply.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        f"/?q={SQL}",
        f"/?category={SQL}",
        f"/sheet/?region={SQL}&week={SQL}",
        f"/commodities/{SQL}/",
        f"/api/v1/commodities/?search={SQL}",
        f"/api/v1/quotes/?commodity={SQL}",
        f"/api/v1/bulletins/?region={SQL}",
    ],
)
def test_injection_strings_in_parameters_are_data_not_code(client, hostile, url):
    answer = client.get(url)
    assert answer.status_code in (200, 400, 404)
    assert Quote.objects.count() == 2


def test_an_sms_of_injection_strings_is_answered_and_changes_nothing(hostile):
    for body in (SQL, XSS, "P " + SQL + " 18 KG 1234"):
        message = receive_sms(
            provider="t", provider_sid=body[:60], sender="+996555100200", body=body
        )
        assert message.reply
    assert Quote.objects.count() == 2


@pytest.mark.parametrize(
    "url",
    [
        "/review/",
        "/report/",
        "/bulletins/new/",
        "/bulletins/{pk}/edit/",
        "/bulletins/{pk}/publish/",
        "/bulletins/{pk}/expire/",
        "/simulator/",
        "/accounts/logout/",
        "/i18n/setlang/",
    ],
)
def test_every_form_refuses_a_post_without_its_csrf_token(hostile, url):
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator("olga"))
    answer = client.post(url.format(pk=hostile["bulletin"].pk), {"title": "x"})
    assert answer.status_code == 403
    hostile["bulletin"].refresh_from_db()
    assert hostile["bulletin"].expires_on is None


def test_the_login_forms_need_their_csrf_token_too(db):
    client = Client(enforce_csrf_checks=True)
    assert client.post("/accounts/login/", {"username": "a", "password": "b"}).status_code == 403


@pytest.mark.parametrize("login_url", ["/accounts/login/", "/admin/login/"])
def test_guessing_a_password_locks_that_username(client, settings, login_url):
    settings.LOGIN_MAX_FAILURES = 3
    user = operator("olga")
    user.is_superuser = True
    user.save()
    for _ in range(3):
        answer = client.post(login_url, {"username": "olga", "password": "wrong"})
        assert answer.status_code == 200 and "_auth_user_id" not in client.session
    locked = client.post(login_url, {"username": "olga", "password": "pw"})
    assert "Too many failed logins" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    other = operator("aigul")
    other.is_superuser = True
    other.save()
    client.post(login_url, {"username": "aigul", "password": "pw"})
    assert client.session["_auth_user_id"] == str(other.pk)


def test_many_failures_from_one_address_lock_it(client, settings):
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS = 4
    operator("olga")
    for n in range(4):
        client.post("/accounts/login/", {"username": f"nobody{n}", "password": "x"})
    locked = client.post("/accounts/login/", {"username": "olga", "password": "pw"})
    assert "Too many failed logins" in locked.content.decode()


def test_oversized_bodies_are_refused_and_store_nothing(client, hostile, settings):
    settings.TWILIO_AUTH_TOKEN = "token"  # so the webhook reads the body at all
    user = agent(markets=[hostile["market"]], username="aibek")
    token = Token.objects.create(user=user)
    big = json.dumps([{"commodity": "crop-x", "price": "1" * 10}] * 60_000)
    assert len(big) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    answer = client.post(
        "/api/v1/quotes/",
        big,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )
    assert answer.status_code in (400, 413)
    big_form = {"Body": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10), "From": "+9965551"}
    assert client.post("/sms/twilio/inbound/", big_form).status_code in (400, 413)
    assert Quote.objects.count() == 2


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/plain", "potatoes 18"),
        ("application/xml", "<quote/>"),
        ("application/x-www-form-urlencoded", "commodity=crop-x&price=1"),
    ],
)
def test_the_api_refuses_other_content_types_with_a_json_error(client, hostile, content_type, body):
    user = agent(markets=[hostile["market"]], username="aibek")
    token = Token.objects.create(user=user)
    answer = client.post(
        "/api/v1/quotes/",
        body,
        content_type=content_type,
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )
    assert answer.status_code == 415
    assert answer.json()["errors"][0]["code"] == "unsupported_media_type"


def test_agents_act_only_at_their_markets_by_form_api_and_sms(client, hostile):
    elsewhere = MarketFactory(name="Elsewhere", slug="elsewhere")
    user = agent(markets=[elsewhere], username="aibek")
    register_agent_phone(user=user, phone="+996555700001", pin="1234")
    client.force_login(user)
    form = {
        "market": hostile["market"].pk,
        "commodity": hostile["crop"].pk,
        "price": "10",
        "unit": unit("kg").pk,
        "price_type": "retail",
        "observed_on": timezone.localdate().isoformat(),
    }
    assert "Select a valid choice" in client.post("/report/", form).content.decode()
    token = Token.objects.create(user=user)
    api = client.post(
        "/api/v1/quotes/",
        {"commodity": "crop-x", "market": "market-x", "unit": "kg", "price": "10"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )
    assert api.status_code == 403
    sms = receive_sms(
        provider="t", provider_sid="SMx", sender="+996555700001", body="P CROP MARKET 10 KG 1234"
    )
    assert "Nothing recorded" in sms.reply or "Not recorded" in sms.reply
    assert Quote.objects.filter(agent=user).count() == 0
    assert get_user_model().objects.get(username="aibek").is_staff is False
