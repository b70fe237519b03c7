"""How a price is shown, in an SMS and on a page alike."""

from decimal import Decimal


def rounded_price(value: Decimal) -> Decimal:
    """A price as people read it in a market: whole from 100 up, else to the cent, with
    no trailing zeros (650, 18.5, 0.25)."""
    if value >= 100:
        return value.quantize(Decimal(1))
    cents = value.quantize(Decimal("0.01"))
    if cents == cents.to_integral_value():
        return cents.quantize(Decimal(1))
    return cents.normalize()
