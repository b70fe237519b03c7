"""Form fields shared by the dashboard's forms and the admin's."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from agriprices.validation import readable_date_text

#: The one way a day is written in a form, as a date input sends it and the API takes it.
ISO_DAY = "%Y-%m-%d"


class IsoDateInput(forms.DateInput):
    """The browser's date picker, given its value as ISO: it takes no other form, and
    Django would write the language's (06.12.2026 in Russian), which the browser drops,
    showing an empty day."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=ISO_DAY)


class AsciiDateField(forms.DateField):
    """A day written year-month-day in the digits 0 to 9 (``validation.readable_date_text``),
    as the API and ODK Collect take their days and the date picker sends them. Django's
    own field reads the language's formats (in English 11/12/2026 is the 12th of November,
    in French the 11th of December) and any script's digits in part (a fullwidth year
    passes, Arabic-Indic months do not): a day typed by hand must mean the same day to
    every reader, or be refused, saying how to write it. Every date field of the
    dashboard and the admin's plan form is one of these, and ODK Collect's day is read by
    one (``openrosa.submissions``)."""

    widget = IsoDateInput
    input_formats = [ISO_DAY]
    default_error_messages = {
        "invalid": _("Write the date as year-month-day in the digits 0 to 9, e.g. 2026-12-01."),
    }

    def to_python(self, value: Any) -> date | None:
        # The text as Django would read it: it strips the spaces around it first, and
        # takes an empty one for no day (required says whether that may be).
        if isinstance(value, str) and value.strip() and not readable_date_text(value.strip()):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)
