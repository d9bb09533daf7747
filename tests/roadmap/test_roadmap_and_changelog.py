from __future__ import annotations

from typing import Any

import feedparser
import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from sayso.community import following, ideas
from sayso.community.models import IdeaStatus
from sayso.roadmap import services as roadmap
from sayso.roadmap.models import RoadmapItem
from tests import factories
from tests.community.test_idea_pages import _customer_client, _staff_client

pytestmark = pytest.mark.django_db


def _url(name: str, org: Any, **kwargs: Any) -> str:
    return reverse(name, kwargs={"org": org.slug, **kwargs})


def test_the_public_roadmap_shows_now_next_later_with_the_ideas_each_answers(
    org: Any, customer: Any, manager: Any
) -> None:
    idea, _ = ideas.idea_post(organization=org, author=customer, title="Dark mode")
    staff = _staff_client(manager)
    response = staff.post(
        _url("roadmap-item-create", org),
        {"title": "Themes", "body": "Light and dark", "horizon": "now", "ideas": f"#{idea.number}"},
    )
    assert response.status_code == 302
    roadmap.roadmap_item_create(organization=org, title="Offline mode", horizon="later")
    page = Client().get(_url("roadmap", org))
    assert page.status_code == 200
    now = page.text[
        page.text.index('data-testid="horizon-now"') : page.text.index('data-testid="horizon-next"')
    ]
    assert "Themes" in now and "#1 Dark mode" in now
    assert "Offline mode" in page.text[page.text.index('data-testid="horizon-later"') :]
    assert "roadmap-form" not in page.text  # no staff tools for the public
    item = RoadmapItem.objects.get(title="Themes")
    staff.post(_url("roadmap-item-move", org, pk=item.pk), {"horizon": "next"})
    item.refresh_from_db()
    assert item.horizon == "next"
    idea_page = Client().get(_url("idea-detail", org, number=idea.number))
    assert "On the" in idea_page.text and "Themes" in idea_page.text


def test_only_staff_of_the_organization_change_the_roadmap_or_changelog(
    org: Any, customer: Any, outsider: Any
) -> None:
    item = roadmap.roadmap_item_create(organization=org, title="Themes")
    entry = roadmap.changelog_entry_create(organization=org, title="Draft")
    for client in (Client(), _customer_client(org, customer), _staff_client(outsider)):
        assert (
            client.post(
                _url("roadmap-item-create", org), {"title": "x", "horizon": "now"}
            ).status_code
            == 403
        )
        assert (
            client.post(_url("roadmap-item-move", org, pk=item.pk), {"delete": "1"}).status_code
            == 403
        )
        assert client.post(_url("changelog-create", org), {"title": "x"}).status_code == 403
        assert client.post(_url("changelog-publish", org, pk=entry.pk)).status_code == 403
        assert client.get(_url("changelog-entry", org, pk=entry.pk)).status_code == 404  # a draft
    assert RoadmapItem.objects.filter(pk=item.pk).exists()
    entry.refresh_from_db()
    assert entry.published_at is None


def test_bad_roadmap_and_changelog_input(
    org: Any, other_org: Any, customer: Any, agent: Any
) -> None:
    foreign, _ = ideas.idea_post(
        organization=other_org,
        author=factories.make_customer(other_org, "E", "e@x.com"),
        title="Elsewhere",
    )
    with pytest.raises(ValidationError):
        roadmap.roadmap_item_create(organization=org, title=" ")
    with pytest.raises(ValidationError):
        roadmap.roadmap_item_create(organization=org, title="Themes", horizon="someday")
    with pytest.raises(ValidationError, match="No idea #"):
        roadmap.changelog_entry_create(
            organization=org, title="X", idea_numbers=[foreign.number + 50]
        )
    a, _ = ideas.idea_post(organization=org, author=customer, title="Dark mode")
    b, _ = ideas.idea_post(organization=org, author=customer, title="Night theme")
    ideas.idea_merge(source=b, target=a, actor=agent)
    with pytest.raises(ValidationError, match="was merged"):
        roadmap.changelog_entry_create(organization=org, title="X", idea_numbers=[b.number])
    staff = _staff_client(agent)
    response = staff.post(_url("changelog-create", org), {"title": "", "ideas": "abc"})
    assert response.status_code == 302  # back to the page with the error, nothing saved
    assert not org.changelog_entries.exists()


def test_publishing_ships_roadmap_ideas_and_tells_voters_who_do_not_follow_but_not_those_who_stopped(
    org: Any, customer: Any, manager: Any, run_on_commit: Any
) -> None:
    bob = factories.make_customer(org, "Bob", "bob@example.com")
    cy = factories.make_customer(org, "Cy", "cy@example.com")
    fan = factories.make_customer(org, "Fan", "fan@example.com")
    with run_on_commit(execute=True):
        idea, _ = ideas.idea_post(organization=org, author=customer, title="Dark mode")
        ideas.idea_vote(idea=idea, customer=bob)
        ideas.idea_vote(idea=idea, customer=cy)
    following.follow_remove(customer=bob, subject=following.idea_subject(idea))  # still a voter
    cy_follow = cy.follows.get()
    following.unsubscribe(
        organization=org,
        token=following.unsubscribe_token(customer_id=cy.pk, follow_id=cy_follow.pk),
        everything=True,
    )
    following.follow_add(customer=fan, subject=roadmap.CHANGELOG)
    item = roadmap.roadmap_item_create(organization=org, title="Themes", idea_numbers=[idea.number])
    entry = roadmap.changelog_entry_create(
        organization=org, title="Themes are here", roadmap_item_ids=[item.pk]
    )
    mail.outbox.clear()
    with run_on_commit(execute=True):
        roadmap.changelog_entry_publish(entry=entry, actor=manager)
    idea.refresh_from_db()
    item.refresh_from_db()
    assert idea.status == IdeaStatus.SHIPPED and item.shipped_at is not None
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ada@example.com",
        "bob@example.com",
        "fan@example.com",
    ]
    assert all("You said, we did" in m.subject for m in mail.outbox)
    assert (
        "Themes"
        not in Client()
        .get(_url("roadmap", org))
        .text.split('data-testid="roadmap"')[1]
        .split("</div>")[0]
    )


def test_the_changelog_feed_is_valid_atom_with_published_entries_only(
    org: Any, manager: Any
) -> None:
    published = roadmap.changelog_entry_create(
        organization=org, title="CSV export", body="**Now** live"
    )
    roadmap.changelog_entry_publish(entry=published, actor=manager)
    roadmap.changelog_entry_create(organization=org, title="Secret draft")
    response = Client().get(_url("changelog-feed", org))
    feed = feedparser.parse(response.content)
    assert not feed.bozo and feed.version == "atom10"
    assert [e.title for e in feed.entries] == ["CSV export"]
    entry = feed.entries[0]
    assert entry.id == f"tag:sayso,2024:{org.slug}:changelog:{published.pk}"
    assert entry.link.endswith(_url("changelog-entry", org, pk=published.pk))
    assert entry.updated_parsed and "<strong>Now</strong>" in entry.summary


def test_following_the_roadmap_and_an_item_by_email_and_feed(
    org: Any, customer: Any, manager: Any, run_on_commit: Any
) -> None:
    client = _customer_client(org, customer)
    client.post(_url("roadmap-follow", org))
    item = roadmap.roadmap_item_create(organization=org, title="Tidy", horizon="later")
    bob = factories.make_customer(org, "Bob", "bob@example.com")
    _customer_client(org, bob).post(_url("roadmap-follow", org), {"item": str(item.pk)})
    assert (
        _customer_client(org, bob).post(_url("roadmap-follow", org), {"item": "999"}).status_code
        == 404
    )
    mail.outbox.clear()
    with run_on_commit(execute=True):
        roadmap.roadmap_item_create(organization=org, title="Themes", horizon="now")
        roadmap.roadmap_item_update(item=item, horizon="next")
    subjects = sorted((m.to[0], m.subject.split("] ", 1)[1]) for m in mail.outbox)
    assert subjects == [
        ("ada@example.com", "New on the roadmap (now): Themes"),
        ("ada@example.com", "On the roadmap, now “Next”: Tidy"),
        ("bob@example.com", "On the roadmap, now “Next”: Tidy"),
    ]
    feed = feedparser.parse(Client().get(_url("roadmap-feed", org)).content)
    assert not feed.bozo and feed.version == "atom10"
    assert {e.title for e in feed.entries} == {"Now: Themes", "Next: Tidy"}


def test_staff_put_an_idea_on_the_roadmap_from_its_page(
    org: Any, customer: Any, agent: Any
) -> None:
    idea, _ = ideas.idea_post(organization=org, author=customer, title="Dark mode")
    staff = _staff_client(agent)
    page = staff.get(_url("idea-detail", org, number=idea.number))
    assert 'data-testid="to-roadmap-form"' in page.text
    staff.post(
        _url("roadmap-item-create", org),
        {"title": idea.title, "ideas": str(idea.number), "horizon": "now"},
    )
    item = RoadmapItem.objects.get()
    assert (item.title, item.horizon, [i.pk for i in item.ideas.all()]) == (
        "Dark mode",
        "now",
        [idea.pk],
    )
    assert "to-roadmap-form" not in Client().get(_url("idea-detail", org, number=idea.number)).text
