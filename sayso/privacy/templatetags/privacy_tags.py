"""``{% staff_export_status customer %}``: on the staff customer page, the background export
staff asked for — its progress while it is prepared, then its download link."""

from __future__ import annotations

from typing import Any

from django import template

from sayso.privacy import selectors

register = template.Library()


@register.inclusion_tag("privacy/_staff_export_status.html", takes_context=True)
def staff_export_status(context: Any, customer: Any) -> dict[str, Any]:
    request = context["request"]
    return {
        "request": request,
        "customer": customer,
        "export": selectors.export_latest(
            organization=request.organization, customer=customer, by_customer=False
        ),
    }
