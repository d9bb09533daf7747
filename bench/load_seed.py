"""Seed for bench/load.py, run in the server's environment after `sayso demo`: signed-in
sessions for staff and portal customers, an API token, and the numbers of the demo's ideas,
questions and cases. Prints one JSON object."""

from __future__ import annotations

import json

import django

django.setup()

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402

from sayso.community.models import Idea, Question  # noqa: E402
from sayso.conversations.models import Case  # noqa: E402
from sayso.core.models import Membership, Organization, Role  # noqa: E402
from sayso.core.services import api_token_create  # noqa: E402
from sayso.customers.models import Customer  # noqa: E402
from sayso.demo.data import DEMO_SLUG  # noqa: E402

org = Organization.objects.get(slug=DEMO_SLUG)


def staff_session(user: object) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)  # type: ignore[attr-defined]
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()  # type: ignore[attr-defined]
    session.create()
    return str(session.session_key)


def customer_session(customer: Customer) -> str:
    session = SessionStore()
    session[f"portal-customer:{org.pk}"] = customer.pk
    session.create()
    return str(session.session_key)


agents = Membership.objects.filter(organization=org, role=Role.AGENT).select_related("user")
admin = Membership.objects.filter(organization=org, role=Role.ADMIN).first()
assert admin is not None
_, token = api_token_create(membership=admin, name="load", scopes=["cases:read", "ideas:read"])
customers = list(Customer.objects.filter(organization=org, merged_into__isnull=True)[:20])
print(
    json.dumps(
        {
            "org": org.slug,
            "ideas": list(Idea.objects.filter(organization=org).values_list("number", flat=True)),
            "questions": list(
                Question.objects.filter(organization=org).values_list("number", flat=True)
            ),
            "cases": list(Case.objects.filter(organization=org).values_list("number", flat=True)),
            "agent_sessions": [staff_session(m.user) for m in agents] or [],
            "customer_sessions": [customer_session(c) for c in customers],
            "token": token,
            "widget_origin": "http://127.0.0.1:8000",
        }
    )
)
