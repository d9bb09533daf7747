"""The staff pages of the listening app: who may see and change what, filters and charts."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sayso.core.models import Role
from sayso.listening.connectors import FetchedItem
from sayso.listening.models import ListenTerm, Mention, RoutingRule, Source, SourceKind, TermKind
from sayso.listening.pipeline import items_ingest
from sayso.listening.services import source_create, term_add
from tests import factories
from tests.listening.feeds import atom
from tests.listening.stand_in import Reply, StandIn


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin(org: Any) -> Any:
    return factories.make_member(org, Role.ADMIN, username="admin").user


@pytest.fixture
def heard(org: Any) -> Source:
    term_add(organization=org, kind=TermKind.BRAND, term="Haulright")
    term_add(organization=org, kind=TermKind.COMPETITOR, term="VanGo")
    source = source_create(
        organization=org, name="Forum", kind=SourceKind.RSS, url="https://forum.example.org/feed"
    )
    now = timezone.now()
    items_ingest(
        source=source,
        items=[
            FetchedItem(
                "a",
                "Haulright lost my booking and nobody answers the phone. Awful.",
                author_name="Kim",
                author_kind="url",
                author_value="https://kim.example.net",
                published_at=now,
            ),
            FetchedItem(
                "b",
                "I love Haulright, the truck was spotless and cheap!",
                author_name="Lee",
                author_kind="url",
                author_value="https://lee.example.net",
                published_at=now,
            ),
            FetchedItem(
                "c",
                "Switched from Haulright to VanGo, much better prices.",
                author_name="Max",
                author_kind="url",
                author_value="https://max.example.net",
                published_at=now,
            ),
        ],
    )
    return source


@pytest.mark.django_db
def test_mentions_page_filters_and_charts(org: Any, agent: Any, heard: Source) -> None:
    client = _client(agent)
    url = reverse("mention-list", kwargs={"org": org.slug})
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "lost my booking" in body and "spotless" in body
    charts = json.loads(page.context["charts"] and json.dumps(page.context["charts"]))
    assert sum(sum(v) for v in charts["by_source"].values()) == 3
    assert "chart-4.6.1.umd.min.js" in body
    negative = client.get(url, {"sentiment": "negative"}).content.decode()
    assert "lost my booking" in negative and "spotless" not in negative
    competitor = client.get(url, {"competitor": "VanGo"}).content.decode()
    assert "Switched from Haulright" in competitor and "spotless" not in competitor
    assert client.get(url, {"source": "999999", "spam": "bogus"}).status_code == 200


@pytest.mark.django_db
def test_staff_open_a_case_from_a_kept_mention_once(org: Any, agent: Any, heard: Source) -> None:
    praise = Mention.objects.get(external_id="b")
    assert praise.case is None
    client = _client(agent)
    url = reverse("mention-open-case", kwargs={"org": org.slug, "pk": praise.pk})
    first = client.post(url)
    assert first.status_code == 302
    praise.refresh_from_db()
    assert praise.case is not None and praise.message is not None
    client.post(url)
    assert praise.case.messages.count() == 1


@pytest.mark.django_db
def test_other_organizations_and_strangers_see_nothing(
    org: Any, other_org: Any, heard: Source
) -> None:
    outsider = factories.make_member(other_org, Role.ADMIN, username="outsider").user
    client = _client(outsider)
    assert client.get(reverse("mention-list", kwargs={"org": org.slug})).status_code == 404
    assert (
        client.get(reverse("source-detail", kwargs={"org": org.slug, "pk": heard.pk})).status_code
        == 404
    )
    mention = Mention.objects.first()
    assert mention is not None
    assert (
        client.post(
            reverse("mention-open-case", kwargs={"org": org.slug, "pk": mention.pk})
        ).status_code
        == 404
    )
    anonymous = Client().get(reverse("mention-list", kwargs={"org": org.slug}))
    assert anonymous.status_code == 302


@pytest.mark.django_db
def test_only_admins_add_sources_and_agents_cannot_change_them(
    org: Any, agent: Any, admin: Any
) -> None:
    url = reverse("source-new", kwargs={"org": org.slug})
    data = {
        "name": "Blog",
        "kind": "rss",
        "url": "https://blog.example.com/feed",
        "poll_interval_seconds": "300",
        "enabled": "on",
    }
    assert _client(agent).post(url, data).status_code == 403
    response = _client(admin).post(url, data)
    assert response.status_code == 302
    source = Source.objects.get(organization=org)
    detail = reverse("source-detail", kwargs={"org": org.slug, "pk": source.pk})
    assert _client(agent).get(detail).status_code == 200
    assert _client(agent).post(detail, {**data, "name": "Renamed"}).status_code == 404
    bad = _client(admin).post(url, {**data, "name": "Other", "url": "not a url"})
    assert bad.status_code == 200
    assert "is not a web address" in bad.content.decode()
    secret = _client(admin).post(
        url,
        {
            **data,
            "name": "Masto",
            "kind": "mastodon",
            "url": "https://mastodon.social",
            "queries": "#x",
            "credential": "abc def secret",
        },
    )
    assert "cannot contain spaces" in secret.content.decode()
    assert Source.objects.filter(organization=org).count() == 1


@pytest.mark.django_db
def test_test_connection_shows_first_items_or_the_exact_error(
    org: Any, admin: Any, stand_in: StandIn
) -> None:
    stand_in.route(
        "/feed",
        Reply(
            body=atom([{"id": "1", "title": "Hello", "html": "First post"}]),
            headers={"Content-Type": "application/atom+xml"},
        ),
    )
    stand_in.route(
        "/page",
        Reply(
            body="<!doctype html><html><body>Blog</body></html>",
            headers={"Content-Type": "text/html"},
        ),
    )
    good = source_create(organization=org, name="Good", kind="rss", url=f"{stand_in.url}/feed")
    bad = source_create(organization=org, name="Bad", kind="rss", url=f"{stand_in.url}/page")
    client = _client(admin)
    ok = client.post(reverse("source-test", kwargs={"org": org.slug, "pk": good.pk}))
    assert "First post" in ok.content.decode()
    failed = client.post(reverse("source-test", kwargs={"org": org.slug, "pk": bad.pk}))
    assert "web page, not a feed" in failed.content.decode()
    assert Mention.objects.count() == 0


@pytest.mark.django_db
def test_terms_and_rules_pages(org: Any, agent: Any) -> None:
    manager = factories.make_member(org, Role.MANAGER, username="mgr").user
    terms = reverse("term-list", kwargs={"org": org.slug})
    assert _client(agent).post(terms, {"kind": "brand", "term": "Haulright"}).status_code == 404
    assert _client(manager).post(terms, {"kind": "brand", "term": "Haulright"}).status_code == 302
    assert _client(manager).post(terms, {"kind": "brand", "term": "haulright"}).status_code == 302
    assert ListenTerm.objects.filter(organization=org).count() == 1
    team = factories.core.team_create(organization=org, name="Escalations")
    rules = reverse("rule-list", kwargs={"org": org.slug})
    response = _client(manager).post(
        rules,
        {
            "name": "Angry complaints",
            "position": "1",
            "intent": "complaint",
            "sentiment": "negative",
            "team": str(team.pk),
            "priority": "high",
            "enabled": "on",
        },
    )
    assert response.status_code == 302
    rule = RoutingRule.objects.get(organization=org)
    assert rule.team == team and rule.priority == "high"
    nothing = _client(manager).post(rules, {"name": "No action", "position": "2"})
    assert "sets a team, a priority" in nothing.content.decode()
    assert _client(agent).get(rules).status_code == 200


@pytest.mark.django_db
def test_a_source_page_shows_and_saves_only_its_kinds_settings(org: Any, admin: Any) -> None:
    widget = source_create(
        organization=org, name="Widget", kind="widget", allowed_origins="https://www.example.com"
    )
    url = reverse("source-detail", kwargs={"org": org.slug, "pk": widget.pk})
    page = _client(admin).get(url).content.decode()
    assert 'name="allowed_origins"' in page and 'name="url"' not in page
    assert "/widget.js" in page and 'data-org="haulright"' in page
    saved = _client(admin).post(
        url,
        {"name": "Widget", "allowed_origins": "https://www.example.com\nhttps://shop.example.com"},
    )
    assert saved.status_code == 302
    widget.refresh_from_db()
    assert widget.origin_list() == ["https://www.example.com", "https://shop.example.com"]
    assert widget.enabled is False  # the box was not ticked: paused
    assert "Paused" in _client(admin).get(url).content.decode()
    feed = source_create(
        organization=org, name="Feed", kind="rss", url="https://blog.example.com/feed"
    )
    page = (
        _client(admin)
        .get(reverse("source-detail", kwargs={"org": org.slug, "pk": feed.pk}))
        .content.decode()
    )
    assert 'name="url"' in page and 'name="allowed_origins"' not in page
