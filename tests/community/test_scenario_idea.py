"""Scenario 3 of PRODUCT.md, "the idea": a customer posts an idea; the form shows similar
existing ideas and another customer votes on one instead; staff merge two duplicates (votes
carried), plan it and ship it; everyone who voted is told through a real SMTP server on
127.0.0.1, and the changelog links back."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sayso.community import ideas
from sayso.community.models import Idea, IdeaStatus
from sayso.roadmap import services as roadmap
from tests import factories
from tests.community.test_idea_pages import _customer_client, _staff_client
from tests.conversations.test_email_smtp import Mta, mta, smtp_backend  # noqa: F401

pytestmark = pytest.mark.django_db


def _url(name: str, org: Any, **kwargs: Any) -> str:
    return reverse(name, kwargs={"org": org.slug, **kwargs})


def test_the_idea_from_post_to_shipped_with_every_voter_told(
    org: Any,
    manager: Any,
    smtp_backend: Mta,  # noqa: F811 (the fixture imported above)
    run_on_commit: Any,
) -> None:
    ada = factories.make_customer(org, "Ada", "ada@example.com")
    bob = factories.make_customer(org, "Bob", "bob@example.com")
    cy = factories.make_customer(org, "Cy", "cy@example.com")
    with run_on_commit(execute=True):
        # Ada posts through the portal; it is indexed for "similar ideas" after commit.
        posted = _customer_client(org, ada).post(
            _url("idea-new", org),
            {"title": "Dark mode for the mobile app", "body": "My eyes hurt at night."},
        )
        assert posted.status_code == 302
        ideas.idea_post(organization=org, author=ada, title="Export invoices as PDF")
        ideas.idea_post(organization=org, author=ada, title="Cheaper one-way rentals")
        duplicate, _ = ideas.idea_post(organization=org, author=cy, title="Night mode please")
    dark = Idea.objects.get(title="Dark mode for the mobile app")

    # Bob starts typing a similar idea: the form shows the existing ones, best first.
    bob_client = _customer_client(org, bob)
    shown = bob_client.get(_url("idea-similar", org), {"title": "a night theme for the phone app"})
    assert shown.status_code == 200
    assert "Dark mode for the mobile app" in shown.text
    assert shown.text.index("Dark mode for the mobile app") < shown.text.index("Night mode")
    assert "Export invoices" not in shown.text
    # ... and votes on it instead of posting.
    with run_on_commit(execute=True):
        bob_client.post(_url("idea-vote", org, number=dark.number))
    dark.refresh_from_db()
    assert dark.vote_count == 2

    staff = _staff_client(manager)
    with run_on_commit(execute=True):
        staff.post(_url("idea-merge", org, number=duplicate.number), {"into": dark.number})
        staff.post(
            _url("idea-status", org, number=dark.number),
            {"status": "planned", "reason": "Designing it with the mobile team this month."},
        )
    dark.refresh_from_db()
    assert dark.vote_count == 3 and dark.status == IdeaStatus.PLANNED
    planned_mail = [
        m for m in smtp_backend.received if "is now planned" in str(m.parsed()["Subject"])
    ]
    assert sorted(r for m in planned_mail for r in m.rcpt_tos) == [
        "ada@example.com",
        "bob@example.com",
        "cy@example.com",
    ]

    entry = roadmap.changelog_entry_create(
        organization=org,
        title="Dark mode has arrived",
        body="Switch it on under *Settings → Appearance*.",
        idea_numbers=[dark.number],
        actor=manager,
    )
    before = len(smtp_backend.received)
    with run_on_commit(execute=True):
        published = staff.post(_url("changelog-publish", org, pk=entry.pk))
    assert published.status_code == 302
    dark.refresh_from_db()
    assert (
        dark.status == IdeaStatus.SHIPPED and dark.status_reason == "Shipped: Dark mode has arrived"
    )

    told = smtp_backend.received[before:]
    assert sorted(r for m in told for r in m.rcpt_tos) == [
        "ada@example.com",
        "bob@example.com",
        "cy@example.com",
    ]
    message = told[0].parsed()
    assert "You said, we did: Dark mode has arrived" in str(message["Subject"])
    body = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert _url("changelog-entry", org, pk=entry.pk) in body
    assert message["List-Unsubscribe"]

    # The changelog links back to the idea, and the idea to the changelog.
    changelog = Client().get(_url("changelog", org))
    assert _url("idea-detail", org, number=dark.number) in changelog.text
    idea_page = Client().get(_url("idea-detail", org, number=dark.number))
    assert (
        "Shipped in" in idea_page.text
        and _url("changelog-entry", org, pk=entry.pk) in idea_page.text
    )
    # Publishing again tells no one twice.
    count = len(smtp_backend.received)
    with run_on_commit(execute=True):
        staff.post(_url("changelog-publish", org, pk=entry.pk))
    assert len(smtp_backend.received) == count
