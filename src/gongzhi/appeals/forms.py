"""Forms of the appeal pages. Shapes, labels and choices only: the services validate (the
text's length, the place, the category, the photos) and their errors come back onto the form
under the field they name (views_resident.FIELD_OF)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.appeals.intake import MAX_TEXT, MAX_TITLE
from gongzhi.appeals.models import Channel, FollowUpChannel, RatingValue, Urgency

PHOTO_ACCEPT = "image/jpeg,image/png,image/webp"
PROXY_CHANNEL_CHOICES = [
    (Channel.DESK.value, Channel.DESK.label),
    (Channel.VISIT.value, Channel.VISIT.label),
    (Channel.PHONE.value, Channel.PHONE.label),
]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; a list of UploadedFile (possibly empty)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": PHOTO_ACCEPT, "capture": "environment"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def _grouped(groups: list[tuple[str, list[tuple[str, str]]]]) -> list[Any]:
    return [(label, choices) for label, choices in groups]


class AppealForm(forms.Form):
    """The resident's own form: fillable in a minute."""

    text = forms.CharField(
        label=_("What is the problem?"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4, "autofocus": True}),
        help_text=_("Where exactly, since when, what you would like done."),
        error_messages={"required": _("Describe the problem.")},
    )
    title = forms.CharField(
        label=_("Short title (optional)"),
        max_length=MAX_TITLE,
        required=False,
        help_text=_("Leave empty to use the start of the description."),
    )
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        error_messages={"invalid_choice": _("Unknown category.")},
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        choices=Urgency.choices,
        initial=Urgency.NORMAL,
        widget=forms.RadioSelect,
    )
    place = forms.ChoiceField(
        label=_("Where is it?"),
        required=False,
        error_messages={"invalid_choice": _("This place is outside the community's area.")},
    )
    latitude = forms.FloatField(
        label=_("Latitude"),
        required=False,
        min_value=-90,
        max_value=90,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    longitude = forms.FloatField(
        label=_("Longitude"),
        required=False,
        min_value=-180,
        max_value=180,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    anonymous = forms.BooleanField(
        label=_("Hide my name from everyone except community staff"), required=False
    )
    photos = MultipleFileField(
        label=_("Photos (optional, up to 3)"),
        required=False,
        help_text=_("JPEG, PNG or WebP photos."),
    )

    def __init__(
        self,
        *args: Any,
        places: list[tuple[str, list[tuple[str, str]]]],
        categories: list[tuple[str, list[tuple[str, str]]]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        category = cast(forms.ChoiceField, self.fields["category"])
        category.choices = [("", _("Let the system choose")), *_grouped(categories)]
        place = cast(forms.ChoiceField, self.fields["place"])
        place.choices = [("", _("Choose a place")), *_grouped(places)]


class ProxyAppealForm(AppealForm):
    """代办: staff enter an appeal for a resident (or an unregistered caller)."""

    channel = forms.ChoiceField(
        label=_("How the resident reached us"),
        choices=PROXY_CHANNEL_CHOICES,
        initial=Channel.DESK,
        widget=forms.RadioSelect,
    )
    resident_phone = forms.CharField(
        label=_("Resident's mobile phone"), max_length=20, required=False
    )
    resident_name = forms.CharField(label=_("or resident's name"), max_length=50, required=False)
    resident = forms.IntegerField(required=False, widget=forms.HiddenInput)
    contact_name = forms.CharField(
        label=_("Caller's name (not registered)"), max_length=50, required=False
    )
    contact_phone = forms.CharField(label=_("Caller's phone"), max_length=20, required=False)

    field_order = [
        "channel",
        "resident_phone",
        "resident_name",
        "resident",
        "contact_name",
        "contact_phone",
        "text",
        "title",
        "category",
        "urgency",
        "place",
        "latitude",
        "longitude",
        "anonymous",
        "photos",
    ]


# --- actions on the detail page -----------------------------------------------------------------


class TextForm(forms.Form):
    text = forms.CharField(
        label=_("Text"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RateForm(forms.Form):
    rating = forms.ChoiceField(
        label=_("Your rating"),
        choices=RatingValue.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose satisfied, basically satisfied or dissatisfied.")},
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class FollowUpForm(RateForm):
    channel = forms.ChoiceField(
        label=_("Reached by"),
        choices=[c for c in FollowUpChannel.choices if c[0] != FollowUpChannel.WEB],
        initial=FollowUpChannel.PHONE,
    )


class TargetForm(forms.Form):
    target = forms.CharField(label=_("Transfer to"), max_length=24)
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}))
    public = forms.BooleanField(label=_("The resident may see this note"), required=False)


class RecategoriseForm(forms.Form):
    category = forms.CharField(label=_("New category"), max_length=40)
    reason = forms.CharField(label=_("Reason"), required=False)


class MergeForm(forms.Form):
    number = forms.CharField(label=_("Merge into appeal number"), max_length=24)


class PhotosForm(forms.Form):
    photos = MultipleFileField(label=_("Add photos"), required=False)
