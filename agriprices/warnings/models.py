"""The stored price warnings: derived data, computed by ``computation`` and read through
``queries``. They belong to the ``agriprices`` app (``agriprices.models`` imports them)
and keep its table names."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from agriprices.models import Commodity, Market, PriceType
from agriprices.warnings import bands


class PriceWarning(models.Model):
    """What WFP's ALPS and FAO's IPA make of one month of one series (see
    ``indicators``). Derived data: computed from the monthly PriceSummary rows by
    ``computation.refresh_warnings`` (nightly, and on demand), never edited."""

    commodity = models.ForeignKey(Commodity, on_delete=models.CASCADE, related_name="+")
    market = models.ForeignKey(Market, on_delete=models.CASCADE, related_name="+")
    price_type = models.CharField(max_length=12, choices=PriceType)
    month = models.DateField(help_text=_("First day of the month."))
    price = models.DecimalField(max_digits=20, decimal_places=4)  # the month's median
    normal_price = models.DecimalField(max_digits=20, decimal_places=4, null=True)
    spread = models.DecimalField(max_digits=20, decimal_places=4, null=True)
    alps = models.FloatField(null=True)
    # The bands are names from ``bands.BANDS`` ("" when not judged). No choices: that
    # table is the one list of bands, and a new band needs no migration.
    alps_band = models.CharField(max_length=8, blank=True)
    ipa = models.FloatField(null=True)
    ipa_band = models.CharField(max_length=8, blank=True)
    #: Why ALPS could not be computed ("18 months of history, 36 needed"); "" when it was.
    short_of = models.CharField(max_length=80, blank=True)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "agriprices"
        verbose_name = _("price warning")
        verbose_name_plural = _("price warnings")
        constraints = [
            models.UniqueConstraint(
                fields=["commodity", "market", "price_type", "month"], name="price_warning_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["month", "alps_band"], name="price_warning_month_idx"),
            models.Index(fields=["computed_at"], name="price_warning_computed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.commodity_id}@{self.market_id} {self.month:%Y-%m} {self.alps_band}"

    @property
    def season(self) -> str:
        """ "high", "low" or "" for the season (``bands.season``)."""
        return bands.season(self.alps, self.ipa)

    @property
    def badge(self) -> str:
        """The band a table shows for it (``bands.badge``)."""
        return bands.badge(self.alps_band, self.alps, self.ipa)

    @property
    def above_normal_pct(self) -> int | None:
        """How far the price is from the normal price, in whole percent."""
        if not self.normal_price:
            return None
        return round((self.price - self.normal_price) / self.normal_price * 100)


class WarningRun(models.Model):
    """One computation of the price warnings: the next nightly run recomputes only the
    series whose prices changed since the last finished one started."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True)
    series = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)  # month rows written or removed

    class Meta:
        app_label = "agriprices"
        ordering = ["-started_at"]
        get_latest_by = "started_at"

    def __str__(self) -> str:
        return f"warnings {self.started_at:%Y-%m-%d %H:%M}: {self.series} series"
