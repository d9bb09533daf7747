"""Forms of the roadmap and changelog staff tools."""

from __future__ import annotations

import re

from django import forms

from sayso.roadmap.models import BODY_MAX, TITLE_MAX, Horizon

_NUMBER_RE = re.compile(r"\d+")


def parse_numbers(value: str, limit: int = 100) -> list[int]:
    """ "#12, 15 and 3" -> [12, 15, 3]."""
    return [int(n) for n in _NUMBER_RE.findall(value or "")[:limit] if len(n) <= 9]


class RoadmapItemForm(forms.Form):
    title = forms.CharField(max_length=TITLE_MAX)
    body = forms.CharField(
        required=False, max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    horizon = forms.ChoiceField(choices=Horizon.choices)
    ideas = forms.CharField(required=False, max_length=1000, help_text="Idea numbers, e.g. 12, 15")


class ChangelogEntryForm(forms.Form):
    title = forms.CharField(max_length=TITLE_MAX)
    body = forms.CharField(
        required=False, max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 5})
    )
    ideas = forms.CharField(required=False, max_length=1000, help_text="Idea numbers it ships")
    roadmap_items = forms.MultipleChoiceField(required=False, choices=[])
