"""On a feed where several people write (a forum, a review site), the site's own link stands
for none of them: a named author is never recognised as the customer an author-less entry of
the same site became, and two authors stay two customers."""

from __future__ import annotations

from typing import Any

import pytest

from sayso.customers.models import Identity, IdentityKind
from sayso.listening.models import Mention, TermKind
from sayso.listening.services import source_create, source_poll, term_add
from tests.listening.feeds import atom
from tests.listening.stand_in import Reply, Request, StandIn

ATOM = {"Content-Type": "application/atom+xml; charset=utf-8"}
FORUM = "https://forum.example.org/"


@pytest.mark.django_db
def test_forum_authors_are_neither_the_site_nor_each_other(org: Any, stand_in: StandIn) -> None:
    term_add(organization=org, kind=TermKind.BRAND, term="Haulright")
    documents = [
        # First poll: a post with no author (the site stands in, as for a personal blog).
        atom(
            [{"id": "urn:0", "title": "Haulright?", "html": "<p>Haulright lost my deposit.</p>"}],
            link=FORUM,
        ),
        # Second poll: two members of the forum.
        atom(
            [
                {
                    "id": "urn:1",
                    "title": "Haulright truck broke down",
                    "author": "Kim",
                    "author_uri": "https://forum.example.org/members/kim",
                    "html": "<p>My Haulright truck broke down on the highway.</p>",
                },
                {
                    "id": "urn:2",
                    "title": "Haulright billing",
                    "author": "Lee",
                    "author_uri": "https://forum.example.org/members/lee",
                    "html": "<p>Haulright charged my card twice for one booking.</p>",
                },
            ],
            link=FORUM,
        ),
    ]

    def feed(request: Request) -> Reply:
        return Reply(body=documents[0], headers=ATOM)

    stand_in.route("/feed", feed)
    source = source_create(organization=org, name="Forum", kind="rss", url=f"{stand_in.url}/feed")
    assert source_poll(source=source).ok
    documents.pop(0)
    assert source_poll(source=source).ok

    def author_of(external: str) -> int | None:
        return Mention.objects.get(organization=org, external_id=external).customer_id

    kim, lee, anonymous = author_of("urn:1"), author_of("urn:2"), author_of("urn:0")
    assert kim is not None and lee is not None
    assert len({kim, lee, anonymous}) == 3
    site_holders = set(
        Identity.objects.filter(organization=org, kind=IdentityKind.URL)
        .filter(value__startswith="forum.example.org", value__endswith=".org")
        .values_list("customer_id", flat=True)
    )
    assert kim not in site_holders and lee not in site_holders
