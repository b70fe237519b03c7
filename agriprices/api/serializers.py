"""Serializers check the shape of what comes in and describe what goes out. Whether a
price may be recorded (unit, date, market assignment, outliers) is decided by
``services``; serializers never repeat those rules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agriprices.models import Commodity, LatestPrice, Market, PriceType, Quote, Region
from agriprices.periods import PERIODS, Summary
from agriprices.selectors.catalogue import commodity_by_ref, market_by_ref, unit_by_code
from agriprices.validation import readable_date_text
from agriprices.warnings import bands
from agriprices.warnings.models import PriceWarning


@extend_schema_field(
    {
        "type": "string",
        "description": "Id, slug or any alias, e.g. `potatoes`, `3`, `картошка` or `wfp:83`.",
        "example": "potatoes",
    }
)
class RefField(serializers.Field):
    """A commodity, market or region named by id, slug or alias."""

    default_error_messages = {"unknown": "no {kind} called {ref!r}", "invalid": "give a name or id"}

    def __init__(self, *, kind: str, resolve: Callable[[str], Any], **kwargs: Any) -> None:
        self.kind = kind
        self.resolve = resolve
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, str | int) or "\x00" in str(data):
            self.fail("invalid")
        found = self.resolve(str(data))
        if found is None:
            self.fail("unknown", kind=self.kind, ref=str(data)[:60])
        return found

    def to_representation(self, value: Any) -> Any:  # pragma: no cover - write-only use
        return value.pk


@extend_schema_field(
    {
        "type": "string",
        "description": "Id, slug or any alias, e.g. `osh`, `5`, `ош`.",
        "example": "osh",
    }
)
class MarketRefField(RefField):
    """A market named by id, slug or alias (its own example in the schema)."""


@extend_schema_field(
    {
        "type": "string",
        "description": "Id, slug or name, e.g. `chuy`, `2`.",
        "example": "chuy",
    }
)
class RegionRefField(RefField):
    """A region named by id, slug or name in any language (its own example in the
    schema)."""


class RegionSerializer(serializers.ModelSerializer):
    names = serializers.DictField(
        source="translations",
        child=serializers.CharField(),
        read_only=True,
        help_text="Display name per language code.",
    )

    class Meta:
        model = Region
        fields = ["id", "slug", "name", "names"]


class CommodityRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Commodity
        fields = ["id", "slug", "name"]


class MarketRefSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.name", read_only=True)

    class Meta:
        model = Market
        fields = ["id", "slug", "name", "region"]


def _alias_names(obj: Commodity | Market) -> list[str]:
    # Uses the prefetched aliases: no query per row.
    return sorted({a.name for a in obj.aliases.all() if a.kind == "name"} - {obj.name})


class CommoditySerializer(serializers.ModelSerializer):
    base_unit = serializers.CharField(source="base_unit.code", read_only=True)
    names = serializers.DictField(
        source="translations",
        child=serializers.CharField(),
        read_only=True,
        help_text="Display name per language code.",
    )
    aliases = serializers.SerializerMethodField(help_text="Other names it answers to.")

    class Meta:
        model = Commodity
        fields = ["id", "slug", "name", "category", "base_unit", "names", "aliases"]

    def get_aliases(self, obj: Commodity) -> list[str]:
        return _alias_names(obj)


class MarketSerializer(serializers.ModelSerializer):
    region = RegionSerializer(read_only=True)
    names = serializers.DictField(
        source="translations", child=serializers.CharField(), read_only=True
    )
    aliases = serializers.SerializerMethodField()
    distance_km = serializers.SerializerMethodField(
        help_text="With `near`: kilometres from that point; otherwise null."
    )

    class Meta:
        model = Market
        fields = [
            "id",
            "slug",
            "name",
            "region",
            "district",
            "latitude",
            "longitude",
            "kind",
            "names",
            "aliases",
            "distance_km",
        ]

    def get_aliases(self, obj: Market) -> list[str]:
        return _alias_names(obj)

    def get_distance_km(self, obj: Market) -> float | None:
        return getattr(obj, "distance_km", None)


class QuoteSerializer(serializers.ModelSerializer):
    commodity = CommodityRefSerializer(read_only=True)
    market = MarketRefSerializer(read_only=True)
    unit = serializers.CharField(source="unit.code", read_only=True)
    base_unit = serializers.CharField(source="commodity.base_unit.code", read_only=True)

    class Meta:
        model = Quote
        fields = [
            "id",
            "commodity",
            "market",
            "price",
            "currency",
            "unit",
            "price_type",
            "price_per_base_unit",
            "base_unit",
            "observed_on",
            "source",
            "status",
            "status_reason",
            "external_id",
            "created_at",
        ]


class IsoDateField(serializers.DateField):
    """A day in the digits 0 to 9 (``validation.readable_date_text``): DRF's date
    parser, as Django's, reads any script's digits, so ２０２６-１２-０１ would pass for a
    day."""

    default_error_messages = {"empty": _("empty: leave it out, or write YYYY-MM-DD")}

    def to_internal_value(self, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            self.fail("empty")  # a blank cell of the caller's sheet, not a mistyped day
        if isinstance(value, str) and not readable_date_text(value):
            self.fail("invalid", format="YYYY-MM-DD")
        return super().to_internal_value(value)


class QuoteInputSerializer(serializers.Serializer):
    """One price as an agent sends it."""

    commodity = RefField(kind="commodity", resolve=commodity_by_ref)
    market = MarketRefField(kind="market", resolve=market_by_ref)
    unit = serializers.CharField(
        max_length=40, help_text="Unit code, e.g. `kg`, `bag50kg`, `10pcs`, `l`."
    )
    # Digits and places are checked by record_quote against the column, as on every path.
    price = serializers.DecimalField(max_digits=None, decimal_places=None, coerce_to_string=True)
    observed_on = IsoDateField(
        required=False,
        help_text="Day the price was seen (default: today).",
        # In the caller's language, as the other refusals of a price.
        error_messages={
            "invalid": _("not a day: write YYYY-MM-DD, a day that exists"),
            "empty": _("empty: leave it out for today, or write YYYY-MM-DD"),
            "null": _("empty: leave it out for today, or write YYYY-MM-DD"),
        },
    )
    price_type = serializers.ChoiceField(choices=PriceType.choices, default=PriceType.RETAIL)
    # What a currency may be is validation.currency_error's, as on every path.
    currency = serializers.CharField(
        max_length=12,
        trim_whitespace=True,
        required=False,
        help_text=(
            "ISO 4217; default the service's currency. Another currency is held for "
            "review and compared with nothing."
        ),
    )
    external_id = serializers.CharField(
        max_length=200,
        required=False,
        help_text="Your own id for this price: a retried request with it is answered, not doubled.",
    )

    def validate_unit(self, value: str) -> Any:
        unit = unit_by_code(value)
        if unit is None:
            raise serializers.ValidationError(f"unknown unit {value!r}", code="unknown")
        return unit

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs.setdefault("observed_on", timezone.localdate())
        return attrs


class BatchItemResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["created", "unchanged", "rejected"])
    quote = QuoteSerializer(required=False)
    errors = serializers.ListField(  # type: ignore[assignment]  # the API field name
        child=serializers.DictField(), required=False
    )


class BatchResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    rejected = serializers.IntegerField()
    results = BatchItemResultSerializer(many=True)


class ReviewInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "reject"])
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class LatestPriceSerializer(serializers.ModelSerializer):
    commodity = CommodityRefSerializer(read_only=True)
    market = MarketRefSerializer(read_only=True)
    unit = serializers.CharField(source="unit.code", read_only=True)
    base_unit = serializers.CharField(source="commodity.base_unit.code", read_only=True)
    # No limit of digits: a price that rose from 0.0001 to 999999 rose by 10⁹ %, and says so.
    change_week_pct = serializers.DecimalField(
        max_digits=None,
        decimal_places=1,
        read_only=True,
        allow_null=True,
        help_text="Percent change per base unit against the price 7-14 days earlier.",
    )
    change_month_pct = serializers.DecimalField(
        max_digits=None,
        decimal_places=1,
        read_only=True,
        allow_null=True,
        help_text="Percent change per base unit against the price 28-62 days earlier.",
    )

    class Meta:
        model = LatestPrice
        fields = [
            "commodity",
            "market",
            "price_type",
            "price",
            "currency",
            "unit",
            "price_per_base_unit",
            "base_unit",
            "observed_on",
            "change_week_pct",
            "week_ago_on",
            "change_month_pct",
            "month_ago_on",
            "quote",
        ]


def series_point(summary: Summary) -> dict[str, Any]:
    """One point of a series as the API shows it (described by SeriesPointSerializer).
    Built directly: a year of weeks at every market is thousands of points, too many for
    serializer fields on a hot path. Schemathesis checks it against the schema."""
    return {
        "period_start": summary.period_start.isoformat(),
        "median": f"{summary.median:.4f}",
        "low": f"{summary.low:.4f}",
        "high": f"{summary.high:.4f}",
        "count": summary.count,
    }


class SeriesPointSerializer(serializers.Serializer):
    period_start = serializers.DateField()
    median = serializers.DecimalField(max_digits=20, decimal_places=4)
    low = serializers.DecimalField(max_digits=20, decimal_places=4)
    high = serializers.DecimalField(max_digits=20, decimal_places=4)
    count = serializers.IntegerField()


class MarketSeriesSerializer(serializers.Serializer):
    market = MarketRefSerializer()
    points = SeriesPointSerializer(many=True)


class SeriesSerializer(serializers.Serializer):
    commodity = CommodityRefSerializer()
    period = serializers.ChoiceField(choices=PERIODS)
    price_type = serializers.ChoiceField(choices=PriceType.choices)
    base_unit = serializers.CharField(help_text="Medians are prices per this unit.")
    start = serializers.DateField()
    end = serializers.DateField()
    series = MarketSeriesSerializer(many=True)


class PriceWarningSerializer(serializers.ModelSerializer):
    commodity = CommodityRefSerializer(read_only=True)
    market = MarketRefSerializer(read_only=True)
    month = serializers.SerializerMethodField(help_text="The month, `YYYY-MM`.")
    base_unit = serializers.CharField(source="commodity.base_unit.code", read_only=True)
    currency = serializers.SerializerMethodField()
    price = serializers.DecimalField(
        max_digits=20,
        decimal_places=4,
        read_only=True,
        help_text="The month's median approved price per base unit.",
    )
    normal_price = serializers.DecimalField(
        max_digits=20,
        decimal_places=4,
        read_only=True,
        allow_null=True,
        help_text="ALPS's seasonal trend: the price expected for the month. Null with "
        "not enough history.",
    )
    above_normal_pct = serializers.IntegerField(read_only=True, allow_null=True)
    alps = serializers.FloatField(
        read_only=True, allow_null=True, help_text="WFP's Alert for Price Spikes, in σ."
    )
    alps_band = serializers.CharField(
        read_only=True,
        help_text=f"One of {', '.join(bands.names(bands.ALPS))}; empty without ALPS.",
    )
    ipa = serializers.FloatField(
        read_only=True, allow_null=True, help_text="FAO's Indicator of Price Anomalies."
    )
    ipa_band = serializers.CharField(
        read_only=True,
        help_text=f"One of {', '.join(bands.names(bands.IPA))}; empty when the month lacks "
        "the prices 3 and 12 months before it.",
    )
    history = serializers.SerializerMethodField(
        help_text="`enough`, or `not_enough` (then `short_of` says why)."
    )
    short_of = serializers.CharField(read_only=True)
    season = serializers.CharField(
        read_only=True,
        help_text=f"{' or '.join(f'`{s.name}`' for s in bands.SEASONS)} for the season, or empty.",
    )

    class Meta:
        model = PriceWarning
        fields = [
            "commodity",
            "market",
            "price_type",
            "month",
            "price",
            "currency",
            "base_unit",
            "normal_price",
            "above_normal_pct",
            "alps",
            "alps_band",
            "ipa",
            "ipa_band",
            "season",
            "history",
            "short_of",
        ]

    @extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2026-11"})
    def get_month(self, warning: PriceWarning) -> str:
        return f"{warning.month:%Y-%m}"

    def get_currency(self, warning: PriceWarning) -> str:
        return settings.AGRIPRICES_CURRENCY

    def get_history(self, warning: PriceWarning) -> str:
        return "not_enough" if warning.short_of else "enough"
