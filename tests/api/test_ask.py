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
