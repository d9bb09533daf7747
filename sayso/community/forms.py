"""Forms of the public voice: parse and bound-check input; the services validate the rest."""

from __future__ import annotations

from typing import Any

from django import forms

from sayso.community.models import (
    BODY_MAX,
    COMMENT_MAX,
    REASON_MAX,
    TITLE_MAX,
    Category,
    IdeaStatus,
)
from sayso.community.moderation import HideReason


class IdeaForm(forms.Form):
    title = forms.CharField(
        max_length=TITLE_MAX,
        min_length=4,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "One line: what?"}),
    )
    body = forms.CharField(
        required=False,
        max_length=BODY_MAX,
        label="Details",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Why you need it and how you would use it. Markdown works.",
    )
    category = forms.ModelChoiceField(queryset=Category.objects.none(), required=False)

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["category"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Category.objects.filter(organization=organization).order_by("name")
        field.to_field_name = "slug"


class CommentForm(forms.Form):
    body = forms.CharField(
        max_length=COMMENT_MAX, label="Comment", widget=forms.Textarea(attrs={"rows": 4})
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=IdeaStatus.choices)
    reason = forms.CharField(
        max_length=REASON_MAX,
        label="Public reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown on the idea and sent to everyone who voted.",
    )


class ResponseForm(forms.Form):
    body = forms.CharField(
        required=False, max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )


class MergeForm(forms.Form):
    into = forms.IntegerField(min_value=1, label="Merge into idea number")


class HideForm(forms.Form):
    category = forms.ChoiceField(choices=HideReason.choices, label="Why")
    explanation = forms.CharField(
        required=False, max_length=REASON_MAX, label="Public note (optional)"
    )


class RestoreForm(forms.Form):
    reason = forms.CharField(required=False, max_length=REASON_MAX)


class FlagForm(forms.Form):
    reason = forms.CharField(max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 2}))
    comment = forms.IntegerField(required=False, min_value=1)


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(
        choices=[(n, f"{n} star{'s' if n > 1 else ''}") for n in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    title = forms.CharField(required=False, max_length=TITLE_MAX)
    body = forms.CharField(
        required=False,
        max_length=BODY_MAX,
        label="Your review",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What went well, what went wrong. Markdown works.",
    )
