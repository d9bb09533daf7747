"""Forms for intents, offers, the selling process and deals: parse input at the edge."""

from __future__ import annotations

from typing import Any

from django import forms

from sayso.conversations.forms import staff_choices
from sayso.core.models import Organization
from sayso.deals.models import IntentVisibility, ReplyChannel, SellingStage, ServedCategory

_WHEN = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
_DAY = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_SUBMISSION = r"^[0-9a-f]{32}$"
CURRENCY = forms.RegexField(regex=r"^[A-Za-z]{3}$", initial="USD", max_length=3)


def _new_submission_id() -> str:
    import uuid

    return uuid.uuid4().hex


class IntentForm(forms.Form):
    """What a customer wants to buy, and until when they take offers."""

    submission_id = forms.RegexField(
        regex=_SUBMISSION, widget=forms.HiddenInput, initial=_new_submission_id, required=False
    )
    title = forms.CharField(max_length=200, label="What do you want?")
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), max_length=5000, required=False
    )
    category = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    category_text = forms.CharField(max_length=120, required=False, label="Or in your words")
    details = forms.CharField(max_length=500, required=False, label="Quantity and details")
    window_start = forms.DateField(widget=_DAY, required=False, label="From")
    window_end = forms.DateField(widget=_DAY, required=False, label="Until")
    budget = forms.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, label="Budget (up to)"
    )
    currency = CURRENCY
    reply_channel = forms.ChoiceField(choices=ReplyChannel.choices, label="Answer me by")
    deadline = forms.DateTimeField(widget=_WHEN, label="Offers until")
    visibility = forms.ChoiceField(
        choices=IntentVisibility.choices, widget=forms.RadioSelect, label="Who may answer"
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        categories = ServedCategory.objects.filter(organization=organization)
        field = self.fields["category"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "—"), *[(c.pk, c.name) for c in categories]]
        visibility = self.fields["visibility"]
        assert isinstance(visibility, forms.ChoiceField)
        visibility.initial = IntentVisibility.ORGANIZATION
        visibility.choices = [
            (IntentVisibility.ORGANIZATION, f"Only {organization.name}"),
            (IntentVisibility.CATEGORY, IntentVisibility.CATEGORY.label),
        ]

    def service_arguments(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["category_id"] = data.pop("category")
        return data


class OfferForm(forms.Form):
    submission_id = forms.RegexField(
        regex=_SUBMISSION, widget=forms.HiddenInput, initial=_new_submission_id, required=False
    )
    price = forms.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    currency = CURRENCY
    terms = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, required=False
    )
    valid_until = forms.DateTimeField(widget=_WHEN)


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=500, required=False)


class StageForm(forms.Form):
    name = forms.CharField(max_length=120)
    what_happens = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False
    )
    usual_duration = forms.CharField(max_length=120, required=False)
    cost_to_leave = forms.CharField(max_length=300, required=False, label="What it costs to leave")
    position = forms.IntegerField(min_value=1, max_value=1000, required=False)


class PromiseForm(forms.Form):
    text = forms.CharField(max_length=300, label="A promise")


class CategoryForm(forms.Form):
    name = forms.CharField(max_length=120, label="A category you serve")


def _stage_choices(organization: Organization) -> list[tuple[int, str]]:
    return [(s.pk, s.name) for s in SellingStage.objects.filter(organization=organization)]


class DealForm(forms.Form):
    title = forms.CharField(max_length=200)
    stage = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    owner = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    value = forms.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)
    currency = CURRENCY
    expected_on = forms.DateField(widget=_DAY, required=False, label="Expected")
    next_step = forms.CharField(max_length=300, required=False)

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stage = self.fields["stage"]
        owner = self.fields["owner"]
        assert isinstance(stage, forms.TypedChoiceField)
        assert isinstance(owner, forms.TypedChoiceField)
        stage.choices = [("", "—"), *_stage_choices(organization)]
        owner.choices = [("", "—"), *staff_choices(organization)]


class DealNewForm(DealForm):
    customer = forms.IntegerField(min_value=1, label="Customer number")


class DealMoveForm(forms.Form):
    stage = forms.TypedChoiceField(coerce=int)
    next_step = forms.CharField(max_length=300, required=False)

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stage = self.fields["stage"]
        assert isinstance(stage, forms.TypedChoiceField)
        stage.choices = _stage_choices(organization)


class DealPromiseForm(forms.Form):
    description = forms.CharField(max_length=500, label="What was promised")
    due_at = forms.DateTimeField(widget=_WHEN, label="Due")
