"""The staff form of a webhook endpoint (the services check everything again)."""

from __future__ import annotations

from typing import Any

from django import forms

from sayso.webhooks.events import event_types


class EndpointForm(forms.Form):
    url = forms.CharField(
        max_length=2000,
        label="Endpoint URL",
        help_text="Where Sayso POSTs each event, e.g. https://example.com/hooks/sayso.",
    )
    description = forms.CharField(max_length=500, required=False)
    event_types = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Events",
        help_text="None ticked: every event type, including those added later.",
    )
    enabled = forms.BooleanField(required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["event_types"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(t.name, f"{t.name} — {t.description}") for t in event_types()]
