"""Prices as people enter and check them: the agent's form and the review queue."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from agriprices.collection.reminders import due_now
from agriprices.models import Quote
from agriprices.roles import signed_in_user
from agriprices.services.recording import QuoteError, outlier_verdict, record_quote
from agriprices.services.reviewing import review_quote
from agriprices.validation import price_per_base_unit
from telecentre.access import needs_permission
from telecentre.forms import (
    PriceEntryForm,
    ReviewForm,
)
from telecentre.selectors import review as review_pages

#: Flagged prices on one page of the review queue.
REVIEW_ROWS = 50


@needs_permission("agriprices.review_quote")
def review_queue(request: HttpRequest) -> HttpResponse:
    form = ReviewForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            approve = form.cleaned_data["action"] == "approve"
            done = 0
            for quote in form.cleaned_data["quotes"]:
                try:
                    review_quote(
                        quote_id=quote.pk,
                        reviewer=signed_in_user(request),
                        approve=approve,
                        reason=form.cleaned_data["reason"],
                    )
                    done += 1
                except QuoteError as exc:
                    messages.error(request, f"{quote}: {exc.message}")
            if done:
                text = (
                    ngettext("%(n)d price approved.", "%(n)d prices approved.", done)
                    if approve
                    else ngettext("%(n)d price rejected.", "%(n)d prices rejected.", done)
                )
                messages.success(request, text % {"n": done})
            # Back to the page the operator was on (the form posts to it): the prices
            # acted on are gone from it, and the queue moved up to fill it.
            return redirect(request.get_full_path())
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    page = Paginator(review_pages.flagged(), REVIEW_ROWS).get_page(request.GET.get("page", "1"))
    context = {
        "flagged": review_pages.flagged_quotes(list(page.object_list)),
        "page": page,
        "waiting": page.paginator.count,
        "shown": (
            f"{page.start_index()}–{page.end_index()}"
            if page.has_other_pages()
            else len(page.object_list)
        ),
        "keep": "",
    }
    return render(request, "telecentre/review.html", context)


# --- Agent entry ---------------------------------------------------------------------------


@needs_permission("agriprices.add_quote")
def report_price(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    # A link from the list of what is due fills the market, crop and price type in.
    chosen = {k: request.GET[k] for k in ("market", "commodity", "price_type") if k in request.GET}
    form = PriceEntryForm(request.POST or None, user=user, initial=chosen)
    warning = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        commodity, unit = data["commodity"], data["unit"]
        if not data["confirm"] and unit.converts_to(commodity.base_unit):
            warning = outlier_verdict(
                commodity=commodity,
                market=data["market"],
                per_base_unit=price_per_base_unit(
                    data["price"], unit.base_quantity, commodity.base_unit.base_quantity
                ),
                observed_on=data["observed_on"],
                price_type=data["price_type"],
            )
        if warning is None:
            try:
                quote = record_quote(
                    agent=signed_in_user(request),
                    commodity=commodity,
                    market=data["market"],
                    unit=unit,
                    price=data["price"],
                    observed_on=data["observed_on"],
                    price_type=data["price_type"],
                    source=Quote.Source.WEB,
                )
            except QuoteError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                if quote.status == Quote.Status.FLAGGED:
                    messages.warning(request, _("Recorded; an operator will check it."))
                else:
                    messages.success(request, _("Recorded. Thank you."))
                return redirect("telecentre:report")
    due = due_now(user, today=timezone.localdate())
    return render(request, "telecentre/report.html", {"form": form, "warning": warning, "due": due})
