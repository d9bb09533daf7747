"""Every main page answers with the Content-Security-Policy, and its HTML holds nothing that
policy would refuse: no inline script body, no ``on*=`` handler, no ``style`` attribute or
element."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sayso.community import reviews
from sayso.community.ideas import idea_post
from sayso.community.qa import question_ask
from sayso.conversations.models import Channel
from sayso.core.models import Role
from sayso.listening.services import source_create
from sayso.roadmap.services import roadmap_item_create
from sayso.status import services as status_services
from tests import factories
from tests.community.test_idea_pages import _customer_client

pytestmark = pytest.mark.django_db


class _InlineFinder(HTMLParser):
    """What a policy without 'unsafe-inline' refuses, as (tag, what) pairs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []
        self.scripts = 0
        self._script: dict[str, str | None] | None = None
        self._body = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, _value in attrs:
            if name.startswith("on"):
                self.found.append((tag, f"handler {name}"))
            if name == "style":
                self.found.append((tag, "style attribute"))
        if tag == "style":
            self.found.append((tag, "style element"))
        if tag == "script":
            self.scripts += 1
            self._script, self._body = dict(attrs), ""

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._body += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            data_only = self._script.get("type") == "application/json"  # json_script
            if self._body.strip() and not data_only:
                self.found.append((tag, f"inline script {self._body.strip()[:60]!r}"))
            if "src" not in self._script and not data_only and not self._body.strip():
                self.found.append((tag, "script without src"))
            self._script = None


def _inline(html: str) -> tuple[list[tuple[str, str]], int]:
    finder = _InlineFinder()
    finder.feed(html)
    finder.close()
    return finder.found, finder.scripts


def _directives(header: str) -> dict[str, list[str]]:
    policy: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *values = part.split()
        policy[name] = values
    return policy


@pytest.fixture
def pages(org: Any, customer: Any) -> dict[str, tuple[Client, str]]:
    manager = factories.make_member(org, Role.MANAGER, username="lead").user
    staff = Client()
    staff.force_login(manager)
    portal = _customer_client(org, customer)
    anonymous = Client()
    case = factories.make_case(org, customer, subject="Truck never came", channel=Channel.WEB)
    factories.make_commitment(case, manager)
    idea, _ = idea_post(organization=org, title="Let me book a trailer", author=customer)
    question, _ = question_ask(
        organization=org, title="How do I change my pickup time?", author=customer
    )
    reviews.review_post(customer=customer, rating=4, body="On time and friendly")
    status_services.incident_open(
        organization=org, title="Bookings fail", body="On it.", impact="major", actor=manager
    )
    roadmap_item_create(organization=org, title="Trailer bookings", actor=manager)
    source = source_create(
        organization=org, name="Website", kind="widget", allowed_origins="https://www.example.com"
    )

    def staff_url(name: str, **kwargs: Any) -> str:
        return reverse(name, kwargs={"org": org.slug, **kwargs})

    return {
        "home": (anonymous, reverse("home")),
        "staff login": (anonymous, reverse("staff-login")),
        "inbox": (staff, staff_url("inbox")),
        "case page": (staff, staff_url("case-detail", number=case.number)),
        "commitments": (staff, staff_url("commitment-list")),
        "customer": (staff, staff_url("customer-detail", pk=customer.pk)),
        "mentions": (staff, staff_url("mention-list")),
        "listening source": (staff, staff_url("source-detail", pk=source.pk)),
        "portal": (portal, staff_url("portal-home")),
        "portal cases": (portal, staff_url("portal-cases")),
        "portal case": (portal, staff_url("portal-case", number=case.number)),
        "idea board": (anonymous, staff_url("idea-board")),
        "idea (staff)": (staff, staff_url("idea-detail", number=idea.number)),
        "questions": (anonymous, staff_url("questions")),
        "question (staff)": (staff, staff_url("question-detail", number=question.number)),
        "reviews": (portal, staff_url("reviews")),
        "status": (anonymous, staff_url("status")),
        "roadmap": (anonymous, staff_url("roadmap")),
        "changelog": (anonymous, staff_url("changelog")),
        "API docs": (anonymous, "/api/docs"),
    }


def test_every_main_page_sends_the_policy_and_holds_no_inline_script_or_style(
    pages: dict[str, tuple[Client, str]],
) -> None:
    problems: dict[str, Any] = {}
    for label, (client, url) in pages.items():
        response = client.get(url)
        assert response.status_code == 200, (label, url, response.status_code)
        header = response.headers.get("Content-Security-Policy", "")
        policy = _directives(header) if header else {}
        assert policy.get("default-src") == ["'self'"], (label, header)
        assert policy.get("script-src") == ["'self'"], (label, header)
        assert policy.get("style-src") == ["'self'"], (label, header)
        assert policy.get("object-src") == ["'none'"], (label, header)
        assert policy.get("base-uri") == ["'self'"], (label, header)
        assert policy.get("frame-ancestors") == ["'none'"], (label, header)
        assert policy.get("form-action") == ["'self'"], (label, header)
        found, scripts = _inline(response.content.decode())
        assert scripts, (label, "no script at all: the page did not render as expected")
        if found:
            problems[label] = found
    assert problems == {}


def test_the_api_docs_are_served_from_this_site_and_only_they_allow_data_images() -> None:
    page = Client().get("/api/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html and "cdn.jsdelivr.net" not in html
    assert _directives(page.headers["Content-Security-Policy"])["img-src"] == ["'self'", "data:"]
    for asset in ("ninja/swagger-ui-bundle.js", "ninja/swagger-ui-init.js", "ninja/swagger-ui.css"):
        assert Client().get(f"/static/{asset}").status_code == 200, asset
    home = Client().get(reverse("home"))
    assert _directives(home.headers["Content-Security-Policy"])["img-src"] == ["'self'"]


def test_the_finder_sees_what_the_policy_refuses() -> None:
    found, _ = _inline(
        '<script>alert(1)</script><form onsubmit="return confirm()"></form>'
        '<span style="width: 4%"></span><style>p{}</style>'
        '<script type="application/json" id="d">{"a": 1}</script><script src="/x.js"></script>'
    )
    assert [what.split()[0] for _tag, what in found] == ["inline", "handler", "style", "style"]
