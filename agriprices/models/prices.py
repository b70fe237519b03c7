"""Prices and their invariants: each observed quote and its history of decisions, and
what is derived from the approved ones (the latest price per series, the weekly and
monthly summaries). Constraints live in the database so a race fails loudly instead of
doubling data."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agriprices.models.catalogue import Commodity, Market, Unit


class PriceType(models.TextChoices):
    RETAIL = "retail", _("retail")
    WHOLESALE = "wholesale", _("wholesale")
    FARM_GATE = "farmgate", _("farm gate")


def new_external_id() -> str:
    return f"ap:{uuid.uuid4().hex}"


class Quote(models.Model):
    """One observed price. Never deleted by the service: a wrong price is rejected."""

    class Source(models.TextChoices):
        WEB = "web", _("web form")
        SMS = "sms", _("SMS")
        API = "api", _("API")
        IMPORT = "import", _("file import")
        COLLECT = "collect", _("ODK Collect")

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        APPROVED = "approved", _("approved")
        FLAGGED = "flagged", _("flagged")
        REJECTED = "rejected", _("rejected")

    commodity = models.ForeignKey(
        Commodity, on_delete=models.PROTECT, related_name="quotes", verbose_name=_("commodity")
    )
    # Indexed with its day (quote_market_day_idx), which serves lookups by market too.
    market = models.ForeignKey(
        Market,
        on_delete=models.PROTECT,
        related_name="quotes",
        verbose_name=_("market"),
        db_index=False,
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="quotes", verbose_name=_("unit")
    )
    # Four places, not two: WFP files carry sub-cent prices and an import must lose nothing.
    price = models.DecimalField(_("price"), max_digits=16, decimal_places=4)
    currency = models.CharField(_("currency"), max_length=3)
    price_type = models.CharField(
        _("price type"), max_length=12, choices=PriceType, default=PriceType.RETAIL
    )
    price_per_base_unit = models.DecimalField(
        _("price per base unit"), max_digits=20, decimal_places=6, editable=False
    )
    observed_on = models.DateField(_("observed on"))
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="quotes",
        verbose_name=_("agent"),
    )
    source = models.CharField(_("source"), max_length=8, choices=Source)
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.PENDING, db_index=True
    )
    status_reason = models.CharField(_("reason"), max_length=255, blank=True)
    # Stable identity for idempotent imports and exports: files re-imported match by it.
    external_id = models.CharField(
        _("external id"), max_length=255, unique=True, default=new_external_id
    )
    usd_price = models.DecimalField(
        _("price in USD"), max_digits=16, decimal_places=4, null=True, blank=True
    )
    price_flag = models.CharField(
        _("price flag"), max_length=20, blank=True, help_text=_("WFP: actual, aggregate, …")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-observed_on", "-id"]
        permissions = [
            ("review_quote", _("Can approve or reject prices")),
            ("record_any_market", _("Can record prices at any market")),
        ]
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="quote_price_positive"),
            # One live quote per agent, market, commodity, price type and day; a rejected
            # one does not block a corrected entry.
            models.UniqueConstraint(
                fields=["agent", "market", "commodity", "price_type", "observed_on"],
                condition=Q(agent__isnull=False) & ~Q(status="rejected"),
                name="quote_one_per_agent_day",
            ),
        ]
        indexes = [
            models.Index(
                fields=["commodity", "market", "price_type", "status", "observed_on"],
                name="quote_series_idx",
            ),
            models.Index(fields=["commodity", "status", "observed_on"], name="quote_commodity_idx"),
            # Last-Modified of API answers is max(updated_at): an index makes it O(log n).
            models.Index(fields=["updated_at"], name="quote_updated_idx"),
            # Completeness of collection: which series got a price at some markets on
            # some days, read from the index alone (no table row is visited), and a
            # year of days at every market as one range of it.
            models.Index(
                fields=["observed_on", "market", "commodity", "price_type", "status"],
                name="quote_collection_idx",
            ),
            # An agent's last report: their newest quote, one step into the index.
            models.Index(fields=["agent", "created_at"], name="quote_agent_recent_idx"),
            # A market's last price (a market gone silent, collection.completeness),
            # found without reading all of its prices.
            models.Index(fields=["market", "observed_on"], name="quote_market_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.commodity} @ {self.market} {self.observed_on}: {self.price} {self.currency}"


class QuoteEvent(models.Model):
    """Every status change of a quote: who, when, why. Append-only."""

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=10, choices=Quote.Status, blank=True)
    to_status = models.CharField(max_length=10, choices=Quote.Status)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.CharField(max_length=255, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("quote event")
        verbose_name_plural = _("quote events")

    def __str__(self) -> str:
        return f"{self.from_status or '-'} -> {self.to_status}"


class LatestPrice(models.Model):
    """The newest approved quote per (commodity, market, price type), with the reference
    prices a week and a month before it, so SMS replies and the dashboard read one row.

    Kept current by ``services.series.refresh_latest_price`` inside the transaction that changes
    a quote's status; never written anywhere else.
    """

    commodity = models.ForeignKey(Commodity, on_delete=models.CASCADE, related_name="+")
    market = models.ForeignKey(Market, on_delete=models.CASCADE, related_name="+")
    price_type = models.CharField(max_length=12, choices=PriceType)
    quote = models.OneToOneField(Quote, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    price = models.DecimalField(max_digits=16, decimal_places=4)
    currency = models.CharField(max_length=3)
    price_per_base_unit = models.DecimalField(max_digits=20, decimal_places=6)
    observed_on = models.DateField()
    week_ago_per_base_unit = models.DecimalField(
        max_digits=20, decimal_places=6, null=True, blank=True
    )
    week_ago_on = models.DateField(null=True, blank=True)
    month_ago_per_base_unit = models.DecimalField(
        max_digits=20, decimal_places=6, null=True, blank=True
    )
    month_ago_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("latest price")
        verbose_name_plural = _("latest prices")
        constraints = [
            models.UniqueConstraint(
                fields=["commodity", "market", "price_type"], name="latest_price_unique"
            ),
        ]
        indexes = [models.Index(fields=["market", "price_type"], name="latest_market_idx")]

    def __str__(self) -> str:
        return f"{self.commodity} @ {self.market}: {self.price} {self.currency}/{self.unit}"

    @staticmethod
    def _change(now: Decimal, then: Decimal | None) -> Decimal | None:
        if then is None or then == 0:
            return None
        return ((now - then) / then * 100).quantize(Decimal("0.1"))

    @property
    def change_week_pct(self) -> Decimal | None:
        """Percent change against the price a week earlier; None when there is none."""
        return self._change(self.price_per_base_unit, self.week_ago_per_base_unit)

    @property
    def change_month_pct(self) -> Decimal | None:
        return self._change(self.price_per_base_unit, self.month_ago_per_base_unit)


class PriceSummary(models.Model):
    """Median, lowest and highest approved price per base unit of one series in one week
    or month. Derived data: kept current by ``services.series.refresh_summaries`` in the
    transaction that changes the series' quotes, so charts and the series API read a row
    per period instead of every quote."""

    commodity = models.ForeignKey(Commodity, on_delete=models.CASCADE, related_name="+")
    market = models.ForeignKey(Market, on_delete=models.CASCADE, related_name="+")
    price_type = models.CharField(max_length=12, choices=PriceType)
    period = models.CharField(max_length=5, choices=[("week", "week"), ("month", "month")])
    period_start = models.DateField()
    median = models.DecimalField(max_digits=20, decimal_places=4)
    low = models.DecimalField(max_digits=20, decimal_places=6)
    high = models.DecimalField(max_digits=20, decimal_places=6)
    count = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("price summary")
        verbose_name_plural = _("price summaries")
        constraints = [
            models.UniqueConstraint(
                fields=["commodity", "price_type", "period", "period_start", "market"],
                name="price_summary_unique",
            ),
        ]
        indexes = [
            models.Index(
                fields=["market", "commodity", "price_type", "period", "period_start"],
                name="price_summary_market_idx",
            ),
            # One week at every market (the printed sheet) and the newest week.
            models.Index(
                fields=["period", "price_type", "period_start"], name="price_summary_week_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.commodity_id}@{self.market_id} {self.period} {self.period_start}"
