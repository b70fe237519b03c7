"""Agricultural bulletins: written by operators, read by anyone, summarised by SMS."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agriprices.models import Region


class BulletinQuerySet(models.QuerySet):
    def current(self) -> BulletinQuerySet:
        """Published and not expired."""
        return self.filter(published_at__lte=timezone.now()).filter(
            Q(expires_on__isnull=True) | Q(expires_on__gte=timezone.localdate())
        )


class Bulletin(models.Model):
    class Category(models.TextChoices):
        WEATHER = "weather", _("weather")
        PESTS = "pests", _("pests")
        PLANTING = "planting", _("planting")
        MARKET = "market", _("market")
        NOTICE = "notice", _("notice")

    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"))
    category = models.CharField(_("category"), max_length=10, choices=Category)
    regions = models.ManyToManyField(Region, verbose_name=_("regions"), related_name="+")
    language = models.CharField(_("language"), max_length=2, choices=settings.LANGUAGES)
    sms_summary = models.CharField(
        _("SMS summary"),
        max_length=480,
        blank=True,
        help_text=_("Sent to subscribers when the bulletin is published with SMS."),
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    broadcast = models.OneToOneField(
        "sms_gateway.Broadcast",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bulletin",
    )

    objects = BulletinQuerySet.as_manager()

    class Meta:
        verbose_name = _("bulletin")
        verbose_name_plural = _("bulletins")
        ordering = ["-published_at", "-created_at"]
        permissions = [
            ("publish_bulletin", _("Can publish bulletins and send them by SMS")),
            ("use_sms_simulator", _("Can try SMS commands in the simulator")),
        ]
        indexes = [models.Index(fields=["published_at", "expires_on"], name="bulletin_current")]

    def __str__(self) -> str:
        return self.title

    @property
    def status(self) -> str:
        if self.published_at is None:
            return "draft"
        if self.expires_on is not None and self.expires_on < timezone.localdate():
            return "expired"
        if self.published_at > timezone.now():
            return "scheduled"
        return "published"
