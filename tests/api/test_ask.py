"""GET /api/v1/ask/: a question in free text, understood and answered as by SMS."""

from decimal import Decimal

import pytest

from agriprices.selectors.latest import latest_price
from sms_gateway.models import InboundMessage, Subscriber

pytestmark = pytest.mark.django_db


def test_a_question_is_understood_and_answered_with_the_latest_price(api, prices):
    body = api.get("/api/v1/ask/", {"q": "сколько стоит картошка в Оше?"}).json()
    understood = body["understood"]
    assert (understood["commodity"]["slug"], understood["market"]["slug"]) == ("potatoes", "osh")
    assert (understood["action"], understood["sure"], understood["unmatched"]) == (
        "query",
        True,
        "",
    )
    latest = latest_price(commodity=prices["potatoes"], market=prices["osh"])
    assert body["answer"]["kind"] == "price"
    assert Decimal(body["answer"]["latest"]["price"]) == latest.price
    assert body["answer"]["cheaper"] is None  # Osh is the cheapest
    assert body["answer"]["dearer"]["market"]["slug"] == "naryn"
    # In Russian, naming what was understood (these names have no Russian translation).
    assert body["text"].startswith("Potatoes Osh:") and "нед." in body["text"]


def test_the_answer_language_may_be_chosen(api, prices):
    body = api.get("/api/v1/ask/", {"q": "potatoes osh", "lang": "fr"}).json()
    assert body["understood"]["language"] == "fr"
    assert "Moins cher" not in body["text"] and "Plus cher" in body["text"]


def test_words_that_name_nothing_are_said_with_close_names(api, prices):
    body = api.get("/api/v1/ask/", {"q": "potatos narin"}).json()  # typos: read, marked unsure
    assert body["understood"]["market"]["slug"] == "naryn"
    assert body["understood"]["sure"] is False
    body = api.get("/api/v1/ask/", {"q": "tractor osh"}).json()
    assert body["answer"] == {"kind": "not_found", "words": "tractor", "suggestions": []}


@pytest.mark.parametrize("q", ["STOP", "SUB POTATO OSH", "LANG RU", "P POTATO OSH 18 1234"])
def test_only_questions_are_answered_and_nothing_changes(api, prices, q):
    response = api.get("/api/v1/ask/", {"q": q})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "q"
    assert not Subscriber.objects.exists() and not InboundMessage.objects.exists()


@pytest.mark.parametrize("query", [{}, {"q": ""}, {"q": "x" * 481}, {"q": "osh", "lang": "de"}])
def test_a_bad_question_is_refused_naming_the_parameter(api, prices, query):
    response = api.get("/api/v1/ask/", query)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] in {"q", "lang"}


def test_the_endpoint_is_in_the_openapi_schema(api):
    schema = api.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    parameters = {p["name"] for p in schema["paths"]["/api/v1/ask/"]["get"]["parameters"]}
    assert {"q", "lang"} <= parameters


def test_a_command_the_core_says_only_reads_is_answered_with_its_json(api, prices, monkeypatch):
    """Which commands the endpoint answers is the core's word, not a list of its own:
    a command the core marks read-only (here LANG made one that only says which language
    it would choose) is answered, and whatever it answers has a JSON form."""
    from sms_gateway.conversation import acting, answers

    def say_only(request, subscriber, asked):
        return answers.LanguageChosen(request.command.set_language)

    monkeypatch.setitem(acting.COMMANDS, "lang", acting.Command(say_only, reads_only=True))
    body = api.get("/api/v1/ask/", {"q": "LANG FR"})
    assert body.status_code == 200
    assert body.json()["answer"] == {"kind": "language_chosen", "language": "fr"}


def test_every_answer_has_a_json_form():
    """The JSON rendering covers every answer the core gives (mypy's assert_never checks
    the same statically)."""
    from typing import get_args

    from sms_gateway.api import as_json
    from sms_gateway.conversation import answers

    kinds = {kind.__name__ for kind in get_args(answers.Answer)}
    assert {"OptedOut", "OptedIn", "Limited", "LanguageChosen"} <= kinds
    for simple in (answers.OptedOut(), answers.OptedIn(), answers.Limited()):
        assert as_json(simple, "en")["kind"] in {"opted_out", "opted_in", "limited"}
