"""Forms of the dashboard: labelled fields, errors beside them, meaning checked by the
services (record_quote, publish_bulletin)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib.auth.models import User
from django.forms.models import ModelChoiceIterator
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from agriprices.forms import AsciiDateField, IsoDateInput
from agriprices.labels import category_name
from agriprices.models import Commodity, Market, PriceType, Quote, Region, Unit
from agriprices.names import by_local_name, collation_key
from agriprices.selectors.agents import assigned_markets, recent_commodities_of
from agriprices.validation import date_error, price_error
from sms_gateway.phones import InvalidPhone, normalize_phone
from telecentre.models import Bulletin
from telecentre.services import sms_summary_problem
from voice.clips import ACCEPT as CLIP_ACCEPT
from voice.clips import ClipError, kind_of
from voice.menus import menu_texts
from voice.phrases import clean as clean_clip_text
from voice.phrases import needed
from voice.services import LONGEST_AFTER, LONGEST_KEYS, Place


class LocalNameIterator(ModelChoiceIterator):
    """Choices by their names in the page's language, in that language's order."""

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in by_local_name(self.queryset, get_language()):
            yield self.choice(obj)


class LocalNameChoiceField(forms.ModelChoiceField):
    iterator = LocalNameIterator

    def label_from_instance(self, obj: Any) -> str:
        return obj.display_name(get_language())


class LocalNamesChoiceField(forms.ModelMultipleChoiceField):
    iterator = LocalNameIterator

    def label_from_instance(self, obj: Any) -> str:
        return obj.display_name(get_language())


class PriceFilterForm(forms.Form):
    region = LocalNameChoiceField(
        queryset=Region.objects.order_by("name"),
        required=False,
        empty_label=_("All regions"),
        to_field_name="slug",
        label=_("Region"),
    )
    market = LocalNameChoiceField(
        queryset=Market.objects.order_by("name"),
        required=False,
        empty_label=_("All markets"),
        to_field_name="slug",
        label=_("Market"),
    )
    category = forms.ChoiceField(required=False, label=_("Category"))
    price_type = forms.ChoiceField(choices=PriceType.choices, label=_("Price type"))
    q = forms.CharField(required=False, max_length=60, label=_("Search"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Markets of the chosen region only: hundreds of options would fill a 2G page.
        region = self.data.get("region", "")
        cast(forms.ModelChoiceField, self.fields["market"]).queryset = (
            Market.objects.filter(region__slug=region).order_by("name")
            if region
            else Market.objects.none()
        )
        stored = Commodity.objects.exclude(category="").values_list("category", flat=True)
        named = [(c, category_name(c)) for c in set(stored)]
        cast(forms.ChoiceField, self.fields["category"]).choices = [
            ("", _("All categories")),
            *sorted(named, key=lambda choice: collation_key(choice[1])),
        ]


class BulletinForm(forms.ModelForm):
    class Meta:
        model = Bulletin
        fields = ["title", "category", "language", "regions", "body", "sms_summary", "expires_on"]
        field_classes = {"regions": LocalNamesChoiceField, "expires_on": AsciiDateField}
        widgets = {
            "regions": forms.CheckboxSelectMultiple,
            "body": forms.Textarea(attrs={"rows": 8}),
            "sms_summary": forms.Textarea(attrs={"rows": 3}),
            "expires_on": IsoDateInput,
        }

    def clean_sms_summary(self) -> str:
        text = " ".join(self.cleaned_data["sms_summary"].split())
        problem = sms_summary_problem(text)
        if problem:
            raise forms.ValidationError(problem)
        return text

    def clean_expires_on(self) -> object:
        expires = self.cleaned_data["expires_on"]
        if expires is not None and expires < timezone.localdate():
            raise forms.ValidationError(_("The end date is in the past."))
        return expires


class PublishForm(forms.Form):
    send_sms = forms.BooleanField(required=False, label=_("Also send the SMS summary"))


class ReviewForm(forms.Form):
    quotes: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        queryset=None, label=_("Prices"), widget=forms.MultipleHiddenInput
    )
    action = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("reject", _("Reject"))], label=_("Action")
    )
    reason = forms.CharField(required=False, max_length=255, label=_("Reason"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["quotes"]).queryset = Quote.objects.filter(
            status=Quote.Status.FLAGGED
        )

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        if cleaned.get("action") == "reject" and not cleaned.get("reason", "").strip():
            self.add_error("reason", _("Say why the price is rejected."))
        return cleaned


class PriceEntryForm(forms.Form):
    """A price seen at a market, by an agent on a small phone."""

    market = LocalNameChoiceField(queryset=Market.objects.none(), label=_("Market"))
    commodity = forms.ModelChoiceField(queryset=Commodity.objects.none(), label=_("Commodity"))
    price = forms.DecimalField(
        label=_("Price"),
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any"}),
    )
    unit = forms.ModelChoiceField(queryset=Unit.objects.order_by("code"), label=_("Unit"))
    price_type = forms.ChoiceField(choices=PriceType.choices, label=_("Price type"))
    observed_on = AsciiDateField(label=_("Day seen"))
    #: Shown after a warning: the agent confirms an unusual price is right.
    confirm = forms.BooleanField(required=False, label=_("Yes, this price is right"))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        markets = assigned_markets(user).order_by("name")
        cast(forms.ModelChoiceField, self.fields["market"]).queryset = markets
        if len(markets) == 1:  # most agents watch one market: nothing to choose
            self.fields["market"].initial = markets[0]
        recent = recent_commodities_of(user)
        # The agent's recent commodities first, then the rest by name.
        others = Commodity.objects.exclude(pk__in=[c.pk for c in recent]).order_by("name")
        cast(forms.ModelChoiceField, self.fields["commodity"]).queryset = Commodity.objects.all()
        cast(forms.ChoiceField, self.fields["commodity"]).choices = [("", "---------")] + [
            (c.pk, c.display_name(get_language())) for c in [*recent, *others]
        ]
        self.fields["observed_on"].initial = timezone.localdate()
        self.fields["price_type"].initial = PriceType.RETAIL
        asked = str(self.initial.get("commodity", ""))
        chosen = Commodity.objects.filter(pk=asked).first() if asked.isdigit() else None
        if chosen is not None:
            # Chosen from what is due: its unit, not a kilo for a dozen eggs.
            self.fields["unit"].initial = chosen.base_unit
        else:
            self.fields["unit"].initial = Unit.objects.filter(code="kg").first()

    def clean_observed_on(self) -> date:
        # The day rule record_quote applies, before the outlier question is asked.
        day: date = self.cleaned_data["observed_on"]
        message = date_error(
            day, timezone.localdate(), max_age_days=settings.AGRIPRICES_MAX_AGE_DAYS
        )
        if message:
            raise forms.ValidationError(message)
        return day

    def clean_price(self) -> Decimal:
        # The rule record_quote applies, before the outlier question is asked.
        price: Decimal = self.cleaned_data["price"]
        message = price_error(price, str(_("the price")))
        if message:
            raise forms.ValidationError(message)
        return price


class SimulatorForm(forms.Form):
    phone = forms.CharField(max_length=32, label=_("Phone number"), initial="+996555000000")
    message = forms.CharField(max_length=1600, label=_("Message"), initial="POTATO OSH")

    def clean_phone(self) -> str:
        try:
            return normalize_phone(self.cleaned_data["phone"])
        except InvalidPhone as exc:
            raise forms.ValidationError(_("Not a phone number we can read.")) from exc


class UssdSimulatorForm(forms.Form):
    """One step of a USSD session: the answers so far travel in ``path``, as the
    aggregator's ``text`` does, so each answer is a plain form post."""

    phone = forms.CharField(max_length=32, label=_("Phone number"), initial="+996555000000")
    path = forms.RegexField(r"^[0-9*]*$", max_length=200, required=False, widget=forms.HiddenInput)
    answer = forms.CharField(max_length=20, required=False, label=_("Your answer"))

    def clean_phone(self) -> str:
        try:
            return normalize_phone(self.cleaned_data["phone"])
        except InvalidPhone as exc:
            raise forms.ValidationError(_("Not a phone number we can read.")) from exc

    def answers(self) -> list[str]:
        """Every answer so far, this one included."""
        path, answer = self.cleaned_data["path"], self.cleaned_data["answer"].strip()
        answers = path.split("*") if path else []
        return [*answers, answer] if answer else answers


class VoiceClipForm(forms.Form):
    """An operator's recording of one clip: the language, the clip's text (one the
    language needs) and the file, checked by its content, not its name."""

    language = forms.ChoiceField(choices=settings.LANGUAGES, label=_("Language"))
    text = forms.CharField(max_length=200, label=_("Clip"))
    audio = forms.FileField(
        label=_("Recording (WAV, OGG, Opus or MP3)"),
        # What the browser offers to pick; the server still checks the content.
        widget=forms.ClearableFileInput(attrs={"accept": CLIP_ACCEPT}),
    )

    MAX_BYTES = 5 * 1024 * 1024

    def clean_audio(self) -> object:
        audio = self.cleaned_data["audio"]
        if audio.size > self.MAX_BYTES:
            raise forms.ValidationError(_("Larger than 5 MB: a clip is a word or a sentence."))
        return audio

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        language, text, audio = data.get("language"), data.get("text"), data.get("audio")
        if language and text is not None:
            text = clean_clip_text(text)
            if text not in {n.text for n in needed(language, menu_texts(language))}:
                self.add_error("text", _("Not a clip this language needs: copy it from the list."))
            data["text"] = text
        if audio is not None and "audio" not in self.errors:
            content = audio.read()
            try:
                kind_of(content)  # by its bytes, whatever its name says
            except ClipError as exc:
                self.add_error("audio", str(exc))
            data["content"] = content
        return data


class VoiceSimulatorForm(forms.Form):
    """The start of a simulated call, then one key of it or silence (``action``
    "silence": no key before the menu's wait ends). Where the call is travels in hidden
    fields, as it travels in Twilio's URLs. A call's keys are 0 to 9, * and #: anything
    else is refused and the call stays where it was."""

    KEYS = "0123456789*#"

    phone = forms.CharField(max_length=32, label=_("Phone number"), initial="+996555000000")
    calling = forms.BooleanField(required=False, widget=forms.HiddenInput)
    walk = forms.RegexField(r"^p?$", max_length=1, required=False, widget=forms.HiddenInput)
    # As long as the line's own walks (voice.views): paging does not end a simulated call.
    keys = forms.RegexField(
        r"^[0-9*#]*$", max_length=LONGEST_KEYS, required=False, widget=forms.HiddenInput
    )
    after = forms.RegexField(
        r"^[p:0-9*#]*$", max_length=LONGEST_AFTER, required=False, widget=forms.HiddenInput
    )
    silent = forms.IntegerField(min_value=0, max_value=9, required=False, widget=forms.HiddenInput)
    key = forms.CharField(
        max_length=1,
        required=False,
        strip=False,
        label=_("Key"),
        error_messages={"max_length": _("One key: 0 to 9, * or #.")},
        widget=forms.TextInput(
            attrs={
                # "tel": a phone's keypad with * and # (numeric has neither on iOS).
                "inputmode": "tel",
                "pattern": "[0-9*#]",
                "maxlength": "1",
                "size": "2",
                "autocomplete": "off",
                "autofocus": True,
            }
        ),
    )

    def clean_phone(self) -> str:
        try:
            return normalize_phone(self.cleaned_data["phone"])
        except InvalidPhone as exc:
            raise forms.ValidationError(_("Not a phone number we can read.")) from exc

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["silence"] = self.data.get("action") == "silence"
        if data.get("calling") and not data["silence"] and "key" not in self.errors:
            key = data.get("key") or ""
            if not key:
                self.add_error("key", _("Type a key (0 to 9, * or #), or choose “Say nothing”."))
            elif key not in self.KEYS:
                self.add_error("key", _("One key: 0 to 9, * or #."))
        return data

    def place(self) -> Place:
        """Where the call goes now: its start, a key pressed, or the menu's wait run out
        (said again, and counted: the third silence ends the call, as on the line)."""
        data = self.cleaned_data
        if not data.get("calling"):
            return Place()
        after = data["after"] or None
        if data["silence"]:
            silent = (data.get("silent") or 0) + 1
            return Place(walk=data["walk"], keys=data["keys"], after=after, silent=silent)
        return Place(walk=data["walk"], keys=data["keys"], after=after, digit=data["key"])

    def waiting(self) -> Place | None:
        """Where a call whose key was refused waits (it stays there); None when no call
        was going on."""
        if not self.is_bound or not self.cleaned_data.get("calling") or "phone" in self.errors:
            return None
        data = self.cleaned_data
        return Place(
            walk=data.get("walk") or "",
            keys=data.get("keys") or "",
            after=data.get("after") or None,
            silent=data.get("silent") or 0,
        )


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=settings.LANGUAGES, label=_("Language"))


class CollectionPlanForm(forms.Form):
    """A market's collection plan, as an operator edits it: the schedule and, per price
    type, the crops expected (``agriprices.collection.services.save_plan`` checks it)."""

    kind = forms.ChoiceField(label=_("Schedule"), choices=[], widget=forms.RadioSelect)
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Market days"),
        choices=[],
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    every_days = forms.IntegerField(
        label=_("Every N days"), min_value=1, max_value=90, required=False
    )
    starts_on = AsciiDateField(
        label=capfirst(_("first collection day")),
        required=False,
        help_text=_(
            "For every N days: the first day prices are collected; the next are counted from it."
        ),
    )
    tolerance_days = forms.IntegerField(
        label=_("Tolerance (days)"),
        min_value=0,
        max_value=6,
        initial=1,
        help_text=_("A price this many days before or after a collection day counts for it."),
    )

    #: The plan as the operator read it (``services.plan_version``): a plan changed in
    #: another tab or by someone else since is refused, not silently overwritten.
    version = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, commodities: list[Commodity], **kwargs: Any) -> None:
        from agriprices.collection.models import WEEKDAY_CHOICES, CollectionPlan

        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kind"]).choices = CollectionPlan.Kind.choices
        cast(forms.ChoiceField, self.fields["weekdays"]).choices = WEEKDAY_CHOICES
        language = get_language()
        named = by_local_name(commodities, language)
        choices = [(str(c.pk), c.display_name(language)) for c in named]
        self.commodities = {str(c.pk): c for c in commodities}
        for value, label in PriceType.choices:
            self.fields[f"expected_{value}"] = forms.MultipleChoiceField(
                label=_("Expected %(type)s prices") % {"type": label},
                choices=choices,
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )

    def expected(self) -> list[tuple[Commodity, str]]:
        return [
            (self.commodities[pk], price_type)
            for price_type in PriceType.values
            for pk in self.cleaned_data.get(f"expected_{price_type}", [])
        ]
