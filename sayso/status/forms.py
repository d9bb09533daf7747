"""Forms of the status page's staff tools."""

from __future__ import annotations

from django import forms

from sayso.status.models import (
    BODY_MAX,
    NAME_MAX,
    POSTMORTEM_MAX,
    TITLE_MAX,
    ComponentStatus,
    IncidentImpact,
    IncidentStatus,
    MaintenanceStatus,
)

_WHEN = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
_WHEN_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
_COMPONENT_STATUS = [("", "As the impact says"), *ComponentStatus.choices]


class IncidentForm(forms.Form):
    title = forms.CharField(max_length=TITLE_MAX)
    body = forms.CharField(max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 4}))
    impact = forms.ChoiceField(choices=IncidentImpact.choices)
    status = forms.ChoiceField(
        choices=[c for c in IncidentStatus.choices if c[0] != IncidentStatus.RESOLVED]
    )
    components = forms.MultipleChoiceField(
        required=False, choices=[], widget=forms.CheckboxSelectMultiple
    )
    component_status = forms.ChoiceField(required=False, choices=_COMPONENT_STATUS)
    expected_fix_at = forms.DateTimeField(required=False, widget=_WHEN, input_formats=_WHEN_FORMATS)


class IncidentUpdateForm(forms.Form):
    status = forms.ChoiceField(choices=IncidentStatus.choices)
    body = forms.CharField(max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 3}))
    component_status = forms.ChoiceField(required=False, choices=_COMPONENT_STATUS)
    expected_fix_at = forms.DateTimeField(required=False, widget=_WHEN, input_formats=_WHEN_FORMATS)


class PostmortemForm(forms.Form):
    postmortem = forms.CharField(
        max_length=POSTMORTEM_MAX, widget=forms.Textarea(attrs={"rows": 8})
    )


class ComponentForm(forms.Form):
    name = forms.CharField(max_length=NAME_MAX)
    description = forms.CharField(required=False, max_length=500)


class MaintenanceForm(forms.Form):
    title = forms.CharField(max_length=TITLE_MAX)
    body = forms.CharField(max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 3}))
    scheduled_for = forms.DateTimeField(widget=_WHEN, input_formats=_WHEN_FORMATS)
    scheduled_until = forms.DateTimeField(widget=_WHEN, input_formats=_WHEN_FORMATS)
    components = forms.MultipleChoiceField(
        required=False, choices=[], widget=forms.CheckboxSelectMultiple
    )


class MaintenanceUpdateForm(forms.Form):
    status = forms.ChoiceField(choices=MaintenanceStatus.choices)
    body = forms.CharField(max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 3}))
