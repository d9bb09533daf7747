"""Forms for organization settings (staff members)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.template.loader import render_to_string

from sayso.core.mail import MailKind, mail_queue
from sayso.core.models import Membership, Organization, Role, Team


class InviteForm(forms.Form):
    email = forms.EmailField(max_length=254)
    name = forms.CharField(max_length=200, required=False)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.AGENT)
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False)

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["team"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Team.objects.filter(organization=organization).order_by("name")


class MemberUpdateForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False)
    reports_to = forms.ModelChoiceField(queryset=get_user_model().objects.none(), required=False)
    is_active = forms.BooleanField(required=False)

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team = self.fields["team"]
        reports_to = self.fields["reports_to"]
        assert isinstance(team, forms.ModelChoiceField)
        assert isinstance(reports_to, forms.ModelChoiceField)
        team.queryset = Team.objects.filter(organization=organization)
        staff_ids = Membership.objects.filter(organization=organization, is_active=True).values(
            "user_id"
        )
        reports_to.queryset = get_user_model().objects.filter(pk__in=staff_ids)


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's password reset form, its email queued in the outbox (sent by the background
    engine, retried while the mail server is away) instead of sent inside the request."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        subject = " ".join(render_to_string(subject_template_name, context).splitlines())
        html = (
            render_to_string(html_email_template_name, context) if html_email_template_name else ""
        )
        mail_queue(
            kind=MailKind.PASSWORD_RESET,
            to=to_email,
            subject=subject,
            body=render_to_string(email_template_name, context),
            html=html,
            from_email=from_email or "",
            secret=True,
        )
