"""Bulletin publishing; prices are reviewed and recorded through agriprices.services."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from agriprices.audit.models import AuditAction
from agriprices.audit.services import record
from agriprices.models import Region
from agriprices.warnings import bands
from agriprices.warnings.models import PriceWarning
from sms_gateway import broadcasts
from sms_gateway.models import Broadcast
from sms_gateway.replies import format_price
from sms_gateway.segments import count_segments
from telecentre.models import Bulletin
from telecentre.selectors import warnings as warning_pages


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


def _sms_key(bulletin: Bulletin) -> str | None:
    """The key the bulletin's SMS goes out under; None while one stands (waiting, sending
    or sent), so publishing again sends nothing more. After one was rejected or expired
    unapproved, a corrected summary may be asked for again, under a key of its own."""
    current = bulletin.broadcast
    if current is None:
        return f"bulletin:{bulletin.pk}"
    if current.status in (Broadcast.Status.REJECTED, Broadcast.Status.EXPIRED):
        return f"bulletin:{bulletin.pk}:after:{current.pk}"
    return None


def publish_bulletin(*, bulletin_id: int, by: User, send_sms: bool) -> Bulletin:
    """Publish now (a published one stays as it is) and, when asked, send the SMS summary
    to the subscribers of its regions, once: publishing again sends nothing more."""
    if not by.has_perm("telecentre.publish_bulletin"):
        raise BulletinError(_("Only operators may publish bulletins."))
    if send_sms:
        # Refused before the transaction below, which a refusal would roll back with
        # its audit row.
        ahead = Bulletin.objects.select_related("broadcast").get(pk=bulletin_id)
        key = _sms_key(ahead)
        if key and ahead.sms_summary.strip():
            problem = broadcasts.refusal(broadcast_preview(ahead), key=key, created_by=by)
            if problem:
                raise BulletinError(problem)
    with transaction.atomic():
        bulletin = Bulletin.objects.select_for_update().get(pk=bulletin_id)
        newly_published = bulletin.published_at is None or bulletin.published_at > timezone.now()
        if newly_published:
            bulletin.published_at = timezone.now()
        if bulletin.status == "expired":
            raise BulletinError(_("The bulletin has expired; change its end date first."))
        key = _sms_key(bulletin)
        if send_sms and key:
            if not bulletin.sms_summary.strip():
                raise BulletinError(_("Write an SMS summary first."))
            problem = sms_summary_problem(bulletin.sms_summary)
            if problem:
                raise BulletinError(problem)
            try:
                bulletin.broadcast, _created = broadcasts.start_broadcast(
                    key=key,
                    body=bulletin.sms_summary,
                    region_ids=list(bulletin.regions.values_list("pk", flat=True)),
                    language=bulletin.language,
                    created_by=by,
                )
            except broadcasts.BroadcastError as exc:
                raise BulletinError(str(exc)) from exc
        bulletin.save(update_fields=["published_at", "broadcast", "updated_at"])
        if newly_published:
            record(
                AuditAction.BULLETIN_PUBLISHED,
                actor=by,
                subject=f"bulletin {bulletin.pk}",
                detail=bulletin.title,
            )
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


def warnings_draft(*, region: Region | None, language: str) -> dict[str, object]:
    """A bulletin's first draft from the month's price warnings (alert and crisis, then
    prices low for the season), in ``language``: the initial values of the bulletin
    form. The operator edits it before anything is published."""
    page = warning_pages.warnings_page(region=region)
    with translation.override(language):
        month = page.alarming[0].month if page.alarming else timezone.localdate()
        lines = []
        for warning in page.announced:
            crop = warning.commodity.display_name(language)
            market = warning.market.display_name(language)
            lines.append(
                _(
                    "%(crop)s at %(market)s: %(price)s %(currency)s/%(unit)s, %(pct)+d %% against "
                    "the normal price for the season (%(band)s)."
                )
                % {
                    "crop": crop,
                    "market": market,
                    "price": format_price(warning.price),
                    "currency": settings.AGRIPRICES_CURRENCY,
                    "unit": warning.commodity.base_unit.code,
                    "pct": warning.above_normal_pct or 0,
                    "band": _band_word(warning),
                }
            )
        summary = "; ".join(
            f"{w.commodity.display_name(language)} {w.market.display_name(language)} "
            f"{w.above_normal_pct or 0:+d}%"
            for w in page.announced
        )
        return {
            "title": _("Price warnings, %(month)s") % {"month": date_format(month, "F Y")},
            "category": Bulletin.Category.MARKET,
            "language": language,
            "regions": [region] if region else list(Region.objects.all()),
            "body": "\n".join(lines) or _("No crop is in alert or crisis."),
            "sms_summary": fit_summary(summary),
        }


def _band_word(warning: PriceWarning) -> str:
    """What the band table calls the band a warning shows."""
    band = bands.band(warning.badge)
    return str(band.label) if band is not None else ""


def fit_summary(text: str) -> str:
    """``text`` cut at a "; " so it stays within the SMS segments a bulletin may use."""
    while text and sms_summary_problem(text):
        text = text.rsplit("; ", 1)[0] if "; " in text else text[:-1]
    return text
