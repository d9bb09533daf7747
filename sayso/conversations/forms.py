"""Forms for the staff inbox and the customer portal: parse and validate input at the edge."""

from __future__ import annotations

import uuid
from typing import Any, cast

from django import forms

from sayso.conversations.models import CaseStatus, Priority, Visibility
from sayso.core.models import Organization
from sayso.core.selectors import staff_of


class ReplyForm(forms.Form):
    KIND_CHOICES = [
        ("reply", "Reply to customer"),
        ("public", "Public reply"),
        ("note", "Internal note"),
    ]
    kind = forms.ChoiceField(choices=KIND_CHOICES, initial="reply")
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), max_length=100_000)

    @property
    def visibility(self) -> str:
        return Visibility.PUBLIC if self.cleaned_data["kind"] == "public" else Visibility.PRIVATE


class CaseUpdateForm(forms.Form):
    status = forms.ChoiceField(choices=CaseStatus.choices, required=False)
    priority = forms.ChoiceField(choices=Priority.choices, required=False)


def staff_choices(organization: Organization) -> list[tuple[str, str]]:
    """(user id, name) of the organization's staff, for the forms' person fields; a page with
    several such forms reads it once and passes it to each."""
    return [
        (str(m.user_id), m.user.get_full_name() or m.user.get_username())
        for m in staff_of(organization=organization)
    ]


class _StaffChoiceMixin:
    def _staff_choices(
        self, organization: Organization, staff: list[tuple[str, str]] | None
    ) -> list[tuple[str, str]]:
        return staff if staff is not None else staff_choices(organization)


class HandoffForm(_StaffChoiceMixin, forms.Form):
    to_user = forms.ChoiceField(required=False, label="To person")
    to_team = forms.ChoiceField(required=False, label="To team")
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        help_text="What the new owner needs to know, so the customer repeats nothing.",
    )

    def __init__(
        self,
        *args: Any,
        organization: Organization,
        staff: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["to_user"]).choices = [
            ("", "—"),
            *self._staff_choices(organization, staff),
        ]
        cast(forms.ChoiceField, self.fields["to_team"]).choices = [
            ("", "—"),
            *[(str(t.pk), t.name) for t in organization.teams.order_by("name")],
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("to_user") and not data.get("to_team"):
            raise forms.ValidationError("Choose a person or a team to hand the case to.")
        return data


class CommitmentForm(_StaffChoiceMixin, forms.Form):
    description = forms.CharField(max_length=500, label="Promise")
    owner = forms.ChoiceField()
    due_at = forms.DateTimeField(
        label="Due", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )

    def __init__(
        self,
        *args: Any,
        organization: Organization,
        staff: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["owner"]).choices = self._staff_choices(
            organization, staff
        )


class CommitmentCloseForm(forms.Form):
    note = forms.CharField(max_length=500, required=False)


class SigninForm(forms.Form):
    email = forms.EmailField(max_length=254)
    next = forms.CharField(required=False, widget=forms.HiddenInput)


def _submission_id() -> str:
    return uuid.uuid4().hex


class _OnceForm(forms.Form):
    """A form posted twice (double click, retry after a timeout) is stored once: the hidden
    ``submission_id`` becomes the message's external id, on which storing is idempotent."""

    submission_id = forms.RegexField(
        regex=r"^[0-9a-f]{32}$", widget=forms.HiddenInput, initial=_submission_id
    )


class PortalReplyForm(_OnceForm):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), max_length=100_000)


class PortalCaseForm(_OnceForm):
    subject = forms.CharField(max_length=300)
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}), max_length=100_000, label="Message"
    )
