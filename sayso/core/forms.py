"""Forms for organization settings (staff members)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model

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
