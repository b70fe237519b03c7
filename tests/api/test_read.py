import csv
import gzip
import io
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone
from django.utils.http import http_date

from agriprices.models import Quote
from agriprices.services.series import rebuild_latest_prices
from tests import factories

pytestmark = pytest.mark.django_db


def get(api, path, **params):
    return api.get(f"{path}?{urlencode(params)}" if params else path)


@pytest.mark.parametrize("ref", ["potatoes", "Potatoes", "картошка", "КАРТОШКА"])
def test_commodity_by_slug_name_or_alias(api, prices, ref):
    response = api.get(f"/api/v1/commodities/{ref}/")
    assert response.status_code == 200
    assert response.json()["slug"] == "potatoes"


@pytest.mark.parametrize("ref", ["¹", "٣", "99999999999999999999999", "x\x00"])
def test_odd_names_are_unknown_not_errors(api, prices, ref):
    # Found by schemathesis: "¹".isdigit() is true but int("¹") fails.
    response = get(api, "/api/v1/quotes/", commodity=ref, region=ref)
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"commodity", "region"}


def test_commodity_by_id_and_unknown_name(api, prices):
    assert api.get(f"/api/v1/commodities/{prices['potatoes'].pk}/").json()["name"] == "Potatoes"
    response = api.get("/api/v1/commodities/tractors/")
    assert response.status_code == 404
    assert response.json() == {
        "errors": [
            {"field": None, "message": "no commodity called 'tractors'", "code": "not_found"}
        ]
    }


def test_commodity_list_with_names_search_and_category(api, prices):
    rows = api.get("/api/v1/commodities/").json()["results"]
    assert [r["name"] for r in rows] == ["Onions", "Potatoes"]
    potatoes = rows[1]
    assert potatoes["aliases"] == ["картошка"] and potatoes["base_unit"] == "kg"
    found = get(api, "/api/v1/commodities/", search="potatos").json()["results"]
    assert [r["name"] for r in found] == ["Potatoes"]
    veg = get(api, "/api/v1/commodities/", category="Vegetables and fruits").json()["results"]
    assert [r["name"] for r in veg] == ["Onions"]


def test_markets_by_region_and_nearest_first(api, prices):
    osh = prices["osh"]
    rows = get(api, "/api/v1/markets/", region=osh.region.slug).json()["results"]
    assert [r["name"] for r in rows] == ["Osh"]
    near = get(api, "/api/v1/markets/", near="40.6,72.9").json()["results"]
    assert [r["name"] for r in near] == ["Osh", "Bishkek"]  # Naryn has no position
    assert near[0]["distance_km"] == 11.7  # 7.97 km north, 8.57 km east
    close = get(api, "/api/v1/markets/", near="40.6,72.9", within_km=100).json()["results"]
    assert [r["name"] for r in close] == ["Osh"]
    assert get(api, "/api/v1/markets/").json()["results"][0]["distance_km"] is None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"near": "91,10"}, "near"),
        ({"near": "abc"}, "near"),
        ({"within_km": "5"}, "within_km"),
        ({"region": "atlantis"}, "region"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_market_parameters_name_the_parameter(api, prices, params, field):
    response = get(api, "/api/v1/markets/", **params)
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_quotes_are_approved_newest_first_and_filterable_by_any_name(api, prices, days_ago):
    rows = get(api, "/api/v1/quotes/", commodity="картошка", market="Ош").json()["results"]
    assert len(rows) == 6  # the flagged 180 is not listed
    assert [r["observed_on"] for r in rows] == sorted(
        (r["observed_on"] for r in rows), reverse=True
    )
    assert {(r["commodity"]["slug"], r["market"]["slug"], r["status"]) for r in rows} == {
        ("potatoes", "osh", "approved")
    }
    since = get(
        api, "/api/v1/quotes/", market="osh", observed_after=days_ago(14).isoformat()
    ).json()["results"]
    assert len(since) == 4 and all(r["observed_on"] >= days_ago(14).isoformat() for r in since)
    by_region = get(api, "/api/v1/quotes/", region=prices["naryn"].region.slug).json()["results"]
    assert {r["market"]["name"] for r in by_region} == {"Naryn"}


@pytest.mark.parametrize("name", ["Нарынская область", "нарын облусу", "  НАРЫН ОБЛУСУ "])
def test_a_region_may_be_named_in_any_language(api, prices, name):
    region = prices["naryn"].region
    region.translations = {"ru": "Нарынская область", "ky": "Нарын облусу"}
    region.save()
    factories.RegionFactory(name="Other", translations={"ru": "Другая"})
    for path, crop in [
        ("/api/v1/quotes/", {"commodity": "potatoes"}),
        ("/api/v1/markets/", {}),
        ("/api/v1/prices/latest/", {"commodity": "potatoes"}),
    ]:
        body = get(api, path, region=name, **crop).json()
        rows = body["results"] if isinstance(body, dict) else body
        assert rows and {r.get("market", r).get("name") for r in rows} == {"Naryn"}, path
    unknown = get(api, "/api/v1/quotes/", region="Нарынская")
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["field"] == "region"


def test_quotes_ordering_and_cursor_pages_cover_everything_once(api, prices):
    seen, url = [], "/api/v1/quotes/?page_size=5&ordering=price_per_base_unit"
    while url:
        body = api.get(url).json()
        seen += body["results"]
        url = body["next"]
    assert len(seen) == Quote.objects.filter(status="approved").count() == 36
    assert len({r["id"] for r in seen}) == 36
    values = [float(r["price_per_base_unit"]) for r in seen]
    assert values == sorted(values)


def test_only_operators_list_flagged_prices(api, prices, operator):
    assert get(api, "/api/v1/quotes/", status="flagged").status_code == 403
    api.force_authenticate(operator)
    rows = get(api, "/api/v1/quotes/", status="flagged").json()["results"]
    assert [r["price"] for r in rows] == ["180.0000"]


def test_latest_per_market_cheapest_first_with_changes(api, prices):
    rows = get(api, "/api/v1/prices/latest/", commodity="potatoes").json()
    assert [(r["market"]["name"], r["price"]) for r in rows] == [
        ("Osh", "23.0000"),
        ("Bishkek", "25.0000"),
        ("Naryn", "27.0000"),
    ]
    assert rows[0]["change_week_pct"] == "4.5"  # 23 against 22 a week before
    assert rows[0]["change_month_pct"] == "21.1"  # 23 against 19 four weeks before


def test_latest_per_commodity_at_a_market(api, prices):
    rows = get(api, "/api/v1/prices/latest/", market="osh").json()
    assert [r["commodity"]["name"] for r in rows] == ["Onions", "Potatoes"]


def test_latest_needs_a_commodity_or_a_market(api, prices):
    response = api.get("/api/v1/prices/latest/")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "commodity"


def test_latest_query_count_does_not_grow_with_markets(api, prices, django_assert_num_queries):
    # Last-Modified, the commodity named, the rows: for 3 markets now and 13 below.
    with django_assert_num_queries(3):
        api.get("/api/v1/prices/latest/?commodity=potatoes")
    for n in range(10):
        market = factories.MarketFactory(name=f"Extra {n}")
        factories.QuoteFactory(commodity=prices["potatoes"], market=market)
    from agriprices.services.series import rebuild_latest_prices

    rebuild_latest_prices()
    with django_assert_num_queries(3):
        assert len(api.get("/api/v1/prices/latest/?commodity=potatoes").json()) == 13


def test_series_weekly_medians_per_market(api, prices, days_ago):
    body = get(
        api,
        "/api/v1/prices/series/",
        commodity="potatoes",
        market="osh,Bishkek",
        start=days_ago(50).isoformat(),
    ).json()
    assert body["base_unit"] == "kg" and body["period"] == "week"
    assert [s["market"]["name"] for s in body["series"]] == ["Bishkek", "Osh"]
    osh_points = body["series"][1]["points"]
    assert [p["median"] for p in osh_points] == [
        "18.0000",
        "19.0000",
        "20.0000",
        "21.0000",
        "22.0000",
        "23.0000",
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "commodity"),
        ({"commodity": "potatoes", "markets": "osh,atlantis"}, "markets"),
        ({"commodity": "potatoes", "period": "fortnight"}, "period"),
        ({"commodity": "potatoes", "start": "2026-02-30"}, "start"),
        ({"commodity": "potatoes", "start": "0001-01-01"}, "start"),
        # Digits of other scripts read as a date by Django's parser: ASCII only.
        ({"commodity": "potatoes", "start": "２０２６-01-01"}, "start"),
        ({"commodity": "potatoes", "end": "٢٠٢٦-01-01"}, "end"),
        # ISO's basic and week forms, which Python 3.11's date.fromisoformat reads.
        ({"commodity": "potatoes", "start": "20260101"}, "start"),
        ({"commodity": "potatoes", "end": "2026-W01-4"}, "end"),
        ({"commodity": "potatoes", "start": "2020-01-01", "end": "2026-01-01"}, "start"),
        ({"commodity": "potatoes", "start": "2026-05-01", "end": "2026-04-01"}, "start"),
    ],
)
def test_bad_series_parameters_name_the_parameter(api, prices, params, field):
    response = get(api, "/api/v1/prices/series/", **params)
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]


LISTS = [
    ("/api/v1/commodities/", {}),
    ("/api/v1/markets/", {"near": "40.6,72.9"}),
    ("/api/v1/regions/", {}),
    ("/api/v1/quotes/", {"market": "osh"}),
    ("/api/v1/prices/latest/", {"commodity": "potatoes"}),
]


def _flat(row, prefix=""):
    out = {}
    for key, value in row.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}."))
        elif isinstance(value, list):
            out[f"{prefix}{key}"] = "; ".join(map(str, value))
        else:
            out[f"{prefix}{key}"] = "" if value is None else str(value)
    return out


@pytest.mark.parametrize(("path", "params"), LISTS, ids=[p for p, _ in LISTS])
def test_csv_has_the_same_rows_as_json(api, prices, path, params):
    body = get(api, path, **params).json()
    rows = body["results"] if isinstance(body, dict) else body
    response = get(api, path, **params, format="csv")
    assert response["Content-Type"].startswith("text/csv")
    reader = csv.DictReader(io.StringIO(response.getvalue().decode()))
    parsed = list(reader)
    # One header for every row: a name per language has its column even where empty.
    assert all(set(_flat(r)) <= set(reader.fieldnames) for r in rows)
    assert parsed == [{c: _flat(r).get(c, "") for c in reader.fieldnames} for r in rows]


def test_series_as_csv_is_one_row_per_market_and_week(api, prices, days_ago):
    response = get(
        api,
        "/api/v1/prices/series/",
        commodity="potatoes",
        start=days_ago(50).isoformat(),
        format="csv",
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 18 and set(rows[0]) == {
        "market",
        "period_start",
        "median",
        "low",
        "high",
        "count",
    }


def test_unchanged_answers_revalidate_to_304(api, prices, monkeypatch):
    real = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real() + timedelta(seconds=2))  # see below
    first = api.get("/api/v1/prices/latest/?commodity=potatoes")
    assert first["ETag"] and first["Last-Modified"]
    again = api.get("/api/v1/prices/latest/?commodity=potatoes", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    since = api.get(
        "/api/v1/prices/latest/?commodity=potatoes", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]
    )
    assert since.status_code == 304


def test_a_change_in_the_same_second_is_never_answered_not_modified(api, prices, monkeypatch):
    """An HTTP date counts whole seconds, and prices come in faster than that on a busy
    day: a client that revalidates what it holds by its date must get the new answer,
    however soon after the last change it asked."""
    second = timezone.now().replace(microsecond=0) + timedelta(seconds=5)
    clock = {"now": second + timedelta(milliseconds=200)}
    monkeypatch.setattr(timezone, "now", lambda: clock["now"])
    factories.QuoteFactory(commodity=prices["potatoes"], market=prices["osh"], price=30)
    rebuild_latest_prices()
    clock["now"] = second + timedelta(milliseconds=300)
    url = "/api/v1/prices/latest/?commodity=potatoes"
    first = api.get(url)
    clock["now"] = second + timedelta(milliseconds=700)
    factories.QuoteFactory(commodity=prices["potatoes"], market=prices["osh"], price=31)
    rebuild_latest_prices()
    clock["now"] = second + timedelta(milliseconds=800)
    # Revalidated by date alone, as curl -z and many sync scripts do.
    validators = (
        {"HTTP_IF_MODIFIED_SINCE": first["Last-Modified"]}
        if first.has_header("Last-Modified")
        else {}
    )
    again = api.get(url, **validators)
    assert again.status_code == 200 and again.content != first.content
    # Once the second is over, the answer says when it changed; asked again with only
    # that date (curl -z, many sync scripts), a change later is never missed.
    clock["now"] = second + timedelta(seconds=2)
    settled = api.get(url)
    assert settled["Last-Modified"] == http_date(second.timestamp())
    clock["now"] = second + timedelta(seconds=2, milliseconds=500)
    factories.QuoteFactory(commodity=prices["potatoes"], market=prices["osh"], price=32)
    rebuild_latest_prices()
    later = api.get(url, HTTP_IF_MODIFIED_SINCE=settled["Last-Modified"])
    assert later.status_code == 200


def test_no_date_is_said_for_an_answer_read_in_the_second_of_a_change(api, prices, monkeypatch):
    """An answer read in the second of the last change and finished in the next must
    not carry that second's date: a change later in it, while the answer was being
    read, would be answered 304."""
    second = timezone.now().replace(microsecond=0) + timedelta(seconds=5)
    clock = {"now": second + timedelta(milliseconds=500)}
    monkeypatch.setattr(timezone, "now", lambda: clock["now"])
    factories.QuoteFactory(commodity=prices["potatoes"], market=prices["osh"], price=30)
    reads = iter([second + timedelta(milliseconds=600)])
    # The first reading of the clock is the request's; it finishes in the next second.
    monkeypatch.setattr(
        timezone, "now", lambda: next(reads, second + timedelta(seconds=1, milliseconds=100))
    )
    answer = api.get("/api/v1/prices/latest/?commodity=potatoes")
    assert answer.status_code == 200 and not answer.has_header("Last-Modified")


def test_a_name_moved_to_another_market_answers_for_that_market_at_once(api, prices):
    """An alias changed on its own (the admin's page of market names) leaves no other
    row changed: the answers named by it must follow."""
    from agriprices.models import MarketAlias

    alias = MarketAlias.objects.create(market=prices["osh"], name="Testbazar")
    url = "/api/v1/prices/latest/?market=testbazar&commodity=potatoes"
    assert {row["market"]["name"] for row in api.get(url).json()} == {"Osh"}
    alias.market = prices["bishkek"]
    alias.save()
    assert {row["market"]["name"] for row in api.get(url).json()} == {"Bishkek"}


def test_a_new_price_invalidates_the_cached_answer(api, prices, operator, today):
    first = api.get("/api/v1/prices/latest/?commodity=potatoes")
    factories.QuoteFactory(commodity=prices["potatoes"], market=prices["osh"], price=30)
    from agriprices.services.series import rebuild_latest_prices

    rebuild_latest_prices()
    again = api.get("/api/v1/prices/latest/?commodity=potatoes", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200


def test_answers_are_gzipped_for_clients_that_accept_it(api, prices):
    response = api.get("/api/v1/quotes/?page_size=50", HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    plain = api.get("/api/v1/quotes/?page_size=50")
    assert gzip.decompress(response.content) == plain.content
    assert len(response.content) < len(plain.content) / 4


def test_reads_are_throttled_per_address_with_retry_after(api, prices, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"read": "3/min", "write": "60/min"},
    }
    codes = [api.get("/api/v1/regions/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    blocked = api.get("/api/v1/regions/")
    assert int(blocked["Retry-After"]) > 0
    assert blocked.json()["errors"][0]["code"] == "throttled"
    wait = int(blocked["Retry-After"])
    message = blocked.json()["errors"][0]["message"]
    assert message == f"Too many requests: try again in {wait} seconds.", message
    # Whole in the caller's language, not half in DRF's English.
    russian = api.get("/api/v1/regions/", HTTP_ACCEPT_LANGUAGE="ru").json()["errors"][0]
    assert russian["message"].startswith("Слишком много запросов") and "Expected" not in str(
        russian
    )
    other = api.get("/api/v1/regions/", REMOTE_ADDR="10.9.9.9")
    assert other.status_code == 200


@override_settings(DEBUG=False)
def test_wrong_content_type_is_415_with_a_json_body(api, prices, operator):
    api.force_authenticate(operator)
    response = api.post(
        "/api/v1/quotes/", data="price=3", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert response.json()["errors"][0]["code"] == "unsupported_media_type"


def test_a_cached_answer_follows_a_new_price_at_once(api, prices, agent, token_client):
    """Answers are cached until a price changes: the next read after a write is fresh."""
    first = api.get("/api/v1/prices/latest/?commodity=potatoes").json()
    assert api.get("/api/v1/prices/latest/?commodity=potatoes").json() == first
    client = token_client(agent)
    body = {"commodity": "potatoes", "market": "osh", "unit": "kg", "price": "24"}
    assert client.post("/api/v1/quotes/", body, format="json").status_code == 201
    fresh = api.get("/api/v1/prices/latest/?commodity=potatoes").json()
    assert [r["price"] for r in fresh if r["market"]["slug"] == "osh"] == ["24.0000"]


def test_a_cached_answer_costs_one_query(api, prices, django_assert_num_queries):
    api.get("/api/v1/prices/series/?commodity=potatoes")
    with django_assert_num_queries(1):  # when did prices last change?
        assert api.get("/api/v1/prices/series/?commodity=potatoes").status_code == 200


SEVERAL_MARKETS = ["market=osh&market=Bishkek", "market=osh,Bishkek", "market=osh, bishkek"]


def markets_in(body) -> set[str]:
    rows = body["results"] if isinstance(body, dict) and "results" in body else body
    if isinstance(body, dict) and "series" in body:
        rows = body["series"]
    return {row["market"]["name"] for row in rows}


@pytest.mark.parametrize("markets", SEVERAL_MARKETS)
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/quotes/?",
        "/api/v1/prices/latest/?commodity=potatoes&",
        "/api/v1/prices/series/?commodity=potatoes&",
    ],
)
def test_market_is_one_parameter_everywhere_repeated_or_comma_separated(api, prices, path, markets):
    response = api.get(f"{path}{markets}")
    assert response.status_code == 200, response.content
    assert markets_in(response.json()) == {"Osh", "Bishkek"}


def test_series_still_reads_the_older_markets_spelling(api, prices):
    response = api.get("/api/v1/prices/series/?commodity=potatoes&markets=osh")
    assert response.status_code == 200
    assert markets_in(response.json()) == {"Osh"}


def test_an_unknown_market_among_several_is_named(api, prices):
    response = api.get("/api/v1/quotes/?market=osh&market=atlantis")
    assert response.status_code == 400
    assert "atlantis" in response.content.decode()


@pytest.fixture
def many_quotes(db, potatoes, osh, days_ago):
    """130 approved prices: more than a page of quotes (50) and than a JSON page (100)."""
    return [
        factories.QuoteFactory(
            commodity=potatoes, market=osh, price=Decimal(20 + n % 7), observed_on=days_ago(n)
        )
        for n in range(130)
    ]


def test_csv_streams_every_row_of_the_filtered_list_not_one_page(api, many_quotes):
    page = api.get("/api/v1/quotes/?market=osh").json()
    assert len(page["results"]) == 50 and page["next"]
    response = api.get("/api/v1/quotes/?market=osh&format=csv")
    assert response.streaming and response["X-Row-Limit"] == "100000"
    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode())))
    assert len(rows) == 130
    # In the order the JSON pages follow: newest first.
    assert [r["id"] for r in rows[:50]] == [str(q["id"]) for q in page["results"]]
    assert {int(r["id"]) for r in rows} == {q.pk for q in many_quotes}
    assert "Link" not in response


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/prices/latest/?commodity=potatoes&format=csv",
        "/api/v1/prices/series/?commodity=potatoes&format=csv",
        "/api/v1/quotes/?format=csv",
    ],
)
def test_every_csv_answer_states_its_row_limit_and_keeps_to_it(api, prices, settings, path):
    whole = api.get(path)
    assert whole["X-Row-Limit"] == "100000"
    rows = list(csv.reader(io.StringIO(whole.getvalue().decode())))[1:]
    assert len(rows) > 2 and not rows[-1][0].startswith("# cut")
    settings.API_CSV_MAX_ROWS = 2
    cache.clear()  # the limit is a setting: a deploy that changes it starts afresh
    cut = api.get(path)
    assert cut["X-Row-Limit"] == "2"
    lines = list(csv.reader(io.StringIO(cut.getvalue().decode())))
    assert len(lines) == 1 + 2 + 1 and lines[-1][0].startswith("# cut at 2 rows")


def test_csv_past_its_limit_says_so_in_its_last_line(api, many_quotes, settings):
    settings.API_CSV_MAX_ROWS = 100
    response = api.get("/api/v1/quotes/?format=csv")
    assert response["X-Row-Limit"] == "100"
    lines = list(csv.reader(io.StringIO(response.getvalue().decode())))
    assert len(lines) == 1 + 100 + 1  # the header, the rows, the note
    assert lines[-1][0].startswith("# cut at 100 rows (API_CSV_MAX_ROWS)")
    settings.API_CSV_MAX_ROWS = 130
    whole = api.get("/api/v1/quotes/?format=csv").getvalue().decode()
    assert len(whole.splitlines()) == 131 and "# cut" not in whole


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("/api/v1/quotes/", "region=osh-region&region=naryn-region", "region"),
        ("/api/v1/prices/latest/", "commodity=potatoes&commodity=onions", "commodity"),
        ("/api/v1/collection/", "week=2026-W50&week=2026-W49", "week"),
        ("/api/v1/collection/history/", "weeks=4&weeks=8", "weeks"),
        ("/api/v1/prices/warnings/", "page_size=2&page_size=3", "page_size"),
        ("/api/v1/markets/?page_size=1", "page=1&page=2", "page"),
        ("/api/v1/prices/latest/?commodity=potatoes", "format=json&format=csv", "format"),
    ],
)
def test_a_parameter_of_one_value_given_twice_is_refused(api, prices, path, query, field):
    """Not answered for the last value alone, as if the first had not been asked."""
    first, second = query.split("&")
    path += "&" if "?" in path else "?"
    assert api.get(f"{path}{first}").status_code == api.get(f"{path}{second}").status_code == 200
    response = api.get(f"{path}{query}")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]
    # Several markets are asked for by repeating it, as ever.
    assert api.get("/api/v1/quotes/?market=osh&market=naryn").status_code == 200
