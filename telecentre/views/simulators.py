"""The SMS and USSD simulators, for training: what a farmer would get, nothing sent."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from sms_gateway.channels.inbound import simulate
from sms_gateway.segments import count_segments
from sms_gateway.ussd.sessions import simulate_ussd
from telecentre.access import needs_permission
from telecentre.forms import (
    SimulatorForm,
    UssdSimulatorForm,
)


@needs_permission("telecentre.use_sms_simulator")
def sms_simulator(request: HttpRequest) -> HttpResponse:
    form = SimulatorForm(request.POST or None)
    result = None
    if request.method == "POST" and form.is_valid():
        action, reply = simulate(
            sender=form.cleaned_data["phone"], body=form.cleaned_data["message"]
        )
        result = {"action": action, "reply": reply, "counted": count_segments(reply)}
    return render(request, "telecentre/simulator.html", {"form": form, "result": result})


@needs_permission("telecentre.use_sms_simulator")
def ussd_simulator(request: HttpRequest) -> HttpResponse:
    """The USSD menus as a farmer walks them, one form post per answer, for training;
    nothing is changed."""
    form = UssdSimulatorForm(request.POST or None)
    screen, path = None, ""
    if request.method == "POST" and form.is_valid():
        answers = form.answers()
        screen = simulate_ussd(phone=form.cleaned_data["phone"], answers=answers)
        path = "*".join(answers)
    context = {"form": form, "screen": screen, "path": path}
    return render(request, "telecentre/ussd_simulator.html", context)
