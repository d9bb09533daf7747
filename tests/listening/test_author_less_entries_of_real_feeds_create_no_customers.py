"""Every document of feedparser's own test suite (../shared/data/feeds/feedparser) read by the
feed connector and stored by the pipeline: an entry that names no author (and whose feed has
no site link) creates no customer, even when it calls for an answer; the cases such entries
open belong to the source's one contact (issue 20: 59 author-less entries had become 59
"Anonymous visitor" customers)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from sayso.conversations.models import Case
from sayso.customers.models import Customer
from sayso.listening.batch import Batch
from sayso.listening.connectors import rss
from sayso.listening.connectors.base import FetchedItem, SourceError
from sayso.listening.models import Mention
from sayso.listening.pipeline import items_ingest
from sayso.listening.services import source_create

FEEDS = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "feeds" / "feedparser"

pytestmark = pytest.mark.skipif(not FEEDS.is_dir(), reason="../shared/data is not beside")


def entries() -> list[FetchedItem]:
    """Every entry of every document the connector reads, under an id unique in the corpus,
    as addressed to the organization (so that each one opens or joins a case)."""
    found = []
    for path in sorted(FEEDS.rglob("*")):
        if not path.is_file():
            continue
        try:
            _, items = rss.parse(path.read_bytes())
        except SourceError:
            continue
        name = path.relative_to(FEEDS).as_posix()
        found += [replace(i, external_id=f"{name}#{i.external_id}", direct=True) for i in items]
    return found


@pytest.mark.django_db
def test_author_less_entries_of_real_feeds_create_no_customers(org: Any) -> None:
    items = entries()
    anonymous = [item for item in items if not Batch.candidates(item)]
    assert len(anonymous) >= 50
    source = source_create(
        organization=org, name="feedparser corpus", kind="rss", url="https://feeds.example/"
    )

    report = items_ingest(source=source, items=anonymous)

    assert report.failed == 0, report.errors
    assert report.stored == len({item.external_id for item in anonymous})
    stored = Mention.objects.filter(source=source)
    assert set(stored.values_list("customer", flat=True)) == {None}
    # Only the source's contact, holding every case these entries opened.
    (contact,) = Customer.objects.filter(organization=org)
    assert "feedparser corpus" in contact.display_name
    assert set(Case.objects.filter(organization=org).values_list("customer", flat=True)) == {
        contact.pk
    }
    assert Case.objects.filter(organization=org).count() == report.opened
