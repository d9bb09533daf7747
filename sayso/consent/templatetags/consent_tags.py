"""``{% consent_panel customer %}``: the consent summary on the staff customer page."""

from __future__ import annotations

from typing import Any

from django import template

from sayso.consent import selectors
from sayso.consent.models import Choice, Outcome

register = template.Library()


@register.inclusion_tag("consent/_consent_panel.html", takes_context=True)
def consent_panel(context: Any, customer: Any) -> dict[str, Any]:
    organization = context["request"].organization
    current = selectors.consent_current(organization=organization, customer=customer)
    blocked = selectors.attempts_of(
        organization=organization, customer=customer, outcome=Outcome.BLOCKED
    )
    return {
        "request": context["request"],
        "customer": customer,
        "granted": [item for item in current if item.choice == Choice.GRANTED],
        "refused": [item for item in current if item.choice == Choice.REFUSED],
        "preferences": selectors.preferences_of(organization=organization, customer=customer),
        "blocked_count": blocked.count(),
    }
