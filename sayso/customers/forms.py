from __future__ import annotations

from django import forms

from sayso.customers.models import IdentityKind
from sayso.customers.public_names import PUBLIC_NAME_MAX, public_name_validate


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


class PublicNameForm(forms.Form):
    """The name a customer is shown by on public pages (never their address)."""

    public_name = forms.CharField(
        label="Name shown publicly",
        max_length=200,
        help_text=(
            "Shown with your ideas, questions, answers and reviews. Not your email address or "
            f"phone number; {PUBLIC_NAME_MAX} characters at most."
        ),
    )

    def clean_public_name(self) -> str:
        return public_name_validate(self.cleaned_data["public_name"])
