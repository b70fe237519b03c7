"""Query parameters of the read endpoints, validated like request bodies: an unknown
name, an unknown market or a bad date is a 400 naming the parameter, never an empty or
unfiltered answer."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.utils import timezone
from rest_framework import serializers

from agriprices.api.serializers import IsoDateField, RefField, RegionRefField
from agriprices.collection.schedule import PeriodError, read_period
from agriprices.models import PriceType, Quote
from agriprices.periods import PERIODS
from agriprices.selectors.catalogue import commodity_by_ref, market_by_ref, region_by_ref
from agriprices.validation import askable_days
from agriprices.warnings import bands
from agriprices.warnings.indicators import RECENT_MONTHS

#: Parameters every list understands besides its own filters.
COMMON = {"format", "cursor", "page", "page_size"}
#: Longest span one series request may cover.
MAX_SERIES_DAYS = 366 * 5


def _commodity(**kwargs: Any) -> RefField:
    return RefField(kind="commodity", resolve=commodity_by_ref, **kwargs)


class MarketsField(serializers.ListField):
    """``market``, one or more: repeated (``?market=osh&market=naryn``) or comma-separated
    (``?market=osh,naryn``), each an id, slug or name."""

    child = serializers.CharField(max_length=2000)

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            "One or more markets (ids, slugs or names): repeat the parameter or separate "
            "them with commas.",
        )
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> list:
        found = []
        for value in super().to_internal_value(data):
            for ref in (r.strip() for r in value.split(",")):
                if not ref:
                    continue
                market = market_by_ref(ref)
                if market is None:
                    raise serializers.ValidationError(
                        f"no market called {ref[:60]!r}", code="unknown"
                    )
                if market not in found:
                    found.append(market)
        return found


def region_ref(**kwargs: Any) -> RegionRefField:
    return RegionRefField(kind="region", resolve=region_by_ref, **kwargs)


class DayField(IsoDateField):
    """An ISO date between 1900 and a year from now, in ASCII digits (as the
    collection's periods, schedule.read_period)."""

    def to_internal_value(self, value: Any) -> Any:
        day = super().to_internal_value(value)
        earliest, latest = askable_days(timezone.localdate())
        if not earliest <= day <= latest:
            raise serializers.ValidationError(
                f"give a date between {earliest.isoformat()} and {latest.isoformat()}"
            )
        return day


class QueryParams(serializers.Serializer):
    """Base: refuses parameters it does not know, so a typo is not silently ignored, and
    a parameter that takes one value given twice (``region=osh&region=talas`` would
    otherwise answer for the last one alone)."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(self.initial_data) - set(self.fields) - COMMON)
        if unknown:
            raise serializers.ValidationError(
                {name: "unknown parameter" for name in unknown}, code="unknown"
            )
        getlist = getattr(self.initial_data, "getlist", None)
        repeated = [
            name
            for name in self.initial_data
            if getlist is not None
            and not isinstance(self.fields.get(name), serializers.ListField)
            and len(getlist(name)) > 1
        ]
        if repeated:
            raise serializers.ValidationError(
                {name: "give one value" for name in repeated}, code="invalid"
            )
        return attrs


class CommodityParams(QueryParams):
    category = serializers.CharField(required=False, max_length=80)
    search = serializers.CharField(
        required=False, max_length=80, help_text="A name in any language; typos are forgiven."
    )


class MarketParams(QueryParams):
    region = region_ref(required=False)
    near = serializers.RegexField(
        r"^-?\d{1,2}(\.\d+)?,-?\d{1,3}(\.\d+)?$",
        required=False,
        help_text="`lat,lon`: only markets with a position, nearest first, with distance_km.",
    )
    within_km = serializers.FloatField(required=False, min_value=0, max_value=20000)

    def validate_near(self, value: str) -> tuple[float, float]:
        lat, lon = (float(x) for x in value.split(","))
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise serializers.ValidationError("latitude or longitude out of range")
        return lat, lon

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if "within_km" in attrs and "near" not in attrs:
            raise serializers.ValidationError({"within_km": "goes with near"})
        return attrs


ORDERINGS = ["observed_on", "-observed_on", "price_per_base_unit", "-price_per_base_unit"]


class QuoteParams(QueryParams):
    commodity = _commodity(required=False)
    market = MarketsField()
    region = region_ref(required=False)
    price_type = serializers.ChoiceField(choices=PriceType.choices, required=False)
    status = serializers.ChoiceField(
        choices=Quote.Status.choices,
        default=Quote.Status.APPROVED,
        help_text="Other than approved: operators only.",
    )
    observed_after = DayField(required=False, help_text="On or after this day.")
    observed_before = DayField(required=False, help_text="On or before this day.")
    ordering = serializers.ChoiceField(choices=ORDERINGS, default="-observed_on")

    def filters(self) -> dict[str, Any]:
        found = {k: v for k, v in self.validated_data.items() if k != "ordering"}
        found["markets"] = found.pop("market", None) or None
        return found


class LatestParams(QueryParams):
    commodity = _commodity(required=False, help_text="Latest price at every market.")
    market = MarketsField(
        help_text="Latest price of every commodity there; one or more markets (ids, slugs "
        "or names), repeated or comma-separated."
    )
    region = region_ref(required=False)
    price_type = serializers.ChoiceField(choices=PriceType.choices, default=PriceType.RETAIL)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if "commodity" not in attrs and not attrs.get("market"):
            raise serializers.ValidationError(
                {"commodity": "give a commodity, a market, or both"}, code="required"
            )
        return attrs


class SeriesParams(QueryParams):
    commodity = _commodity()
    market = MarketsField(
        help_text="One or more markets (ids, slugs or names), repeated or comma-separated; "
        "default all."
    )
    markets = MarketsField(help_text="Deprecated: the older spelling of `market`; still read.")
    period = serializers.ChoiceField(choices=PERIODS, default="week")
    start = DayField(required=False, help_text="Default: 52 weeks before end.")
    end = DayField(required=False, help_text="Default: today.")
    price_type = serializers.ChoiceField(choices=PriceType.choices, default=PriceType.RETAIL)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        attrs["market"] = attrs.get("market", []) + [
            m for m in attrs.pop("markets", []) if m not in attrs.get("market", [])
        ]
        attrs.setdefault("end", timezone.localdate())
        attrs.setdefault("start", attrs["end"] - timedelta(weeks=52))
        if attrs["start"] > attrs["end"]:
            raise serializers.ValidationError({"start": "must not be after end"})
        if (attrs["end"] - attrs["start"]).days > MAX_SERIES_DAYS:
            raise serializers.ValidationError({"start": "at most five years per request"})
        return attrs


class CountField(serializers.IntegerField):
    """A whole number in the digits 0 to 9, as the days, weeks and months are: DRF's
    own reads any script's digits, ``1_0`` and ``10.0`` (Python's int and a stripped
    decimal point)."""

    def to_internal_value(self, data: Any) -> int:
        if not (isinstance(data, str) and re.fullmatch(r"[0-9]{1,9}", data.strip())):
            self.fail("invalid")
        return super().to_internal_value(data.strip())


class MonthField(serializers.CharField):
    """A month as ``YYYY-MM``; the first day of it."""

    def to_internal_value(self, data: Any) -> Any:
        text = super().to_internal_value(data)
        try:
            return read_period("month", text, today=timezone.localdate()).start
        except PeriodError as exc:
            raise serializers.ValidationError(exc.message) from None


class BandsField(serializers.ListField):
    """One or more bands of an indicator (``bands.ALPS`` or ``bands.IPA``), as the band
    table names them: repeated or comma-separated."""

    child = serializers.CharField(max_length=200)

    def __init__(self, *, indicator: str, example: str, **kwargs: Any) -> None:
        self.names = bands.names(indicator)
        help_text = f"{indicator.upper()} bands, of {', '.join(self.names)}; e.g. `{example}`."
        super().__init__(required=False, help_text=help_text, **kwargs)

    def to_internal_value(self, data: Any) -> list:
        found = [b.strip() for v in super().to_internal_value(data) for b in v.split(",")]
        for band in found:
            if band and band not in self.names:
                raise serializers.ValidationError(
                    f"{band[:20]!r} is not a band; use {', '.join(self.names)}", code="invalid"
                )
        return [b for b in found if b]


class WarningParams(QueryParams):
    commodity = _commodity(required=False)
    market = MarketsField(help_text="One or more markets, repeated or comma-separated.")
    region = region_ref(required=False)
    band = BandsField(indicator=bands.ALPS, example="alert,crisis")
    ipa_band = BandsField(indicator=bands.IPA, example="alert,low")
    month = MonthField(
        required=False,
        help_text="`YYYY-MM`: that month at every series. Default: each series' newest "
        f"month, when it is within the last {RECENT_MONTHS} months.",
    )
    price_type = serializers.ChoiceField(choices=PriceType.choices, default=PriceType.RETAIL)
