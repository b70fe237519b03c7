"""GET /api/v1/bulletins/: what the pages show, as JSON."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests import factories
from tests.factories import RegionFactory

pytestmark = pytest.mark.django_db


def bulletin(title, regions, **fields):
    made = factories.BulletinFactory(
        title=title,
        body="text",
        category=fields.pop("category", "weather"),
        language=fields.pop("language", "en"),
        published_at=fields.pop("published_at", timezone.now()),
        **fields,
    )
    made.regions.set(regions)
    return made


def test_current_bulletins_newest_first_filtered_by_region_and_category(client):
    osh, chui = RegionFactory(name="Osh"), RegionFactory(name="Chui")
    bulletin("Old frost", [osh], published_at=timezone.now() - timedelta(days=2))
    bulletin("Locusts", [osh, chui], category="pests")
    bulletin("Draft", [osh], published_at=None)
    bulletin("Gone", [osh], expires_on=timezone.localdate() - timedelta(days=1))
    rows = client.get("/api/v1/bulletins/").json()["results"]
    assert [r["title"] for r in rows] == ["Locusts", "Old frost"]
    assert {r["slug"] for r in rows[0]["regions"]} == {osh.slug, chui.slug}
    chui_only = client.get(f"/api/v1/bulletins/?region={chui.slug}").json()["results"]
    assert [r["title"] for r in chui_only] == ["Locusts"]
    pests = client.get("/api/v1/bulletins/?category=pests").json()["results"]
    assert [r["title"] for r in pests] == ["Locusts"]


@pytest.mark.parametrize(
    ("query", "field"), [("region=atlantis", "region"), ("colour=red", "colour")]
)
def test_bad_bulletin_filters_are_named(client, query, field):
    answer = client.get(f"/api/v1/bulletins/?{query}")
    assert answer.status_code == 400
    assert [e["field"] for e in answer.json()["errors"]] == [field]


def test_bulletins_as_csv_name_their_regions_and_state_the_row_limit(client):
    import csv
    import io

    osh, chui = RegionFactory(name="Osh"), RegionFactory(name="Chui")
    bulletin("Locusts", [osh, chui], category="pests")
    response = client.get("/api/v1/bulletins/?format=csv")
    assert response["X-Row-Limit"] == "100000"
    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode())))
    assert [(r["title"], r["regions"]) for r in rows] == [("Locusts", "Chui; Osh")]
