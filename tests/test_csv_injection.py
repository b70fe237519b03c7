"""CSV injection: a name a spreadsheet would run as a formula is refused at import, and
every CSV we write (export_prices, the API's ?format=csv, the price sheet) hands such
text to the spreadsheet as text, while numbers stay numbers."""

import csv
import io

import pytest
from django.core.management import call_command
from hypothesis import example, given
from hypothesis import strategies as st

from agriprices import spreadsheet
from agriprices.importers import import_price_rows, read_price_file
from agriprices.models import Quote
from agriprices.services.series import rebuild_latest_prices
from agriprices.spreadsheet import safe_cell, unquote
from tests import factories

pytestmark = pytest.mark.django_db
FORMULAS = {
    "market": '=HYPERLINK("http://evil.example/","Osh")',
    "commodity": "@SUM(1+1)",
    "admin1": "+cmd|' /C calc'!A0",
}


def wfp_with(cells_by_line: dict[int, dict[str, str]], source) -> str:
    rows = list(csv.reader(source.read_text(encoding="utf-8").splitlines()))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(rows[0])
    for line, row in enumerate(rows[1:], 2):
        cells = dict(zip(rows[0], row, strict=True))
        writer.writerow([{**cells, **cells_by_line.get(line, {})}[h] for h in rows[0]])
    return out.getvalue()


def test_names_that_would_run_as_formulas_are_refused_naming_the_line(wfp_file):
    text = wfp_with(
        {
            3: {"market": FORMULAS["market"]},
            5: {"commodity": FORMULAS["commodity"]},
            7: {"admin1": FORMULAS["admin1"]},
        },
        wfp_file,
    )
    report = import_price_rows(read_price_file(io.StringIO(text), "wfp"))
    reasons = {error.line: error.reason for error in report.errors}
    assert reasons == {
        3: f"market {FORMULAS['market']!r} starts with '=', which spreadsheets run as a formula",
        5: "commodity '@SUM(1+1)' starts with '@', which spreadsheets run as a formula",
        7: f"region {FORMULAS['admin1']!r} starts with '+', which spreadsheets run as a formula",
    }
    assert not Quote.objects.exists()  # all or nothing


@pytest.fixture
def formula_names(potatoes, operator):
    """Names an operator typed in the admin, which no import would have let in."""
    region = factories.RegionFactory(name=FORMULAS["admin1"])
    market = factories.MarketFactory(name=FORMULAS["market"], region=region)
    crop = factories.CommodityFactory(name=FORMULAS["commodity"], base_unit=potatoes.base_unit)
    factories.QuoteFactory(commodity=crop, market=market, price=18)
    rebuild_latest_prices()
    return market


def cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def assert_safe(text: str) -> None:
    found = cells(text)
    for formula in FORMULAS.values():
        assert f"'{formula}" in found
        assert formula not in found
    assert not [c for c in found if c and c[0] in "=+-@" and not _number(c)]


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_export_prices_writes_formulas_as_text(formula_names, tmp_path):
    call_command("export_prices", "--output", str(tmp_path / "prices.csv"), stderr=io.StringIO())
    assert_safe((tmp_path / "prices.csv").read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", ["/api/v1/markets/?format=csv", "/api/v1/quotes/?format=csv"])
def test_the_api_csv_writes_formulas_as_text(client, formula_names, path):
    response = client.get(path)
    assert response.status_code == 200
    found = cells(response.getvalue().decode())
    assert f"'{FORMULAS['market']}" in found and FORMULAS["market"] not in found


def test_the_price_sheet_csv_writes_formulas_as_text(client, formula_names, today):
    from telecentre.selectors import weeks as week_pages

    week = week_pages.latest_summary_week()
    response = client.get(f"/sheet.csv?week={week}")
    assert response.status_code == 200 and response.streaming
    found = cells(response.getvalue().decode())
    assert f"'{FORMULAS['market']}" in found and f"'{FORMULAS['commodity']}" in found
    assert FORMULAS["market"] not in found


def test_numbers_stay_numbers():
    assert [safe_cell(v) for v in ["-3.5", "+2", "-0", 18, "-", "-x"]] == [
        "-3.5",
        "+2",
        "-0",
        18,
        "'-",
        "'-x",
    ]


@given(st.text())
@example("'=1+1")
@example("'plain")
def test_what_we_write_our_importer_reads_back_exactly(text):
    assert unquote(safe_cell(text)) == text


@pytest.mark.parametrize("end", ["\n", "\r\n"])
def test_a_line_break_in_a_cell_is_quoted_whatever_the_line_end(end):
    rows = [["name", "n"], ["Osh\rcentre", 1], ["Bishkek\nnorth", 2], ["Talas\r\n", 3]]
    out = io.StringIO()
    spreadsheet.writer(out, lineterminator=end).writerows(rows)
    streamed = "".join(spreadsheet.lines(rows))
    for text in (out.getvalue(), streamed if end == "\n" else out.getvalue()):
        assert text.endswith(end)
        read = list(csv.reader(io.StringIO(text, newline="")))
        assert read == [[str(cell) for cell in row] for row in rows]
