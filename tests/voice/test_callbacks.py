"""Free to ask: with VOICE_CALLBACK on, a call is rejected (the farmer pays nothing) and
called back through the call outbox: once per missed call, at most
VOICE_CALLBACKS_PER_DAY a day, never dialled twice, given up once too late."""

from datetime import timedelta

import pytest
from django.utils import timezone

from sms_gateway.backends import SendError
from tests.voice.conftest import Call
from voice import backends, callbacks
from voice.models import OutboundCall

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _callbacks_on(settings):
    settings.VOICE_CALLBACK = True
    settings.VOICE_CALLBACKS_PER_DAY = 2
    settings.TWILIO_PUBLIC_BASE_URL = "https://prices.example.org"


def missed_call(client, phone):
    call = Call(client, phone=phone)
    call.url = "https://prices.example.org/voice/twilio/"
    return call


def test_a_missed_call_is_rejected_and_called_back_once(
    client, demo, django_capture_on_commit_callbacks
):
    call = missed_call(client, "+996700551111")
    with django_capture_on_commit_callbacks(execute=True):
        assert call.start().find("Reject") is not None
        assert call.start().find("Reject") is not None  # the webhook resent
    assert OutboundCall.objects.get().status == "placed"
    assert backends.calls == [
        {
            "to": "+996700551111",
            "url": "https://prices.example.org/voice/twilio/?cb=1",
            "sid": backends.calls[0]["sid"],
        }
    ]


def test_the_callback_runs_the_same_menus(client, heard, settings):
    settings.TWILIO_PUBLIC_BASE_URL = ""
    back = Call(client, phone="+996700552222", direction="outbound-api")
    back.url = "http://testserver/voice/twilio/?cb=1"
    back.start()
    assert back.twiml.find("Reject") is None
    assert heard.words(back.plays()).startswith("Welcome to AgriPrices")


def test_callbacks_are_capped_per_number_per_day_then_the_call_is_answered(
    client, demo, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            assert missed_call(client, "+996700553333").start().find("Reject") is not None
        third = missed_call(client, "+996700553333").start()
    assert third.find("Reject") is None and third.find("Gather") is not None
    assert len(backends.calls) == 2
    OutboundCall.objects.update(created_at=timezone.now() - timedelta(days=1))
    assert missed_call(client, "+996700553333").start().find("Reject") is not None


def test_a_redelivered_task_never_dials_twice(demo):
    queued = OutboundCall.objects.create(to="+996700554444", idempotency_key="callback:CA1")
    assert callbacks.place(queued.pk) == "placed"
    assert callbacks.place(queued.pk) == "claimed elsewhere"
    assert len(backends.calls) == 1


def test_a_busy_twilio_is_retried_an_ambiguous_one_is_not(demo, monkeypatch):
    outcomes = iter([SendError("twilio 429/20429"), SendError("read timeout", ambiguous=True)])

    def failing(self, *, to, url):
        raise next(outcomes)

    monkeypatch.setattr(backends.LocmemCallBackend, "call", failing)
    queued = OutboundCall.objects.create(to="+996700555555", idempotency_key="callback:CA2")
    assert callbacks.place(queued.pk) == callbacks.RETRY
    queued.refresh_from_db()
    assert (queued.status, queued.attempts) == ("queued", 1)
    assert callbacks.place(queued.pk) == "failed"
    queued.refresh_from_db()
    assert queued.status == "failed" and "timeout" in queued.last_error


def test_a_callback_too_late_to_help_is_given_up_and_the_sweep_publishes_the_rest(demo):
    late = OutboundCall.objects.create(
        to="+996700556666",
        idempotency_key="callback:CA3",
        created_at=timezone.now() - timedelta(hours=1),
    )
    waiting = OutboundCall.objects.create(
        to="+996700557777",
        idempotency_key="callback:CA4",
        created_at=timezone.now() - timedelta(minutes=1),
    )
    assert callbacks.sweep() == {"callbacks_published": 1, "callbacks_expired": 1}
    late.refresh_from_db()
    waiting.refresh_from_db()
    assert late.status == "expired" and waiting.status == "placed"
    assert [c["to"] for c in backends.calls] == ["+996700557777"]
