"""``{% select_field %}`` renders the same select as Django's widget templates."""

from __future__ import annotations

from django import forms
from django.template import engines
from django.test.html import parse_html

from sayso.core.templatetags.fast_forms import select_field


class _Form(forms.Form):
    status = forms.ChoiceField(choices=[("open", "Open"), ("pending", "Pending & waiting")])
    owner = forms.ChoiceField(choices=[("", "—"), ("3", "Ann <Lee>")], required=False)
    team = forms.ChoiceField(
        choices=[("1", "Ops")], widget=forms.Select(attrs={"aria-label": "Team", "class": "x"})
    )
    grouped = forms.ChoiceField(choices=[("People", [("1", "Ann")]), ("Teams", [("2", "Ops")])])
    kind = forms.ChoiceField(choices=[("a", "A")], widget=forms.RadioSelect)


def _same(bound: forms.BoundField) -> None:
    assert parse_html(str(select_field(bound))) == parse_html(str(bound)), bound.name


def test_unbound_with_initial_values() -> None:
    form = _Form(initial={"status": "pending", "owner": "3"})
    for name in ("status", "owner", "team", "grouped", "kind"):
        _same(form[name])


def test_bound_with_data_and_errors() -> None:
    form = _Form(data={"status": "nope", "owner": "3", "team": "1"})
    assert not form.is_valid()
    for name in ("status", "owner", "team"):
        _same(form[name])


def test_the_labels_are_escaped_and_the_tag_loads_in_templates() -> None:
    form = _Form(initial={"owner": "3"})
    html = (
        engines["django"]
        .from_string("{% load fast_forms %}{% select_field form.owner %}")
        .render({"form": form})
    )
    assert "Ann &lt;Lee&gt;" in html
    assert '<option value="3" selected>' in html
