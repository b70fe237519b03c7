"""Free to ask: with VOICE_CALLBACK on, a call is rejected (the farmer pays nothing) and
called back through the call outbox: once per missed call, at most
VOICE_CALLBACKS_PER_DAY a day, never dialled twice, given up once too late; none for a
redial while one is on its way, none for a number past its hour's questions, none past
the service's own caps (counted, operators told once), none that cannot be placed."""

from datetime import timedelta

import pytest
from django.core import checks
from django.utils import timezone

from config import counters
from sms_gateway.backends import SendError
from tests import factories
from tests.voice.conftest import Call
from voice import backends, callbacks
from voice.checks import callback_url
from voice.models import OutboundCall, RefusedCallbacks

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


def earlier(minutes: int) -> None:
    """Every callback so far made ``minutes`` ago (by the clock the caps read)."""
    OutboundCall.objects.update(created_at=timezone.now() - timedelta(minutes=minutes))


def test_callbacks_are_capped_per_number_per_day_then_the_call_is_answered(
    client, demo, settings, django_capture_on_commit_callbacks
):
    settings.VOICE_CALLBACK_REDIAL_SECONDS = 0  # each ring another missed call
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            assert missed_call(client, "+996700553333").start().find("Reject") is not None
    with django_capture_on_commit_callbacks(execute=True):
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
    assert callbacks.place(queued.pk) == "unsure"  # it may have rung: counted, not retried
    queued.refresh_from_db()
    assert queued.status == "unsure" and "timeout" in queued.last_error


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


def test_callbacks_on_without_a_public_url_fail_the_system_check(settings):
    settings.TWILIO_PUBLIC_BASE_URL = ""
    settings.DEBUG = False
    [error] = callback_url()
    assert error.level == checks.ERROR and "TWILIO_PUBLIC_BASE_URL" in error.msg
    assert "voice.E001" in [m.id for m in checks.run_checks()]
    settings.DEBUG = True
    [warning] = callback_url()
    assert warning.level == checks.WARNING
    settings.TWILIO_PUBLIC_BASE_URL = "https://prices.example.org"
    assert callback_url() == []
    settings.TWILIO_PUBLIC_BASE_URL, settings.VOICE_CALLBACK = "", False
    assert callback_url() == []


def test_without_a_public_url_a_missed_call_is_answered_and_spends_no_callback(
    client, demo, settings, django_capture_on_commit_callbacks
):
    settings.TWILIO_PUBLIC_BASE_URL = ""
    call = Call(client, phone="+996700558001")
    with django_capture_on_commit_callbacks(execute=True):
        answered = call.start()
    assert answered.find("Reject") is None and answered.find("Gather") is not None
    assert not OutboundCall.objects.exists() and backends.calls == []


def test_a_callback_that_failed_before_ringing_does_not_use_up_the_numbers_day(
    client, demo, settings, django_capture_on_commit_callbacks
):
    settings.VOICE_CALLBACK_REDIAL_SECONDS = 0  # each ring another missed call
    number = "+996700558002"
    for n in range(2):  # VOICE_CALLBACKS_PER_DAY failures: Twilio refused the number
        OutboundCall.objects.create(to=number, idempotency_key=f"callback:F{n}", status="failed")
    with django_capture_on_commit_callbacks(execute=True):
        assert missed_call(client, number).start().find("Reject") is not None
    assert OutboundCall.objects.filter(to=number, status="placed").count() == 1
    # One that may have rung (Twilio timed out after the request went) does count.
    OutboundCall.objects.filter(status="placed").update(status="unsure")
    OutboundCall.objects.create(to=number, idempotency_key="callback:U", status="unsure")
    answered = missed_call(client, number).start()
    assert answered.find("Reject") is None and answered.find("Gather") is not None


def test_a_redial_while_a_callback_is_on_its_way_makes_no_other(
    client, demo, django_capture_on_commit_callbacks
):
    number = "+996700558004"
    assert missed_call(client, number).start().find("Reject") is not None  # queued
    assert missed_call(client, number).start().find("Reject") is not None  # rings again
    assert OutboundCall.objects.filter(to=number).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        callbacks.publish(list(OutboundCall.objects.values_list("pk", flat=True)))
    assert OutboundCall.objects.get().status == "placed"
    earlier(minutes=1)  # just called back: a redial is the same missed call
    assert missed_call(client, number).start().find("Reject") is not None
    assert OutboundCall.objects.count() == 1 and len(backends.calls) == 1
    earlier(minutes=10)  # long after: another question, another callback
    with django_capture_on_commit_callbacks(execute=True):
        assert missed_call(client, number).start().find("Reject") is not None
    assert OutboundCall.objects.count() == 2 and len(backends.calls) == 2


def test_a_number_past_its_hours_questions_is_told_so_not_called_back(
    client, heard, settings, django_capture_on_commit_callbacks
):
    settings.SMS_MAX_QUERIES_PER_HOUR = 1
    number = "+996700558005"
    counters.count("sms-queries", number, window_seconds=3600)  # asked by SMS already
    call = missed_call(client, number)
    with django_capture_on_commit_callbacks(execute=True):
        told = call.start()
    assert told.find("Reject") is None and told.find("Hangup") is not None
    assert heard.words(call.plays()).startswith("You asked many times this hour")
    assert not OutboundCall.objects.exists() and backends.calls == []


@pytest.fixture
def operator(db):
    return factories.UserFactory(
        username="night-operator", email="ops@example.org", is_superuser=True, is_staff=True
    )


def test_past_the_services_hourly_callbacks_missed_calls_are_refused_counted_and_told_once(
    client, demo, settings, operator, mailoutbox, django_capture_on_commit_callbacks
):
    settings.VOICE_CALLBACKS_SERVICE_PER_HOUR = 2
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(5):  # a storm: five numbers ring once each
            call = missed_call(client, f"+99670055901{n}")
            assert call.start().find("Reject") is not None
        assert call.start().find("Reject") is not None  # the last one's webhook resent
    assert len(backends.calls) == 2
    assert OutboundCall.objects.exclude(status="refused").count() == 2
    refused = RefusedCallbacks.objects.get()
    assert (refused.day, refused.refused) == (timezone.localdate(), 3)
    assert refused.told_at is not None
    [mail] = mailoutbox
    assert mail.to == ["ops@example.org"] and "2 an hour" in mail.body
    earlier(minutes=61)  # a new hour: callbacks again
    with django_capture_on_commit_callbacks(execute=True):
        assert missed_call(client, "+996700559020").start().find("Reject") is not None
    assert len(backends.calls) == 3 and len(mailoutbox) == 1


def test_past_the_services_daily_callbacks_missed_calls_are_refused(
    client, demo, settings, django_capture_on_commit_callbacks
):
    settings.VOICE_CALLBACKS_SERVICE_PER_DAY = 2
    midnight = timezone.localtime().replace(hour=0, minute=0, second=1, microsecond=0)
    for n in range(2):
        OutboundCall.objects.create(
            to=f"+99670055903{n}", idempotency_key=f"callback:D{n}", status="placed"
        )
    OutboundCall.objects.update(created_at=midnight)
    assert missed_call(client, "+996700559039").start().find("Reject") is not None
    assert OutboundCall.objects.exclude(status="refused").count() == 2
    assert RefusedCallbacks.objects.get().refused == 1


def test_operators_not_told_while_the_broker_was_down_are_told_by_the_sweep(
    demo, operator, mailoutbox
):
    row = RefusedCallbacks.objects.create(
        day=timezone.localdate(), refused=4, first_at=timezone.now() - timedelta(minutes=5)
    )
    callbacks.sweep()
    callbacks.sweep()
    row.refresh_from_db()
    assert row.told_at is not None and len(mailoutbox) == 1
