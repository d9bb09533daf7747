"""The demo organization: a truck-rental company with customers on every channel, cases,
commitments (one already breached), a hand-off and a likely duplicate customer."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from sayso.conversations import commitments
from sayso.conversations import services as conversations
from sayso.conversations.models import Case, Channel, Priority, Visibility
from sayso.core import services as core
from sayso.core.models import Organization, Role
from sayso.customers import services as customers
from sayso.customers.models import Customer, IdentityKind
from sayso.deals.demo import load_demo_selling

DEMO_SLUG = "haulright"


@dataclass
class DemoResult:
    organization: Organization
    created: bool
    accounts: list[tuple[str, str, str]] = field(default_factory=list)  # username, role, team


def demo_password() -> str:
    return os.environ.get("SAYSO_DEMO_PASSWORD", "sayso-demo")


def _user(username: str, first: str, last: str, *, superuser: bool = False) -> Any:
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(
            username=username,
            email=f"{username}@haulright.example",
            password=demo_password(),
            first_name=first,
            last_name=last,
            is_staff=superuser,
            is_superuser=superuser,
        )
    return user


@transaction.atomic
def load_demo(*, now: datetime | None = None) -> DemoResult:
    """Create the demo organization unless it exists (idempotent)."""
    existing = Organization.objects.filter(slug=DEMO_SLUG).first()
    if existing is not None:
        return DemoResult(existing, False, _accounts(existing))
    now = now or timezone.now()
    day = timedelta(days=1)
    org = core.organization_create(
        name="Haulright Truck Rental", slug=DEMO_SLUG, support_email="help@haulright.example"
    )
    admin = _user("admin", "Alex", "Admin", superuser=True)
    maria = _user("maria", "Maria", "Lopez")
    raj = _user("raj", "Raj", "Patel")
    tom = _user("tom", "Tom", "Becker")
    lena = _user("lena", "Lena", "Nowak")
    regional = core.team_create(organization=org, name="Regional office", lead=maria)
    denver = core.team_create(organization=org, name="Denver depot", lead=tom)
    core.membership_add(organization=org, user=admin, role=Role.ADMIN)
    core.membership_add(organization=org, user=maria, role=Role.MANAGER, team=regional)
    core.membership_add(
        organization=org, user=raj, role=Role.AGENT, team=regional, reports_to=maria
    )
    core.membership_add(organization=org, user=tom, role=Role.MANAGER, team=denver)
    core.membership_add(organization=org, user=lena, role=Role.AGENT, team=denver, reports_to=tom)

    def person(name: str, *ids: tuple[str, str]) -> Customer:
        return customers.customer_create(organization=org, display_name=name, identities=list(ids))

    dana = person(
        "Dana Whitfield",
        (IdentityKind.EMAIL, "dana@whitfield.example"),
        (IdentityKind.PHONE, "+1 303 555 0142"),
        (IdentityKind.URL, "https://danawrites.example/blog"),
    )
    marcus = person("Marcus Hale", (IdentityKind.MASTODON, "@marcus@mastodon.social"))
    priya = person("Priya Raman", (IdentityKind.BLUESKY, "priya.bsky.social"))
    jordan = person("Jordan Kim", (IdentityKind.EMAIL, "jordan.kim@mailbox.example"))
    elena = person(
        "Elena Petrova",
        (IdentityKind.EMAIL, "elena@petrova-moving.example"),
        (IdentityKind.PHONE, "+1 720 555 0199"),
    )
    sam = person("Sam Ortiz", (IdentityKind.EMAIL, "sam.ortiz@example.net"))
    # A second record for Dana, from her blog's comment feed: staff will see a merge hint.
    person("D. Whitfield (blog)", (IdentityKind.URL, "danawrites.example/blog"))

    def case(
        who: Customer, channel: str, subject: str, body: str, at: datetime, **extra: Any
    ) -> Case:
        message, _ = conversations.message_receive(
            organization=org,
            customer=who,
            channel=channel,
            subject=subject,
            body=body,
            sent_at=at,
            external_id=extra.pop("external_id", ""),
            visibility=extra.pop("visibility", Visibility.PRIVATE),
        )
        result = message.case
        if extra:
            for key, value in extra.items():
                setattr(result, key, value)
            result.save(update_fields=[*extra.keys(), "updated_at"])
        return result

    # Scenario 1: the truck reservation, and the promised call that never came.
    booking_at = now - 2 * day
    truck = case(
        dana,
        Channel.WEB,
        "Truck reservation for Saturday",
        "Hi, I booked a 16 ft truck online for Saturday pickup in Denver (reservation "
        "HR-20417). The confirmation says someone will call me to confirm the pickup time. "
        "I'm moving a whole apartment, so I need to be sure.",
        booking_at,
        assignee=raj,
        team=regional,
    )
    conversations.message_reply(
        case=truck,
        author=raj,
        body="Thanks Dana, your reservation HR-20417 is in. I'll call you by 5 pm tomorrow "
        "to confirm the pickup time and the truck's equipment.",
        sent_at=booking_at + timedelta(minutes=20),
    )
    due = (booking_at + day).replace(hour=17, minute=0, second=0, microsecond=0)
    commitments.commitment_make(
        case=truck,
        owner=raj,
        description="Call Dana to confirm the Saturday pickup time",
        due_at=due,
        actor=raj,
        allow_past=True,
        made_at=booking_at + timedelta(minutes=21),
    )
    conversations.message_note(
        case=truck,
        author=raj,
        body="Pickup is at the Denver depot; they hold the 16 ft fleet.",
        sent_at=booking_at + timedelta(minutes=25),
    )
    conversations.message_receive(
        organization=org,
        customer=dana,
        channel=Channel.EMAIL,
        case=truck,
        body="Nobody called yesterday. I still don't know when I can pick up the truck. "
        "The move is in two days!",
        external_id="<demo-dana-2@whitfield.example>",
        sent_at=now - timedelta(hours=3),
    )

    # Marcus on Mastodon: a public complaint about a dirty truck.
    dirty = case(
        marcus,
        Channel.MASTODON,
        "Truck was filthy at pickup",
        "@haulright picked up a truck in Aurora this morning, cargo area full of sand and "
        "old packing tape. Not what I paid for.",
        now - 3 * day,
        external_id="https://mastodon.social/@marcus/111000000000000001",
        visibility=Visibility.PUBLIC,
        priority=Priority.HIGH,
        assignee=lena,
        team=denver,
    )
    conversations.message_reply(
        case=dirty,
        author=lena,
        body="Sorry Marcus, that's not our standard. We've refunded the cleaning fee and "
        "flagged the truck for inspection.",
        visibility=Visibility.PUBLIC,
        sent_at=now - 3 * day + timedelta(hours=1),
    )
    conversations.case_update(case=dirty, actor=lena, status="resolved")

    # Priya on Bluesky: praise.
    praise = case(
        priya,
        Channel.BLUESKY,
        "Smoothest move ever",
        "Shout-out to @haulright.example: truck was spotless, pickup took five minutes.",
        now - 4 * day,
        external_id="at://did:plc:priya/app.bsky.feed.post/3kdemo1",
        visibility=Visibility.PUBLIC,
    )
    conversations.case_update(case=praise, actor=maria, status="closed")

    # Jordan by email: double charge, with an open promise.
    billing = case(
        jordan,
        Channel.EMAIL,
        "Charged twice for one rental",
        "My card was charged $189.00 twice for rental HR-19988. Please refund one.",
        now - day,
        external_id="<demo-jordan-1@mailbox.example>",
        assignee=maria,
        team=regional,
        priority=Priority.HIGH,
    )
    conversations.message_reply(
        case=billing,
        author=maria,
        body="You're right, Jordan: one charge was a duplicate. The refund will be processed "
        "by Friday; I'll confirm when it's done.",
        sent_at=now - day + timedelta(hours=2),
    )
    commitments.commitment_make(
        case=billing,
        owner=maria,
        description="Refund the duplicate $189 charge and confirm to Jordan",
        due_at=now + 2 * day,
        actor=maria,
        made_at=now - day + timedelta(hours=2),
    )

    # Elena by phone: a kept promise and a hand-off from the regional office to the depot.
    fleet = case(
        elena,
        Channel.PHONE,
        "Quote for three trucks, monthly",
        "Elena runs a small moving company and wants a monthly quote for three 20 ft trucks.",
        now - 5 * day,
        assignee=maria,
        team=regional,
    )
    quote = commitments.commitment_make(
        case=fleet,
        owner=maria,
        description="Send Elena a written quote",
        due_at=now - 4 * day,
        actor=maria,
        allow_past=True,
        made_at=now - 5 * day,
    )
    commitments.commitment_keep(commitment=quote, actor=maria, note="Quote sent by email")
    conversations.case_handoff(
        case=fleet,
        actor=maria,
        to_user=tom,
        to_team=denver,
        note="Elena accepted the quote. The trucks come from Denver: please set up the monthly "
        "schedule with her. She prefers calls before 10 am.",
    )

    # Sam: a fresh unassigned question.
    case(
        sam,
        Channel.EMAIL,
        "Can I return the truck to a different city?",
        "Hello, is a one-way rental from Denver to Salt Lake City possible, and what does it cost?",
        now - timedelta(hours=1),
        external_id="<demo-sam-1@example.net>",
    )

    _demo_ideas(org, [dana, marcus, priya, jordan, elena, sam], maria)
    _demo_questions(org, [dana, marcus, priya, jordan, elena, sam], raj, now)
    _demo_listening(org, denver, now)
    _demo_status(org, maria, now)
    load_demo_selling(org=org, dana=dana, elena=elena, owner=tom, now=now)

    # The promise to Dana fell due yesterday at 5 pm: the periodic check breaches it now.
    commitments.commitments_check(now=now)
    _demo_mail_not_sent(org)
    return DemoResult(org, True, _accounts(org))


def _demo_mail_not_sent(org: Organization) -> None:
    """The demo's people are made up: the email its replies, alerts and notices would send is
    recorded as not sent (the outbox's rows say so; notices are marked skipped) so that loading
    the demo on a real mail server mails nobody."""
    from sayso.community.models import Notice
    from sayso.notifications.outbox import mail_mark_not_sent

    mail_mark_not_sent(organization=org, reason="Not sent: demo data.")
    Notice.objects.filter(organization=org, sent_at__isnull=True, skipped="").update(
        skipped="demo data"
    )


def _demo_listening(org: Organization, team: Any, now: datetime) -> None:
    """Terms, a routing rule, paused sources (the demo reaches no outside service), the widget
    for this server, and a few mentions heard over the last days."""
    from sayso.listening.connectors import FetchedItem
    from sayso.listening.pipeline import items_ingest
    from sayso.listening.services import rule_create, source_create, term_add

    for kind, term in (
        ("brand", "Haulright"),
        ("product", "Moving Kit"),
        ("competitor", "VanGo"),
        ("handle", "@haulright"),
    ):
        term_add(organization=org, kind=kind, term=term)
    rule_create(
        organization=org,
        name="Angry complaints go to Denver",
        intent="complaint",
        sentiment="negative",
        team=team,
        priority="high",
    )
    blogs = source_create(
        organization=org,
        name="Customer blogs (Planet Moving)",
        kind="rss",
        url="https://planet-moving.example/atom.xml",
        enabled=False,
    )
    mastodon = source_create(
        organization=org,
        name="Mastodon #haulright",
        kind="mastodon",
        url="https://mastodon.example",
        queries="#haulright\nHaulright",
        enabled=False,
    )
    source_create(
        organization=org,
        name="Bluesky search",
        kind="bluesky",
        url="https://public.api.bsky.app",
        queries="Haulright",
        enabled=False,
    )
    source_create(
        organization=org,
        name="Website widget",
        kind="widget",
        allowed_origins="http://127.0.0.1:8000\nhttp://localhost:8000",
    )
    hour = timedelta(hours=1)
    heard = [
        (
            blogs,
            "urn:demo:blog:1",
            "Dana Whitfield",
            "https://danawrites.example/blog",
            "Haulright never called back",
            "I reserved a truck from Haulright for Saturday and they promised to call me by 5 pm "
            "to confirm the pickup time. Nobody called.",
            20 * hour,
        ),
        (
            mastodon,
            "https://mastodon.example/@kit/1",
            "Kit",
            "@kit@mastodon.example",
            "",
            "Switched from VanGo to Haulright for my move: cheaper and the truck was spotless.",
            50 * hour,
        ),
        (
            mastodon,
            "https://mastodon.example/@ravi/2",
            "Ravi",
            "@ravi@mastodon.example",
            "",
            "Does the Haulright Moving Kit include blankets, or do I buy them separately?",
            30 * hour,
        ),
        (
            mastodon,
            "https://mastodon.example/@jo/3",
            "Jo",
            "@jo@mastodon.example",
            "",
            "Haulright charged me twice for the same rental and support does not answer. Awful.",
            6 * hour,
        ),
        (
            blogs,
            "urn:demo:blog:2",
            "Movers Weekly",
            "https://movers-weekly.example/",
            "",
            "Our truck rental roundup: Haulright and VanGo compared on price and service.",
            80 * hour,
        ),
    ]
    for source, external_id, author, handle, title, text, ago in heard:
        kind = "mastodon" if handle.startswith("@") else "url"
        items_ingest(
            source=source,
            items=[
                FetchedItem(
                    external_id=external_id,
                    text=text,
                    title=title,
                    author_name=author,
                    author_kind=kind,
                    author_value=handle,
                    published_at=now - ago,
                    url=external_id if external_id.startswith("https://") else handle,
                )
            ],
        )


def _demo_ideas(org: Organization, people: list[Customer], manager: Any) -> None:
    """The idea board: votes, a planned idea with its public reason, a merged duplicate, an
    official response, comments, and comment spam the filter held."""
    from sayso.community import ideas as community

    dana, marcus, priya, jordan, elena, sam = people
    booking = community.category_create(organization=org, name="Booking")
    app = community.category_create(organization=org, name="Mobile app")
    fleet = community.category_create(organization=org, name="Fleet")

    def idea(author: Customer, title: str, body: str, category: Any, *voters: Customer) -> Any:
        posted, _ = community.idea_post(
            organization=org, author=author, title=title, body=body, category=category
        )
        for voter in voters:
            community.idea_vote(idea=posted, customer=voter)
        return posted

    pickup = idea(
        dana,
        "Let me pick up the truck after hours with a key box",
        "I move on weekends and the depot closes at 5 pm. A **key box** or a code would save a "
        "day off work.",
        booking,
        marcus,
        priya,
        elena,
        sam,
    )
    idea(
        marcus,
        "Show the fuel level and mileage in the app before I return the truck",
        "So I know whether I will be charged for fuel.",
        app,
        jordan,
        elena,
    )
    lift = idea(
        elena,
        "Trucks with a tail lift for furniture",
        "Loading a piano without a lift is no fun.",
        fleet,
        dana,
        jordan,
    )
    duplicate = idea(jordan, "Night drop-off for returns", "Like a hotel key drop.", booking, sam)
    community.idea_merge(source=duplicate, target=pickup, actor=manager)
    community.idea_status_change(
        idea=pickup,
        status="planned",
        reason="Key boxes are being installed at the Denver and Boulder depots in the spring.",
        actor=manager,
    )
    community.idea_respond(
        idea=pickup,
        body="Thank you all for the votes. We start with two depots and will add more.",
        actor=manager,
    )
    community.idea_status_change(
        idea=lift,
        status="under_review",
        reason="We are pricing tail-lift trucks for the 2027 fleet.",
        actor=manager,
    )
    community.comment_post(
        idea=pickup, author=priya, body="Yes please: I had to take a day off just to pick up."
    )
    community.comment_post(
        idea=pickup, author=sam, body="Great post! Visit http://best-coupons-deals.example/promo"
    )

    from sayso.roadmap import services as roadmap

    roadmap.roadmap_item_create(
        organization=org,
        title="After-hours pickup with key boxes",
        body="Denver and Boulder depots first.",
        horizon="now",
        idea_numbers=[pickup.number],
        actor=manager,
    )
    roadmap.roadmap_item_create(
        organization=org,
        title="Tail-lift trucks",
        horizon="later",
        idea_numbers=[lift.number],
        actor=manager,
    )
    receipts = idea(
        sam,
        "Email me the receipt when I return the truck",
        "Paper receipts get lost in the cab.",
        booking,
        dana,
        jordan,
    )
    shipped = roadmap.changelog_entry_create(
        organization=org,
        title="Receipts by email",
        body="Your receipt now arrives by email the minute the truck is checked in.",
        idea_numbers=[receipts.number],
        actor=manager,
    )
    roadmap.changelog_entry_publish(entry=shipped, actor=manager)

    from sayso.community import reviews

    truck = reviews.product_create(organization=org, name="16 ft moving truck")
    reviews.review_post(
        customer=elena, rating=5, title="Reliable fleet", body="Forty moves, no breakdowns."
    )
    late, _ = reviews.review_post(
        customer=dana,
        rating=2,
        title="Nobody called back",
        body="The truck was fine, but the promised call never came.",
    )
    reviews.review_reply(
        review=late,
        body="You are right, Dana: that call was missed. Tom now owns your booking.",
        actor=manager,
    )
    reviews.review_post(customer=marcus, rating=4, product=truck, body="Clean and easy to drive.")


def _demo_questions(org: Organization, people: list[Customer], agent: Any, now: datetime) -> None:
    """Community Q&A: a solved thread with an accepted customer answer, one with the team's
    official answer, people who have the same problem (one visible), and a question nobody
    has answered for two days (in the staff queue)."""
    from sayso.community import qa
    from sayso.community.models import Product, Question

    dana, marcus, priya, jordan, elena, sam = people
    truck = Product.objects.filter(organization=org).first()

    def ask(author: Customer, title: str, body: str, tags: str) -> Question:
        asked, _ = qa.question_ask(
            organization=org, author=author, title=title, body=body, tags=tags, product=truck
        )
        return asked

    ramp = ask(
        priya,
        "How do I lower the loading ramp on the 16 ft truck?",
        "The ramp is stuck under the truck and I cannot find a lever.",
        "trucks, loading",
    )
    pin, _ = qa.answer_post(
        question=ramp,
        author=jordan,
        body="Pull the **pin on the left** of the bumper first, then slide the ramp out; it "
        "unfolds by itself once it is clear of the rail.",
    )
    qa.answer_vote(answer=pin, customer=marcus, value=1)
    qa.answer_accept(answer=pin, customer=priya)
    qa.me_too(question=ramp, customer=sam)
    qa.profile_update(customer=jordan, visible=True)

    fuel = ask(
        marcus,
        "Do I have to return the truck with a full tank?",
        "My contract says 'same level' but the app says 'full'.",
        "billing, fuel",
    )
    qa.answer_post(
        question=fuel,
        author_user=agent,
        body="Same level as at pick-up: the photo of the fuel gauge at check-out is what counts. "
        "The app's wording is fixed in the next release.",
    )
    qa.me_too(question=fuel, customer=elena)
    qa.me_too(question=fuel, customer=dana)

    waiting = ask(
        elena,
        "Can two drivers share one rental?",
        "We take turns on a long move. Does the second driver need to be on the contract?",
        "drivers",
    )
    qa.me_too(question=waiting, customer=jordan)
    Question.objects.filter(pk=waiting.pk).update(created_at=now - timedelta(days=2))


def _demo_status(org: Organization, manager: Any, now: datetime) -> None:
    """The status page: four components, an incident in progress on the kiosks, and last
    week's booking outage, resolved, with its post-mortem."""
    from sayso.status import services as status
    from sayso.status.models import Incident, IncidentUpdate

    booking, _app, _payments, kiosks = (
        status.component_create(organization=org, name=name, description=text, actor=manager)
        for name, text in [
            ("Online booking", "Reserving trucks on the website"),
            ("Mobile app", "Check-in, check-out and receipts in the app"),
            ("Payments", "Card payments and deposits"),
            ("Pick-up kiosks", "The key kiosks at the depots"),
        ]
    )

    def at(update: Any, when: datetime) -> None:
        IncidentUpdate.objects.filter(pk=update.pk).update(created_at=when)

    outage, _ = status.incident_open(
        organization=org,
        title="Online booking fails at the payment step",
        body="Some customers see an error when they confirm a reservation. We are looking "
        "into it; phone bookings work.",
        impact="major",
        component_ids=[booking.pk],
        started_at=now - timedelta(days=6, hours=3),
        actor=manager,
    )
    first = outage.updates.get()
    at(first, now - timedelta(days=6, hours=3))
    found, _ = status.incident_update_post(
        incident=outage,
        status="identified",
        body="A certificate of our payment provider's test system was deployed to production. "
        "We are rolling it back.",
        actor=manager,
    )
    at(found, now - timedelta(days=6, hours=2, minutes=20))
    done, _ = status.incident_update_post(
        incident=outage,
        status="resolved",
        body="Bookings work again. Reservations that failed were not charged.",
        actor=manager,
    )
    at(done, now - timedelta(days=6, hours=1, minutes=45))
    Incident.objects.filter(pk=outage.pk).update(
        resolved_at=now - timedelta(days=6, hours=1, minutes=45)
    )
    status.incident_postmortem_publish(
        incident=outage,
        body="## What happened\n\nFor 78 minutes, 4 in 10 online bookings failed at the "
        "payment step: a release carried the payment provider's *test* certificate.\n\n"
        "## What changes\n\n- The release check now compares certificates with production.\n"
        "- An alert fires when more than 5 % of payments fail in 5 minutes.",
        actor=manager,
    )

    slow, _ = status.incident_open(
        organization=org,
        title="Denver depot kiosk does not release keys",
        body="The key kiosk at the Denver depot is not responding. Staff at the counter hand "
        "out keys meanwhile.",
        impact="minor",
        status="identified",
        component_ids=[kiosks.pk],
        expected_fix_at=now + timedelta(hours=3),
        actor=manager,
    )
    at(slow.updates.get(), now - timedelta(minutes=40))
    Incident.objects.filter(pk=slow.pk).update(started_at=now - timedelta(minutes=40))
    _demo_status_history(org, manager, now, booking=booking, kiosks=kiosks, payments=_payments)


def _demo_status_history(
    org: Organization, manager: Any, now: datetime, *, booking: Any, kiosks: Any, payments: Any
) -> None:
    """Ninety days of component history for the uptime bars (last week's booking outage, the
    kiosk trouble now), the depots' components grouped, and a maintenance announced."""
    from sayso.status import maintenance
    from sayso.status import services as status
    from sayso.status.models import Component, ComponentStatusChange

    since = now - timedelta(days=90)
    Component.objects.filter(organization=org).update(created_at=since)
    ComponentStatusChange.objects.filter(organization=org).delete()
    history = [(c, "operational", since) for c in Component.objects.filter(organization=org)]
    history += [
        (booking, "partial_outage", now - timedelta(days=6, hours=3)),
        (booking, "operational", now - timedelta(days=6, hours=1, minutes=45)),
        (payments, "degraded", now - timedelta(days=23, hours=5)),
        (payments, "operational", now - timedelta(days=23, hours=4, minutes=10)),
        (kiosks, "degraded", now - timedelta(minutes=40)),
    ]
    ComponentStatusChange.objects.bulk_create(
        ComponentStatusChange(organization=org, component=c, status=s, changed_at=at)
        for c, s, at in history
    )
    depots = status.component_group_create(organization=org, name="Depots", actor=manager)
    status.component_update(component=kiosks, group_id=depots.pk, actor=manager)
    start = (now + timedelta(days=3)).replace(hour=2, minute=0, second=0, microsecond=0)
    maintenance.maintenance_schedule(
        organization=org,
        title="Payment provider upgrade",
        body="Card payments pause for up to 30 minutes; reservations can be paid at pick-up.",
        scheduled_for=start,
        scheduled_until=start + timedelta(hours=1),
        component_ids=[payments.pk],
        actor=manager,
    )


def _accounts(org: Organization) -> list[tuple[str, str, str]]:
    return [
        (m.user.username, m.get_role_display(), m.team.name if m.team else "")
        for m in org.memberships.select_related("user", "team").order_by("id")
    ]
