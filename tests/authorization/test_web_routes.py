"""Every web route of the URL conf against every kind of visitor (issue 19).

The routes are read from ``get_resolver()``; ``ROUTES`` says, for each route name, who may use
it and how to fill its URL from the seeded world. A route missing from the table fails
``test_every_route_of_the_url_conf_is_in_the_table``, so a new page cannot be added untested.
The API operations behind ``api/v1/`` are the OpenAPI matrix's (test_api_operations.py).

Each visitor GETs every route and POSTs an empty form to it. A refused visitor must get the
refusal of the route's kind (staff login, portal sign-in, 403 or 404) and write nothing (no
INSERT, UPDATE or DELETE but sessions, rate counters and login-throttling rows); an allowed
visitor must get the page. Requests run in a savepoint rolled back afterwards, so an allowed
POST changes nothing for the next one. No response to anyone but this organization's staff
holds the internal note, and no response shows a case to anyone but its customer and the staff.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from sayso.community.models import Idea
from tests.authorization.consent_world import campaign_id, receipt_kwargs
from tests.authorization.world import CASE_A, CASE_B, MARK, NOTE, PRIVATE, World, rolled_back

ORG_STAFF = ("agent", "manager", "admin")
CUSTOMERS = ("customer_a", "customer_b")
# "bearer": an anonymous browser sending an admin's API token, which web pages must ignore.
CALLERS = ("anonymous", "bearer", *CUSTOMERS, *ORG_STAFF, "outsider")
RANK = {"agent": 1, "manager": 2, "admin": 3}


class Access(Enum):
    PUBLIC = "anyone reads it; an empty form posted to it changes nothing"
    TOKEN_LINK = "a link holding a secret: a wrong secret opens and changes nothing"
    CUSTOMER = "a signed-in customer; anyone else is sent to the portal's sign-in"
    CUSTOMER_OR_TEAM = "a signed-in customer or this organization's staff; others: sign-in"
    CUSTOMER_A = "one customer's own (`owner`): the other is refused (403/404), others sign in"
    STAFF = "staff of this organization with `role`; others to the staff login, other orgs 404"
    TEAM = "staff of this organization with `role` acting on a public page; anyone else 403"
    SIGNED_IN = "any signed-in staff user"
    NOWHERE = "not a page: 404 for anyone"
    DJANGO_ADMIN = "Django's admin: superusers only, which none of the visitors is"


def _no_kwargs(w: World) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Route:
    access: Access
    kwargs: Callable[[World], dict[str, Any]] = _no_kwargs
    role: str = "agent"  # the least role for STAFF and TEAM
    post_role: str = ""  # when a POST needs more than a GET (the page's own form)
    post_only: bool = False  # GET answers 405 (to those it does not refuse first)
    get_only: bool = False  # POST answers 405 to everyone
    query: str = ""
    path: str = ""  # for a route without a name: its URL, written out
    owner: str = "customer_a"  # CUSTOMER_A: whose own thing it is (the other is refused)
    team_too: bool = False  # CUSTOMER_A: this organization's staff may act on it too
    empty_form_404: bool = False  # an empty form names nothing: 404 even for those let in


def _case(w: World) -> dict[str, Any]:
    return {"number": w.case_a.number}


def _idea(w: World) -> dict[str, Any]:
    return {"number": w.idea.number}


def _question(w: World) -> dict[str, Any]:
    return {"number": w.question.number}


def _pk(attribute: str) -> Callable[[World], dict[str, Any]]:
    def kwargs(w: World) -> dict[str, Any]:
        return {"pk": getattr(w, attribute).pk}

    return kwargs


def _ready_export(w: World) -> dict[str, Any]:
    """A ready background export of Ann's (made on first use; never committed)."""
    from sayso.privacy.models import PersonalDataExport

    export, _ = PersonalDataExport.objects.get_or_create(
        customer=w.ann,
        by_customer=True,
        defaults={"organization": w.org, "status": "ready", "archive": b"PK"},
    )
    return {"pk": export.pk}


def _staff_ready_export(w: World) -> dict[str, Any]:
    """A ready background export of Ann's that staff asked for (made on first use)."""
    from sayso.privacy.models import PersonalDataExport

    export, _ = PersonalDataExport.objects.get_or_create(
        customer=w.ann,
        by_customer=False,
        defaults={"organization": w.org, "status": "ready", "archive": b"PK"},
    )
    return {"pk": w.ann.pk, "export_pk": export.pk}


P, T, C, CT, CA = (
    Access.PUBLIC,
    Access.TOKEN_LINK,
    Access.CUSTOMER,
    Access.CUSTOMER_OR_TEAM,
    Access.CUSTOMER_A,
)
S, TEAM = Access.STAFF, Access.TEAM

ROUTES: dict[str, Route] = {
    # --- core: home, staff sign-in, settings
    "home": Route(P),
    "staff-login": Route(P),
    "staff-logout": Route(P, post_only=True),
    "staff-home": Route(Access.SIGNED_IN),
    "staff-password-reset": Route(P),
    "staff-password-reset-done": Route(P),
    "staff-password-reset-confirm": Route(T, lambda w: {"uidb64": "MQ", "token": "no-token"}),
    "staff-password-reset-complete": Route(P),
    "members": Route(S, role="admin"),
    "member-update": Route(
        S, lambda w: {"pk": w.admin_membership.pk}, role="admin", post_only=True
    ),
    "api-tokens": Route(S),
    "mail-list": Route(S, role="admin"),
    "mail-retry": Route(
        S, lambda w: {"pk": 999_999}, role="admin", post_only=True, empty_form_404=True
    ),
    "api-token-revoke": Route(S, _pk("admin_token"), role="admin", post_only=True),
    "dead-letters": Route(S, role="admin"),
    "dead-letter-retry": Route(
        S, lambda w: {"pk": 999_999}, role="admin", post_only=True, empty_form_404=True
    ),
    # --- the feedback widget
    "widget-script": Route(P),
    "widget-message": Route(P, post_only=True),
    # --- staff: inbox, cases, commitments
    "inbox": Route(S),
    "case-detail": Route(S, _case),
    "case-reply": Route(S, _case, post_only=True),
    "case-mail-retry": Route(
        S,
        lambda w: {"number": w.case_a.number, "message_id": 999_999},
        post_only=True,
        empty_form_404=True,
    ),
    "case-update": Route(S, _case, post_only=True),
    "case-handoff": Route(S, _case, post_only=True),
    "commitment-make": Route(S, _case, post_only=True),
    "commitment-list": Route(S),
    "automated-mail-list": Route(S),
    "commitment-close": Route(
        S, lambda w: {"pk": w.commitment.pk, "action": "keep"}, post_only=True
    ),
    # --- staff: customers
    "customer-list": Route(S),
    "customer-detail": Route(S, _pk("ann")),
    "identity-add": Route(S, _pk("ann"), post_only=True),
    "customer-merge": Route(S, _pk("ann"), post_only=True),
    "customer-unmerge": Route(S, lambda w: {"merge_pk": w.merge.pk}, post_only=True),
    "merge-suggestions": Route(S),
    # --- staff: alerts, queues
    "alert-list": Route(S),
    "alerts-read": Route(S, post_only=True),
    "moderation-queue": Route(S, get_only=True),
    # --- staff: the spam filter moderators teach
    "spam-filter": Route(S, get_only=True),
    "spam-filter-retrain": Route(S, post_only=True),
    "spam-filter-rollback": Route(S, role="manager", post_only=True),
    "spam-filter-release": Route(S, post_only=True),
    "spam-filter-mark": Route(S, post_only=True),
    "spam-filter-akismet": Route(S, role="admin", post_only=True),
    "question-queue": Route(S, get_only=True),
    # --- staff: listening
    "mention-list": Route(S),
    "mention-open-case": Route(S, _pk("mention"), post_only=True),
    "source-list": Route(S),
    "source-new": Route(S, role="admin"),
    "source-detail": Route(S, _pk("source"), post_role="admin"),
    "source-test": Route(S, _pk("source"), role="admin", post_only=True),
    "source-poll": Route(S, _pk("source"), role="admin", post_only=True),
    "source-delete": Route(S, _pk("source"), role="admin", post_only=True),
    "term-list": Route(S, post_role="manager"),
    "term-remove": Route(S, _pk("term"), role="manager", post_only=True),
    "rule-list": Route(S, post_role="manager"),
    "rule-edit": Route(S, _pk("rule"), role="manager"),
    "rule-delete": Route(S, _pk("rule"), role="manager", post_only=True),
    # --- staff: webhooks (admins only)
    "webhook-list": Route(S, role="admin"),
    "webhook-new": Route(S, role="admin"),
    "webhook-detail": Route(S, _pk("webhook_endpoint"), role="admin"),
    "webhook-rotate": Route(S, _pk("webhook_endpoint"), role="admin", post_only=True),
    "webhook-test": Route(S, _pk("webhook_endpoint"), role="admin", post_only=True),
    "webhook-delete": Route(S, _pk("webhook_endpoint"), role="admin", post_only=True),
    "webhook-delivery": Route(S, _pk("webhook_delivery"), role="admin"),
    "webhook-delivery-resend": Route(S, _pk("webhook_delivery"), role="admin", post_only=True),
    # --- the customer portal
    "portal-home": Route(P),
    "portal-signin": Route(P),
    "portal-signin-confirm": Route(T, lambda w: {"token": "not-a-sign-in-link"}),
    "portal-claim-confirm": Route(T, lambda w: {"token": "not-a-claim-link"}),
    "portal-signout": Route(P, post_only=True),
    "portal-profile": Route(C),
    "portal-cases": Route(C),
    "portal-case-new": Route(C),
    "portal-case": Route(CA, _case),
    # --- community: questions and answers
    "questions": Route(P),
    "question-new": Route(C),
    "question-similar": Route(P),
    "questions-follow": Route(C, post_only=True),
    "questions-feed": Route(P),
    "question-feed": Route(P, _question),
    "question-detail": Route(P, _question),
    "answer-post": Route(CT, _question, post_only=True),
    "question-me-too": Route(C, _question, post_only=True),
    "question-follow": Route(C, _question, post_only=True),
    "question-edit": Route(CA, _question),
    "question-delete": Route(CA, _question, post_only=True),
    "question-flag": Route(C, _question, post_only=True),
    "question-close": Route(TEAM, _question, post_only=True),
    "question-moderate": Route(TEAM, _question, post_only=True),
    "question-link": Route(TEAM, _question, post_only=True),
    "answer-vote": Route(C, _pk("answer"), post_only=True),
    # Bob's answer to Ann's question: Ann (or the team) accepts it, Bob may delete it.
    "answer-accept": Route(CA, _pk("answer"), post_only=True, team_too=True),
    "answer-delete": Route(CA, _pk("answer"), post_only=True, owner="customer_b"),
    "community-visibility": Route(C, post_only=True),
    "community-profile": Route(P, _pk("ann")),
    "community-profile-follow": Route(C, _pk("ann"), post_only=True),
    # --- community: ideas, comments, moderation, reviews
    "idea-board": Route(P),
    "idea-new": Route(C),
    "idea-similar": Route(P),
    "idea-board-feed": Route(P),
    "idea-board-follow": Route(C, post_only=True),
    "idea-detail": Route(P, _idea),
    "idea-feed": Route(P, _idea),
    "idea-follow": Route(C, _idea, post_only=True),
    "following": Route(C),
    "unsubscribe": Route(T, lambda w: {"token": "not-a-token"}),
    "idea-vote": Route(C, _idea, post_only=True),
    "idea-comment": Route(CT, _idea, post_only=True),
    "idea-edit": Route(CA, _idea),
    "idea-delete": Route(CA, _idea, post_only=True),
    "idea-flag": Route(C, _idea, post_only=True),
    "idea-status": Route(TEAM, _idea, post_only=True),
    "idea-respond": Route(TEAM, _idea, post_only=True),
    "idea-merge": Route(TEAM, _idea, post_only=True),
    "idea-hide": Route(TEAM, _idea, post_only=True),
    "idea-restore": Route(TEAM, _idea, post_only=True),
    "comment-hide": Route(TEAM, _pk("comment"), post_only=True),
    "comment-restore": Route(TEAM, _pk("comment"), post_only=True),
    "moderation-log": Route(P),
    "report": Route(C, post_only=True, empty_form_404=True),
    "reviews": Route(P),
    "reviews-feed": Route(P),
    "review-reply": Route(TEAM, _pk("review"), post_only=True),
    "review-hide": Route(TEAM, _pk("review"), post_only=True),
    "review-restore": Route(TEAM, _pk("review"), post_only=True),
    "review-follow": Route(C, _pk("review"), post_only=True),
    "review-feed": Route(P, _pk("review")),
    "review-comment": Route(CT, _pk("review"), post_only=True),
    "roadmap-item-comment": Route(CT, _pk("roadmap_item"), post_only=True),
    "changelog-entry-comment": Route(CT, _pk("changelog_entry"), post_only=True),
    # --- roadmap and changelog
    "roadmap": Route(P),
    "roadmap-item-create": Route(TEAM, post_only=True),
    "roadmap-item-move": Route(TEAM, _pk("roadmap_item"), post_only=True),
    "roadmap-item": Route(P, _pk("roadmap_item")),
    "roadmap-feed": Route(P),
    "roadmap-follow": Route(C, post_only=True),
    "changelog": Route(P),
    "changelog-feed": Route(P),
    "changelog-create": Route(TEAM, post_only=True),
    "changelog-follow": Route(C, post_only=True),
    "changelog-entry": Route(P, _pk("changelog_entry")),
    "changelog-publish": Route(TEAM, _pk("changelog_entry"), post_only=True),
    "health": Route(P, get_only=True),
    # --- status page
    "status": Route(P),
    "status-feed": Route(P),
    "status-follow": Route(C, post_only=True),
    "incidents": Route(P),
    "incident-open": Route(TEAM, post_only=True),
    "incident": Route(P, _pk("incident")),
    "incident-update": Route(TEAM, _pk("incident"), post_only=True),
    "incident-edit": Route(TEAM, _pk("incident"), post_only=True),
    "incident-postmortem": Route(TEAM, _pk("incident"), post_only=True),
    "incident-cases": Route(TEAM, _pk("incident"), post_only=True),
    "component-create": Route(TEAM, role="manager", post_only=True),
    # The matrix posts a status (an agent's); moving and removing are a manager's
    # (tests/status/test_status_pages.py).
    "component-change": Route(TEAM, _pk("component"), post_only=True),
    "component-group-create": Route(TEAM, role="manager", post_only=True),
    "component-group-delete": Route(TEAM, _pk("component_group"), role="manager", post_only=True),
    "maintenance-schedule": Route(TEAM, post_only=True),
    "maintenance": Route(P, _pk("maintenance")),
    "maintenance-update": Route(TEAM, _pk("maintenance"), post_only=True),
    # Statuspage's public JSON: read-only, from any origin.
    **{
        f"statuspage-{kind}": Route(P, get_only=True)
        for kind in (
            "summary",
            "status",
            "components",
            "incidents",
            "incidents-unresolved",
            "scheduled-maintenances",
            "scheduled-maintenances-upcoming",
            "scheduled-maintenances-active",
        )
    },
    # --- intents, offers, the selling process and deals
    "selling-process": Route(P),
    "portal-intents": Route(C),
    "portal-intent-new": Route(C),
    "portal-intent": Route(CA, _pk("intent")),
    "portal-intent-edit": Route(CA, _pk("intent")),
    "portal-intent-withdraw": Route(CA, _pk("intent"), post_only=True),
    "portal-offer-decide": Route(
        CA, lambda w: {"pk": w.offer.pk, "action": "decline"}, post_only=True
    ),
    "portal-deals": Route(C),
    "portal-deal": Route(CA, _pk("deal")),
    "portal-deal-status": Route(CA, lambda w: {"pk": w.deal.pk, "action": "pause"}, post_only=True),
    "staff-intents": Route(S),
    "staff-intent": Route(S, _pk("intent")),
    "staff-deals": Route(S),
    "staff-deal": Route(S, _pk("deal")),
    "staff-selling-process": Route(S, post_role="admin"),
    # --- consent: the customer's one page, receipts, the published key, staff, campaigns
    "portal-consent": Route(C),
    "portal-consent-receipt": Route(CA, receipt_kwargs, get_only=True),
    "consent-receipt-keys": Route(P, get_only=True),
    "staff-consent": Route(S, _pk("ann")),
    "staff-consent-record": Route(S, _pk("ann"), post_only=True),
    "staff-outreach": Route(S, _pk("ann"), post_only=True),
    "staff-consent-receipt": Route(
        S, lambda w: {"pk": w.ann.pk, **receipt_kwargs(w)}, get_only=True
    ),
    "campaign-list": Route(S, post_role="manager"),
    "campaign-detail": Route(S, lambda w: {"campaign_pk": campaign_id(w)}, get_only=True),
    # --- privacy: what you know about me, export and erasure
    "privacy-my-data": Route(C, get_only=True),
    "privacy-my-data-export": Route(C, post_only=True),
    "privacy-my-data-export-download": Route(CA, _ready_export, get_only=True),
    "privacy-my-data-name": Route(C, post_only=True),
    "privacy-my-data-erase": Route(C, post_only=True),
    "privacy-my-data-erase-cancel": Route(C, post_only=True),
    "privacy-erasure-receipt": Route(
        T, lambda w: {"receipt_id": "00000000-0000-4000-8000-000000000000"}, get_only=True
    ),
    "privacy-staff-erasures": Route(S, role="manager", get_only=True),
    "privacy-staff-export": Route(S, _pk("ann"), role="manager", post_only=True),
    "privacy-staff-export-download": Route(S, _staff_ready_export, role="manager", get_only=True),
    "privacy-staff-erase": Route(S, _pk("ann"), role="manager", post_only=True),
    "privacy-staff-erasure-cancel": Route(
        S, lambda w: {"pk": 999_999}, role="manager", post_only=True, empty_form_404=True
    ),
    # --- the API's own pages (its operations: test_api_operations.py)
    "api:openapi-json": Route(P),
    "api:openapi-view": Route(P),
    "api:api-root": Route(Access.NOWHERE),
    # Any other path under /api/: a JSON 404, not Django's HTML one.
    "view:sayso.api.main._unknown_path": Route(Access.NOWHERE, path="/api/v1/no-such-operation"),
}

# Django's admin: a rule for the whole namespace (a model registered later is covered), and
# the few pages that are not behind the admin's login.
ADMIN_OPEN = {
    "admin:login": Route(P),
    "admin:logout": Route(P),
}


def _view_on_site(w: World) -> dict[str, Any]:
    return {"content_type_id": ContentType.objects.get_for_model(Idea).pk, "object_id": w.idea.pk}


@dataclass(frozen=True)
class Resolved:
    name: str
    pattern: str
    converters: tuple[str, ...]
    default_kwargs: dict[str, Any] = field(default_factory=dict)


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = "") -> Iterator[Resolved]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            # A route without a name is known by its view: "view:module.function".
            view = entry.callback
            name = str(entry.name) if entry.name else f"view:{view.__module__}.{view.__qualname__}"
            name = f"{namespace}:{name}" if namespace and entry.name else name
            converters = tuple(entry.pattern.converters) or tuple(entry.pattern.regex.groupindex)
            yield Resolved(name, prefix + str(entry.pattern), converters, entry.default_args)


def url_conf() -> list[Resolved]:
    """Every route of the URL conf, but the API's operations (the OpenAPI matrix's)."""
    return [route for route in _walk(get_resolver()) if not re.match(r"api/v\d+/\w", route.pattern)]


def _is_admin(resolved: Resolved) -> bool:
    return resolved.pattern.startswith("admin/")


def _admin_route(resolved: Resolved, w: World) -> tuple[str, Route] | None:
    """The URL and row of one of the admin's routes (None: a redirect with a catch-all)."""
    if resolved.name in ADMIN_OPEN:
        return reverse(resolved.name), ADMIN_OPEN[resolved.name]
    if resolved.name == "admin:view_on_site":
        return reverse(resolved.name, kwargs=_view_on_site(w)), Route(Access.DJANGO_ADMIN)
    if not resolved.name.startswith("admin:"):
        return None  # a catch-all that redirects to the object's change page
    kwargs: dict[str, Any] = {}
    for name in resolved.converters:
        kwargs[name] = {"object_id": "1", "app_label": "customers", "id": "1"}.get(name, "1")
    url = reverse(resolved.name, kwargs=kwargs) if kwargs else reverse(resolved.name)
    return url, Route(Access.DJANGO_ADMIN)


def _url(name: str, route: Route, w: World, org_slug: str | None = None) -> str:
    if route.path:
        return route.path
    kwargs = route.kwargs(w)
    resolved = _RESOLVED[name]
    if "org" in resolved.converters or "<slug:org>" in resolved.pattern:
        kwargs["org"] = org_slug or w.org.slug
    return reverse(name, kwargs=kwargs) + (f"?{route.query}" if route.query else "")


_RESOLVED = {route.name: route for route in url_conf()}


# --- what a response is ---------------------------------------------------------------------

OK, LOGIN, SIGNIN, ADMIN_LOGIN = "ok", "staff login", "portal sign-in", "admin login"
FORBIDDEN, MISSING, METHOD, BAD, ERROR = "403", "404", "405", "other 4xx", "500"


@dataclass
class Outcome:
    kind: str
    status: int
    text: str
    writes: list[str]


def _kind(response: Any) -> str:
    status = response.status_code
    if status in {301, 302, 303, 307, 308}:
        location = response["Location"]
        if location.startswith("/staff/login/"):
            return LOGIN
        if location.startswith("/admin/login/"):
            return ADMIN_LOGIN
        if re.match(r"^/o/[\w-]+/signin/(\?|$)", location):
            return SIGNIN
        return OK
    if status < 300:
        return OK
    return {403: FORBIDDEN, 404: MISSING, 405: METHOD}.get(status, ERROR if status >= 500 else BAD)


def request(client: Client, method: str, url: str) -> Outcome:
    """One request in a savepoint rolled back afterwards (the client's cookies too)."""
    cookies = client.cookies
    client.cookies = type(cookies)(cookies)
    response, writes = rolled_back(
        lambda: client.get(url) if method == "GET" else client.post(url, {})
    )
    client.cookies = cookies
    text = response.content.decode("utf-8", "replace") if not response.streaming else ""
    return Outcome(_kind(response), response.status_code, text, writes)


# --- who may do what -------------------------------------------------------------------------


def expected(route: Route, caller: str, method: str) -> tuple[set[str], bool]:
    """The outcomes ``caller`` may get from ``method`` on ``route``, and whether it may write."""
    access = route.access
    if method == "POST" and route.get_only:
        return {METHOD}, False
    role = route.post_role if method == "POST" and route.post_role else route.role
    staff = caller in ORG_STAFF
    customer = caller in CUSTOMERS
    get_of_post = method == "GET" and route.post_only
    if get_of_post:
        allowed_then = {METHOD}
    elif method == "GET":
        allowed_then = {OK}
    else:
        allowed_then = {OK, BAD} | ({MISSING} if route.empty_form_404 else set())
    if access is Access.PUBLIC:
        if method == "GET":
            return ({METHOD} if route.post_only else {OK}), False
        # An empty form: ignored, refused, or sent to sign in first.
        return {OK, BAD, METHOD, FORBIDDEN, SIGNIN}, False
    if access is Access.TOKEN_LINK:
        return {OK, MISSING, BAD, METHOD}, False
    if access is Access.NOWHERE:
        return {MISSING}, False
    if access is Access.DJANGO_ADMIN:
        return {ADMIN_LOGIN}, False
    if access is Access.SIGNED_IN:
        return ({LOGIN}, False) if caller not in (*ORG_STAFF, "outsider") else ({OK}, False)
    if access in (Access.CUSTOMER, Access.CUSTOMER_OR_TEAM, Access.CUSTOMER_A):
        team = access is Access.CUSTOMER_OR_TEAM or route.team_too
        if customer or (staff and team):
            if access is Access.CUSTOMER_A and customer and caller != route.owner:
                return {FORBIDDEN, MISSING} | ({METHOD} if get_of_post else set()), False
            return allowed_then, True
        return {SIGNIN} | ({METHOD} if get_of_post else set()), False
    if access is Access.STAFF:
        if staff and RANK[caller] >= RANK[role]:
            return allowed_then, True
        refusal = {FORBIDDEN, MISSING} if staff else {MISSING} if caller == "outsider" else {LOGIN}
        return refusal | ({METHOD} if get_of_post else set()), False
    if access is Access.TEAM:
        if staff and RANK[caller] >= RANK[role]:
            return allowed_then, True
        return ({METHOD} if get_of_post else {FORBIDDEN}), False
    raise AssertionError(access)


def _rows(w: World) -> Iterator[tuple[str, str, Route]]:
    for resolved in url_conf():
        if _is_admin(resolved):
            admin = _admin_route(resolved, w)
            if admin is not None:
                yield resolved.name, admin[0], admin[1]
        else:
            route = ROUTES[resolved.name]
            yield resolved.name, _url(resolved.name, route, w), route


# --- the tests -------------------------------------------------------------------------------


def test_every_route_of_the_url_conf_is_in_the_table() -> None:
    names = {r.name for r in url_conf() if not _is_admin(r)}
    unlisted = sorted(names - set(ROUTES))
    stale = sorted(set(ROUTES) - names)
    assert not unlisted, f"Routes with no row in ROUTES (say who may use them): {unlisted}"
    assert not stale, f"Rows in ROUTES for routes that no longer exist: {stale}"


@pytest.mark.django_db
@pytest.mark.parametrize("caller", CALLERS)
def test_each_visitor_gets_exactly_what_the_table_allows(world: World, caller: str) -> None:
    client = world.client(caller)
    may_see_notes = caller in ORG_STAFF
    problems = []
    seen: set[str] = set()
    for name, url, route in _rows(world):
        if route.access is Access.DJANGO_ADMIN and caller not in {"anonymous", "admin"}:
            continue  # one signed-out and one signed-in visitor are enough for the admin
        for method in ("GET", "POST"):
            allowed, may_write = expected(route, caller, method)
            got = request(client, method, url)
            where = f"{method} {url} ({name}, {route.access.name})"
            if got.kind not in allowed:
                problems.append(f"{where}: {got.kind} ({got.status}), expected {sorted(allowed)}")
            if got.writes and not may_write:
                problems.append(f"{where}: wrote {got.writes}")
            if not may_see_notes and NOTE in got.text:
                problems.append(f"{where}: the internal note is in the response")
            for secret, readers in PRIVATE.items():
                if secret in got.text:
                    seen.add(secret)
                    if caller not in readers:
                        problems.append(f"{where}: shows {secret}, not {caller}'s to read")
    # The cases this visitor may read are somewhere in what it was shown (so the checks above
    # look for text that the pages really print).
    owners = {CASE_A: "customer_a", CASE_B: "customer_b"}
    unseen = {code for code, owner in owners.items() if caller in {owner, *ORG_STAFF}} - seen
    if unseen:
        problems.append(f"never shown what it may read: {sorted(unseen)}")
    assert not problems, f"{caller}:\n" + "\n".join(problems)


@pytest.mark.django_db
def test_other_organizations_staff_see_only_their_own_organization(world: World) -> None:
    """The outsider, an admin of Rival, on Rival's own staff pages with this organization's
    ids: a 404, or Rival's own object of that number (case #1 is Rival's too), never this
    organization's."""
    client = world.client("outsider")
    problems = []
    for name, route in ROUTES.items():
        if route.access is not Access.STAFF:
            continue
        url = _url(name, route, world, org_slug=world.rival.slug)
        got = request(client, "GET", url)
        if got.kind not in {OK, MISSING, METHOD}:
            problems.append(f"GET {url}: {got.kind} ({got.status})")
        if MARK in got.text or NOTE in got.text:
            problems.append(f"GET {url}: shows this organization's data")
    assert not problems, "\n".join(problems)
