"""The audit trail for operators who may read it: searched, paged, exported as CSV."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date
from typing import Any

from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from agriprices import spreadsheet
from agriprices.audit import selectors
from agriprices.audit.models import AuditAction, AuditEvent
from agriprices.forms import AsciiDateField
from telecentre.access import needs_permission

AUDIT_ROWS = 50
#: A CSV export holds at most this many rows (the newest); narrow the search for more.
AUDIT_CSV_MAX_ROWS = 100_000
#: The days a search may name.
SEARCHABLE_DAYS = (date(2000, 1, 1), date(2099, 12, 31))


class AuditSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("any")), *AuditAction.choices]
    )
    since = AsciiDateField(label=_("From"), required=False)
    until = AsciiDateField(label=_("To"), required=False)

    def _within(self, field: str) -> date | None:
        # A day near year 1 or 9999 overflows once turned into UTC (a 500, or a CSV cut
        # off mid-stream); the trail holds nothing that old or that far ahead anyway.
        day: date | None = self.cleaned_data.get(field)
        if day is not None and not SEARCHABLE_DAYS[0] <= day <= SEARCHABLE_DAYS[1]:
            raise forms.ValidationError(
                _("Give a day between %(first)s and %(last)s.")
                % {"first": SEARCHABLE_DAYS[0].isoformat(), "last": SEARCHABLE_DAYS[1].isoformat()}
            )
        return day

    def clean_since(self) -> date | None:
        return self._within("since")

    def clean_until(self) -> date | None:
        return self._within("until")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("since", _("This day is after the last day asked for."))
        return cleaned


def _searched(request: HttpRequest) -> tuple[AuditSearchForm, QuerySet[AuditEvent] | None]:
    form = AuditSearchForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return form, None
    data = form.cleaned_data if form.is_bound else {}
    rows = selectors.search(
        text=data.get("q") or "",
        action=data.get("action") or "",
        since=data.get("since"),
        until=data.get("until"),
    ).select_related(None)
    return form, rows


@needs_permission("agriprices.view_auditevent")
def audit_trail(request: HttpRequest) -> HttpResponse:
    form, rows = _searched(request)
    page: Page[AuditEvent] | None = (
        Paginator(rows, AUDIT_ROWS).get_page(request.GET.get("page")) if rows is not None else None
    )
    keep = urlencode([(k, str(v)) for k, v in request.GET.items() if k != "page" and v])
    return render(
        request,
        "telecentre/audit.html",
        {"form": form, "page": page, "keep": keep},
        status=400 if rows is None else 200,
    )


@needs_permission("agriprices.view_auditevent")
def audit_csv(request: HttpRequest) -> HttpResponse:
    form, rows = _searched(request)
    if rows is None:
        return render(request, "telecentre/audit.html", {"form": form, "page": None}, status=400)
    zone = timezone.get_current_timezone()

    def lines() -> Iterator[str]:
        yield from spreadsheet.lines(
            itertools.chain(
                [["time", "action", "username", "subject", "detail", "address", "request_id"]],
                (
                    [
                        event.at.astimezone(zone).isoformat(timespec="seconds"),
                        event.action,
                        event.actor_name,
                        event.subject,
                        event.detail,
                        event.address or "",
                        event.request_id,
                    ]
                    for event in rows[:AUDIT_CSV_MAX_ROWS].iterator(chunk_size=1000)
                ),
            )
        )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="audit.csv"'
    # needs_permission is typed for HttpResponse; a streamed answer serves as well.
    return response  # type: ignore[return-value]
