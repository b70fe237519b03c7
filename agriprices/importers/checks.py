"""Checking one row of a price file, before anything is stored: dates, prices, units,
currencies and names read and refused with a reason a person can act on."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation

from agriprices.importers.rows import PriceRow
from agriprices.models import Commodity, Market, MarketAlias, PriceType, Quote, Region, Unit
from agriprices.names import normalize_name
from agriprices.spreadsheet import starts_like_a_formula
from agriprices.units import UnitSpec, base_unit_spec, parse_unit_label
from agriprices.validation import (
    TextColumn,
    currency_error,
    date_error,
    digits_error,
    kept_to_places,
    price_error,
    text_error,
)

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


#: A day as files write it, optionally with a time after it (which is ignored).
_DAY = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[T ][\d:.]*(?:Z|[+-]\d{2}:?\d{2})?)?")


def _read_date(text: str) -> date:
    if not text:
        raise RowRejected("date is missing")
    day = _DAY.fullmatch(text.strip())
    try:
        if day is None:
            raise ValueError(text)
        return date.fromisoformat(day.group(1))
    except ValueError:
        raise RowRejected(f"date {text[:40]!r} is not a date (YYYY-MM-DD)") from None


_ALIAS_NAME = MarketAlias._meta.get_field("name")  # a commodity's alias is the same
_ALIAS_KEY = MarketAlias._meta.get_field("normalized")
_FLAG_COLUMN = Quote._meta.get_field("price_flag")


def _price_flag(row: PriceRow) -> str:
    return row.price_flag[: _FLAG_COLUMN.max_length]


def _stored_texts(row: PriceRow) -> list[tuple[str, str, TextColumn]]:
    """(cell, text as it would be stored, its column) for every text the row may store:
    names as written and as folded for matching ("ß" folds to "ss"), codes as aliases
    ("wfp:2618")."""
    texts: list[tuple[str, str, TextColumn]] = [
        ("market", row.market.strip(), Market._meta.get_field("name")),
        ("market", normalize_name(row.market), _ALIAS_KEY),
        ("commodity", row.commodity.strip(), Commodity._meta.get_field("name")),
        ("commodity", normalize_name(row.commodity), _ALIAS_KEY),
        ("region", row.region.strip(), Region._meta.get_field("name")),
        ("district", row.district, Market._meta.get_field("district")),
        ("category", row.category.strip().lower(), Commodity._meta.get_field("category")),
        ("external_id", row.external_id, Quote._meta.get_field("external_id")),
        ("priceflag", _price_flag(row), _FLAG_COLUMN),
    ]
    for name in ("market_code", "commodity_code"):
        code = getattr(row, name)
        if code:
            alias = f"{row.code_namespace}:{code}"
            texts += [(name, alias.strip(), _ALIAS_NAME), (name, normalize_name(alias), _ALIAS_KEY)]
    return texts


def _check_texts(row: PriceRow) -> None:
    """Every text the row would store fits its column (a 200-letter market name is
    refused with its line, not stored whole by SQLite and refused by PostgreSQL)."""
    for name, text, column in _stored_texts(row):
        message = text_error(text, column, name)
        if message:
            raise RowRejected(message)


#: How far a unit's quantity may move when kept to its column's places: 2.2 lb is
#: 0.9979024 kg, kept as 0.997902; 0.0000015 kg would become 0.000002, and is refused.
_UNIT_ROUNDING = Decimal("0.0001")


def _check_unit(row: PriceRow) -> UnitSpec:
    """The unit the row names, if a unit of it can be stored: its code and name fit, and
    its quantity fits the column's digits ("100000000 KG" does not) once kept to its
    places."""
    try:
        spec = parse_unit_label(row.unit)
    except ValueError as exc:
        raise RowRejected(str(exc)) from None
    what = f"unit {row.unit.strip()!r}"
    column = Unit._meta.get_field("base_quantity")
    quantity = spec.base_quantity
    kept = kept_to_places(quantity, column)
    if kept == 0 or abs(kept - quantity) > quantity * _UNIT_ROUNDING:
        raise RowRejected(
            f"{what}: quantity {quantity:f} {base_unit_spec(spec).code} cannot be kept to "
            f"{column.decimal_places} decimal places"
        )
    message = (
        text_error(spec.code, Unit._meta.get_field("code"), what)
        or text_error(spec.name, Unit._meta.get_field("name"), what)
        or text_error(spec.dimension, Unit._meta.get_field("dimension"), what)
        or digits_error(kept.normalize(), column, f"{what}: quantity")
    )
    if message:
        raise RowRejected(message)
    return replace(spec, base_quantity=kept)


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
    message = currency_error(currency)
    if message:
        raise RowRejected(message)
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
