"""The voice line's records: operators' recordings of clips, the calls' menus as they
were answered (so a resent webhook gets the same answer), and the calls we place back
to farmers who rang (the callback outbox)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sms_gateway.phones import mask_phone


class RecordedClip(models.Model):
    """An operator's recording of one clip: a piece of a spoken sentence (a prompt, a
    crop's name, a number word) in one language, normalised to the line's format. The
    newest recording of a text is the one played; synthesis stands in where there is
    none."""

    language = models.CharField(_("language"), max_length=2, choices=settings.LANGUAGES)
    text = models.CharField(_("text"), max_length=200)
    #: The file's name under VOICE_CLIPS_DIR: a digest of its content.
    file_name = models.CharField(max_length=80, db_index=True)
    #: The normalised audio itself (a few tens of KB): the database is the truth, and a
    #: web host that lacks the file writes it from here (several hosts, a new disk).
    audio = models.BinaryField(editable=False)
    duration_ms = models.PositiveIntegerField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("recorded clip")
        verbose_name_plural = _("recorded clips")
        indexes = [models.Index(fields=["language", "text", "-created_at"], name="clip_text_idx")]

    def __str__(self) -> str:
        return f"{self.language}: {self.text}"


class VoiceCall(models.Model):
    """One call as Twilio numbers it (CallSid), kept a day: the lists its menus offered
    (a digit names what was said, whatever changed since), the TwiML answered to each
    request (a resent webhook gets it again and nothing is done twice) and the answers
    it heard, for the SMS follow-up."""

    call_sid = models.CharField(max_length=64, unique=True)
    phone = models.CharField(max_length=32)
    language = models.CharField(max_length=2, blank=True)
    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    lists = models.JSONField(default=dict)
    #: The TwiML answered, by request (its place in the menus and the digit pressed).
    responses = models.JSONField(default=dict)
    #: The text of each answer given (as an SMS would say it), by the walk that led to it.
    finals = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("voice call")
        verbose_name_plural = _("voice calls")

    def __str__(self) -> str:
        return f"{self.call_sid} from {mask_phone(self.phone)}"


class OutboundCall(models.Model):
    """A call we place (a callback after a rejected call, so the farmer pays nothing).
    The idempotency key (the missed call's CallSid) makes one callback per missed call;
    a worker claims it with a compare-and-set before dialling, so a redelivered task
    never dials twice."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        CALLING = "calling", _("calling")
        PLACED = "placed", _("placed")
        #: Refused before anything rang (a bad number, no public URL): it cost nothing
        #: and does not count against the number's or the service's callbacks.
        FAILED = "failed", _("failed")
        #: Twilio may have dialled before the error (a timeout): counted, never retried.
        UNSURE = "unsure", _("may have rung")
        EXPIRED = "expired", _("too late to call back")
        #: Never queued: the service's callbacks of the hour or the day were spent.
        REFUSED = "refused", _("refused: the service's callbacks were spent")

    to = models.CharField(max_length=32)
    idempotency_key = models.CharField(max_length=120, unique=True)
    status = models.CharField(max_length=8, choices=Status, default=Status.QUEUED)
    provider_sid = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    published_at = models.DateTimeField(null=True, blank=True)
    placed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")
        indexes = [models.Index(fields=["to", "created_at"], name="callback_number_day_idx")]

    def __str__(self) -> str:
        return f"{self.idempotency_key} to {mask_phone(self.to)}: {self.status}"


class RefusedCallbacks(models.Model):
    """Missed calls refused a callback in one day because the service's callbacks of the
    hour or the day were spent (a storm of missed calls): how many, and when the
    operators were told (once a day, at the first)."""

    day = models.DateField(_("day"), unique=True)
    refused = models.PositiveIntegerField(_("missed calls refused"), default=0)
    first_at = models.DateTimeField(_("first refused at"), default=timezone.now)
    told_at = models.DateTimeField(_("operators told at"), null=True, blank=True)

    class Meta:
        verbose_name = _("callbacks refused")
        verbose_name_plural = _("callbacks refused")

    def __str__(self) -> str:
        return f"{self.day}: {self.refused}"
