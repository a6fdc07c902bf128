"""Forms for the organisation browser. Shapes and labels only: the services validate."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.org.models import Gender, Relation, Tag

KEEP_HELP = _("Leave empty to keep the current value.")


class PersonPhoneForm(forms.Form):
    """What a resident may change about themself."""

    phone = forms.CharField(
        label=_("Mobile phone"), max_length=20, required=False, help_text=KEEP_HELP
    )


class PersonForm(PersonPhoneForm):
    """What staff in scope may change about a person."""

    name = forms.CharField(label=_("Name"), max_length=50)
    id_number = forms.CharField(
        label=_("ID number"), max_length=18, required=False, help_text=KEEP_HELP
    )
    birth_year = forms.IntegerField(label=_("Birth year"), required=False)
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices, required=False)
    relation = forms.ChoiceField(
        label=_("Relation to head"),
        choices=[("", "—"), *Relation.choices],
        required=False,
    )
    tags = forms.MultipleChoiceField(
        label=_("Tags"),
        choices=Tag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    field_order = ["name", "phone", "id_number", "birth_year", "gender", "relation", "tags"]
