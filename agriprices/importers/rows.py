from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PriceRow:
    """One price as read from a file, not yet checked. Empty string means absent."""

    line: int
    observed_on: str
    commodity: str
    market: str
    unit: str
    price: str
    currency: str
    price_type: str
    region: str = ""
    district: str = ""
    latitude: str = ""
    longitude: str = ""
    category: str = ""
    market_code: str = ""
    commodity_code: str = ""
    price_flag: str = ""
    usd_price: str = ""
    external_id: str = ""
    #: Namespace of market_code/commodity_code, e.g. "wfp": they become "wfp:2618" aliases.
    code_namespace: str = ""
    #: Set when the row could not even be laid out (wrong number of columns).
    shape_error: str = ""


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"
