"""Forms of the consent pages: the customer's one page, staff's record and start forms, and
campaigns."""

from __future__ import annotations

from functools import cache
from typing import Any
from zoneinfo import available_timezones

from django import forms

from sayso.consent.guard import GUARD_PURPOSES
from sayso.consent.models import Choice, ConsentChannel, Purpose, Segment
from sayso.consent.selectors import CurrentChoice


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(available_timezones())]


def choice_field_name(channel: str, purpose: str) -> str:
    return f"c_{channel}_{purpose}"


class ConsentForm(forms.Form):
    """One select per channel and purpose ("not asked" offered only while it is true), and the
    contact preferences."""

    time_zone = forms.ChoiceField(choices=time_zone_choices, initial="UTC")
    quiet_start = forms.TimeField(required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    quiet_end = forms.TimeField(required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    not_before = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    max_per_week = forms.IntegerField(required=False, min_value=0, max_value=100)

    def __init__(self, *args: Any, current: list[CurrentChoice], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.current = current
        for item in current:
            options = [(Choice.GRANTED, "Yes"), (Choice.REFUSED, "No")]
            if item.choice == Choice.NOT_ASKED:
                options.insert(0, (Choice.NOT_ASKED, "—"))
            self.fields[choice_field_name(item.channel, item.purpose)] = forms.ChoiceField(
                choices=options,
                initial=item.choice,
                label=f"{item.purpose_label} by {item.channel_label}",
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("quiet_start") is None) != (data.get("quiet_end") is None):
            raise forms.ValidationError("Quiet hours need both a start and an end.")
        return data

    def choices(self) -> dict[tuple[str, str], str]:
        return {
            (item.channel, item.purpose): self.cleaned_data[
                choice_field_name(item.channel, item.purpose)
            ]
            for item in self.current
        }

    def rows(self, notices: dict[str, str] | None = None) -> list[dict[str, Any]]:
        """The grid the template draws: a row per purpose with its notice, a cell (the channel
        and its bound field) per channel."""
        rows = []
        for purpose in Purpose.values:
            cells = [
                (ConsentChannel(channel).label, self[choice_field_name(channel, purpose)])
                for channel in ConsentChannel.values
            ]
            rows.append(
                {
                    "purpose": purpose,
                    "label": Purpose(purpose).label,
                    "notice": (notices or {}).get(purpose, ""),
                    "cells": cells,
                }
            )
        return rows


class StaffRecordForm(forms.Form):
    channel = forms.ChoiceField(choices=ConsentChannel.choices)
    purpose = forms.ChoiceField(choices=Purpose.choices)
    choice = forms.ChoiceField(choices=[(Choice.GRANTED, "Yes"), (Choice.REFUSED, "No")])
    note = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class OutreachForm(forms.Form):
    channel = forms.ChoiceField(choices=ConsentChannel.choices)
    purpose = forms.ChoiceField(
        choices=[(p, Purpose(p).label) for p in GUARD_PURPOSES if p in Purpose.values]
    )
    subject = forms.CharField(max_length=300)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}))
    # In the customer's quiet hours: hold it and send it when they end, instead of refusing.
    hold = forms.BooleanField(required=False)


class CampaignForm(forms.Form):
    name = forms.CharField(max_length=200)
    channel = forms.ChoiceField(choices=ConsentChannel.choices)
    purpose = forms.ChoiceField(choices=Purpose.choices)
    segment = forms.ChoiceField(choices=Segment.choices)
    team = forms.IntegerField(required=False, min_value=1)
    customer_ids = forms.CharField(required=False, max_length=5000)
    subject = forms.CharField(max_length=300)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}))

    def clean_customer_ids(self) -> list[int]:
        raw = self.cleaned_data.get("customer_ids") or ""
        parts = [p for p in raw.replace(",", " ").split() if p]
        if not all(p.isdigit() and len(p) < 12 for p in parts):
            raise forms.ValidationError("Customer numbers, separated by commas or spaces.")
        return [int(p) for p in parts]
