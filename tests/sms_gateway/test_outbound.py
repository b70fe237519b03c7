"""Outbound SMS: sent once, retried only when it can help, against Twilio's real client
pointed at a local stub of its REST API."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from twilio.request_validator import RequestValidator

from sms_gateway import outbound
from sms_gateway.backends import locmem
from sms_gateway.models import OutboundMessage, Subscriber
from tests import factories

TO = "+996555123456"


@pytest.fixture
def locmem_backend(settings):
    settings.SMS_BACKEND = "sms_gateway.backends.locmem.LocmemBackend"
    locmem.outbox.clear()
    return locmem.outbox


class TwilioStub(BaseHTTPRequestHandler):
    """Answers POST .../Messages.json with the next scripted (status, body) pair."""

    script: list = []
    calls: list = []

    def do_POST(self):  # noqa: N802 - http.server's name
        length = int(self.headers.get("Content-Length", 0))
        self.calls.append(self.rfile.read(length).decode())
        status, body = self.script.pop(0) if self.script else (201, {"sid": "SMok"})
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def twilio_stub(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), TwilioStub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    TwilioStub.script, TwilioStub.calls = [], []
    settings.SMS_BACKEND = "sms_gateway.backends.twilio.TwilioBackend"
    settings.TWILIO_ACCOUNT_SID = "AC" + "0" * 32
    settings.TWILIO_AUTH_TOKEN = "stub-token"
    settings.TWILIO_FROM_NUMBER = "+15005550006"
    settings.TWILIO_API_BASE_URL = f"http://127.0.0.1:{server.server_port}"
    yield TwilioStub
    server.shutdown()
    server.server_close()


def error(status, code):
    return (status, {"status": status, "code": code, "message": "scripted", "more_info": ""})


@pytest.mark.django_db(transaction=True)
def test_a_queued_message_is_sent_once_after_commit(locmem_backend):
    message = outbound.queue_sms(to=TO, body="Potatoes Osh 18", idempotency_key="alert:1")
    again = outbound.queue_sms(to=TO, body="Potatoes Osh 18", idempotency_key="alert:1")
    assert again.pk == message.pk
    assert [m["body"] for m in locmem_backend] == ["Potatoes Osh 18"]
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 1)
    assert outbound.send(message.pk) == "skipped"  # a redelivered task sends nothing
    assert len(locmem_backend) == 1


@pytest.mark.django_db
def test_opted_out_and_undeliverable_numbers_get_no_bulk_sms(locmem_backend):
    factories.SubscriberFactory(phone=TO, opted_out=True)
    with pytest.raises(outbound.NotSendable):
        outbound.queue_sms(to=TO, body="weekly digest", idempotency_key="digest:1")
    factories.SubscriberFactory(phone="+996555000001", undeliverable=True)
    with pytest.raises(outbound.NotSendable):
        outbound.queue_sms(to="+996555000001", body="x", idempotency_key="digest:2")
    assert not OutboundMessage.objects.exists() and locmem_backend == []


@pytest.mark.django_db
def test_twilio_busy_is_retried_and_invalid_number_is_not(twilio_stub, clock):
    busy = factories.OutboundMessageFactory(to=TO, body="hi", idempotency_key="k1")
    twilio_stub.script = [error(429, 20429), error(500, 20500)]
    assert outbound.send(busy.pk) == outbound.RETRY
    clock(outbound.RETRY_FIRST_SECONDS)  # the first retry's longest wait
    assert outbound.send(busy.pk) == outbound.RETRY
    clock(outbound.RETRY_FIRST_SECONDS * 3)  # and the second's, after it
    assert outbound.send(busy.pk) == "sent"
    busy.refresh_from_db()
    assert (busy.status, busy.attempts, busy.provider_sid) == ("sent", 3, "SMok")
    assert "To=%2B996555123456" in twilio_stub.calls[-1]

    factories.SubscriberFactory(phone="+996555000002")
    invalid = factories.OutboundMessageFactory(to="+996555000002", body="hi", idempotency_key="k2")
    twilio_stub.script = [error(400, 21211)]
    assert outbound.send(invalid.pk) == "failed"
    assert outbound.send(invalid.pk) == "skipped"  # never tried again
    assert Subscriber.objects.get(phone="+996555000002").undeliverable
    assert len(twilio_stub.calls) == 4


@pytest.mark.django_db
def test_an_unreachable_provider_is_a_retry(settings):
    settings.SMS_BACKEND = "sms_gateway.backends.twilio.TwilioBackend"
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = "AC" + "0" * 32, "t"
    settings.TWILIO_FROM_NUMBER = "+15005550006"
    settings.TWILIO_API_BASE_URL = "http://127.0.0.1:9"  # nothing listens on the discard port
    message = factories.OutboundMessageFactory(to=TO, body="hi", idempotency_key="k3")
    assert outbound.send(message.pk) == outbound.RETRY
    message.refresh_from_db()
    assert message.status == "queued" and "unreachable" in message.last_error


@pytest.mark.redis
def test_a_real_worker_sends_exactly_once_through_retries(celery_worker_on_redis, twilio_stub):
    from django.db import transaction

    twilio_stub.script = [error(429, 20429), error(503, 20503)]
    with transaction.atomic():
        message = outbound.queue_sms(
            to=TO, body="Reply", idempotency_key="reply:1", priority="reply"
        )
    import time

    # The stub is watched first, the database only at the end: on SQLite a read while
    # the worker writes would lock the table under it.
    deadline = time.monotonic() + 60
    while len(twilio_stub.calls) < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        message.refresh_from_db()
        if message.status == "sent":
            break
    assert (message.status, message.attempts) == ("sent", 3)
    assert len(twilio_stub.calls) == 3


@pytest.mark.django_db
def test_signed_status_callbacks_record_delivery(client, settings):
    settings.TWILIO_AUTH_TOKEN = "cb-token"
    factories.SubscriberFactory(phone=TO)
    factories.OutboundMessageFactory(
        to=TO, body="x", idempotency_key="k", provider_sid="SM9", status="sent"
    )

    def post(params):
        url = "http://testserver/sms/twilio/status/"
        signature = RequestValidator("cb-token").compute_signature(url, params)
        return client.post("/sms/twilio/status/", params, HTTP_X_TWILIO_SIGNATURE=signature)

    assert post({"MessageSid": "SM9", "MessageStatus": "delivered"}).status_code == 200
    assert OutboundMessage.objects.get().status == "delivered"
    assert post({"MessageSid": "SM9", "MessageStatus": "sent"}).status_code == 200
    assert OutboundMessage.objects.get().status == "delivered"  # never backwards
    post({"MessageSid": "SM9", "MessageStatus": "undelivered", "ErrorCode": "30005"})
    assert Subscriber.objects.get().undeliverable
    assert post({"MessageSid": "SMx", "MessageStatus": "sent"}).status_code == 202
    forged = client.post(
        "/sms/twilio/status/",
        {"MessageSid": "SM9", "MessageStatus": "failed"},
        HTTP_X_TWILIO_SIGNATURE="bm9wZQ==",
    )
    assert forged.status_code == 403


@pytest.mark.django_db
def test_only_allowed_countries_are_sent_to(locmem_backend, settings):
    settings.SMS_ALLOWED_COUNTRIES = ["KG"]
    with pytest.raises(outbound.NotSendable, match="country"):
        outbound.queue_sms(to="+14155550100", body="x", idempotency_key="us:1", priority="reply")
    assert not OutboundMessage.objects.exists()
    settings.SMS_ALLOWED_COUNTRIES = ["*"]
    assert outbound.queue_sms(to="+14155550100", body="x", idempotency_key="us:2")


@pytest.mark.django_db
def test_a_number_unreachable_too_often_in_a_row_is_sent_nothing_more(settings):
    settings.SMS_UNREACHABLE_LIMIT = 3
    factories.SubscriberFactory(phone=TO)
    for n in range(4):
        factories.OutboundMessageFactory(
            to=TO, body="x", idempotency_key=f"u{n}", provider_sid=f"SMu{n}", status="sent"
        )

    def report(n, status, code=""):
        outbound.record_delivery(provider_sid=f"SMu{n}", status=status, error_code=code)
        return Subscriber.objects.get()

    assert not report(0, "undelivered", "30003").undeliverable
    assert report(1, "delivered").unreachable_in_a_row == 0  # it came back: start again
    report(2, "undelivered", "30003")
    report(3, "undelivered", "30003")
    assert not Subscriber.objects.get().undeliverable
    factories.OutboundMessageFactory(to=TO, body="x", idempotency_key="u4", provider_sid="SMu4")
    assert report(4, "undelivered", "30003").undeliverable


def test_a_backend_must_implement_send():
    from sms_gateway.backends import BaseSmsBackend

    class Incomplete(BaseSmsBackend):
        pass

    with pytest.raises(TypeError):
        Incomplete()


@pytest.mark.django_db
def test_whatsapp_alerts_go_as_the_approved_template_and_replies_as_text(twilio_stub, settings):
    from urllib.parse import parse_qs

    settings.TWILIO_WHATSAPP_FROM = "+14155238886"
    settings.TWILIO_WHATSAPP_CONTENT_SID = "HX" + "1" * 32
    to = "whatsapp:+996555123456"
    alert = factories.OutboundMessageFactory(to=to, body="Price alert: Potatoes Osh 21 KGS/kg")
    assert outbound.send(alert.pk) == "sent"
    form = parse_qs(twilio_stub.calls[-1])
    assert form["From"] == ["whatsapp:+14155238886"] and form["To"] == [to]
    assert form["ContentSid"] == [settings.TWILIO_WHATSAPP_CONTENT_SID]
    assert json.loads(form["ContentVariables"][0]) == {"1": alert.body}
    assert "Body" not in form  # WhatsApp refuses free text outside the 24 hours
    reply = factories.OutboundMessageFactory(
        to=to, body="Potatoes Osh: 18 KGS/kg", priority=OutboundMessage.Priority.REPLY
    )
    assert outbound.send(reply.pk) == "sent"
    form = parse_qs(twilio_stub.calls[-1])
    assert form["Body"] == [reply.body] and "ContentSid" not in form


@pytest.mark.django_db
def test_a_whatsapp_alert_without_a_template_fails_saying_why(twilio_stub, settings):
    settings.TWILIO_WHATSAPP_CONTENT_SID = ""
    factories.SubscriberFactory(phone="whatsapp:+996555123456")
    alert = factories.OutboundMessageFactory(to="whatsapp:+996555123456", body="Price alert")
    assert outbound.send(alert.pk) == "failed"
    alert.refresh_from_db()
    assert "TWILIO_WHATSAPP_CONTENT_SID" in alert.last_error
    assert twilio_stub.calls == []  # nothing reached Twilio
    assert not Subscriber.objects.get().undeliverable  # our setup is at fault, not theirs
