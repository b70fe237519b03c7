"""The collection plan: per market, the days prices are collected and the crops and
price types expected there. Part of the ``agriprices`` app (``agriprices.models``
imports this module), keeping its table names."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agriprices.models import AgentProfile, Commodity, Market, PriceType

WEEKDAY_CHOICES = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


#: The widest tolerance a plan may have: a price at most this many days from a
#: collection day counts for it, so no round stays open longer after its day.
MAX_TOLERANCE_DAYS = 6


def weekday_names(days: Iterable[int]) -> str:
    """Market days by name in the active language, Monday first ("Tuesday, Friday")."""
    chosen = set(days)
    return ", ".join(str(label) for day, label in WEEKDAY_CHOICES if day in chosen)


def weekday_numbers(digits: str) -> tuple[int, ...]:
    """The weekdays a plan's digits name, Monday = 0, in order ("41": (1, 4))."""
    return tuple(sorted(int(ch) for ch in digits))


def validate_weekdays(value: str) -> None:
    if not value or any(ch not in "0123456" for ch in value) or len(set(value)) != len(value):
        raise ValidationError(
            _("Weekdays are digits 0 (Monday) to 6 (Sunday), each at most once, e.g. 14."),
            code="invalid",
        )


#: How long after a version takes effect its first collection day may be.
FIRST_DAY_REACH = timedelta(days=366)


class CollectionPlan(models.Model):
    """A version of a market's plan: when its prices are collected, on some weekdays
    (market days differ by town) or every N days from a first day, from the day the
    version takes effect (``effective_from``) until the next version does. Each day is
    judged by the version in force that day, so a change does not rewrite the past;
    before a market's first version, and for a market without one, the default plan
    applies (``plans.market_plans``)."""

    class Kind(models.TextChoices):
        WEEKDAYS = "weekdays", _("on weekdays")
        EVERY = "every", _("every N days")

    market = models.ForeignKey(
        Market, on_delete=models.CASCADE, related_name="collection_plans", verbose_name=_("market")
    )
    effective_from = models.DateField(
        _("takes effect"),
        default=timezone.localdate,
        help_text=_("The first day this plan applies to; days before it keep the plan they had."),
    )
    kind = models.CharField(_("schedule"), max_length=8, choices=Kind, default=Kind.WEEKDAYS)
    #: Digits of the weekdays, Monday = 0: "14" is Tuesday and Friday.
    weekdays = models.CharField(
        _("weekdays"),
        max_length=7,
        blank=True,
        help_text=_("Digits 0 (Monday) to 6 (Sunday), e.g. 14 for Tuesday and Friday."),
    )
    every_days = models.PositiveSmallIntegerField(_("every N days"), null=True, blank=True)
    starts_on = models.DateField(
        _("first collection day"),
        null=True,
        blank=True,
        help_text=_(
            "For every N days: the first day prices are collected; the next are counted from it."
        ),
    )
    tolerance_days = models.PositiveSmallIntegerField(
        _("tolerance (days)"),
        default=1,
        help_text=_("A price this many days before or after a collection day counts for it."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("collection plan")
        verbose_name_plural = _("collection plans")
        ordering = ["market", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["market", "effective_from"], name="collection_plan_version_once"
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="weekdays", every_days__isnull=True) & ~Q(weekdays="")
                    | Q(kind="every", every_days__gte=1, starts_on__isnull=False)
                ),
                name="collection_plan_schedule_complete",
            ),
            models.CheckConstraint(
                condition=Q(tolerance_days__lte=MAX_TOLERANCE_DAYS),
                name="collection_plan_tolerance_small",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.market} ({self.effective_from})"

    def clean(self) -> None:
        if self.kind == self.Kind.WEEKDAYS:
            try:
                validate_weekdays(self.weekdays)
            except ValidationError as exc:
                raise ValidationError({"weekdays": exc.messages}) from exc
            self.every_days, self.starts_on = None, None
        else:
            if not self.every_days or self.every_days > 90:
                raise ValidationError({"every_days": _("Between 1 and 90 days.")})
            if self.starts_on is None:
                raise ValidationError({"starts_on": _("Needed for every N days.")})
            if self.starts_on > (self.effective_from or timezone.localdate()) + FIRST_DAY_REACH:
                # A slip of the year (2062 for 2026) would silently drop the market from
                # every count until then.
                raise ValidationError(
                    {"starts_on": _("At most a year after the plan takes effect.")}
                )
            self.weekdays = ""
        if self.tolerance_days > MAX_TOLERANCE_DAYS:
            raise ValidationError({"tolerance_days": _("At most 6 days.")})

    @property
    def weekday_numbers(self) -> tuple[int, ...]:
        return weekday_numbers(self.weekdays)


class PlannedItem(models.Model):
    """A crop and price type expected at a market on each of its collection days, and
    who is expected to report it (empty: any agent of the market)."""

    plan = models.ForeignKey(CollectionPlan, on_delete=models.CASCADE, related_name="items")
    commodity = models.ForeignKey(
        Commodity, on_delete=models.CASCADE, related_name="+", verbose_name=_("commodity")
    )
    price_type = models.CharField(
        _("price type"), max_length=12, choices=PriceType, default=PriceType.RETAIL
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agent"),
        help_text=_("Who reports it; empty means any agent of the market."),
    )

    class Meta:
        verbose_name = _("planned price")
        verbose_name_plural = _("planned prices")
        ordering = ["commodity__name", "price_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "commodity", "price_type"], name="planned_item_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.commodity} ({self.get_price_type_display()})"

    def clean(self) -> None:
        # The agent must be able to record it: record_quote refuses other markets.
        if self.agent_id is None or self.plan_id is None:
            return
        assigned = AgentProfile.objects.filter(
            user_id=self.agent_id, markets=self.plan.market_id
        ).exists()
        if not assigned:
            raise ValidationError({"agent": _("This agent is not assigned to the market.")})


class CollectionDigest(models.Model):
    """The operators' daily collection digest, sent once per day however often the job
    runs: the row is taken before the mail goes."""

    day = models.DateField(unique=True)
    sent_at = models.DateTimeField(auto_now_add=True)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("collection digest")
        verbose_name_plural = _("collection digests")

    def __str__(self) -> str:
        return self.day.isoformat()
