from __future__ import annotations

from django import forms

from sayso.customers.models import IdentityKind


class IdentityForm(forms.Form):
    # An unverified claim is made only by the widget, and verified only by its link.
    kind = forms.ChoiceField(
        choices=[(k, label) for k, label in IdentityKind.choices if k != IdentityKind.EMAIL_CLAIMED]
    )
    value = forms.CharField(max_length=320)


class MergeForm(forms.Form):
    source = forms.IntegerField(
        min_value=1, label="Customer number to merge into this one", help_text="e.g. 42"
    )
