"""The web's shared plumbing (``sayso.core.web``): refusals as text, the id guard and lookup,
the portal's sign-in redirect, the safe ``next``, the rate-limited page and follow toggling;
and ids out of range on real pages and API operations: 404 or 422, never a 500."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import ValidationError
from django.http import Http404
from django.test import Client, RequestFactory

from sayso.conversations.models import Case
from sayso.conversations.selectors import case_get
from sayso.core import errors as errors_module
from sayso.core.models import Role
from sayso.core.web import (
    MAX_ID,
    errors_text,
    follow_toggle,
    form_errors_text,
    get_or_404,
    is_object_id,
    object_id,
    rate_limited,
    safe_next,
    signin_redirect,
)
from tests import factories
from tests.api.conftest import make_token

OUT_OF_RANGE = [0, MAX_ID + 1, 10**20]


def test_a_refusal_reads_as_one_line() -> None:
    assert errors_text(ValidationError(["Too long.", "Not a date."])) == "Too long. Not a date."
    assert errors_text(ValidationError({"title": ["Say what it is."]})) == "Say what it is."
    assert errors_text(ValidationError("Not %(what)s.", params={"what": "yours"})) == "Not yours."


def test_only_core_errors_joins_a_refusals_messages() -> None:
    """Views, commands and services word a ``ValidationError`` with ``errors_text`` (from
    ``sayso.core.errors``, re-exported by ``core.web``) instead of joining its messages."""
    joined = re.compile(r"\.join\(\s*\w+\.messages\s*\)")
    sayso = Path(errors_module.__file__).parents[1]
    found = [
        str(path.relative_to(sayso))
        for path in sorted(sayso.rglob("*.py"))
        if joined.search(path.read_text(encoding="utf-8"))
    ]
    assert found == ["core/errors.py"]
    assert errors_text is errors_module.errors_text


def test_an_invalid_form_reads_as_one_line() -> None:
    class TwoFields(forms.Form):
        title = forms.CharField()
        count = forms.IntegerField()

    form = TwoFields({"count": "many"})
    assert not form.is_valid()
    assert form_errors_text(form) == "This field is required. Enter a whole number."


@pytest.mark.parametrize("value", [1, 42, MAX_ID, "7", " 12 ", str(MAX_ID)])
def test_an_id_is_a_positive_63_bit_integer(value: Any) -> None:
    assert is_object_id(value)
    assert object_id(value) == int(value)


@pytest.mark.parametrize(
    "value", [0, -1, MAX_ID + 1, 10**20, "", "0", "-3", "1e3", "٣", "²", "12a", None, True, 1.0]
)
def test_anything_else_is_not_found(value: Any) -> None:
    assert not is_object_id(value)
    with pytest.raises(Http404, match=r"No such thing\."):
        object_id(value, "No such thing.")


@pytest.mark.django_db
def test_get_or_404_reads_a_queryset_or_a_selector_and_never_looks_up_an_id_out_of_range(
    org: Any, other_org: Any, django_assert_num_queries: Any
) -> None:
    customer = factories.make_customer(org, "Ann", "ann@example.com")
    case = factories.make_case(org, customer, subject="Truck", body="Where?")
    theirs = factories.make_case(other_org, factories.make_customer(other_org, "Bo", "b@x.io"))
    cases = Case.objects.filter(organization=org)
    assert get_or_404(cases, case.pk) == case
    assert get_or_404(case_get, case.number, key="number", organization=org) == case
    with pytest.raises(Http404, match=r"No such case\."):
        get_or_404(cases, theirs.pk, message="No such case.")
    with pytest.raises(Http404):
        get_or_404(case_get, 999, key="number", organization=org)
    for pk in OUT_OF_RANGE:
        with django_assert_num_queries(0), pytest.raises(Http404):
            get_or_404(cases, pk)


def _post(data: dict[str, str], *, secure: bool = False, **headers: str) -> Any:
    request = RequestFactory().post("/o/haulright/x/", data, secure=secure, headers=headers)
    request.session = SessionStore()
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    return request


@pytest.mark.parametrize(
    ("candidate", "kept"),
    [
        ("/o/haulright/ideas/3/", True),
        ("http://testserver/o/haulright/", True),
        ("https://evil.example/o/haulright/", False),
        ("//evil.example/", False),
        ("javascript:alert(1)", False),
        ("", False),
    ],
)
def test_next_is_followed_only_into_this_site(candidate: str, kept: bool) -> None:
    assert safe_next(_post({"next": candidate}), "/back/") == (candidate if kept else "/back/")


def test_next_over_http_is_refused_to_a_request_made_over_https() -> None:
    request = _post({"next": "http://testserver/o/haulright/"}, secure=True)
    assert safe_next(request, "/back/") == "/back/"


@pytest.mark.django_db
def test_sign_in_redirect_comes_back_and_tells_htmx_where_to_go(org: Any) -> None:
    plain = signin_redirect(_post({}), org, "/o/haulright/ideas/3/")
    assert plain.status_code == 302
    assert plain["Location"] == "/o/haulright/signin/?next=%2Fo%2Fhaulright%2Fideas%2F3%2F"
    htmx = signin_redirect(_post({}, **{"HX-Request": "true"}), org, "/o/haulright/ideas/3/")
    assert htmx.status_code == 204
    assert htmx["HX-Redirect"] == plain["Location"]


@pytest.mark.django_db
def test_a_client_over_the_limit_gets_the_portals_429_page(org: Any) -> None:
    request = _post({})
    assert rate_limited(request, org, "test-action", limit=2) is None
    assert rate_limited(request, org, "test-action", limit=2) is None
    response = rate_limited(request, org, "test-action", limit=2)
    assert response is not None and response.status_code == 429
    assert "Haulright" in response.content.decode()
    assert rate_limited(request, org, "another-action", limit=2) is None


class Follows:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any, str, Any]] = []

    def follow_add(self, *, customer: Any, subject: str, delivery: str | None = None) -> Any:
        self.calls.append(("add", customer, subject, delivery))

    def follow_remove(self, *, customer: Any, subject: str) -> Any:
        self.calls.append(("remove", customer, subject, None))


def _follow_request(org: Any, customer: Any, data: dict[str, str]) -> Any:
    request = _post(data)
    request.organization = org
    request.customer = customer
    return request


@pytest.mark.django_db
def test_follow_toggle_sends_a_visitor_to_sign_in_and_back(org: Any) -> None:
    follows = Follows()
    request = _follow_request(org, None, {})
    response = follow_toggle(request, follows, subject="roadmap", back="/o/haulright/roadmap/")
    assert response.status_code == 302
    assert response["Location"] == "/o/haulright/signin/?next=%2Fo%2Fhaulright%2Froadmap%2F"
    assert follows.calls == []


@pytest.mark.django_db
def test_follow_toggle_follows_and_unfollows_with_the_pages_messages(org: Any) -> None:
    follows = Follows()
    ann = factories.make_customer(org, "Ann", "ann@example.com")
    texts = {"followed": "You follow it.", "unfollowed": "Unfollowed."}
    request = _follow_request(org, ann, {})
    response = follow_toggle(
        request, follows, subject="roadmap", back="/r/", delivery="daily", **texts
    )
    assert response["Location"] == "/r/"
    request2 = _follow_request(org, ann, {"action": "unfollow"})
    follow_toggle(request2, follows, subject="roadmap", back="/r/", **texts)
    assert follows.calls == [("add", ann, "roadmap", "daily"), ("remove", ann, "roadmap", None)]
    assert [str(m) for m in get_messages(request)] == ["You follow it."]
    assert [str(m) for m in get_messages(request2)] == ["Unfollowed."]


@pytest.mark.django_db
def test_follow_toggle_shows_a_refusal_and_follows_nothing(org: Any) -> None:
    follows = Follows()
    ann = factories.make_customer(org, "Ann", "ann@example.com")

    def refuse() -> None:
        raise ValidationError("You cannot follow yourself.")

    request = _follow_request(org, ann, {})
    response = follow_toggle(request, follows, subject="person:1", back="/p/", check=refuse)
    assert response["Location"] == "/p/"
    assert follows.calls == []
    assert [(m.level_tag, str(m)) for m in get_messages(request)] == [
        ("error", "You cannot follow yourself.")
    ]


# --- ids out of range on real pages ------------------------------------------------------------

STAFF_PAGES = [
    "/staff/haulright/cases/{pk}/",
    "/staff/haulright/customers/{pk}/",
    "/staff/haulright/listening/sources/{pk}/",
    "/staff/haulright/webhooks/{pk}/",
    "/staff/haulright/sales/deals/{pk}/",
    "/staff/haulright/sales/intents/{pk}/",
    "/staff/haulright/customers/{pk}/consent/",
]
PORTAL_PAGES = [
    "/o/haulright/status/incidents/{pk}/",
    "/o/haulright/status/maintenance/{pk}/",
    "/o/haulright/roadmap/{pk}/",
]


@pytest.mark.django_db
@pytest.mark.parametrize("pk", OUT_OF_RANGE)
def test_a_page_with_an_id_out_of_range_is_not_found(org: Any, pk: int) -> None:
    admin = factories.make_member(org, Role.ADMIN, username="boss")
    client = Client(raise_request_exception=False)
    client.force_login(admin.user)
    for page in STAFF_PAGES + PORTAL_PAGES:
        response = client.get(page.format(pk=pk))
        assert response.status_code == 404, (page, response.status_code)
    posts = [
        ("/o/haulright/status/follow/", {"incident": str(pk)}),
        ("/o/haulright/roadmap/follow/", {"item": str(pk)}),
        (f"/o/haulright/status/components/{pk}/", {"status": "operational"}),
        (f"/o/haulright/status/groups/{pk}/delete/", {}),
        (f"/o/haulright/status/incidents/{pk}/cases/", {"numbers": "1"}),
    ]
    for page, data in posts:
        assert client.post(page, data).status_code == 404, page


@pytest.mark.django_db
def test_an_api_body_id_out_of_range_is_a_422_and_a_path_id_a_404(org: Any) -> None:
    admin = factories.make_member(org, Role.ADMIN, username="boss")
    client = Client(raise_request_exception=False)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {make_token(admin.user, org)}"}
    body = client.post(
        "/api/v1/cases",
        {"customer_id": MAX_ID + 1, "subject": "s", "body": "b"},
        content_type="application/json",
        **auth,
    )
    assert body.status_code == 422
    path = client.get(f"/api/v1/cases/{MAX_ID + 1}", **auth)
    assert path.status_code == 404
    assert path.json() == {"detail": "Not found."}


@pytest.mark.django_db
def test_an_api_token_below_the_actions_role_is_refused(
    org: Any,
) -> None:
    agent = factories.make_member(org, Role.AGENT, username="agent")
    client = Client(raise_request_exception=False)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {make_token(agent.user, org)}"}
    response = client.get("/api/v1/webhooks/endpoints", **auth)
    assert response.status_code == 403
    assert response.json() == {"detail": "Only an admin can do this."}
    assert client.get("/api/v1/cases", **auth).status_code == 200
