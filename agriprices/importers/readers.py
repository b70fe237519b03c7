"""The two file layouts we read: our own CSV (what ``export_prices`` writes) and the
World Food Programme's HDX food-price CSV in all three layouts seen in the wild
(14 columns with an HXL row, 16 columns with market_id/commodity_id with or without it).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import TextIO

from agriprices.importers.rows import PriceRow
from agriprices.spreadsheet import unquote

#: Columns of our own CSV, in the order ``export_prices`` writes them.
CSV_COLUMNS = [
    "external_id",
    "observed_on",
    "region",
    "district",
    "market",
    "latitude",
    "longitude",
    "category",
    "commodity",
    "unit",
    "price_type",
    "currency",
    "price",
    "usd_price",
    "price_flag",
]
CSV_REQUIRED = {"observed_on", "market", "commodity", "unit", "price", "currency"}

WFP_REQUIRED = {"date", "market", "commodity", "unit", "pricetype", "currency", "price"}


class FileFormatError(ValueError):
    """The file as a whole cannot be read (wrong layout, missing columns)."""


def _records(stream: TextIO) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of each record. A file the csv module cannot split (a bare
    carriage return inside a field, say) is refused whole, naming the line: which cells
    belong to which row after that is anybody's guess."""
    reader = csv.reader(stream)
    while True:
        # A quoted cell may span lines: a row is named by the line it starts on, where a
        # text editor shows it, not the one it ends on.
        starts_on = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            # The csv module's hint about newline modes means nothing to the reader.
            reason = str(exc).split(" - ")[0]
            raise FileFormatError(
                f"line {reader.line_num}: not readable as CSV ({reason})"
            ) from exc
        yield starts_on, record


def _header(records: Iterator[tuple[int, list[str]]], required: set[str], layout: str) -> list[str]:
    try:
        header = [h.strip().lstrip("\ufeff").casefold() for h in next(records)[1]]
    except StopIteration:
        raise FileFormatError("the file is empty") from None
    missing = sorted(required - set(header))
    if missing:
        raise FileFormatError(
            f"not a {layout} file: missing column(s) {', '.join(missing)} "
            f"(found: {', '.join(header) or 'nothing'})"
        )
    return header


def _shape_error(record: list[str], header: list[str]) -> str:
    if len(record) == len(header):
        return ""
    return f"has {len(record)} columns, the header has {len(header)}"


def read_wfp(stream: TextIO) -> Iterator[PriceRow]:
    records = _records(stream)
    header = _header(records, WFP_REQUIRED, "WFP/HDX price")
    for line, record in records:
        if not any(cell.strip() for cell in record):
            continue
        # The HXL hashtag row (#date,#adm1+name,...) describes columns; it is not data.
        if record[0].lstrip().startswith("#"):
            continue
        cells = dict(zip(header, (unquote(c.strip()) for c in record), strict=False))
        yield PriceRow(
            line=line,
            observed_on=cells.get("date", ""),
            commodity=cells.get("commodity", ""),
            market=cells.get("market", ""),
            unit=cells.get("unit", ""),
            price=cells.get("price", ""),
            currency=cells.get("currency", ""),
            price_type=cells.get("pricetype", ""),
            region=cells.get("admin1", ""),
            district=cells.get("admin2", ""),
            latitude=cells.get("latitude", ""),
            longitude=cells.get("longitude", ""),
            category=cells.get("category", ""),
            market_code=cells.get("market_id", ""),
            commodity_code=cells.get("commodity_id", ""),
            price_flag=cells.get("priceflag", ""),
            usd_price=cells.get("usdprice", ""),
            code_namespace="wfp",
            shape_error=_shape_error(record, header),
        )


def read_csv(stream: TextIO) -> Iterator[PriceRow]:
    records = _records(stream)
    header = _header(records, CSV_REQUIRED, "AgriPrices CSV")
    for line, record in records:
        if not any(cell.strip() for cell in record):
            continue
        cells = dict(zip(header, (unquote(c.strip()) for c in record), strict=False))
        yield PriceRow(
            line=line,
            observed_on=cells.get("observed_on", ""),
            commodity=cells.get("commodity", ""),
            market=cells.get("market", ""),
            unit=cells.get("unit", ""),
            price=cells.get("price", ""),
            currency=cells.get("currency", ""),
            price_type=cells.get("price_type", "") or "retail",
            region=cells.get("region", ""),
            district=cells.get("district", ""),
            latitude=cells.get("latitude", ""),
            longitude=cells.get("longitude", ""),
            category=cells.get("category", ""),
            price_flag=cells.get("price_flag", ""),
            usd_price=cells.get("usd_price", ""),
            external_id=cells.get("external_id", ""),
            shape_error=_shape_error(record, header),
        )


FORMATS = {"csv": read_csv, "wfp": read_wfp}


def read_price_file(stream: TextIO, file_format: str) -> Iterator[PriceRow]:
    """Rows of ``stream`` in ``file_format`` ("csv" or "wfp"); raises FileFormatError."""
    try:
        reader = FORMATS[file_format]
    except KeyError:
        raise FileFormatError(f"unknown format {file_format!r}; use csv or wfp") from None
    return reader(stream)
