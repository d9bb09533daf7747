"""``{% inbox_rows page.object_list %}``: the inbox's rows rendered in Python.

Twenty-five rows of seven cells, each with a link, three choice labels, a name and a time:
through the template engine they were most of the inbox page's rendering (the URL reversed
per row, a dozen variable lookups and filters per row). This renders the same markup in one
pass, every value escaped with the standard library's ``html.escape`` (what Django's
``escape`` calls), the times through ``fast_dates`` and Django's own ``timesince``.
``tests/conversations/test_inbox_rows_markup.py`` compares it with the template it replaced.
"""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.template.defaultfilters import timesince_filter
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from sayso.conversations.models import Case, CaseStatus, Priority
from sayso.conversations.templatetags.case_messages import CHANNEL_LABELS, escaped
from sayso.core.templatetags.fast_dates import iso_datetime

register = template.Library()

_STATUSES = {str(value): str(label) for value, label in CaseStatus.choices}
_PRIORITIES = {str(value): str(label) for value, label in Priority.choices}
_EMPTY = '<tr><td colspan="7" class="empty">No cases match.</td></tr>'


def _row(case: Case, case_url_prefix: str) -> str:
    url = escaped(f"{case_url_prefix}{case.number}/")
    overdue = (
        ' <span class="overdue-flag" title="A promise to this customer is overdue">'
        "● promise overdue</span>"
        if getattr(case, "has_overdue", False)
        else ""
    )
    if case.assignee is not None:
        owner = escaped(case.assignee.get_full_name() or case.assignee.username)
    else:
        owner = '<span class="muted">—</span>'
    if case.team is not None:
        owner += f' <span class="muted">({escaped(case.team.name)})</span>'
    return (
        f'<tr class="prio-{escaped(case.priority)}">'
        f'<td><a href="{url}">{case.number}</a></td>'
        f'<td><a href="{url}">{escaped(case.subject)}</a> '
        f'<span class="chan">{escaped(CHANNEL_LABELS.get(case.channel, case.channel))}</span>'
        f"{overdue}</td>"
        f"<td>{escaped(case.customer.display_name)}</td>"
        f'<td><span class="status status-{escaped(case.status)}">'
        f"{escaped(_STATUSES.get(case.status, case.status))}</span></td>"
        f"<td>{escaped(_PRIORITIES.get(case.priority, case.priority))}</td>"
        f"<td>{owner}</td>"
        f'<td title="{iso_datetime(case.last_message_at)}">'
        f"{escaped(timesince_filter(case.last_message_at))} ago</td></tr>"
    )


@register.simple_tag(takes_context=True)
def inbox_rows(context: template.Context, cases: Iterable[Case]) -> SafeString:
    """Each case as a row of the inbox's table; one row saying so when there is none."""
    slug = context["request"].organization.slug
    # The case URL once: "/staff/<org>/cases/" and the number after it.
    prefix = reverse("case-detail", kwargs={"org": slug, "number": 0}).removesuffix("0/")
    rows = [_row(case, prefix) for case in cases]
    # Every value above is escaped; the markup around them is constant.
    return mark_safe("\n".join(rows) if rows else _EMPTY)
