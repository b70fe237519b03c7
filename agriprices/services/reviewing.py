"""An operator's decision on a price: approved or rejected, kept as an event, the
series' derived rows following in the same transaction."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from agriprices.audit.models import AuditAction
from agriprices.audit.services import record
from agriprices.models import Quote, QuoteEvent
from agriprices.services.recording import QuoteError
from agriprices.services.series import refresh_series

#: Which status a decision may start from. Approved prices may be retracted; a rejected
#: one may be reinstated when the rejection was the mistake.
_REVIEW_FROM = {
    Quote.Status.APPROVED: {Quote.Status.PENDING, Quote.Status.FLAGGED, Quote.Status.REJECTED},
    Quote.Status.REJECTED: {Quote.Status.PENDING, Quote.Status.FLAGGED, Quote.Status.APPROVED},
}


def review_quote(*, quote_id: int, reviewer: User, approve: bool, reason: str = "") -> Quote:
    """Approve or reject a quote as an operator; the change is kept as an event and the
    latest price follows in the same transaction. Rejecting needs a reason."""
    if not reviewer.has_perm("agriprices.review_quote"):
        raise QuoteError("only operators may review prices", code="forbidden")
    target = Quote.Status.APPROVED if approve else Quote.Status.REJECTED
    reason = reason.strip()
    if not approve and not reason:
        raise QuoteError("say why the price is rejected", field="reason")
    try:
        with transaction.atomic():
            try:
                quote = Quote.objects.select_for_update().get(pk=quote_id)
            except Quote.DoesNotExist:
                raise QuoteError(f"no quote {quote_id}", field="quote", code="not_found") from None
            if quote.status not in _REVIEW_FROM[target]:
                raise QuoteError(f"the quote is already {quote.status}", code="conflict")
            previous = quote.status
            quote.status = target
            quote.status_reason = reason
            quote.save(update_fields=["status", "status_reason", "updated_at"])
            QuoteEvent.objects.create(
                quote=quote, from_status=previous, to_status=target, actor=reviewer, reason=reason
            )
            record(
                AuditAction.QUOTE_REVIEWED,
                actor=reviewer,
                subject=f"quote {quote.pk}",
                detail=f"{previous} -> {target}" + (f": {reason}" if reason else ""),
            )
            refresh_series(
                commodity_id=quote.commodity_id,
                market_id=quote.market_id,
                price_type=quote.price_type,
                first_day=quote.observed_on,
                last_day=quote.observed_on,
            )
    except IntegrityError as exc:
        raise QuoteError(
            "the agent has another live price for that day; reject it first", code="duplicate"
        ) from exc
    return quote
