"""Scenario 1's tail (PRODUCT.md): the customer complains on their blog; the Atom entry is
ingested by ``sayso listen --once``, matched to the same customer, joins the same case, and the
case owner is notified."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from sayso.conversations.models import Case, Message
from sayso.core.models import Role
from sayso.customers.models import IdentityKind
from sayso.customers.services import identity_add
from sayso.listening.models import Mention, Outcome, SourceKind, TermKind
from sayso.listening.services import source_create, term_add
from sayso.notifications.models import Alert, AlertKind
from tests import factories
from tests.listening.feeds import atom
from tests.listening.stand_in import Reply, StandIn


@pytest.mark.django_db
def test_blog_complaint_joins_the_open_case_and_alerts_its_owner(
    stand_in: StandIn, run_on_commit: Any
) -> None:
    org = factories.make_org("Haulright", "haulright")
    lena = factories.make_member(org, Role.AGENT, username="lena").user
    lena.email = "lena@haulright.example"
    lena.save()
    dana = factories.make_customer(org, "Dana Whitfield", "dana@whitfield.example")
    identity_add(customer=dana, kind=IdentityKind.URL, value="https://dana.example.blog/")
    case = factories.make_case(
        org,
        dana,
        subject="Truck reservation for Saturday",
        body="I booked a 16 ft truck for Saturday pickup (HR-20417). You promised to call me "
        "by 5 pm to confirm the pickup time.",
        assignee=lena,
    )
    other_case = factories.make_case(
        org, dana, subject="Invoice address", body="Please send invoices to my office address."
    )
    term_add(organization=org, kind=TermKind.BRAND, term="Haulright")
    stand_in.route(
        "/feed.atom",
        Reply(
            body=atom(
                [
                    {
                        "id": "tag:dana.example.blog,2026:missed-call",
                        "title": "Haulright never called",
                        "html": "<p>I reserved a truck from <b>Haulright</b> for Saturday. They "
                        "promised to call me by 5 pm to confirm the pickup. Nobody called. "
                        "I still don't know when to pick up the truck.</p>",
                    },
                    {
                        "id": "tag:dana.example.blog,2026:garden",
                        "title": "My garden in November",
                        "html": "<p>The last roses are still out.</p>",
                    },
                ],
                link="https://dana.example.blog/",
                title="Dana's notes",
            ),
            headers={"Content-Type": "application/atom+xml"},
        ),
    )
    source = source_create(
        organization=org, name="Dana's blog", kind=SourceKind.RSS, url=f"{stand_in.url}/feed.atom"
    )

    out = StringIO()
    with run_on_commit(execute=True):
        call_command("listen", "--once", "--no-progress", stdout=out)
    assert "1 new" in out.getvalue()

    mention = Mention.objects.get(source=source)
    assert mention.outcome == Outcome.JOINED
    assert mention.customer == dana
    assert mention.case == case
    message = Message.objects.get(case=case, channel="rss")
    assert message.headers["listening"]["same_problem"] is True
    assert message.author_identity is not None
    assert message.author_identity.value == "dana.example.blog"
    assert Case.objects.filter(customer=dana).count() == 2
    assert not other_case.messages.filter(channel="rss").exists()
    # The garden post mentions none of the terms: not kept.
    assert Mention.objects.count() == 1

    alert = Alert.objects.get(recipient=lena, kind=AlertKind.CASE_MESSAGE)
    assert alert.case == case
    assert "same problem" in alert.text
    assert any("lena@haulright.example" in m.to for m in mail.outbox)

    # The owner sees it on the case page, marked as the same problem from a new channel.
    client = Client()
    client.force_login(lena)
    page = client.get(reverse("case-detail", kwargs={"org": "haulright", "number": case.number}))
    assert page.status_code == 200
    assert "Same problem, new channel" in page.content.decode()
    assert "Nobody called" in page.content.decode()

    # A second run fetches the same feed and stores nothing new.
    call_command("listen", "--once", "--no-progress", stdout=StringIO())
    assert Message.objects.filter(channel="rss").count() == 1
    assert Mention.objects.count() == 1
