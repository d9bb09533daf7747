"""The inbox's rows rendered in Python (``{% inbox_rows %}``) are the markup the template loop
they replace gave: links, labels, owners and teams, the overdue flag, times, escaping, and the
empty inbox."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation

from sayso.conversations import commitments
from sayso.conversations.models import Case, Channel
from sayso.conversations.selectors import InboxFilters, case_list_for_inbox
from sayso.core.models import Team
from tests import factories

# The loop of conversations/_inbox_results.html before it became {% inbox_rows %}.
TEMPLATE_LOOP = """  {% for case in page.object_list %}
    <tr class="prio-{{ case.priority }}">{% url 'case-detail' org=request.organization.slug number=case.number as case_url %}
      <td><a href="{{ case_url }}">{{ case.number }}</a></td>
      <td><a href="{{ case_url }}">{{ case.subject }}</a> <span class="chan">{{ case.get_channel_display }}</span>{% if case.has_overdue %} <span class="overdue-flag" title="A promise to this customer is overdue">● promise overdue</span>{% endif %}</td>
      <td>{{ case.customer.display_name }}</td>
      <td><span class="status status-{{ case.status }}">{{ case.get_status_display }}</span></td>
      <td>{{ case.get_priority_display }}</td>
      <td>{% if case.assignee %}{{ case.assignee.get_full_name|default:case.assignee.username }}{% else %}<span class="muted">—</span>{% endif %}{% if case.team %} <span class="muted">({{ case.team.name }})</span>{% endif %}</td>
      <td title="{{ case.last_message_at|date:'c' }}">{{ case.last_message_at|timesince }} ago</td>
    </tr>
  {% empty %}
    <tr><td colspan="7" class="empty">No cases match.</td></tr>
  {% endfor %}
"""


def _normalized(html: str) -> str:
    html = re.sub(r"\s+", " ", html)
    return re.sub(r">\s+<", "><", html).strip()


def _render_both(org: Any, user: Any, status: str = "") -> tuple[str, str]:
    request = RequestFactory().get("/")
    request.organization = org  # type: ignore[attr-defined]
    cases = list(
        case_list_for_inbox(organization=org, user=user, filters=InboxFilters(status=status))
    )
    context = Context({"page": {"object_list": cases}, "request": request})
    old = Template(TEMPLATE_LOOP).render(context)
    new = Template("{% load inbox_rows %}{% inbox_rows page.object_list %}").render(context)
    return _normalized(old), _normalized(new)


@pytest.mark.django_db
def test_every_kind_of_row_renders_as_the_template_did(org: Any, agent: Any, manager: Any) -> None:
    customer = factories.make_customer(org, name='Dana <b>"Whit" & Co</b>')
    plain = factories.make_case(org, customer, subject="Truck <reservation> & more")
    owned = factories.make_case(org, subject="Owned", assignee=agent, channel=Channel.EMAIL)
    team = Team.objects.create(organization=org, name="Denver <depot>")
    Case.objects.filter(pk=owned.pk).update(team=team, priority="urgent", status="pending")
    nameless = factories.make_user("nameless", first_name=" ")
    nameless.first_name = ""
    nameless.save()
    unnamed = factories.make_case(org, subject="By username")
    Case.objects.filter(pk=unnamed.pk).update(assignee=nameless, last_message_at=None)
    late = factories.make_case(org, subject="Late")
    commitment = factories.make_commitment(late, agent, hours=1)
    commitments.commitments_check(now=commitment.due_at + timedelta(minutes=1))
    commitment.refresh_from_db()
    assert commitment.status == "breached"
    with translation.override("de"):
        old, new = _render_both(org, agent)
    assert "Truck &lt;reservation&gt; &amp; more" in new and "promise overdue" in new
    assert f'href="/staff/{org.slug}/cases/{plain.number}/"' in new
    assert new == old


@pytest.mark.django_db
def test_an_empty_inbox_says_so(org: Any, agent: Any) -> None:
    old, new = _render_both(org, agent, status="closed")
    assert "No cases match." in new
    assert new == old
