"""The shared cache of price answers: what a cached answer keeps, and readers who ask
for the same answer at the same moment."""

import threading
import time
from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory

from agriprices.api import caching
from tests.test_counters import redis_cache  # noqa: F401  # a fixture

LAST_CHANGE = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


class Counted(caching.PricesChangeMixin):
    """An answer that counts how often it is made; it may be held open by ``release``."""

    authentication_classes: list = []
    throttle_classes: list = []
    made: list[str] = []
    release = threading.Event()
    entered = threading.Event()
    refuse = False

    @caching.cached_until_prices_change
    def get(self, request):
        Counted.made.append(threading.current_thread().name)
        Counted.entered.set()
        Counted.release.wait(20)
        if Counted.refuse:
            raise ValidationError({"week": "not a week"})
        return Response({"made": len(Counted.made)})


@pytest.fixture
def counted(monkeypatch):
    monkeypatch.setattr(caching, "answers_last_changed", lambda: LAST_CHANGE)
    Counted.made = []
    Counted.release = threading.Event()
    Counted.entered = threading.Event()
    Counted.refuse = False
    cache.clear()
    yield Counted
    Counted.release.set()
    cache.clear()


def ask(path="/api/v1/counted/?week=2026-W49"):
    response = Counted.as_view()(APIRequestFactory().get(path))
    response.render() if hasattr(response, "render") else None
    return response


def two_readers_at_once():
    """The first reader is still counting when the second asks; both answers."""
    answers = {}

    def reader(name):
        answers[name] = ask()

    first = threading.Thread(target=reader, args=("first",), name="first")
    first.start()
    assert Counted.entered.wait(10)
    second = threading.Thread(target=reader, args=("second",), name="second")
    second.start()
    time.sleep(0.5)  # the second reader has asked and found nothing kept yet
    Counted.release.set()
    first.join(20)
    second.join(20)
    return answers


@pytest.mark.parametrize("backend", ["locmem", "redis"])
def test_readers_asking_at_once_wait_for_the_one_counting(counted, backend, request):
    if backend == "redis":
        request.getfixturevalue("redis_cache")
    answers = two_readers_at_once()
    assert counted.made == ["first"]
    assert answers["first"].content == answers["second"].content == b'{"made":1}'
    assert answers["second"].status_code == 200


def test_a_reader_counts_it_himself_when_the_first_one_was_refused(counted):
    counted.refuse = True
    answers = two_readers_at_once()
    assert answers["first"].status_code == answers["second"].status_code == 400
    assert counted.made == ["first", "second"]


def test_a_reader_after_a_refused_one_does_not_wait(counted, monkeypatch):
    counted.refuse = True
    counted.release.set()
    assert ask().status_code == 400

    def waited(seconds):
        raise AssertionError("waited for a reader who had given up")

    monkeypatch.setattr(caching, "sleep", waited)
    counted.refuse = False
    assert ask().status_code == 200
    assert counted.made == ["MainThread", "MainThread"]


def test_a_reader_does_not_wait_while_the_cache_is_unreachable(counted, settings, monkeypatch):
    settings.CACHES = {
        "default": {"BACKEND": "config.cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    monkeypatch.setattr(caching, "sleep", lambda s: pytest.fail("waited for nothing"))
    counted.release.set()
    assert ask().status_code == 200
    assert ask().status_code == 200
    assert len(counted.made) == 2


def test_the_same_question_with_its_parameters_in_another_order_is_answered_from_the_cache(
    counted,
):
    counted.release.set()
    first = ask("/api/v1/counted/?week=2026-W49&region=osh&market=a&market=b")
    again = ask("/api/v1/counted/?market=a&region=osh&week=2026-W49&market=b")
    assert first.content == again.content and len(counted.made) == 1
    # Markets in another order may be another answer (its order): it is counted anew.
    ask("/api/v1/counted/?market=b&market=a&region=osh&week=2026-W49")
    assert len(counted.made) == 2
