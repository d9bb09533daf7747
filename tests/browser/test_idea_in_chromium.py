"""Scenario 3 of PRODUCT.md in real Chromium: a customer starts to post an idea, sees similar
ones as they type and votes on one instead; staff merge a duplicate into it (votes carried),
plan it and ship it through the changelog; every voter is told, and the changelog links back."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail

from sayso.community import ideas
from sayso.community.models import Idea, IdeaStatus
from sayso.core.models import Role
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_idea_end_to_end(live_server: Any, new_page: Any, shot: Any) -> None:
    base = live_server.url
    org = factories.make_org("Haulright Truck Rental", "haulright")
    factories.make_member(org, Role.MANAGER, username="maria")
    ada = factories.make_customer(org, "Ada", "ada@example.com")
    cy = factories.make_customer(org, "Cy", "cy@example.com")
    dee = factories.make_customer(org, "Dee", "dee@example.com")
    factories.make_customer(org, "Bob", "bob@example.com")
    dark, _ = ideas.idea_post(organization=org, author=ada, title="Dark mode for the mobile app")
    ideas.idea_vote(idea=dark, customer=cy)
    ideas.idea_post(organization=org, author=ada, title="Export invoices as PDF")
    duplicate, _ = ideas.idea_post(organization=org, author=cy, title="Night mode please")
    ideas.idea_vote(idea=duplicate, customer=dee)

    # Bob signs in from the idea form and starts typing his idea.
    bob = new_page()
    bob.goto(f"{base}/o/haulright/ideas/new/")
    bob.fill("input[name=email]", "bob@example.com")
    bob.click("text=Email me a sign-in link")
    bob.wait_for_selector("text=Check your email")
    link = re.search(r"(/o/haulright/signin/[^/\s]+/)", mail.outbox[-1].body)
    assert link is not None
    bob.goto(base + link.group(1))
    bob.click("text=Continue")
    bob.wait_for_selector("h1:has-text('Suggest an idea')")
    bob.type("input[name=title]", "a night theme for the phone app", delay=20)
    similar = bob.wait_for_selector("[data-testid=similar-ideas]")
    assert "Dark mode for the mobile app" in similar.inner_text()
    shot(bob, "scenario3-01-similar-ideas-while-typing")
    # He votes on the existing idea instead of posting a copy.
    bob.goto(f"{base}/o/haulright/ideas/{dark.number}/")
    bob.click(f"[data-testid=vote-{dark.number}] button")
    bob.wait_for_selector(f"[data-testid=vote-{dark.number}] button[aria-pressed=true]")
    assert bob.inner_text(f"[data-testid=votes-{dark.number}]") == "3"
    assert Idea.objects.filter(organization=org).count() == 3  # no copy posted

    # Maria merges the duplicate, plans the idea and ships it.
    maria = new_page()
    maria.goto(f"{base}/staff/login/")
    maria.fill("input[name=username]", "maria")
    maria.fill("input[name=password]", factories.PASSWORD)
    maria.click("button[type=submit]")
    maria.wait_for_url(re.compile(r".*/staff/haulright/$"))
    maria.goto(f"{base}/o/haulright/ideas/{duplicate.number}/")
    maria.fill("[data-testid=merge-form] input[name=into]", str(dark.number))
    maria.click("[data-testid=merge-form] button")
    maria.wait_for_url(re.compile(rf".*/ideas/{dark.number}/$"))
    assert maria.inner_text(f"[data-testid=votes-{dark.number}]") == "4"  # Dee's vote carried
    maria.select_option("[data-testid=status-form] select[name=status]", "planned")
    maria.fill("[data-testid=status-form] textarea[name=reason]", "Designing it this month.")
    maria.click("[data-testid=status-form] button")
    maria.wait_for_selector("[data-testid=status-reason]:has-text('Designing it this month.')")
    shot(maria, "scenario3-02-planned-with-reason")

    maria.goto(f"{base}/o/haulright/changelog/")
    maria.fill("[data-testid=changelog-form] input[name=title]", "Dark mode has arrived")
    maria.fill("[data-testid=changelog-form] textarea[name=body]", "Find it under *Settings*.")
    maria.fill("[data-testid=changelog-form] input[name=ideas]", str(dark.number))
    maria.click("[data-testid=changelog-form] button")
    maria.wait_for_selector("[data-testid=publish-form]")
    mail.outbox.clear()
    maria.click("[data-testid=publish-form] button")
    maria.wait_for_selector("text=Published")
    dark.refresh_from_db()
    assert dark.status == IdeaStatus.SHIPPED

    told = sorted(m.to[0] for m in mail.outbox if "You said, we did" in m.subject)
    assert told == ["ada@example.com", "bob@example.com", "cy@example.com", "dee@example.com"]

    # The changelog links back to the idea; the idea says where it shipped.
    bob.goto(f"{base}/o/haulright/changelog/")
    bob.click(f"text=#{dark.number} Dark mode for the mobile app")
    bob.wait_for_selector("[data-testid=idea-roadmap]:has-text('Shipped in')")
    assert bob.inner_text("[data-testid=idea-status]") == "Shipped"
    shot(bob, "scenario3-03-shipped-and-linked")
