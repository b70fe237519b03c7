"""What ODK Collect sends beside a form's prices: a photo of the price board."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Photo(models.Model):
    """A photo sent with a form; the form's prices are the quotes whose external id
    starts with ``odk:<instance_id>:``."""

    instance_id = models.CharField(max_length=120, db_index=True)
    name = models.CharField(max_length=120)  # the file's name in the form
    image = models.FileField(upload_to="collect/%Y/%m/")
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        constraints = [
            models.UniqueConstraint(fields=["instance_id", "name"], name="photo_once"),
        ]

    def __str__(self) -> str:
        return f"{self.instance_id}/{self.name}"


class CollectKey(models.Model):
    """A key for one phone's Collect: the token is part of the server URL
    (``/openrosa/key/<token>/``), so the phone holds no password. Only the token's
    SHA-256 is kept; the token itself is shown once, when the key is issued."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="collect_keys",
        verbose_name=_("agent"),
    )
    name = models.CharField(_("phone"), max_length=80)
    token_sha256 = models.CharField(max_length=64, unique=True)
    #: The form's one-time id, so a double tap on "Issue" makes one key, not two.
    request_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    first_used_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    last_address = models.GenericIPAddressField(_("last address"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("Collect key")
        verbose_name_plural = _("Collect keys")
        ordering = ["-created_at", "-pk"]
        permissions = [("manage_collect_keys", _("Can issue and revoke any agent's Collect keys"))]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "request_id"],
                condition=~models.Q(request_id=""),
                name="collect_key_issued_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.user_id})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()
