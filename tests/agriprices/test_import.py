import csv
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from agriprices.importers import import_price_rows, read_price_file
from agriprices.importers.readers import FileFormatError
from agriprices.models import LatestPrice, Market, MarketAlias, PriceSummary, Quote

pytestmark = pytest.mark.django_db


def run_import(path, file_format="wfp", *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_prices", str(path), "--format", file_format, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def read_rows(path):
    with open(path, encoding="utf-8", newline="") as f:
        return [r for r in csv.DictReader(f) if not r["date"].startswith("#")]


def stored_tuple(q):
    return (
        q.observed_on.isoformat(),
        q.market.region.name,
        q.market.district,
        q.market.name,
        q.commodity.category,
        q.commodity.name,
        q.unit.code,
        q.price_flag,
        q.price_type,
        q.currency,
        q.price,
        q.usd_price,
    )


def file_tuple(row):
    return (
        row["date"],
        row["admin1"],
        row["admin2"],
        row["market"],
        row["category"],
        row["commodity"],
        row["unit"].lower(),
        row["priceflag"],
        row["pricetype"].lower(),
        row["currency"],
        Decimal(row["price"]),
        Decimal(row["usdprice"]),
    )


@pytest.mark.parametrize("which", ["wfp_file", "wfp_hxl_file"])
def test_wfp_file_imports_with_nothing_lost(request, which):
    path = request.getfixturevalue(which)
    out, _ = run_import(path)
    # Nothing is lost: every row is stored. Prices far from their last year's median (the
    # 2011-12 inflation, when bread and flour doubled; new potatoes in early summer) are
    # held for an operator to confirm.
    assert (
        "rows read 483, created 483, unchanged 0, flagged 22 (held for review: 22 far above "
        "the recent median at its market), rejected 0 — stored" in out
    )
    stored = sorted(
        stored_tuple(q) for q in Quote.objects.select_related("market__region", "commodity", "unit")
    )
    assert stored == sorted(file_tuple(r) for r in read_rows(path))
    minsk = Market.objects.get(name="Minsk")
    assert (minsk.latitude, minsk.longitude) == (Decimal("53.91"), Decimal("27.56"))
    # The file's ids become aliases, so a later file that spells the names differently matches.
    assert MarketAlias.objects.filter(market=minsk, name="wfp:2618", kind="code").exists()
    assert LatestPrice.objects.count() == 3
    # Monthly prices: one summary per commodity and month, and as many weeks, of the
    # approved ones (those held for review wait outside them).
    assert PriceSummary.objects.filter(period="month").count() == 483 - 22
    assert PriceSummary.objects.filter(period="week").count() == 483 - 22


def test_reimporting_changes_nothing_even_in_the_other_layout(wfp_file, wfp_hxl_file):
    run_import(wfp_file)
    before = list(Quote.objects.values_list("id", "updated_at"))
    out, _ = run_import(wfp_file)
    assert "created 0, unchanged 483" in out
    out, _ = run_import(wfp_hxl_file)
    assert "created 0, unchanged 483" in out
    assert list(Quote.objects.values_list("id", "updated_at")) == before


def write_variant(tmp_path, source, transform, drop=()):
    """A copy of a real file, with rows changed by ``transform`` and columns dropped."""
    with open(source, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    header = [h for h in rows[0] if h not in drop]
    keep = [i for i, h in enumerate(rows[0]) if h not in drop]
    out = tmp_path / "variant.csv"
    with open(out, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for row in rows[1:]:
            cells = dict(zip(rows[0], row, strict=True))
            cells = transform(cells)
            if cells is not None:
                writer.writerow([list(cells.values())[i] for i in keep])
    return out


def test_older_fourteen_column_layout_imports_and_matches_the_newer(tmp_path, wfp_file):
    old = write_variant(tmp_path, wfp_file, lambda c: c, drop=("market_id", "commodity_id"))
    out, _ = run_import(old)
    assert "created 483" in out
    out, _ = run_import(wfp_file)
    assert "created 0, unchanged 483" in out


def test_a_respelled_market_with_the_same_id_is_the_same_market(tmp_path, wfp_file):
    run_import(wfp_file)
    respelled = write_variant(tmp_path, wfp_file, lambda c: {**c, "market": "Minsk city market"})
    out, _ = run_import(respelled)
    assert "created 0, unchanged 483" in out
    assert Market.objects.count() == 1


def test_sized_units_are_compared_per_kg(tmp_path, wfp_file):
    bags = write_variant(
        tmp_path,
        wfp_file,
        lambda c: {**c, "unit": "46 KG", "price": str(Decimal(c["price"]) * 46)},
    )
    run_import(bags)
    quote = Quote.objects.filter(unit__code="46kg").first()
    assert quote.price_per_base_unit == quote.price / 46


BAD_ROWS = {
    3: ({"price": "abc"}, "price 'abc' is not a number"),
    5: ({"price": "-1"}, "price must be greater than zero"),
    7: ({"date": "2099-01-15"}, "date 2099-01-15 is in the future"),
    9: ({"date": "15/01/2009"}, "is not a date"),
    11: ({"pricetype": "Auction"}, "price type 'Auction' is not one of"),
    13: ({"unit": "L"}, "cannot be converted to kg"),
    15: ({"currency": "rubles"}, "not an ISO 4217 code"),
    17: ({"commodity": ""}, "commodity is missing"),
    19: ({"latitude": "123"}, "latitude 123 is out of range"),
    21: ({"usdprice": "1e20"}, "usdprice 100000000000000000000 is too large (at most 12 digits"),
    # Numbers and names that do not fit the columns they would be stored in.
    23: (
        {"unit": "100000000 KG", "price": "5000000000"},
        "unit '100000000 KG': quantity 100000000 is too large",
    ),
    25: ({"unit": "0.0000001 KG"}, "quantity 0.0000001 kg cannot be kept to 6 decimal places"),
    27: ({"price": "0.00001"}, "price 0.00001 has more than 4 decimal places"),
    29: (
        {"unit": "G", "price": "999999999999"},
        "price 999999999999 per 'G' is 999999999999000 per kg, too large",
    ),
    31: ({"unit": "1000 MT", "price": "0.0001"}, "less than 0.000001 per kg, too small"),
    33: ({"market": "M" * 121}, "market is 121 characters long, at most 120 fit"),
    35: ({"unit": "Loaf " * 9}, "characters long, at most 40 fit"),
    37: ({"market": "Minsk\x00"}, "market contains the invisible character U+0000"),
}


def with_bad_rows(tmp_path, wfp_file):
    line = {"n": 1}

    def transform(cells):
        line["n"] += 1
        change = BAD_ROWS.get(line["n"])
        return {**cells, **change[0]} if change else cells

    return write_variant(tmp_path, wfp_file, transform)


def test_a_file_with_bad_rows_stores_nothing_and_reports_every_line(tmp_path, wfp_file):
    path = with_bad_rows(tmp_path, wfp_file)
    with pytest.raises(CommandError) as error:
        run_import(path)
    assert "rejected 18" in str(error.value) and "nothing stored" in str(error.value)
    assert Quote.objects.count() == 0 and Market.objects.count() == 0
    report = import_price_rows(read_price_file(io.StringIO(path.read_text()), "wfp"))
    assert {e.line: e.reason for e in report.errors}.keys() == BAD_ROWS.keys()
    for error in report.errors:
        assert BAD_ROWS[error.line][1] in error.reason


def test_partial_import_stores_the_good_rows_only(tmp_path, wfp_file):
    path = with_bad_rows(tmp_path, wfp_file)
    out, err = run_import(path, "wfp", "--partial")
    assert "created 465" in out and "rejected 18" in out
    assert f"{path}: line 3: price 'abc' is not a number" in err
    assert Quote.objects.count() == 465


def test_dry_run_counts_but_stores_nothing(wfp_file):
    out, _ = run_import(wfp_file, "wfp", "--dry-run")
    assert "created 483" in out and "dry run: nothing stored" in out
    assert Quote.objects.count() == 0 and Market.objects.count() == 0


def test_a_repeated_row_in_one_file_is_reported(tmp_path, wfp_file):
    path = tmp_path / "twice.csv"
    lines = wfp_file.read_text().splitlines()
    path.write_text("\n".join([lines[0], lines[1], lines[1]]) + "\n")
    with pytest.raises(CommandError):
        run_import(path)
    report = import_price_rows(read_price_file(io.StringIO(path.read_text()), "wfp"))
    assert [str(e) for e in report.errors] == [
        "line 3: repeats line 2 (same market, commodity, unit, price type and day)"
    ]


def test_a_changed_price_under_a_stored_id_is_refused(tmp_path, wfp_file):
    run_import(wfp_file)
    before = sorted(Quote.objects.values_list("external_id", "price"))
    changed = write_variant(
        tmp_path, wfp_file, lambda c: {**c, "price": str(Decimal(c["price"]) + 1)}
    )
    with pytest.raises(CommandError, match="rejected 483"):
        run_import(changed)
    assert sorted(Quote.objects.values_list("external_id", "price")) == before


def test_a_row_with_the_wrong_number_of_columns_is_reported(tmp_path, wfp_file):
    path = tmp_path / "short.csv"
    lines = wfp_file.read_text().splitlines()
    path.write_text("\n".join([lines[0], lines[1], "2009-01-15,Minsk City"]) + "\n")
    report = import_price_rows(read_price_file(io.StringIO(path.read_text()), "wfp"))
    assert [str(e) for e in report.errors] == ["line 3: has 2 columns, the header has 16"]


def test_a_file_of_another_layout_is_refused_whole(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("name,value\npotato,3\n")
    with pytest.raises(CommandError, match="missing column\\(s\\) commodity, currency, date"):
        run_import(path)
    with pytest.raises(FileFormatError):
        list(read_price_file(io.StringIO(""), "csv"))


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        run_import(tmp_path / "nope.csv")


def test_export_then_import_into_an_empty_database_round_trips(
    tmp_path, wfp_file, django_db_blocker
):
    run_import(wfp_file)
    exported = tmp_path / "export.csv"
    call_command(
        "export_prices", "--status", "all", "--output", str(exported), stderr=io.StringIO()
    )
    before = sorted(
        stored_tuple(q) for q in Quote.objects.select_related("market__region", "commodity", "unit")
    )
    ids = set(Quote.objects.values_list("external_id", flat=True))
    Quote.objects.all().delete()
    Market.objects.all().delete()
    out, _ = run_import(exported, "csv")
    assert "created 483" in out
    after = sorted(
        stored_tuple(q) for q in Quote.objects.select_related("market__region", "commodity", "unit")
    )
    assert after == before
    assert set(Quote.objects.values_list("external_id", flat=True)) == ids
    out, _ = run_import(exported, "csv")
    assert "created 0, unchanged 483" in out


def test_a_file_the_csv_module_cannot_split_is_refused_naming_the_line(tmp_path, wfp_file):
    path = tmp_path / "broken.csv"
    lines = wfp_file.read_text().splitlines()
    # A field longer than the csv module will hold (a file pasted into a cell, say).
    huge = lines[2].replace("Minsk", '"' + "Minsk" * 40_000 + '"', 1)
    path.write_text("\n".join([lines[0], lines[1], huge]))
    with pytest.raises(CommandError, match=r"line \d+: not readable as CSV"):
        run_import(path)
    assert Quote.objects.count() == 0


def test_the_summary_says_how_many_prices_were_held_and_why(wfp_file, tmp_path):
    lines = wfp_file.read_text(encoding="utf-8").splitlines()
    # Two slipped decimal points in 2020: one too dear, one too cheap. They join the 22
    # prices held for review in the real file.
    for number, factor in ((401, 10), (404, 0.1)):
        cells = lines[number].split(",")
        assert cells[0].startswith("2020-")
        cells[-2] = f"{float(cells[-2]) * factor:.4f}"
        lines[number] = ",".join(cells)
    path = tmp_path / "wfp_with_slips.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out, _ = run_import(path)
    assert (
        "flagged 24 (held for review: 23 far above the recent median at its market, "
        "1 far below the recent median at its market)" in out
    )
    slips = Quote.objects.filter(price__in=[Decimal("8.3"), Decimal("0.086")])
    assert [q.status for q in slips] == ["flagged", "flagged"]
    assert all("× the recent median at Minsk" in q.status_reason for q in slips)


def test_an_import_is_the_last_change_when_it_commits(
    wfp_file, django_capture_on_commit_callbacks, monkeypatch
):
    """An import stamps its prices as it stores them, seconds before it commits; a price
    sent by SMS meanwhile has a later stamp. Cached answers are kept under the newest
    stamp: unless the import is stamped again as it commits, they would keep showing
    the prices before it."""
    from datetime import timedelta

    from django.utils import timezone

    from agriprices.selectors.latest import prices_last_modified
    from tests import factories

    real = timezone.now
    start = real()
    monkeypatch.setattr(timezone, "now", lambda: start)
    with (
        django_capture_on_commit_callbacks(execute=True),
        open(wfp_file, encoding="utf-8") as prices,
    ):
        import_price_rows(read_price_file(prices, "wfp"))
        # Meanwhile, committed first: a price sent by SMS, stamped after the import's.
        monkeypatch.setattr(timezone, "now", lambda: start + timedelta(seconds=5))
        factories.QuoteFactory()
        sent_meanwhile = prices_last_modified()
        monkeypatch.setattr(timezone, "now", lambda: start + timedelta(seconds=9))
    assert prices_last_modified() > sent_meanwhile
