"""Checking one row of a price file, before anything is stored: dates, prices, units,
currencies and names read and refused with a reason a person can act on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from agriprices.importers.rows import PriceRow
from agriprices.models import (
    PriceType,
)
from agriprices.spreadsheet import starts_like_a_formula
from agriprices.units import UnitSpec, parse_unit_label
from agriprices.validation import (
    currency_error,
    date_error,
    price_error,
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


def check_row(row: PriceRow, today: date) -> CheckedRow:
    if row.shape_error:
        raise RowRejected(row.shape_error)
    for name in ("commodity", "market", "unit", "currency"):
        if not getattr(row, name):
            raise RowRejected(f"{name} is missing")
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
    try:
        unit_spec = parse_unit_label(row.unit)
    except ValueError as exc:
        raise RowRejected(str(exc)) from None
    latitude = _read_optional_decimal(row.latitude, "latitude")
    longitude = _read_optional_decimal(row.longitude, "longitude")
    if latitude is not None and not -90 <= latitude <= 90:
        raise RowRejected(f"latitude {row.latitude} is out of range")
    if longitude is not None and not -180 <= longitude <= 180:
        raise RowRejected(f"longitude {row.longitude} is out of range")
    usd_price = _read_optional_decimal(row.usd_price, "usdprice")
    message = price_error(usd_price) if usd_price is not None else None
    if message:
        raise RowRejected(f"usdprice: {message}")
    return CheckedRow(
        row=row,
        observed_on=observed_on,
        price=price,
        usd_price=usd_price,
        price_type=price_type,
        currency=currency,
        unit_spec=unit_spec,
        latitude=latitude.quantize(Decimal("0.000001")) if latitude is not None else None,
        longitude=longitude.quantize(Decimal("0.000001")) if longitude is not None else None,
    )
