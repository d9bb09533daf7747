"""core.sections: what a higher app shows on a lower app's page, registered by name
(docs/architecture.md, "Registries")."""

from __future__ import annotations

import pytest

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
