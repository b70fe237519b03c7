import io

import pytest
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from agriprices.models import LatestPrice, Quote, QuoteEvent
from tests import factories

pytestmark = pytest.mark.django_db


def price_for(market, **extra):
    return {"commodity": "potatoes", "market": market, "unit": "kg", "price": "19.5", **extra}


@pytest.fixture
def people(prices, token_client):
    """Everyone who may knock: agents of Osh, an operator, an admin, a stranger."""
    agent = factories.agent(markets=[prices["osh"]], username="agent_osh")
    return {
        "anonymous": APIClient(),
        "agent": token_client(agent),
        "operator": token_client(factories.operator(username="op")),
        "admin": token_client(
            factories.UserFactory(username="root", is_superuser=True, is_staff=True)
        ),
        "no role": token_client(factories.UserFactory(username="nobody")),
    }


# who, what, market -> expected status. One row per cell, so a missing cell shows.
MATRIX = [
    ("anonymous", "record", "osh", 401),
    ("no role", "record", "osh", 403),
    ("agent", "record", "osh", 201),
    ("agent", "record", "bishkek", 403),  # agent of Osh writing for Bishkek
    ("operator", "record", "bishkek", 201),
    ("admin", "record", "naryn", 201),
    ("anonymous", "review", None, 401),
    ("no role", "review", None, 403),
    ("agent", "review", None, 403),
    ("operator", "review", None, 200),
    ("admin", "review", None, 200),
    ("anonymous", "read", None, 200),
    ("agent", "read", None, 200),
]


@pytest.mark.parametrize(("who", "action", "market", "expected"), MATRIX)
def test_permission_matrix(people, prices, who, action, market, expected):
    client = people[who]
    flagged = Quote.objects.get(status="flagged")
    before = (Quote.objects.count(), QuoteEvent.objects.count())
    if action == "record":
        response = client.post("/api/v1/quotes/", price_for(market), format="json")
    elif action == "review":
        response = client.post(
            f"/api/v1/quotes/{flagged.pk}/review/", {"decision": "approve"}, format="json"
        )
    else:
        response = client.get("/api/v1/quotes/")
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert response.json()["errors"][0]["message"]
        assert (Quote.objects.count(), QuoteEvent.objects.count()) == before


def test_an_agent_records_one_price_through_the_same_rules(people, prices, today):
    response = people["agent"].post("/api/v1/quotes/", price_for("Ош"), format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["market"]["slug"], body["status"], body["observed_on"]) == (
        "osh",
        "approved",
        today.isoformat(),
    )
    quote = Quote.objects.get(pk=body["id"])
    assert (quote.source, quote.agent.username) == ("api", "agent_osh")
    assert (
        LatestPrice.objects.get(commodity=prices["potatoes"], market=prices["osh"]).quote_id
        == quote.pk
    )


def test_an_outlier_sent_by_api_is_flagged_not_refused(people, prices):
    response = people["agent"].post("/api/v1/quotes/", price_for("osh", price="230"), format="json")
    assert response.status_code == 201
    assert response.json()["status"] == "flagged"
    assert "the recent median at Osh" in response.json()["status_reason"]


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"price": "0"}, 400, "price"),
        ({"price": "abc"}, 400, "price"),
        ({"price": "1.00001"}, 400, "price"),
        ({"unit": "l"}, 400, "unit"),
        ({"unit": "furlong"}, 400, "unit"),
        ({"commodity": "tractors"}, 400, "commodity"),
        ({"market": None}, 400, "market"),
        ({"observed_on": "2999-01-01"}, 400, "observed_on"),
        ({"observed_on": "yesterday"}, 400, "observed_on"),
        ({"price_type": "auction"}, 400, "price_type"),
        ({"currency": "dollars"}, 400, "currency"),
    ],
)
def test_a_bad_price_is_refused_naming_the_field(people, prices, change, status, field):
    before = Quote.objects.count()
    response = people["agent"].post(
        "/api/v1/quotes/", {**price_for("osh"), **change}, format="json"
    )
    assert response.status_code == status
    assert field in [e["field"] for e in response.json()["errors"]]
    assert Quote.objects.count() == before


def test_a_second_price_the_same_day_is_a_conflict(people, prices):
    assert (
        people["agent"].post("/api/v1/quotes/", price_for("osh"), format="json").status_code == 201
    )
    again = people["agent"].post("/api/v1/quotes/", price_for("osh", price="20"), format="json")
    assert again.status_code == 409
    assert again.json()["errors"][0]["code"] == "duplicate"


def test_a_retried_request_with_an_external_id_is_answered_not_doubled(people, prices):
    body = price_for("osh", external_id="phone-42")
    first = people["agent"].post("/api/v1/quotes/", body, format="json")
    retry = people["agent"].post("/api/v1/quotes/", body, format="json")
    assert (first.status_code, retry.status_code) == (201, 200)
    assert first.json()["id"] == retry.json()["id"]
    assert Quote.objects.filter(external_id="api:phone-42").count() == 1
    reused = people["agent"].post("/api/v1/quotes/", {**body, "price": "25"}, format="json")
    assert reused.status_code == 409 and reused.json()["errors"][0]["field"] == "external_id"


def test_a_batch_stores_the_good_items_and_explains_each_bad_one(people, prices):
    batch = [
        price_for("osh"),
        price_for("bishkek"),  # not this agent's market
        price_for("osh", commodity="onions", price="28"),
        price_for("osh", price="-1", commodity="onions"),
        "not an object",
        price_for("osh", commodity="onions", price="31", external_id="x1"),  # same day again
    ]
    response = people["agent"].post("/api/v1/quotes/", batch, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["unchanged"], body["rejected"]) == (2, 0, 4)
    assert [r["status"] for r in body["results"]] == [
        "created",
        "rejected",
        "created",
        "rejected",
        "rejected",
        "rejected",
    ]
    reasons = {r["index"]: r["errors"][0] for r in body["results"] if r["status"] == "rejected"}
    assert reasons[1]["field"] == "market" and "not assigned" in reasons[1]["message"]
    assert reasons[3]["field"] == "price"
    assert reasons[4]["message"] == "each price must be an object"
    assert reasons[5]["code"] == "duplicate"
    assert Quote.objects.filter(source="api").count() == 2


def test_a_batch_over_the_limit_or_empty_stores_nothing(people, prices, settings):
    settings.API_MAX_BATCH = 3
    response = people["agent"].post("/api/v1/quotes/", [price_for("osh")] * 4, format="json")
    assert response.status_code == 400
    assert "at most 3" in response.json()["errors"][0]["message"]
    assert people["agent"].post("/api/v1/quotes/", [], format="json").status_code == 400
    assert people["agent"].post("/api/v1/quotes/", "3", format="json").status_code == 400
    assert Quote.objects.filter(source="api").count() == 0


def test_operator_reviews_through_the_api(people, prices):
    flagged = Quote.objects.get(status="flagged")
    response = people["operator"].post(
        f"/api/v1/quotes/{flagged.pk}/review/",
        {"decision": "reject", "reason": "typo"},
        format="json",
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["status_reason"]) == ("rejected", "typo")
    no_reason = people["operator"].post(
        f"/api/v1/quotes/{flagged.pk}/review/", {"decision": "approve", "reason": ""}, format="json"
    )
    assert no_reason.status_code == 200
    again = people["operator"].post(
        f"/api/v1/quotes/{flagged.pk}/review/", {"decision": "approve"}, format="json"
    )
    assert again.status_code == 409
    missing = people["operator"].post(
        "/api/v1/quotes/999999/review/", {"decision": "approve"}, format="json"
    )
    assert missing.status_code == 404
    reasonless = people["operator"].post(
        f"/api/v1/quotes/{flagged.pk}/review/", {"decision": "reject"}, format="json"
    )
    assert reasonless.status_code == 400 and reasonless.json()["errors"][0]["field"] == "reason"


def test_writes_are_throttled_per_token(people, prices, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"read": "100/min", "write": "2/min"},
    }
    codes = [
        people["agent"]
        .post("/api/v1/quotes/", price_for("osh", commodity="onions"), format="json")
        .status_code
        for _ in range(3)
    ]
    assert codes[2] == 429
    assert (
        people["operator"].post("/api/v1/quotes/", price_for("naryn"), format="json").status_code
        == 201
    )


def test_api_token_command_issues_rotates_and_revokes(prices):
    user = factories.agent(markets=[prices["osh"]], username="field1")
    out = io.StringIO()
    call_command("api_token", "field1", stdout=out, stderr=io.StringIO())
    key = out.getvalue().strip()
    assert Token.objects.get(user=user).key == key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.post("/api/v1/quotes/", price_for("osh"), format="json").status_code == 201
    out = io.StringIO()
    call_command("api_token", "field1", "--rotate", stdout=out, stderr=io.StringIO())
    assert out.getvalue().strip() != key
    assert (
        client.post(
            "/api/v1/quotes/", price_for("osh", commodity="onions"), format="json"
        ).status_code
        == 401
    )
    call_command("api_token", "field1", "--revoke", stdout=io.StringIO())
    assert not Token.objects.filter(user=user).exists()
    with pytest.raises(CommandError, match="no user"):
        call_command("api_token", "ghost", stdout=io.StringIO())


def test_tokens_are_issued_and_revoked_in_the_admin(admin_client, prices):
    user = factories.agent(markets=[prices["osh"]], username="field2")
    added = admin_client.post("/admin/authtoken/tokenproxy/add/", {"user": user.pk})
    assert added.status_code == 302
    assert Token.objects.filter(user=user).exists()
    listing = admin_client.get("/admin/authtoken/tokenproxy/")
    assert "field2" in listing.content.decode()
    admin_client.post(f"/admin/authtoken/tokenproxy/{user.pk}/delete/", {"post": "yes"})
    assert not Token.objects.filter(user=user).exists()
