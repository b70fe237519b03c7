"""The form that issues a Collect key for a phone."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agriprices.selectors.agents import recording_agents

EXPIRY_CHOICES = [
    ("", _("never (revoke it when the phone is lost)")),
    ("30", _("in 30 days")),
    ("90", _("in 90 days")),
    ("365", _("in a year")),
]


class CollectKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Phone"),
        max_length=80,
        help_text=_("So you can tell your phones apart, e.g. “Aibek's Samsung”."),
    )
    expires = forms.ChoiceField(label=_("Expires"), choices=EXPIRY_CHOICES, required=False)
    #: One per form shown: the same form sent twice issues one key.
    request_id = forms.CharField(
        widget=forms.HiddenInput,
        max_length=64,
        error_messages={
            "required": _("This form is incomplete: reload the page and issue the key again.")
        },
    )

    def __init__(self, *args: Any, for_any_agent: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"request_id": uuid.uuid4().hex})
        super().__init__(*args, **kwargs)
        if for_any_agent:
            self.fields["agent"] = forms.ModelChoiceField(
                label=_("Agent"), queryset=recording_agents(), required=True
            )
            self.order_fields(["agent", "name", "expires"])

    def expires_at(self) -> datetime | None:
        days = self.cleaned_data.get("expires")
        return timezone.now() + timedelta(days=int(days)) if days else None

    def agent(self, default: User) -> User:
        chosen = self.cleaned_data.get("agent")
        return chosen if isinstance(chosen, User) else default
