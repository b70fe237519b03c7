"""What ODK Collect sends beside a form's prices: a photo of the price board."""

from __future__ import annotations

from django.conf import settings
from django.db import models
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
