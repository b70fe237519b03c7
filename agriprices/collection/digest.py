"""The operators' daily collection digest, by e-mail: the markets missed
``COLLECTION_ESCALATE_AFTER`` rounds in a row, those gone silent (``silent_markets``)
and this week's completeness. Sent once
per day: the day's row is taken in the transaction before the mail goes."""

from __future__ import annotations

import logging
from datetime import date

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from agriprices.collection import streaks
from agriprices.collection.completeness import Completeness, completeness, silent_markets
from agriprices.collection.models import CollectionDigest
from agriprices.collection.schedule import week_of
from agriprices.roles import operators_to_tell
from config import site

logger = logging.getLogger(__name__)


def digest_text(report: Completeness) -> tuple[str, str]:
    """(subject, body) in the active language."""
    escalated = report.escalated()
    silent = silent_markets(report)
    subject = _(
        "Price collection %(week)s: %(percent)s received, %(n)d market(s) flagged, "
        "%(silent)d gone silent"
    ) % {
        "week": report.period.label,
        "percent": "—" if report.overall.percent is None else f"{report.overall.percent} %",
        "n": len(escalated),
        "silent": len(silent),
    }
    body = render_to_string(
        "agriprices/collection_digest.txt",
        {
            "report": report,
            "escalated": [
                (
                    report.markets[pk],
                    report.market_streaks[pk],
                    streaks.shown(report.market_streaks[pk]),
                )
                for pk in escalated
            ],
            "silent": silent,
            # A mail is read away from the site: its link must say where the site is.
            "details_url": site.absolute(reverse("telecentre:collection")),
        },
    )
    return subject, body


def send_digest(day: date, *, dry_run: bool = False) -> int:
    """Mail the digest of ``day`` to every operator with an address; returns how many
    were sent (0 when it went already today, or nobody has an address)."""
    report = completeness(week_of(day), today=day)
    recipients = operators_to_tell()
    if dry_run or not recipients:
        return len(recipients) if dry_run else 0
    try:
        with transaction.atomic():
            CollectionDigest.objects.create(day=day, recipients=len(recipients))
            with translation.override(settings.LANGUAGE_CODE):
                subject, body = digest_text(report)
            # Inside the transaction: a mail server that refuses it leaves no row, and
            # the next run tries again.
            send_mail(subject, body, None, [user.email for user in recipients])
    except IntegrityError:
        logger.info("collection digest of %s was sent already", day)
        return 0
    logger.info("collection digest of %s sent to %d operator(s)", day, len(recipients))
    return len(recipients)
