from __future__ import annotations

from typing import Any

import feedparser
import pytest
from django.test import Client
from django.urls import reverse

from sayso.community import ideas
from tests import factories


def _parse(url: str) -> Any:
    response = Client().get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    return feed


@pytest.mark.django_db
def test_the_board_feed_lists_new_ideas_with_ids_times_and_links(
    org: Any, customer: Any, agent: Any
) -> None:
    mobile = ideas.category_create(organization=org, name="Mobile app")
    first, _ = ideas.idea_post(
        organization=org, author=customer, title="Dark mode", category=mobile
    )
    second, _ = ideas.idea_post(organization=org, author=customer, title="CSV <export> & more")
    hidden, _ = ideas.idea_post(organization=org, author=customer, title="Hidden one")
    ideas.idea_hide(idea=hidden, category="abuse", actor=agent)

    feed = _parse(reverse("idea-board-feed", kwargs={"org": org.slug}))
    assert feed.feed.title.endswith("new ideas")
    assert feed.feed.id.startswith("tag:sayso")
    titles = [entry.title for entry in feed.entries]
    assert titles == [f"#{second.number} CSV <export> & more", f"#{first.number} Dark mode"]
    for entry in feed.entries:
        assert entry.id.startswith("tag:sayso,2024:")
        assert entry.updated_parsed is not None and entry.published_parsed is not None
        assert entry.link.startswith("http://testserver/o/")
    assert len({entry.id for entry in feed.entries}) == 2

    only_mobile = _parse(
        reverse("idea-board-feed", kwargs={"org": org.slug}) + "?category=mobile-app"
    )
    assert [e.title for e in only_mobile.entries] == [f"#{first.number} Dark mode"]
    missing = Client().get(reverse("idea-board-feed", kwargs={"org": org.slug}) + "?category=x")
    assert missing.status_code == 404


@pytest.mark.django_db
def test_an_ideas_feed_has_its_updates_and_never_spam(
    org: Any, customer: Any, manager: Any
) -> None:
    idea, _ = ideas.idea_post(organization=org, author=customer, title="Dark mode")
    ideas.idea_status_change(idea=idea, status="planned", reason="Coming in March.", actor=manager)
    ideas.idea_respond(idea=idea, body="We hear you.", actor=manager)
    ideas.comment_post(idea=idea, author=customer, body="Thank you!")
    spammer = factories.make_customer(org, "Spammer", "s@example.com")
    ideas.comment_post(idea=idea, author=spammer, body="Cheap viagra http://pharma-rx.example")

    feed = _parse(reverse("idea-feed", kwargs={"org": org.slug, "number": idea.number}))
    text = " ".join(entry.title + entry.summary for entry in feed.entries)
    assert "Coming in March." in text and "We hear you." in text and "Thank you!" in text
    assert "viagra" not in text
    assert len({entry.id for entry in feed.entries}) == len(feed.entries) == 3
    missing = Client().get(reverse("idea-feed", kwargs={"org": org.slug, "number": 99}))
    assert missing.status_code == 404
