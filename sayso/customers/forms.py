from __future__ import annotations

from django import forms

from sayso.customers.models import IdentityKind


class IdentityForm(forms.Form):
    kind = forms.ChoiceField(choices=IdentityKind.choices)
    value = forms.CharField(max_length=320)


class MergeForm(forms.Form):
    source = forms.IntegerField(
        min_value=1, label="Customer number to merge into this one", help_text="e.g. 42"
    )
