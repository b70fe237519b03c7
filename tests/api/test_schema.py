"""The OpenAPI document is valid and true: schemathesis sends generated requests to every
operation over the demo data and checks each answer against the schema."""

import io
import os

import pytest
import schemathesis
from django.core import signals
from django.core.management import call_command
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from tests.profiles import examples


def test_the_schema_endpoint_serves_the_document_tested_here(client, db):
    served = client.get("/api/v1/schema/?format=json")
    assert served.status_code == 200
    assert served.json() == _our_schema()


def test_schema_is_valid_openapi_3_and_names_every_endpoint():
    out = io.StringIO()
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", stdout=out
    )
    import json

    schema = json.loads(out.getvalue())
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) == {
        "/api/v1/commodities/",
        "/api/v1/commodities/{ref}/",
        "/api/v1/markets/",
        "/api/v1/markets/{ref}/",
        "/api/v1/regions/",
        "/api/v1/quotes/",
        "/api/v1/quotes/{id}/review/",
        "/api/v1/prices/latest/",
        "/api/v1/prices/series/",
        "/api/v1/prices/warnings/",
        "/api/v1/collection/",
        "/api/v1/collection/history/",
        "/api/v1/bulletins/",
        "/api/v1/ask/",
    }
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary"), f"{method} {path} has no summary"
            assert "400" in operation["responses"] or path.endswith("}/"), f"{method} {path}"


@pytest.mark.django_db
def test_the_docs_page_renders_from_our_own_assets(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    assert b"/static/drf_spectacular_sidecar/swagger-ui-dist/" in page.content
    assert b"<script>" not in page.content  # no inline script: a strict CSP can hold


def _our_schema() -> dict:
    """The document /api/v1/schema/ serves, built without a request or a database."""
    import json

    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(public=True)))


schema = schemathesis.openapi.from_dict(_our_schema())
schema.app = application


@pytest.fixture
def wsgi_requests(db, settings):
    """Requests go through the real WSGI handler, as from a client."""
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"read": "100000/min", "write": "100000/min"},
    }
    # The handler closes database connections around each request; inside the test's
    # transaction that must not happen (Django's own test client disconnects the same).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def admin_token(db):
    call_command("seed_demo", "--force", "--days", "21", stdout=io.StringIO(), stderr=io.StringIO())
    from django.contrib.auth import get_user_model

    token, _ = Token.objects.get_or_create(user=get_user_model().objects.get(username="admin"))
    return token.key


@schema.parametrize()
@settings(
    # CI runs 40 per operation; `make fuzz` or AGRIPRICES_API_EXAMPLES=400 hunt harder.
    max_examples=examples(int(os.environ.get("AGRIPRICES_API_EXAMPLES", "40"))),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_answers_as_documented_and_never_500(case, wsgi_requests, admin_token):
    case.call_and_validate(
        # The WSGI transport asks for gzip but does not inflate; gzip is tested elsewhere.
        headers={"Authorization": f"Token {admin_token}", "Accept-Encoding": "identity"},
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
