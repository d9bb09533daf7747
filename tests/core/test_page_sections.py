"""core.sections: what a higher app shows on a lower app's page, registered by name
(docs/architecture.md, "Registries")."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from sayso.community.sections import (
    IDEA_PAGE,
    SIMILAR_PROBLEMS,
    link_target_get,
    thread_target_get,
)
from sayso.conversations.sections import INBOX, PORTAL_CASE, PORTAL_NOTICES, STAFF_CASE
from sayso.core.sections import PageSections
from sayso.customers.sections import CUSTOMER


def test_each_registered_provider_gets_the_pages_arguments_and_fills_its_name() -> None:
    page = PageSections("a test page", "case", "viewer")
    seen: list[tuple[str, str]] = []

    def incidents(*, case: str, viewer: str) -> list[str]:
        seen.append((case, viewer))
        return [f"incident of {case}"]

    page.register("incidents", incidents)
    page.register("questions", lambda *, case, viewer: [])
    assert page.names() == ["incidents", "questions"]
    assert page.context(case="#7", viewer="raj") == {
        "incidents": ["incident of #7"],
        "questions": [],
    }
    assert seen == [("#7", "raj")]


def test_nothing_registered_is_an_empty_context_the_template_reads_as_nothing() -> None:
    assert PageSections("an empty page", "case").context(case="#1") == {}


def test_a_second_registration_of_a_name_replaces_the_first() -> None:
    page = PageSections("a test page", "case")
    page.register("incidents", lambda *, case: "old")
    page.register("incidents", lambda *, case: "new")
    assert page.context(case="#1") == {"incidents": "new"}


def test_wrong_arguments_and_names_that_are_not_template_names_are_refused() -> None:
    page = PageSections("a test page", "case")
    with pytest.raises(TypeError, match="take \\['case'\\]"):
        page.context(case="#1", customer="dana")
    with pytest.raises(TypeError):
        page.context()
    with pytest.raises(ValueError, match="template name"):
        page.register("open incidents", lambda *, case: [])


def test_the_apps_fill_the_pages_they_show_on() -> None:
    """Filled in AppConfig.ready: status and community on conversations' pages, conversations
    on the customer page. A page whose sections went missing would silently show nothing."""
    assert STAFF_CASE.names() == ["community_questions", "incidents"]
    assert INBOX.names() == ["incident_count", "unanswered_count"]
    assert PORTAL_CASE.names() == PORTAL_NOTICES.names() == ["incidents"]
    assert CUSTOMER.names() == ["cases"]
    assert IDEA_PAGE.names() == ["roadmap_items", "shipped_in"]
    assert SIMILAR_PROBLEMS.names() == ["incidents"]


@pytest.mark.django_db
def test_comment_threads_and_question_links_find_only_registered_kinds_in_the_organization(
    org: Any, other_org: Any
) -> None:
    from sayso.roadmap.models import RoadmapItem
    from sayso.status.models import Incident

    item = RoadmapItem.objects.create(organization=org, title="Dark mode")
    incident = Incident.objects.create(
        organization=org, title="Bookings fail", started_at=timezone.now()
    )
    assert thread_target_get("roadmap", organization=org, pk=item.pk) == item
    assert link_target_get("incident", organization=org, pk=str(incident.pk)) == incident
    # Another organization's, an unknown kind, an id out of range: nothing.
    assert thread_target_get("roadmap", organization=other_org, pk=item.pk) is None
    assert thread_target_get("incident", organization=org, pk=incident.pk) is None
    assert link_target_get("roadmap", organization=org, pk=item.pk) is None
    assert link_target_get("incident", organization=org, pk=2**63) is None
