"""The catalogue: regions, markets, crops and units, their names in each language and the
aliases people write them by, and the agents who record prices at markets."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from agriprices.names import name_in, normalize_name
from agriprices.validation import validate_names_by_language


def _translations_field(help_text: str | Promise) -> models.JSONField:
    return models.JSONField(
        _("translations"),
        default=dict,
        blank=True,
        validators=[validate_names_by_language],
        help_text=help_text,
    )


def _locatives_field() -> models.JSONField:
    return models.JSONField(
        _("“in …” per language"),
        default=dict,
        blank=True,
        validators=[validate_names_by_language],
        help_text=_(
            "How the radio script says “in this place”, per language code, where the rule "
            'gets it wrong, e.g. {"ru": "на Дордое", "en": "at Dordoi"}. Leave a language '
            "out to use the rule; the form below shows what it gives."
        ),
    )


class NamedInLanguages(models.Model):
    """A place or crop with names per language: an emptied field ("null" typed in the
    admin) is no names, not a row the database refuses."""

    name: models.CharField
    translations: models.JSONField
    #: When its names (or anything else) last changed: cached answers that show it are
    #: keyed by it (selectors.latest.prices_last_modified), so a rename shows at once.
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True

    def clean(self) -> None:
        for field in ("translations", "locatives"):
            if hasattr(self, field) and getattr(self, field) is None:
                setattr(self, field, {})

    def display_name(self, language: str) -> str:
        return name_in(self.translations, language) or self.name


class Region(NamedInLanguages):
    """First-level administrative area (WFP's admin1), e.g. Osh Region."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    translations = _translations_field(
        _('Name shown per language code, e.g. {"ru": "Ошская область", "ky": "Ош облусу"}.')
    )
    locatives = _locatives_field()

    class Meta:
        ordering = ["name"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """A unit a price is quoted in, and how many base units of its dimension it holds.

    Base units are kg (mass), l (volume) and pcs (count). A unit that measures
    something else (a loaf, a day's wage) is its own dimension with quantity 1, so it
    only converts to itself.
    """

    class Dimension(models.TextChoices):
        MASS = "mass", _("mass (kg)")
        VOLUME = "volume", _("volume (l)")
        COUNT = "count", _("count (pieces)")

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    dimension = models.CharField(_("dimension"), max_length=40)
    base_quantity = models.DecimalField(
        _("quantity in base units"), max_digits=14, decimal_places=6, default=Decimal(1)
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)  # see NamedInLanguages

    class Meta:
        ordering = ["dimension", "base_quantity"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.CheckConstraint(
                condition=Q(base_quantity__gt=0), name="unit_base_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def converts_to(self, other: Unit) -> bool:
        return self.dimension == other.dimension

    def factor_to(self, other: Unit) -> Decimal:
        """How many ``other`` one of this unit holds (50 for bag50kg -> kg)."""
        if not self.converts_to(other):
            raise ValueError(f"{self.code} cannot be converted to {other.code}")
        return self.base_quantity / other.base_quantity


class Commodity(NamedInLanguages):
    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    category = models.CharField(_("category"), max_length=80, blank=True)
    translations = _translations_field(
        _('Name shown per language code, e.g. {"ru": "Картофель", "ky": "Картошка"}.')
    )
    base_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("base unit"),
        help_text=_("Prices are compared per this unit; quotes must use a unit of its kind."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("commodity")
        verbose_name_plural = _("commodities")

    def __str__(self) -> str:
        return self.name


class Market(NamedInLanguages):
    class Kind(models.TextChoices):
        RETAIL = "retail", _("retail")
        WHOLESALE = "wholesale", _("wholesale")
        FARM_GATE = "farmgate", _("farm gate")

    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="markets", verbose_name=_("region")
    )
    district = models.CharField(_("district"), max_length=120, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind, default=Kind.RETAIL)
    translations = _translations_field(
        _('Name shown per language code, e.g. {"ru": "Джалал-Абад", "fr": "Djalal-Abad"}.')
    )
    locatives = _locatives_field()

    class Meta:
        ordering = ["name"]
        verbose_name = _("market")
        verbose_name_plural = _("markets")

    def __str__(self) -> str:
        return self.name


class AliasBase(models.Model):
    """Another name for a thing, in any language or script, or an outside code.

    ``normalized`` is what matching compares (see ``names.normalize_name``). Codes
    (e.g. ``wfp:2618``) match imports only, never a farmer's free text.
    """

    class Kind(models.TextChoices):
        NAME = "name", _("name")
        CODE = "code", _("external code")

    name = models.CharField(_("alias"), max_length=120)
    normalized = models.CharField(max_length=120, editable=False, db_index=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind, default=Kind.NAME)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)  # see NamedInLanguages

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.normalized = normalize_name(self.name)
        super().save(*args, **kwargs)


class CommodityAlias(AliasBase):
    commodity = models.ForeignKey(Commodity, on_delete=models.CASCADE, related_name="aliases")

    class Meta:
        verbose_name = _("commodity alias")
        verbose_name_plural = _("commodity aliases")
        constraints = [
            models.UniqueConstraint(fields=["normalized", "kind"], name="commodity_alias_unique"),
        ]


class MarketAlias(AliasBase):
    market = models.ForeignKey(Market, on_delete=models.CASCADE, related_name="aliases")

    class Meta:
        verbose_name = _("market alias")
        verbose_name_plural = _("market aliases")
        constraints = [
            models.UniqueConstraint(fields=["normalized", "kind"], name="market_alias_unique"),
        ]


class AgentProfile(models.Model):
    """A market agent: a user in the "market agents" group and the markets they cover."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_profile"
    )
    markets = models.ManyToManyField(Market, related_name="agents", blank=True)
    phone = models.CharField(_("phone (E.164)"), max_length=20, blank=True)
    language = models.CharField(
        _("language"),
        max_length=2,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Reminders are written in it; empty means the service's language."),
    )
    reminder_channel = models.CharField(
        _("reminders by"),
        max_length=8,
        choices=[("sms", _("SMS")), ("whatsapp", _("WhatsApp"))],
        default="sms",
        help_text=_("Where collection reminders go: the phone above, by SMS or WhatsApp."),
    )

    class Meta:
        verbose_name = _("market agent")
        verbose_name_plural = _("market agents")

    def __str__(self) -> str:
        return self.user.get_username()
