"""Checking one row of a price file, before anything is stored: dates, prices, units,
currencies and names read and refused with a reason a person can act on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from agriprices.importers.rows import PriceRow
from agriprices.models import Commodity, Market, MarketAlias, PriceType, Quote, Region, Unit
from agriprices.spreadsheet import starts_like_a_formula
from agriprices.units import UnitSpec, parse_unit_label
from agriprices.validation import date_error, digits_error, price_error, text_error

_PRICE_TYPES = {
    "retail": PriceType.RETAIL,
    "wholesale": PriceType.WHOLESALE,
    "farm gate": PriceType.FARM_GATE,
    "farmgate": PriceType.FARM_GATE,
    "farm-gate": PriceType.FARM_GATE,
    "producer": PriceType.FARM_GATE,
}


@dataclass
class CheckedRow:
    """A row whose every field could be read."""

    row: PriceRow
    observed_on: date
    price: Decimal
    usd_price: Decimal | None
    price_type: str
    currency: str
    unit_spec: UnitSpec
    #: WFP's flag ("actual", "aggregate"), a note kept to its column's length.
    price_flag: str
    latitude: Decimal | None
    longitude: Decimal | None


class RowRejected(Exception):
    pass


def _read_optional_decimal(text: str, what: str) -> Decimal | None:
    return _read_decimal(text, what) if text else None


def _read_decimal(text: str, what: str) -> Decimal:
    if not text:
        raise RowRejected(f"{what} is missing")
    try:
        value = Decimal(text.replace(" ", ""))
    except InvalidOperation:
        raise RowRejected(f"{what} {text!r} is not a number") from None
    if not value.is_finite():
        raise RowRejected(f"{what} {text!r} is not a number")
    return value


def _read_date(text: str) -> date:
    if not text:
        raise RowRejected("date is missing")
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise RowRejected(f"date {text!r} is not a date (YYYY-MM-DD)") from None


#: Cells stored as text, with the column each is kept in (codes as "wfp:2618" aliases).
_TEXT_COLUMNS = {
    "commodity": Commodity._meta.get_field("name"),
    "market": Market._meta.get_field("name"),
    "region": Region._meta.get_field("name"),
    "district": Market._meta.get_field("district"),
    "category": Commodity._meta.get_field("category"),
    "external_id": Quote._meta.get_field("external_id"),
}
_CODE_COLUMN = MarketAlias._meta.get_field("name")  # the same length as a commodity's alias
_FLAG_COLUMN = Quote._meta.get_field("price_flag")


def _price_flag(row: PriceRow) -> str:
    return row.price_flag[: _FLAG_COLUMN.max_length]


def _check_texts(row: PriceRow) -> None:
    """Every text the row would store fits its column (a 200-letter market name is
    refused with its line, not stored whole by SQLite and refused by PostgreSQL)."""
    for name, column in _TEXT_COLUMNS.items():
        message = text_error(getattr(row, name).strip(), column, name)
        if message:
            raise RowRejected(message)
    message = text_error(_price_flag(row), _FLAG_COLUMN, "priceflag")
    if message:
        raise RowRejected(message)
    for name in ("market_code", "commodity_code"):
        code = getattr(row, name)
        message = code and text_error(f"{row.code_namespace}:{code}", _CODE_COLUMN, name)
        if message:
            raise RowRejected(message)


def _check_unit(row: PriceRow) -> UnitSpec:
    """The unit the row names, if a unit of it can be stored: its code and name fit and
    its quantity fits the column's digits ("100000000 KG" does not)."""
    try:
        spec = parse_unit_label(row.unit)
    except ValueError as exc:
        raise RowRejected(str(exc)) from None
    what = f"unit {row.unit.strip()!r}"
    message = (
        text_error(spec.code, Unit._meta.get_field("code"), what)
        or text_error(spec.name, Unit._meta.get_field("name"), what)
        or text_error(spec.dimension, Unit._meta.get_field("dimension"), what)
        or digits_error(
            spec.base_quantity, Unit._meta.get_field("base_quantity"), f"{what}: quantity"
        )
    )
    if message:
        raise RowRejected(message)
    return spec


def check_row(row: PriceRow, today: date) -> CheckedRow:
    if row.shape_error:
        raise RowRejected(row.shape_error)
    for name in ("commodity", "market", "unit", "currency"):
        if not getattr(row, name):
            raise RowRejected(f"{name} is missing")
    _check_texts(row)
    for name in ("commodity", "market", "region", "district", "category"):
        value = getattr(row, name)
        if starts_like_a_formula(value):
            raise RowRejected(
                f"{name} {value!r} starts with {value[0]!r}, which spreadsheets run as a formula"
            )
    observed_on = _read_date(row.observed_on)
    message = date_error(observed_on, today)
    if message:
        raise RowRejected(message)
    price = _read_decimal(row.price, "price")
    message = price_error(price)
    if message:
        raise RowRejected(message)
    price_type = _PRICE_TYPES.get(" ".join(row.price_type.casefold().split()))
    if price_type is None:
        raise RowRejected(
            f"price type {row.price_type!r} is not one of retail, wholesale, farm gate"
        )
    currency = row.currency.strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        raise RowRejected(f"currency {row.currency!r} is not an ISO 4217 code")
    unit_spec = _check_unit(row)
    latitude = _read_optional_decimal(row.latitude, "latitude")
    longitude = _read_optional_decimal(row.longitude, "longitude")
    if latitude is not None and not -90 <= latitude <= 90:
        raise RowRejected(f"latitude {row.latitude} is out of range")
    if longitude is not None and not -180 <= longitude <= 180:
        raise RowRejected(f"longitude {row.longitude} is out of range")
    usd_price = _read_optional_decimal(row.usd_price, "usdprice")
    message = price_error(usd_price, "usdprice") if usd_price is not None else None
    if message:
        raise RowRejected(message)
    return CheckedRow(
        row=row,
        observed_on=observed_on,
        price=price,
        usd_price=usd_price,
        price_type=price_type,
        currency=currency,
        unit_spec=unit_spec,
        price_flag=_price_flag(row),
        latitude=latitude.quantize(Decimal("0.000001")) if latitude is not None else None,
        longitude=longitude.quantize(Decimal("0.000001")) if longitude is not None else None,
    )
