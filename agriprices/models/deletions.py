"""When something a cached answer may show was deleted. A deleted row leaves no newer
row behind, so the time of the last change (``selectors.latest.prices_last_modified``,
the key of every cached answer and their Last-Modified) reads the newest deletion too:
without it, deleting a market, a crop, a name or a plan version could leave an answer
showing it, and move Last-Modified backwards."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Deletion(models.Model):
    """One deleted row of the catalogue, the price warnings or the collection plans:
    what it was, and when."""

    kind = models.CharField(_("kind"), max_length=60)  # the model's label
    object_id = models.BigIntegerField(_("object id"))
    at = models.DateTimeField(_("deleted"), auto_now_add=True)

    class Meta:
        verbose_name = _("deletion")
        verbose_name_plural = _("deletions")
        indexes = [models.Index(fields=["at"], name="deletion_at_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} ({self.at:%Y-%m-%d %H:%M})"


#: How long a deletion is kept: only the newest counts, and a day of them says what
#: went lately to whoever looks (a recomputation of the warnings deletes rows nightly).
KEPT = timedelta(days=1)


def note_deletion(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    """A ``post_delete`` receiver: the row ``instance`` is gone (cascades included)."""
    noted = Deletion.objects.create(kind=sender._meta.label_lower, object_id=instance.pk)
    Deletion.objects.filter(at__lt=noted.at - KEPT).delete()
