"""One row per security-relevant action. Kept apart from the data it speaks of (a
subject's text, an actor's name as it was) so it outlives deletions and says the same
thing later that it said then."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    LOGIN = "login", _("signed in")
    LOGIN_FAILED = "login_failed", _("sign-in failed")
    TWO_FACTOR_ENROLLED = "2fa_enrolled", _("second factor enrolled")
    TWO_FACTOR_PASSED = "2fa_passed", _("second factor passed")
    TWO_FACTOR_FAILED = "2fa_failed", _("second factor failed")
    RECOVERY_CODE_USED = "2fa_recovery_used", _("recovery code used")
    RECOVERY_CODES_RENEWED = "2fa_recovery_renewed", _("recovery codes renewed")
    TWO_FACTOR_RESET = "2fa_reset", _("second factor reset")
    QUOTE_REVIEWED = "quote_reviewed", _("price reviewed")
    BULLETIN_PUBLISHED = "bulletin_published", _("bulletin published")
    BROADCAST_REQUESTED = "broadcast_requested", _("broadcast requested")
    BROADCAST_APPROVED = "broadcast_approved", _("broadcast approved")
    BROADCAST_REJECTED = "broadcast_rejected", _("broadcast rejected")
    BROADCAST_EXPIRED = "broadcast_expired", _("broadcast expired unapproved")
    BROADCAST_STARTED = "broadcast_started", _("broadcast sent")
    BROADCAST_REFUSED = "broadcast_refused", _("broadcast refused")
    COLLECT_KEY_ISSUED = "collect_key_issued", _("Collect key issued")
    COLLECT_KEY_FIRST_USED = "collect_key_first_used", _("Collect key used first")
    COLLECT_KEY_REVOKED = "collect_key_revoked", _("Collect key revoked")
    COLLECT_KEY_REFUSED = "collect_key_refused", _("unknown or revoked Collect key refused")
    API_TOKEN_ISSUED = "api_token_issued", _("API token issued")
    API_TOKEN_REVOKED = "api_token_revoked", _("API token revoked")
    ACCOUNT_DEACTIVATED = "account_deactivated", _("account deactivated")
    ACCOUNT_REACTIVATED = "account_reactivated", _("account reactivated")
    PLAN_CHANGED = "plan_changed", _("collection plan changed")


class AuditEvent(models.Model):
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    action = models.CharField(_("action"), max_length=32, choices=AuditAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    #: The username as it was (or as typed, for a failed sign-in).
    actor_name = models.CharField(_("username"), max_length=150, blank=True)
    #: What was acted on, in words that stay true: "quote 12", "broadcast bulletin:4".
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit trail")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["action", "-at"], name="audit_action_at_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.actor_name}"
