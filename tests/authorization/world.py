"""One seeded world for the authorization matrices: an organization with something behind every
route, a second organization with its own staff and case #1, customers A and B, and a customer
who signed up through the portal (whose name is the address they typed).

It is built once per test module, inside a transaction that the module's end rolls back
(``world_fixture``); every test runs in a savepoint of it, so what a test changes is gone for the
next one. Nothing here runs the embedding model: no task runs (nothing commits), and mentions are
stored directly rather than through the listening pipeline.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sayso.community import following, qa, reviews
from sayso.community import ideas as community
from sayso.conversations import services as conversations
from sayso.core.models import ApiToken, Membership, Organization, Role, Scope
from sayso.core.services import api_token_create
from sayso.customers.models import Customer, CustomerMerge
from sayso.customers.services import (
    customer_merge,
    portal_login_link_redeem,
    portal_login_link_send,
)
from sayso.listening.models import ListenTerm, Mention, RoutingRule, Source, SourceKind, TermKind
from sayso.listening.services import rule_create, source_create, term_add
from sayso.roadmap import services as roadmap
from sayso.status import maintenance as status_maintenance
from sayso.status import services as status
from tests import factories

# Staff-only text: must never be in a response to anyone but this organization's staff.
NOTE = "INTERNAL-7Q: customer is on the watch list, do not offer discounts"
# In every seeded title and body of the organization: absent from what another organization's
# staff see of their own organization.
MARK = "haulmark"

# In customer A's case (subject, messages, the promise made to A) and in customer B's: only the
# case's customer and this organization's staff may read them.
CASE_A, CASE_B = "zqa1case", "zqb2case"
# In a comment of Ann's that the moderators hid: only this organization's staff may read it
# (today no web page shows a hidden comment's text to anyone).
HIDDEN = "zqh4hidden"
# In Ann's intent and in her deal: only Ann and this organization's staff may read them.
INTENT_A, DEAL_A = "zqi5intent", "zqd6deal"
PRIVATE = {
    CASE_A: {"customer_a", "agent", "manager", "admin"},
    CASE_B: {"customer_b", "agent", "manager", "admin"},
    HIDDEN: {"agent", "manager", "admin"},
    INTENT_A: {"customer_a", "agent", "manager", "admin"},
    DEAL_A: {"customer_a", "agent", "manager", "admin"},
}

ALL_SCOPES = tuple(Scope.values)
STAFF = ("agent", "manager", "admin")


@dataclass
class World:
    org: Organization
    rival: Organization
    users: dict[str, Any]  # agent, manager, admin, outsider
    raw_tokens: dict[str, str]  # agent, manager, admin, outsider: every scope
    ann: Customer
    bob: Customer
    cam: Customer  # signed up through the portal: no name but the address typed
    identities: dict[str, list[str]]  # customer -> the email addresses and phone numbers
    case_a: Any
    case_b: Any
    rival_case: Any
    commitment: Any
    merge: CustomerMerge
    admin_token: ApiToken  # a token the admin owns (revoke route)
    admin_membership: Membership
    idea: Any
    cam_idea: Any
    comment: Any
    question: Any
    answer: Any
    review: Any
    product: Any
    roadmap_item: Any
    changelog_entry: Any
    component: Any
    incident: Any
    component_group: Any
    maintenance: Any
    source: Source
    term: ListenTerm
    rule: RoutingRule
    mention: Mention
    unsubscribe_token: str
    follow_id: int  # Ann's follow of her idea
    message_id: int
    # An admin's webhook endpoint and a test event's delivery to it (``_seed_webhooks``).
    webhook_endpoint: Any = None
    webhook_delivery: Any = None
    # Ann's intent, an offer made to it, a selling stage and Ann's deal (``_seed_deals``).
    intent: Any = None
    offer: Any = None
    stage: Any = None
    deal: Any = None

    def client(self, who: str) -> Client:
        """A browser of ``who``: anonymous, customer_a/customer_b (portal session), a staff
        member (Django session), or ``bearer`` (an anonymous browser sending an admin's API
        token, which web pages must ignore)."""
        if who == "bearer":
            return Client(HTTP_AUTHORIZATION=f"Bearer {self.raw_tokens['admin']}")
        client = Client()
        if who in self.users:
            client.force_login(self.users[who])
        elif who in {"customer_a", "customer_b"}:
            session = client.session
            customer = self.ann if who == "customer_a" else self.bob
            session[f"portal-customer:{self.org.pk}"] = customer.pk
            session.save()
        elif who != "anonymous":
            raise ValueError(who)
        return client


def _seed() -> World:
    org = factories.make_org("Haulright Trucks", "haulright")
    rival = factories.make_org("Rival Vans", "rival")
    users = {role: factories.make_member(org, role, username=role).user for role in STAFF}
    outsider = factories.make_member(rival, Role.ADMIN, username="outsider")
    users["outsider"] = outsider.user
    raw_tokens = {}
    for who, user in users.items():
        membership = Membership.objects.get(user=user)
        raw_tokens[who] = api_token_create(membership=membership, name="all", scopes=ALL_SCOPES)[1]
    admin_membership = Membership.objects.get(user=users["admin"])
    admin_token, _ = api_token_create(
        membership=admin_membership, name="ci", scopes=[Scope.CASES_READ]
    )

    ann = factories.make_customer(
        org, f"Ann Archer {MARK}", "ann.archer@example.com", phone="+15550100111"
    )
    bob = factories.make_customer(
        org, f"Bob Baker {MARK}", "bob.baker@example.net", phone="+15550100222"
    )
    raw = portal_login_link_send(organization=org, email="cam.signup@example.org")
    cam, _ = portal_login_link_redeem(organization=org, raw=raw or "")
    identities = {
        "ann": ["ann.archer@example.com", "+15550100111", "15550100111"],
        "bob": ["bob.baker@example.net", "+15550100222", "15550100222"],
        "cam": ["cam.signup@example.org"],
    }
    dup = factories.make_customer(org, f"Ann again {MARK}", "ann.again@example.com")
    merge = customer_merge(source=dup, target=ann, actor=users["admin"])

    case_a = factories.make_case(
        org, ann, subject=f"Truck {CASE_A} {MARK}", body=f"Where is it {CASE_A} {MARK}?"
    )
    case_b = factories.make_case(
        org, bob, subject=f"Invoice {CASE_B} {MARK}", body=f"Wrong sum {CASE_B} {MARK}"
    )
    conversations.message_note(case=case_a, author=users["agent"], body=NOTE)
    reply = conversations.message_reply(
        case=case_a, author=users["agent"], body=f"We are on it {CASE_A} {MARK}"
    )
    commitment = factories.make_commitment(case_a, users["agent"], description=f"Ring {CASE_A}")
    rival_customer = factories.make_customer(rival, "Rita Rival", "rita@rival.test")
    rival_case = factories.make_case(rival, rival_customer, subject="Rival's own case")

    idea, _ = community.idea_post(
        organization=org, author=ann, title=f"Ann's idea {MARK}", body=f"Please {MARK}"
    )
    cam_idea, _ = community.idea_post(
        organization=org, author=cam, title=f"Cam's idea {MARK}", body="Dark mode"
    )
    comment, _ = community.comment_post(idea=idea, author=bob, body=f"Bob agrees {MARK}")
    community.comment_post(idea=idea, author=cam, body=f"Cam agrees too {MARK}")
    hidden, _ = community.comment_post(idea=idea, author=ann, body=f"Call me {HIDDEN} {MARK}")
    community.comment_hide(comment=hidden, category="personal_data", actor=users["agent"])
    question, _ = qa.question_ask(
        organization=org, author=ann, title=f"Ann's question {MARK}", body=f"How {MARK}?"
    )
    answer, _ = qa.answer_post(question=question, author=bob, body=f"Bob's answer {MARK}")
    qa.answer_post(question=question, author_user=users["agent"], body=f"Staff {MARK}")
    product = reviews.product_create(organization=org, name="Box van")
    review, _ = reviews.review_post(
        customer=ann, rating=2, title=f"Late {MARK}", body=f"Late pickup {MARK}", product=product
    )
    roadmap_item = roadmap.roadmap_item_create(
        organization=org, title=f"Themes {MARK}", idea_numbers=[idea.number]
    )
    changelog_entry = roadmap.changelog_entry_create(organization=org, title=f"Export {MARK}")
    roadmap.changelog_entry_publish(entry=changelog_entry, actor=users["admin"])
    component = status.component_create(organization=org, name=f"Booking {MARK}")
    incident, _ = status.incident_open(
        organization=org,
        title=f"Outage {MARK}",
        body=f"Down {MARK}",
        component_ids=[component.pk],
        actor=users["agent"],
    )
    status.incident_cases_link(incident=incident, cases=[case_a], actor=users["agent"])
    component_group = status.component_group_create(organization=org, name=f"Depots {MARK}")
    maintenance, _ = status_maintenance.maintenance_schedule(
        organization=org,
        title=f"Upgrade {MARK}",
        body=f"Read-only {MARK}",
        scheduled_for=timezone.now() + timedelta(days=1),
        scheduled_until=timezone.now() + timedelta(days=1, hours=1),
        component_ids=[component.pk],
        actor=users["agent"],
    )
    source = source_create(
        organization=org, name=f"Forum {MARK}", kind=SourceKind.RSS, url="https://forum.test/feed"
    )
    term = term_add(organization=org, kind=TermKind.BRAND, term="Haulright")
    rule = rule_create(
        organization=org, name=f"Angry {MARK}", sentiment="negative", priority="high"
    )
    mention = Mention.objects.create(
        organization=org,
        source=source,
        external_id="m1",
        text=f"Haulright lost my booking {MARK}",
        author_name="Kim",
        published_at=timezone.now() - timedelta(hours=1),
    )
    follow = following.follow_add(customer=ann, subject=f"idea:{idea.pk}")
    token = following.unsubscribe_token(customer_id=ann.pk, follow_id=follow.pk)
    return World(
        org=org,
        rival=rival,
        users=users,
        raw_tokens=raw_tokens,
        ann=ann,
        bob=bob,
        cam=cam,
        identities=identities,
        case_a=case_a,
        case_b=case_b,
        rival_case=rival_case,
        commitment=commitment,
        merge=merge,
        admin_token=admin_token,
        admin_membership=admin_membership,
        idea=idea,
        cam_idea=cam_idea,
        comment=comment,
        question=question,
        answer=answer,
        review=review,
        product=product,
        roadmap_item=roadmap_item,
        changelog_entry=changelog_entry,
        component=component,
        incident=incident,
        component_group=component_group,
        maintenance=maintenance,
        source=source,
        term=term,
        rule=rule,
        mention=mention,
        unsubscribe_token=token,
        follow_id=follow.pk,
        message_id=reply.pk,
    )


def _seed_deals(w: World) -> None:
    from sayso.deals import intents as deal_intents
    from sayso.deals import process as deal_process
    from sayso.deals import services as deals
    from sayso.deals.models import Offer, OfferStatus

    w.intent = deal_intents.intent_publish(
        organization=w.org,
        customer=w.ann,
        title=f"A 16 ft truck {INTENT_A} {MARK}",
        deadline=timezone.now() + timedelta(days=3),
    )
    # Stored directly (as the mention is): making it through the guard would open a case.
    w.offer = Offer.objects.create(
        organization=w.org,
        intent=w.intent,
        author=w.users["agent"],
        price="850",
        currency="USD",
        valid_until=timezone.now() + timedelta(days=5),
        status=OfferStatus.SENT,
    )
    w.stage = deal_process.stage_create(organization=w.org, name=f"Quote {MARK}")
    w.deal = deals.deal_create(
        organization=w.org, customer=w.ann, title=f"Truck {DEAL_A} {MARK}", actor=w.users["agent"]
    )


def _seed_webhooks(w: World) -> None:
    from sayso.webhooks import services as webhooks

    # Nothing is sent: the world's transaction never commits.
    w.webhook_endpoint, _ = webhooks.endpoint_create(
        organization=w.org, url="https://hooks.example.com/sayso", description=f"Sync {MARK}"
    )
    w.webhook_delivery = webhooks.endpoint_send_test(endpoint=w.webhook_endpoint)


def world_fixture(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    """The body of a module-scoped fixture: the world, rolled back when the module ends. It is
    seeded with the settings every test gets (tests/conftest.py), which a module-scoped fixture
    does not have yet."""
    with (
        tempfile.TemporaryDirectory() as data_dir,
        override_settings(
            SAYSO_DATA_DIR=data_dir,
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
            SAYSO_BASE_URL="http://testserver",
        ),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        world = _seed()
        _seed_webhooks(world)
        _seed_deals(world)
        yield world
        transaction.set_rollback(True)


# What a refused request may still write: its session, rate counters, login throttling, and
# the last-used time of the token it showed.
HARMLESS_WRITES = re.compile(
    r'^\s*(INSERT INTO|UPDATE|DELETE FROM)\s+"?(django_session|core_ratecounter|axes_\w+)"?'
    r'|^\s*UPDATE\s+"?core_apitoken"?\s+SET\s+"?last_used_at"?\s*=',
    re.IGNORECASE,
)


class _Rollback(Exception):
    pass


def rolled_back(send: Callable[[], Any]) -> tuple[Any, list[str]]:
    """The response of ``send()`` run in a savepoint that is rolled back afterwards, and the
    writes it made (INSERT, UPDATE, DELETE) but the harmless ones."""
    response: Any = None
    with CaptureQueriesContext(connection) as queries:
        try:
            with transaction.atomic():
                response = send()
                raise _Rollback
        except _Rollback:
            pass
    writes = [
        query["sql"][:120]
        for query in queries.captured_queries
        if re.match(r"^\s*(INSERT|UPDATE|DELETE)\b", query["sql"], re.IGNORECASE)
        and not HARMLESS_WRITES.match(query["sql"])
    ]
    return response, writes
