"""People who text us and what they sent. Phone numbers are E.164 strings."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agriprices.models import Commodity, Market, Region
from sms_gateway.phones import mask_phone

WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class SubscriberQuerySet(models.QuerySet["Subscriber"]):
    #: "A subscriber we may message", the one rule every sender (alerts, digests,
    #: warnings, broadcasts, bulletins, the send itself) filters by.
    REACHABLE = models.Q(opted_out=False, undeliverable=False)

    def reachable(self) -> SubscriberQuerySet:
        """Those who did not stop us and whose address still receives."""
        return self.filter(self.REACHABLE)

    def unreachable(self) -> SubscriberQuerySet:
        return self.exclude(self.REACHABLE)


class Subscriber(models.Model):
    """An address that has written to us (a phone by SMS, a WhatsApp or Telegram chat).
    Created on its first message."""

    #: The address, as its channel writes it (sms_gateway.channels): an E.164 number
    #: (SMS), or a channel's scheme and its id ("whatsapp:+996…", "telegram:12345").
    phone = models.CharField(_("phone (E.164)"), max_length=32, unique=True)
    language = models.CharField(
        _("language"),
        max_length=2,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Set by LANG; empty means: answer in the language of each message."),
    )
    #: The language the person's chat app is set to, as the channel last said it
    #: (Telegram's language_code; empty: not said, or not one we speak). Answers fall
    #: back to it where neither LANG nor the message's words tell (reply_language).
    app_language = models.CharField(
        _("app language"), max_length=2, choices=settings.LANGUAGES, blank=True
    )
    home_market = models.ForeignKey(
        Market, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    #: Ids of the markets this phone asked about last, newest first (at most three).
    recent_markets = models.JSONField(default=list, blank=True)
    opted_out = models.BooleanField(_("opted out"), default=False)
    opted_out_at = models.DateTimeField(null=True, blank=True)
    #: Set after a permanent delivery error, or after too many "unreachable" reports in
    #: a row: nothing more is sent to this number.
    undeliverable = models.BooleanField(_("undeliverable"), default=False)
    #: "Unreachable" delivery reports since the last delivered message.
    unreachable_in_a_row = models.PositiveSmallIntegerField(default=0)
    #: Day of the weekly digest, 0 = Monday; empty means SMS_DIGEST_WEEKDAY.
    digest_weekday = models.PositiveSmallIntegerField(
        _("digest day"), null=True, blank=True, choices=list(enumerate(WEEKDAY_NAMES))
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        verbose_name = _("subscriber")
        verbose_name_plural = _("subscribers")

    def __str__(self) -> str:
        return mask_phone(self.phone)


class InboundMessage(models.Model):
    """One SMS received, stored once per provider message id with the reply it got, so
    a retried webhook is answered the same and acted on once."""

    provider = models.CharField(max_length=16)
    provider_sid = models.CharField(max_length=64)
    sender = models.CharField(max_length=32)
    body = models.TextField()
    action = models.CharField(max_length=16, blank=True)
    reply = models.TextField(blank=True)
    reply_segments = models.PositiveSmallIntegerField(default=0)
    #: Answered by a message queued with it (spooled while the database was down, or
    #: a channel that never answers inside its webhook), not in the webhook's response.
    answered_by_sms = models.BooleanField(default=False)
    #: When it reached us: a message spooled while the database was down keeps the time
    #: it arrived, not the time it was stored.
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("inbound SMS")
        verbose_name_plural = _("inbound SMS")
        constraints = [
            models.UniqueConstraint(fields=["provider", "provider_sid"], name="inbound_once"),
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.provider_sid} from {mask_phone(self.sender)}"


class AgentPin(models.Model):
    """The PIN a market agent adds to price reports sent by SMS, hashed like a password.
    The agent's number is AgentProfile.phone."""

    profile = models.OneToOneField(
        "agriprices.AgentProfile", on_delete=models.CASCADE, related_name="sms_pin"
    )
    pin_hash = models.CharField(max_length=128)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("agent SMS PIN")
        verbose_name_plural = _("agent SMS PINs")

    def __str__(self) -> str:
        return str(self.profile)


class OutboundMessage(models.Model):
    """One SMS we send. The idempotency key makes queueing it twice a no-op; the status
    moves queued -> sending -> sent, then delivered/undelivered/failed by callbacks."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        DELIVERED = "delivered", _("delivered")
        UNDELIVERED = "undelivered", _("undelivered")
        FAILED = "failed", _("failed")

    class Priority(models.TextChoices):
        REPLY = "reply", _("reply or confirmation")
        BULK = "bulk", _("alert, digest or bulletin")

    to = models.CharField(max_length=32)  # an address: a number, or whatsapp: and one
    body = models.TextField()
    idempotency_key = models.CharField(max_length=120, unique=True)
    priority = models.CharField(max_length=8, choices=Priority, default=Priority.BULK)
    status = models.CharField(max_length=12, choices=Status, default=Status.QUEUED)
    provider_sid = models.CharField(max_length=64, blank=True, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    #: When its send task last reached the broker (empty: not yet, e.g. Redis was down).
    published_at = models.DateTimeField(null=True, blank=True)
    #: When a worker claimed it; a claim older than SMS_SEND_LEASE_SECONDS was cut short.
    sending_since = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    #: Not tried again before this: set when a send is to be retried (backoff, or when
    #: the provider asked, e.g. Telegram's flood control); every send path keeps it.
    retry_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("outbound SMS")
        verbose_name_plural = _("outbound SMS")

        indexes = [
            # The recovery sweep reads only unfinished messages.
            models.Index(
                fields=["status", "created_at"],
                name="outbound_unfinished_idx",
                condition=models.Q(status__in=["queued", "sending"]),
            )
        ]

    def __str__(self) -> str:
        return f"{self.idempotency_key} to {mask_phone(self.to)}: {self.status}"


class Subscription(models.Model):
    """A phone following one crop at one market (retail price): a weekly digest, or an
    alert as soon as the price moves by at least ``alert_pct`` from the price last sent."""

    class Kind(models.TextChoices):
        WEEKLY = "weekly", _("weekly digest")
        ALERT = "alert", _("alert on change")

    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, related_name="subscriptions"
    )
    commodity = models.ForeignKey(Commodity, on_delete=models.CASCADE, related_name="+")
    market = models.ForeignKey(Market, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind, default=Kind.WEEKLY)
    #: The language the subscription was asked in; SMS follow it unless LANG set one.
    language = models.CharField(max_length=2, choices=settings.LANGUAGES, blank=True)
    alert_pct = models.DecimalField(
        _("alert threshold (%)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    #: Price per base unit the subscriber last heard of (on subscribing or by an alert);
    #: alerts measure the move from it.
    alert_base_price = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.UniqueConstraint(
                fields=["subscriber", "commodity", "market"], name="subscription_once"
            ),
            models.CheckConstraint(
                condition=models.Q(alert_pct__isnull=True)
                | models.Q(alert_pct__gt=0, alert_pct__lte=100),
                name="alert_pct_range",
            ),
        ]
        indexes = [
            models.Index(fields=["commodity", "market", "kind"], name="subscription_series_idx")
        ]

    def __str__(self) -> str:
        return f"{self.subscriber}: {self.commodity} @ {self.market} ({self.kind})"


class Broadcast(models.Model):
    """One text sent to every subscriber following a market in the chosen regions (and,
    when set, writing in the chosen language). The key makes starting it twice a no-op;
    each recipient's message carries the broadcast and subscriber ids, so a fan-out that
    is interrupted and run again queues nobody twice."""

    class Status(models.TextChoices):
        AWAITING_APPROVAL = "awaiting", _("awaiting approval")
        APPROVED = "approved", _("sending")
        REJECTED = "rejected", _("rejected")
        EXPIRED = "expired", _("expired unapproved")

    key = models.CharField(max_length=120, unique=True)
    body = models.TextField()
    language = models.CharField(max_length=2, choices=settings.LANGUAGES, blank=True)
    regions = models.ManyToManyField(Region, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    #: A large broadcast waits for a second operator (see ``broadcasts.approve``);
    #: nothing is queued before it is APPROVED.
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.APPROVED)
    #: What the approver is shown, counted when it was requested.
    planned = models.JSONField(default=dict, blank=True)
    approval_expires_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=255, blank=True)
    #: When it was free to go (created, or approved): the recovery sweep's clock.
    released_at = models.DateTimeField(null=True, blank=True)
    #: Subscribers it was fanned out to, and when that finished.
    recipients = models.PositiveIntegerField(default=0)
    fanned_out_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("SMS broadcast")
        verbose_name_plural = _("SMS broadcasts")
        permissions = [("approve_broadcast", _("Can approve another operator's broadcast"))]
        indexes = [
            models.Index(fields=["status", "approval_expires_at"], name="broadcast_awaiting_idx")
        ]

    def __str__(self) -> str:
        return self.key


class UssdSession(models.Model):
    """One USSD session as the aggregator numbers it, kept a day (``services.USSD_KEPT``):
    the lists it showed (so a choice names what was on the screen, whatever changed
    since) and the screen it answered to each request (so a request sent again gets the
    same screen and a session acts once)."""

    gateway = models.CharField(max_length=32)
    session_id = models.CharField(max_length=100)
    phone = models.CharField(max_length=32)
    #: The number's language when the session began: its screens are replayed in it.
    language = models.CharField(max_length=2, blank=True)
    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    #: What each list showed, by list: the ids in the order shown.
    lists = models.JSONField(default=dict)
    #: The screen answered to each request, by the request's answers joined by "*":
    #: [final, text].
    screens = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("USSD session")
        verbose_name_plural = _("USSD sessions")
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "session_id", "phone"], name="ussd_session_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.gateway}:{self.session_id} from {mask_phone(self.phone)}"
