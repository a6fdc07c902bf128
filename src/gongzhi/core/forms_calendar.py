"""Forms of the calendar page. They only parse input; the services decide what is allowed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.core.calendar import MAX_NAME_LENGTH, MAX_YEAR, MIN_YEAR
from gongzhi.core.models import CalendarDayKind


class CalendarDayForm(forms.Form):
    date = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%Y/%m/%d"],
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=CalendarDayKind.choices)
    name = forms.CharField(
        label=_("Name"),
        max_length=MAX_NAME_LENGTH,
        required=False,
        help_text=_("e.g. 春节 or 春节调休"),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class CalendarDeleteForm(forms.Form):
    date = forms.DateField(label=_("Date"), input_formats=["%Y-%m-%d"])


class CalendarImportForm(forms.Form):
    text = forms.CharField(
        label=_("Days, one per line"),
        widget=forms.Textarea(
            attrs={
                "rows": 10,
                "cols": 50,
                "placeholder": "2027-01-01 holiday 元旦\n"
                "2027-02-06..2027-02-13 holiday 春节\n"
                "2027-02-14 workday 春节调休",
            }
        ),
        max_length=40_000,
    )
    replace_years = forms.BooleanField(
        label=_("Replace every existing entry of the years in the list"),
        required=False,
    )


class PackageImportForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=MIN_YEAR, max_value=MAX_YEAR)
