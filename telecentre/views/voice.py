"""The voice line's pages for operators: the clips each language needs (recorded,
synthesised, missing; a player for each; uploads) and the voice simulator."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from telecentre.access import needs_permission
from telecentre.forms import VoiceClipForm, VoiceSimulatorForm
from voice import clips, coverage, services


@needs_permission("voice.add_recordedclip")
def voice_clips(request: HttpRequest) -> HttpResponse:
    languages = [code for code, _name in settings.LANGUAGES]
    language = request.GET.get("lang", "")
    if language not in languages:
        language = request.LANGUAGE_CODE if request.LANGUAGE_CODE in languages else "en"
    show = request.GET.get("show", "missing")
    form = VoiceClipForm(
        request.POST or None,
        request.FILES or None,
        initial={"language": language, "text": request.GET.get("text", "")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            coverage.record(
                language=data["language"],
                text=data["text"],
                content=data["content"],
                user=request.user if request.user.is_authenticated else None,
            )
        except clips.ClipError as exc:
            form.add_error("audio", str(exc))
        else:
            messages.success(request, _("Recorded: %(text)s") % {"text": data["text"]})
            query = urlencode({"lang": data["language"], "show": show})
            return redirect(f"{reverse('telecentre:voice-clips')}?{query}")
    states = coverage.clips_of(language)
    shown = [s for s in states if show == "all" or not s.recorded]
    context = {
        "form": form,
        "language": language,
        "languages": settings.LANGUAGES,
        "coverage": coverage.coverage(),
        "clips": shown,
        "show": show,
        "missing": sum(1 for s in states if not s.recorded),
        "synthesis": clips.available(),
    }
    return render(request, "telecentre/voice_clips.html", context)


@needs_permission("telecentre.use_sms_simulator")
def voice_simulator(request: HttpRequest) -> HttpResponse:
    """The voice menus as a caller walks them, one key (or a silence) per form post,
    each prompt played in the browser; nothing is changed or sent."""
    form = VoiceSimulatorForm(request.POST or None)
    reply, player, words, refused = None, "", [], False
    waiting = None
    key_refused = request.method == "POST" and not form.is_valid()
    if request.method == "POST" and not key_refused:
        reply = services.simulate_call(phone=form.cleaned_data["phone"], place=form.place())
        refused = reply is None
    elif key_refused:
        waiting = form.waiting()
        if waiting is not None:  # the call waits where it was: its prompt is said again
            reply = services.simulate_call(phone=form.cleaned_data["phone"], place=waiting)
    if reply is not None:
        sources = clips.sources(reply.said)
        words = [s.piece.text for s in sources]
        player = clips.joined([s.name for s in sources if s.name])
        waiting = reply.gather
    context = {
        "form": form,
        "reply": reply,
        "player": player,
        "words": words,
        "refused": refused,
        "next": waiting,
        # After an answer the key field is empty for the next key; a refused key stays,
        # with why it was refused.
        "key_field": form["key"] if key_refused else VoiceSimulatorForm()["key"],
        "silent": reply.silent if reply is not None else (waiting.silent if waiting else 0),
        "over": reply is not None and reply.gather is None,
    }
    return render(request, "telecentre/voice_simulator.html", context)
