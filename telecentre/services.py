"""Bulletin publishing; prices are reviewed and recorded through agriprices.services."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sms_gateway import broadcasts
from sms_gateway.segments import count_segments
from telecentre.models import Bulletin


class BulletinError(Exception):
    pass


def sms_summary_problem(text: str) -> str | None:
    """Why an SMS summary cannot be sent as it is, or None."""
    segments = count_segments(text).segments
    if segments > settings.BULLETIN_SMS_MAX_SEGMENTS:
        return _("The SMS summary takes %(n)d SMS; the most allowed is %(max)d.") % {
            "n": segments,
            "max": settings.BULLETIN_SMS_MAX_SEGMENTS,
        }
    return None


def broadcast_preview(bulletin: Bulletin) -> broadcasts.BroadcastPreview:
    """How many subscribers the summary would reach and what it would cost."""
    return broadcasts.preview(
        body=bulletin.sms_summary,
        region_ids=[r.pk for r in bulletin.regions.all()],
        language=bulletin.language,
    )


def publish_bulletin(*, bulletin_id: int, by: User, send_sms: bool) -> Bulletin:
    """Publish now (a published one stays as it is) and, when asked, send the SMS summary
    to the subscribers of its regions, once: publishing again sends nothing more."""
    if not by.has_perm("telecentre.publish_bulletin"):
        raise BulletinError(_("Only operators may publish bulletins."))
    with transaction.atomic():
        bulletin = Bulletin.objects.select_for_update().get(pk=bulletin_id)
        if bulletin.published_at is None or bulletin.published_at > timezone.now():
            bulletin.published_at = timezone.now()
        if bulletin.status == "expired":
            raise BulletinError(_("The bulletin has expired; change its end date first."))
        if send_sms and bulletin.broadcast_id is None:
            if not bulletin.sms_summary.strip():
                raise BulletinError(_("Write an SMS summary first."))
            problem = sms_summary_problem(bulletin.sms_summary)
            if problem:
                raise BulletinError(problem)
            bulletin.broadcast, _created = broadcasts.start_broadcast(
                key=f"bulletin:{bulletin.pk}",
                body=bulletin.sms_summary,
                region_ids=list(bulletin.regions.values_list("pk", flat=True)),
                language=bulletin.language,
                created_by=by,
            )
        bulletin.save(update_fields=["published_at", "broadcast", "updated_at"])
    return bulletin


def expire_bulletin(*, bulletin_id: int, by: User) -> Bulletin:
    """Take a bulletin off the pages from today."""
    if not by.has_perm("telecentre.change_bulletin"):
        raise BulletinError(_("Only operators may change bulletins."))
    with transaction.atomic():
        bulletin = Bulletin.objects.select_for_update().get(pk=bulletin_id)
        bulletin.expires_on = timezone.localdate() - timedelta(days=1)
        bulletin.save(update_fields=["expires_on", "updated_at"])
    return bulletin
