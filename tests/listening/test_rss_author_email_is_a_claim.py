"""A feed entry's author email is typed by whoever publishes the feed: it never makes the entry
speak as the customer who holds that address (issue 19: a claimed address is not an identity)."""

from __future__ import annotations

from typing import Any

import pytest

from sayso.conversations.models import Message
from sayso.customers.models import Identity, IdentityKind
from sayso.listening.models import TermKind
from sayso.listening.services import source_create, source_poll, term_add
from tests import factories
from tests.listening.stand_in import Reply, Request, StandIn

FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Forum</title><link>https://forum.example.org/</link>
<description>Posts</description>
<item><guid isPermaLink="false">post-1</guid><title>Haulright refund</title>
<link>https://forum.example.org/post-1</link><pubDate>Mon, 30 Nov 2026 09:00:00 GMT</pubDate>
<author>dana@whitfield.com (Dana Whitfield)</author>
<description>Haulright never refunded my deposit, please call me back.</description></item>
</channel></rss>"""


@pytest.mark.django_db
def test_an_author_email_in_a_feed_never_joins_the_customer_who_holds_it(
    org: Any, stand_in: StandIn
) -> None:
    dana = factories.make_customer(org, "Dana Whitfield", "dana@whitfield.com")
    term_add(organization=org, kind=TermKind.BRAND, term="Haulright")

    def feed(request: Request) -> Reply:
        return Reply(body=FEED, headers={"Content-Type": "application/rss+xml"})

    stand_in.route("/feed", feed)
    source = source_create(organization=org, name="Forum", kind="rss", url=f"{stand_in.url}/feed")
    polled = source_poll(source=source)
    assert polled.ok and polled.report.stored == 1

    message = Message.objects.get(case__organization=org, external_id__contains="post-1")
    assert message.case.customer_id != dana.pk
    assert not Message.objects.filter(case__customer=dana).exists()
    claimed = Identity.objects.get(
        organization=org,
        value="dana@whitfield.com",
        customer__isnull=False,
        kind=IdentityKind.EMAIL_CLAIMED,
    )
    assert claimed.customer_id == message.case.customer_id
    assert claimed.verified_at is None
