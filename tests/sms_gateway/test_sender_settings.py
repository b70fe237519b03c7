"""The copy of each sender's settings in Redis (senders.py): with it complete, a question
is answered without touching the database, and what a farmer changed (LANG, a home
market set by an operator, the markets asked about last) is what the next reply uses.
Against a real Redis (AGRIPRICES_TEST_REDIS_URL), through the signed webhook."""

import pytest
import redis
from django.core.management import call_command

from agriprices import services as prices
from sms_gateway import replies, senders, services, store
from sms_gateway.models import Subscriber
from tests import factories
from tests.sms_gateway.conftest import CLOSED, FARMER, REDIS_URL
from tests.sms_gateway.test_webhook import params, reply_of, twilio_post

pytestmark = [pytest.mark.django_db, pytest.mark.redis]


@pytest.fixture
def two_prices(a_price, potatoes, bishkek):
    factories.QuoteFactory(
        commodity=potatoes, market=bishkek, price=25, observed_on=a_price.observed_on
    )
    prices.rebuild_latest_prices()
    return bishkek


@pytest.fixture
def complete(sms_redis, unflushed):
    """The copy built, as beat leaves it."""
    senders.keep()
    assert sms_redis.exists(senders.COMPLETE)
    return sms_redis


def ask(client, body, sid, sender=FARMER):
    return reply_of(twilio_post(client, params(body=body, sid=sid, sender=sender)))


def test_with_the_copy_complete_a_question_reads_nothing_from_the_database(
    client, complete, a_price, django_assert_num_queries
):
    # Computed once per process for each (question, settings): the first from a number
    # with no markets yet, the second from one that asked about Osh.
    ask(client, "POTATOES OSH", "SMc0")
    ask(client, "POTATOES OSH", "SMc1")
    with django_assert_num_queries(0):
        assert ask(client, "POTATOES OSH", "SMc2").startswith("Potatoes Osh: 18 KGS/kg")


def test_a_crop_alone_follows_the_market_just_asked_before_the_database_knows_it(
    client, complete, two_prices
):
    assert ask(client, "POTATOES", "SMr0").startswith("Potatoes (KGS): Bishkek")
    ask(client, "POTATOES OSH", "SMr1")
    assert not Subscriber.objects.exists()  # the worker has not written it yet
    reply = ask(client, "POTATOES", "SMr2")
    assert reply.startswith("Potatoes (KGS): Osh") and "Bishkek" not in reply


def test_lang_changes_the_language_of_questions_answered_from_memory(
    client, complete, a_price, django_capture_on_commit_callbacks
):
    assert ask(client, "HELP", "SMl0") == replies.help_reply(language="en")
    with django_capture_on_commit_callbacks(execute=True):
        assert ask(client, "LANG RU", "SMl1") == "Теперь ответы на русском."
    assert ask(client, "HELP", "SMl2") == replies.help_reply(language="ru")
    assert senders.read(complete, FARMER).language == "ru"


def test_a_home_market_set_by_an_operator_is_used_at_once(
    client, complete, two_prices, django_capture_on_commit_callbacks
):
    subscriber = Subscriber.objects.create(phone=FARMER)
    with django_capture_on_commit_callbacks(execute=True):
        subscriber.home_market = two_prices
        subscriber.save()
    reply = ask(client, "POTATOES", "SMh1")
    assert reply.startswith("Potatoes (KGS): Bishkek") and "Osh" not in reply


def test_a_deleted_subscriber_is_forgotten(
    client, complete, a_price, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        subscriber = Subscriber.objects.create(phone=FARMER, language="ru")
    assert senders.read(complete, FARMER).language == "ru"
    with django_capture_on_commit_callbacks(execute=True):
        subscriber.delete()
    assert senders.read(complete, FARMER) == senders.Settings(FARMER, "", None, ())
    assert ask(client, "POTATOES OSH", "SMd1").startswith("Potatoes Osh")


def test_a_change_made_while_redis_was_away_is_written_when_it_is_back(
    client, complete, a_price, settings, django_capture_on_commit_callbacks
):
    subscriber = Subscriber.objects.create(phone=FARMER)
    settings.SMS_REDIS_URL = CLOSED
    with django_capture_on_commit_callbacks(execute=True):
        subscriber.language = "ky"
        subscriber.save(update_fields=["language"])
    assert Subscriber.objects.get().settings_stale
    settings.SMS_REDIS_URL = REDIS_URL
    store._down_until["at"] = 0.0
    assert senders.read(complete, FARMER).language == ""  # the copy is behind ...
    assert senders.keep() == {"stale": 1, "loaded": 0}  # ... until beat's next run
    assert senders.read(complete, FARMER).language == "ky"
    assert not Subscriber.objects.get().settings_stale


def test_an_emptied_redis_falls_back_to_the_database_and_asks_for_a_rebuild(
    client, sms_redis, unflushed, a_price, monkeypatch
):
    Subscriber.objects.create(phone=FARMER, language="ru")
    senders.keep()
    sms_redis.flushdb()
    asked = []
    monkeypatch.setattr(senders, "publish", lambda task: asked.append(task.name))
    assert ask(client, "HELP", "SMe1") == replies.help_reply(language="ru")  # from the database
    assert ask(client, "HELP", "SMe2") == replies.help_reply(language="ru")
    assert asked == ["sms_gateway.tasks.keep_sender_settings"]  # once, not per message
    assert senders.keep()["loaded"] == 1
    assert senders.read(sms_redis, FARMER).language == "ru"


def test_a_rebuild_drops_numbers_deleted_behind_its_back(sms_redis, db):
    Subscriber.objects.create(phone=FARMER, language="ru")
    senders.keep()
    Subscriber.objects.all()._raw_delete(Subscriber.objects.db)  # SQL, no signals
    senders.drop("test")
    senders.keep()
    assert senders.read(sms_redis, FARMER).language == ""


def test_a_change_committed_during_a_rebuild_is_not_overwritten_by_it(sms_redis, db, monkeypatch):
    subscriber = Subscriber.objects.create(phone=FARMER, language="ru")
    original = senders._set
    state = {"first": True}

    def interleaved(client, rows):
        rows = list(rows)  # the load read the row: language "ru"
        if state.pop("first", False):
            # Another process commits LANG KY and writes it, before the load writes.
            Subscriber.objects.filter(pk=subscriber.pk).update(language="ky")
            senders._write(["set", FARMER, "l", "ky"])
        return original(client, rows)

    monkeypatch.setattr(senders, "_set", interleaved)
    assert senders.keep()["loaded"] == 1
    assert senders.read(sms_redis, FARMER).language == "ky"


def test_a_restored_database_and_a_deleted_market_drop_the_copy(
    sms_redis, db, tmp_path, django_capture_on_commit_callbacks, bishkek
):
    senders.keep()
    fixture = tmp_path / "subscribers.json"
    fixture.write_text(
        '[{"model": "sms_gateway.subscriber", "pk": 7, '
        '"fields": {"phone": "+996555000777", "language": "ky", "created_at": '
        '"2026-01-01T00:00:00Z"}}]'
    )
    with django_capture_on_commit_callbacks(execute=True):
        call_command("loaddata", str(fixture), verbosity=0)
    assert senders.read(sms_redis, "+996555000777") is None  # not trusted until rebuilt
    senders.keep()
    assert senders.read(sms_redis, "+996555000777").language == "ky"
    with django_capture_on_commit_callbacks(execute=True):
        bishkek.delete()
    assert not sms_redis.exists(senders.COMPLETE)


def test_an_operator_cannot_move_a_subscriber_to_another_number(admin_client, db):
    subscriber = Subscriber.objects.create(phone=FARMER, language="ru")
    page = admin_client.get(f"/admin/sms_gateway/subscriber/{subscriber.pk}/change/")
    assert page.status_code == 200
    assert b'name="phone"' not in page.content and b'name="language"' in page.content


def test_the_three_markets_asked_about_last_are_kept_newest_first(
    client, complete, a_price, potatoes
):
    markets = [factories.MarketFactory(name=name) for name in ("Naryn", "Talas", "Karakol")]
    for market in markets:
        factories.QuoteFactory(commodity=potatoes, market=market, price=20)
    prices.rebuild_latest_prices()
    for n, name in enumerate(["OSH", "NARYN", "TALAS", "NARYN", "KARAKOL"]):
        ask(client, f"POTATOES {name}", f"SMm{n}")
    naryn, talas, karakol = (m.pk for m in markets)
    assert senders.read(complete, FARMER).recent_markets == (karakol, naryn, talas)
    reply = ask(client, "POTATOES", "SMm9")
    assert reply.startswith("Potatoes (KGS): Karakol") and "Osh" not in reply
    services.flush_journal()
    assert Subscriber.objects.get(phone=FARMER).recent_markets == [karakol, naryn, talas]


def test_a_rebuild_that_fails_half_way_lets_the_next_one_run(sms_redis, db, monkeypatch):
    Subscriber.objects.create(phone=FARMER, language="ru")

    def broken(client, rows):
        raise redis.ConnectionError("Redis went away mid-load")

    monkeypatch.setattr(senders, "_set", broken)
    with pytest.raises(redis.ConnectionError):
        senders.keep()
    assert not sms_redis.exists(senders.COMPLETE)
    monkeypatch.undo()
    assert senders.keep()["loaded"] == 1  # not locked out for LOAD_SECONDS
    assert senders.read(sms_redis, FARMER).language == "ru"
