"""Large broadcasts waiting for a second operator: listed, shown with what they would
cost, approved or rejected. The rules are in ``sms_gateway.broadcasts``."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agriprices.roles import signed_in_user
from sms_gateway import broadcasts
from sms_gateway.models import Broadcast
from telecentre.access import needs_permission


@needs_permission("sms_gateway.view_broadcast")
def broadcast_list(request: HttpRequest) -> HttpResponse:
    broadcasts.expire_stale()
    recent = (
        Broadcast.objects.select_related("created_by", "decided_by")
        .exclude(status=Broadcast.Status.AWAITING_APPROVAL)
        .order_by("-created_at")[:30]
    )
    return render(
        request,
        "telecentre/broadcasts.html",
        {"awaiting": broadcasts.awaiting(), "recent": recent},
    )


def sending_time(hours: float) -> str:
    """How long sending takes, as a person says it."""
    minutes = round(hours * 60)
    if minutes < 1:
        return _("under a minute")
    if minutes < 60:
        return _("about %(minutes)d min") % {"minutes": minutes}
    return _("about %(hours)d h %(minutes)d min") % {
        "hours": minutes // 60,
        "minutes": minutes % 60,
    }


@needs_permission("sms_gateway.view_broadcast")
def broadcast_detail(request: HttpRequest, pk: int) -> HttpResponse:
    broadcasts.expire_stale()
    broadcast = get_object_or_404(
        Broadcast.objects.select_related("created_by", "decided_by").prefetch_related("regions"),
        pk=pk,
    )
    user = signed_in_user(request)
    return render(
        request,
        "telecentre/broadcast.html",
        {
            "broadcast": broadcast,
            "plan": broadcast.planned,
            "sending_time": sending_time(float(broadcast.planned.get("hours", 0))),
            "may_approve": broadcasts.may_approve(broadcast, user),
            "own": broadcast.created_by_id == user.pk,
        },
    )


@require_POST
@needs_permission("sms_gateway.view_broadcast")
def broadcast_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve or reject the broadcast the URL names; a second tap changes nothing."""
    decision = request.POST.get("decision")
    if decision not in ("approve", "reject"):
        messages.error(request, _("Choose approve or reject."))
        return redirect("telecentre:broadcast", pk=pk)
    try:
        broadcast, changed = broadcasts.decide(
            broadcast_id=pk,
            by=signed_in_user(request),
            approve=decision == "approve",
            note=request.POST.get("note", ""),
        )
    except broadcasts.BroadcastError as exc:
        messages.error(request, str(exc))
        return redirect("telecentre:broadcast", pk=pk)
    if not changed:
        messages.info(request, _("This was done already; nothing more was sent."))
    elif decision == "approve":
        messages.success(request, _("Approved: the messages are being queued."))
    else:
        messages.success(request, _("Rejected: nothing will be sent."))
    return redirect("telecentre:broadcast", pk=broadcast.pk)
