"""No public page, Atom feed or public API response of the demo shows a customer's email
address or phone number (issue 20, public names).

The demo is loaded, and a customer signs up through the portal with nothing but an address
(whose staff-side name is that address) and posts everywhere a name is printed: an idea, a
comment, a question, an answer, a review, a "me too" shown among the visible people. An
anonymous visitor then crawls every page and feed reachable from the public entry points of
the URL conf (every ``Access.PUBLIC`` route of the web matrix, plus each customer's public
profile), following every link and feed of the organization; every public route must have
been reached. The API's operations on public content (ideas, questions, reviews, roadmap,
changelog, status, moderation log) are read with a staff token, for every object.
"""

from __future__ import annotations

import contextlib
import re
from collections import deque
from html import unescape
from typing import Any
from urllib.parse import urldefrag, urlsplit

import pytest
from django.test import Client
from django.urls import NoReverseMatch, Resolver404, resolve, reverse

from sayso.api.main import api
from sayso.community import ideas as community
from sayso.community import qa, reviews
from sayso.core.models import Membership, Role, Scope
from sayso.core.services import api_token_create
from sayso.customers.models import Customer, Identity, IdentityKind
from sayso.customers.services import portal_login_link_send
from sayso.demo.data import load_demo
from tests.authorization.test_web_routes import ROUTES, Access

SIGNUP = "omar.h@signup.example"
PUBLIC_TAGS = {"ideas", "questions", "reviews", "roadmap", "changelog", "status", "moderation"}
# Operations that read staff data although their tag is public, or run the embedding model.
NOT_PUBLIC = {"status_incidents_cases_list"}
_HREF = re.compile(r"""(?:href|src)\s*=\s*["']([^"']+)["']""")


def _signed_up_customer(org: Any) -> Customer:
    """A customer who signs up through the portal with only an address, posting no name."""
    raw = portal_login_link_send(organization=org, email=SIGNUP)
    url = reverse("portal-signin-confirm", kwargs={"org": org.slug, "token": raw})
    assert Client().post(url).status_code == 302  # a client that posts no name
    customer = Identity.objects.get(organization=org, value=SIGNUP).customer
    assert customer.display_name == SIGNUP  # what the staff know them by
    return customer


def _posts_everywhere(org: Any, customer: Customer) -> None:
    idea = org.ideas.order_by("number").first()
    mine, _ = community.idea_post(
        organization=org, author=customer, title="Let me pick a truck colour", body="Please."
    )
    community.comment_post(idea=idea, author=customer, body="Same wish here.")
    question, _ = qa.question_ask(
        organization=org, author=customer, title="Can I return a truck at another depot?"
    )
    other = org.questions.exclude(pk=question.pk).order_by("number").first()
    qa.answer_post(question=other, author=customer, body="It worked for me last week.")
    qa.me_too(question=other, customer=customer)
    qa.profile_update(customer=customer, visible=True)
    reviews.review_post(customer=customer, rating=4, title="Good trucks", body="Clean cabins.")
    assert mine.author_id == customer.pk


def _contacts(org: Any) -> list[re.Pattern[str]]:
    """A pattern for every email address and phone number of the organization's customers
    (a phone number written with any separators between its digits)."""
    patterns = []
    for kind, value in Identity.objects.filter(organization=org).values_list("kind", "value"):
        if kind in {IdentityKind.EMAIL, IdentityKind.EMAIL_CLAIMED}:
            patterns.append(re.compile(re.escape(value), re.IGNORECASE))
        elif kind == IdentityKind.PHONE:
            digits = value.lstrip("+")
            patterns.append(re.compile(r"[\s().\-/]*".join(map(re.escape, digits))))
    assert patterns
    return patterns


def _leaks(text: str, patterns: list[re.Pattern[str]]) -> list[str]:
    text = unescape(unescape(text))
    return [match.group(0) for p in patterns if (match := p.search(text))]


def _seeds(org: Any) -> list[str]:
    seeds = []
    for name, route in ROUTES.items():
        if route.access is not Access.PUBLIC or route.post_only or name.startswith("api:"):
            continue
        try:
            seeds.append(reverse(name, kwargs={"org": org.slug}))
        except NoReverseMatch:
            # A route that names an object is reached by following links.
            with contextlib.suppress(NoReverseMatch):
                seeds.append(reverse(name))
    for pk in Customer.objects.filter(organization=org).values_list("pk", flat=True):
        seeds.append(reverse("community-profile", kwargs={"org": org.slug, "pk": pk}))
    return seeds


def _crawl(org: Any) -> dict[str, tuple[str, str]]:
    """URL -> (route name, text) of every page and feed an anonymous visitor reaches."""
    client = Client()
    prefix = f"/o/{org.slug}/"
    queue = deque(_seeds(org))
    seen = set(queue)
    pages: dict[str, tuple[str, str]] = {}
    while queue:
        url = queue.popleft()
        response = client.get(url)
        assert response.status_code < 500, url
        if response.status_code in {301, 302}:
            target = response["Location"]
            if target.startswith(prefix) and target not in seen:
                seen.add(target)
                queue.append(target)
            continue
        if response.status_code != 200:
            continue
        text = response.content.decode("utf-8", "replace")
        pages[url] = (resolve(urlsplit(url).path).url_name or "", text)
        if "html" not in response["Content-Type"] and "xml" not in response["Content-Type"]:
            continue
        for href in _HREF.findall(text):
            link = urldefrag(unescape(href))[0]
            if link.startswith("http://testserver"):
                link = link.removeprefix("http://testserver")
            if not link.startswith(prefix) or link in seen:
                continue
            try:
                match = resolve(urlsplit(link).path)
            except Resolver404:
                continue
            route = ROUTES.get(match.url_name or "")
            if route is None or route.access is not Access.PUBLIC or route.post_only:
                continue
            seen.add(link)
            queue.append(link)
    return pages


@pytest.fixture
def demo(db: Any) -> tuple[Any, Customer]:
    """The demo organization, and a customer who signed up with only an address and posted
    everywhere a name is shown."""
    org = load_demo().organization
    customer = _signed_up_customer(org)
    _posts_everywhere(org, customer)
    return org, customer


def test_no_public_page_or_feed_of_the_demo_shows_a_customer_address_or_phone(
    demo: tuple[Any, Customer],
) -> None:
    org, customer = demo
    pages = _crawl(org)
    reached = {name for name, _ in pages.values()}
    public = {
        name
        for name, route in ROUTES.items()
        if route.access is Access.PUBLIC and not route.post_only and not name.startswith("api:")
    }
    assert public - reached == set()  # every public route of the URL conf was crawled
    assert {"idea-feed", "question-feed", "review-feed", "community-profile"} <= reached
    # The signed-up customer's posts were crawled, under their public name.
    shown = [url for url, (_, text) in pages.items() if customer.public_name in text]
    assert len(shown) >= 5, shown
    patterns = _contacts(org)
    leaks = {url: found for url, (_, text) in pages.items() if (found := _leaks(text, patterns))}
    assert leaks == {}


def _api_urls(org: Any) -> list[str]:
    fill = {
        ("ideas", "number"): list(org.ideas.values_list("number", flat=True)),
        ("questions", "number"): list(org.questions.values_list("number", flat=True)),
        ("changelog", "entry_id"): list(org.changelog_entries.values_list("pk", flat=True)),
        ("status", "incident_id"): list(org.incidents.values_list("pk", flat=True)),
    }
    urls = []
    for path, operations in api.get_openapi_schema()["paths"].items():
        op = operations.get("get")
        if op is None or op["operationId"] in NOT_PUBLIC or "similar" in op["operationId"]:
            continue
        tag = op["tags"][0]
        if tag not in PUBLIC_TAGS:
            continue
        params = [p["name"] for p in op.get("parameters", []) if p["in"] == "path"]
        query = "?q=truck" if op["operationId"].endswith("_search") else ""
        if not params:
            urls.append(path + query)
            continue
        (param,) = params
        for value in fill[(tag, param)]:
            urls.append(path.replace("{" + param + "}", str(value)) + query)
    return urls


def test_no_public_api_response_of_the_demo_shows_a_customer_address_or_phone(
    demo: tuple[Any, Customer],
) -> None:
    org, customer = demo
    membership = Membership.objects.filter(organization=org, role=Role.ADMIN).first()
    assert membership is not None
    _, raw = api_token_create(membership=membership, name="crawl", scopes=list(Scope.values))
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    patterns = _contacts(org)
    bodies = {}
    for url in _api_urls(org):
        response = client.get(url)
        assert response.status_code == 200, (url, response.content[:300])
        bodies[url] = response.content.decode()
    assert any(customer.public_name in body for body in bodies.values())
    assert sum('"public_name"' in body for body in bodies.values()) >= 5
    leaks = {url: found for url, body in bodies.items() if (found := _leaks(body, patterns))}
    assert leaks == {}
