"""Form fields shared by the dashboard's forms and the admin's."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from agriprices.validation import readable_date_text


class AsciiDateField(forms.DateField):
    """A date typed in the digits 0 to 9, as the API takes its days: Django's own
    field reads any script's digits in part (a fullwidth year passes, Arabic-Indic
    months do not), so a date in other digits is refused whole, saying how to write it.
    Every date field of the dashboard and the admin's plan form is one of these."""

    default_error_messages = {
        "digits": _("Write the date with the digits 0 to 9, e.g. 2026-12-01."),
    }

    def to_python(self, value: Any) -> date | None:
        # The text as Django would read it: it strips the spaces around it first.
        if isinstance(value, str) and not readable_date_text(value.strip()):
            raise forms.ValidationError(self.error_messages["digits"], code="digits")
        return super().to_python(value)
