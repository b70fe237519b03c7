import io
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from twilio.request_validator import RequestValidator

from agriprices.models import LatestPrice
from agriprices.services.series import rebuild_latest_prices
from sms_gateway.backends import locmem
from tests import factories

TWILIO_TOKEN = "test-auth-token-not-a-secret"


class TwilioWebhook:
    """Posts inbound SMS to our webhook the way Twilio does, signed by the real
    RequestValidator, and reads the TwiML answer."""

    path = "/sms/twilio/inbound/"
    token = TWILIO_TOKEN

    def __init__(self, client) -> None:
        self.client = client

    @staticmethod
    def params(body="POTATOES OSH", sid="SM0001", sender="+996555123456") -> dict[str, str]:
        return {
            "MessageSid": sid,
            "From": sender,
            "To": "+15005550006",
            "Body": body,
            "NumMedia": "0",
        }

    def post(self, params, *, url=None, token=TWILIO_TOKEN, signature=None):
        url = url or f"http://testserver{self.path}"
        signature = signature or RequestValidator(token).compute_signature(url, params)
        return self.client.post(self.path, params, HTTP_X_TWILIO_SIGNATURE=signature)

    @staticmethod
    def reply(response) -> str | None:
        assert response["Content-Type"] == "application/xml"
        messages = ET.fromstring(response.content).findall("Message")  # noqa: S314 - ours
        return messages[0].text if messages else None


@pytest.fixture
def twilio(client, settings) -> TwilioWebhook:
    """The webhook as Twilio calls it, with our auth token set."""
    settings.TWILIO_AUTH_TOKEN = TWILIO_TOKEN
    settings.TWILIO_PUBLIC_BASE_URL = ""
    return TwilioWebhook(client)


@pytest.fixture
def a_price(potatoes, osh):
    """Potatoes at 18 in Osh, approved and latest."""

    factories.QuoteFactory(commodity=potatoes, market=osh, price=18)
    rebuild_latest_prices()
    return LatestPrice.objects.get()


@pytest.fixture(scope="module")
def _demo_catalogue(django_db_setup, django_db_blocker):
    """The demo (four weeks of prices), seeded once for a test module and removed after
    it; each test still runs in a transaction of its own on top of it. Four weeks, not
    three: on a Friday, Talas's last price (the round before its two missed ones) is 22
    days old, and three weeks left Talas with no price at all."""
    if connection.in_atomic_block:
        # Set up from inside a test (a fixture fetching it with getfixturevalue), the demo
        # would be seeded in that test's transaction and gone with its rollback.
        pytest.fail("the demo catalogue must be a test's or fixture's argument, not fetched")
    with django_db_blocker.unblock():
        call_command(
            "seed_demo", "--force", "--days", "28", stdout=io.StringIO(), stderr=io.StringIO()
        )
    yield
    with django_db_blocker.unblock():
        call_command("flush", "--noinput", verbosity=0)


@pytest.fixture
def demo(_demo_catalogue, db):
    """The demo catalogue and prices, for tests that read it as farmers would."""


@pytest.fixture
def outbox(settings):
    settings.SMS_BACKEND = "sms_gateway.backends.locmem.LocmemBackend"
    locmem.outbox.clear()
    return locmem.outbox


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks):
    """Run what waits for the commit (tasks, eager here) as production would."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


@pytest.fixture
def clock(monkeypatch):
    """Moves the time the code reads (timezone.now) this many seconds ahead of now."""
    real = timezone.now

    def move(seconds: float) -> None:
        monkeypatch.setattr(timezone, "now", lambda: real() + timedelta(seconds=seconds))

    return move
