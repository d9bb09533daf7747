"""Routing rules: a new case from a listened item or an email takes the team and priority of
the first matching rule; items that call for no answer open no case; spam is held."""

from __future__ import annotations

from typing import Any

import pytest

from sayso.conversations.models import Case, Message
from sayso.core import services as core
from sayso.listening.connectors import FetchedItem
from sayso.listening.email import email_receive
from sayso.listening.models import Mention, Outcome, TermKind
from sayso.listening.pipeline import items_ingest
from sayso.listening.routing import rule_for
from sayso.listening.services import rule_create, source_create, term_add


@pytest.fixture
def setup(org: Any) -> dict[str, Any]:
    term_add(organization=org, kind=TermKind.BRAND, term="Haulright")
    term_add(organization=org, kind=TermKind.COMPETITOR, term="VanGo")
    escalations = core.team_create(organization=org, name="Escalations")
    sales = core.team_create(organization=org, name="Sales")
    rule_create(
        organization=org,
        name="Angry",
        position=1,
        intent="complaint",
        sentiment="negative",
        team=escalations,
        priority="urgent",
    )
    rule_create(organization=org, name="Buyers", position=2, intent="purchase_intent", team=sales)
    rule_create(
        organization=org, name="Mirror keyword", position=3, keyword="mirror", priority="high"
    )
    source = source_create(
        organization=org,
        name="Mastodon",
        kind="mastodon",
        url="https://mastodon.example",
        queries="#haulright",
    )
    return {"source": source, "escalations": escalations, "sales": sales}


def _item(n: int, text: str, **extra: Any) -> FetchedItem:
    return FetchedItem(
        f"https://mastodon.example/@p{n}/{n}",
        text,
        author_name=f"P{n}",
        author_kind="mastodon",
        author_value=f"@p{n}@mastodon.example",
        **extra,
    )


@pytest.mark.django_db
def test_listened_items_are_routed_by_intent_sentiment_and_keyword(setup: dict[str, Any]) -> None:
    report = items_ingest(
        source=setup["source"],
        items=[
            _item(1, "Haulright lost my deposit and nobody answers my calls. Worst company ever."),
            _item(
                2, "I want to buy the Haulright moving kit for 3 trucks next month, how do I order?"
            ),
            _item(
                3, "Quick question: does the Haulright 16 ft truck have a camera or only a mirror?"
            ),
            _item(4, "What a lovely sunny day for moving with Haulright!"),
            _item(5, "Not about anything we listen for."),
        ],
    )
    assert report.unmatched == 1 and report.stored == 4
    angry = Mention.objects.get(external_id__endswith="/1")
    assert angry.outcome == Outcome.OPENED and angry.case is not None
    assert angry.case.team == setup["escalations"] and angry.case.priority == "urgent"
    assert angry.rule is not None and angry.rule.name == "Angry"
    buyer = Mention.objects.get(external_id__endswith="/2")
    assert buyer.case is not None and buyer.case.team == setup["sales"]
    mirror = Mention.objects.get(external_id__endswith="/3")
    assert mirror.case is not None and mirror.case.priority == "high"
    praise = Mention.objects.get(external_id__endswith="/4")
    assert praise.outcome == Outcome.KEPT and praise.case is None
    assert praise.customer is not None and praise.customer.is_prospect


@pytest.mark.django_db
def test_spam_is_held_and_opens_no_case(setup: dict[str, Any]) -> None:
    spam = (
        "Haulright CHEAP PILLS!!! Buy now at http://pills.example/buy?ref=1 and "
        "http://pills.example/buy?ref=2 best price casino bonus crypto"
    )
    items_ingest(source=setup["source"], items=[_item(9, spam)])
    mention = Mention.objects.get()
    assert mention.is_spam and mention.outcome == Outcome.SPAM and mention.case is None
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_an_email_opening_a_case_is_routed_by_the_same_rules(
    org: Any, setup: dict[str, Any], run_on_commit: Any
) -> None:
    raw = (
        b"From: Kim <kim@example.net>\r\nTo: help@haulright.example\r\n"
        b"Subject: Deposit never refunded\r\nMessage-ID: <m1@example.net>\r\n\r\n"
        b"You kept my deposit for a month and nobody answers my calls. This is terrible.\r\n"
    )
    with run_on_commit(execute=True):
        result = email_receive(organization=org, raw=raw)
    case = Case.objects.get(pk=result.message.case_id)
    assert case.team == setup["escalations"] and case.priority == "urgent"
    # A reply on the same case is not routed again.
    case.team = None
    case.save(update_fields=["team"])
    reply = (
        b"From: Kim <kim@example.net>\r\nTo: help@haulright.example\r\n"
        b"Subject: Re: Deposit never refunded\r\nMessage-ID: <m2@example.net>\r\n"
        b"In-Reply-To: <m1@example.net>\r\n\r\nStill waiting, this is awful.\r\n"
    )
    with run_on_commit(execute=True):
        email_receive(organization=org, raw=reply)
    case.refresh_from_db()
    assert case.team is None


@pytest.mark.django_db
def test_rule_conditions(setup: dict[str, Any]) -> None:
    from sayso.listening.routing import rules_for

    rules = rules_for(organization=setup["source"].organization)
    assert rule_for(rules, intents=["complaint"], sentiment="negative", text="x").name == "Angry"
    assert rule_for(rules, intents=["complaint"], sentiment="neutral", text="x") is None
    assert rule_for(rules, intents=[], sentiment="neutral", text="Mirrors") is None
    assert rule_for(rules, intents=[], sentiment="neutral", text="my MIRROR!").name == (
        "Mirror keyword"
    )


@pytest.mark.django_db
def test_email_analysis_knows_the_organizations_competitors(
    org: Any, setup: dict[str, Any], run_on_commit: Any
) -> None:
    raw = (
        b"From: Max <max@example.net>\r\nTo: help@haulright.example\r\n"
        b"Subject: Prices\r\nMessage-ID: <p1@example.net>\r\n\r\n"
        b"VanGo quoted me 40 dollars less for the same van next week.\r\n"
    )
    with run_on_commit(execute=True):
        result = email_receive(organization=org, raw=raw)
    analysis = result.message.analysis
    assert "competitor_mention" in analysis.intents
    assert any("VanGo" in reason for reason in analysis.reasons)


@pytest.mark.django_db
def test_a_post_heard_by_two_sources_of_one_channel_is_one_message(
    org: Any, setup: dict[str, Any]
) -> None:
    """A hashtag search and a keyword search on the same instance both find a post: each
    source keeps its mention, but the post is one message on one case."""
    other = source_create(
        organization=org,
        name="Mastodon keywords",
        kind="mastodon",
        url="https://mastodon.example",
        queries="haulright",
    )
    post = _item(21, "Haulright lost my booking and nobody answers, third day now. Awful.")
    first = items_ingest(source=setup["source"], items=[post])
    second = items_ingest(
        source=other,
        items=[post, _item(22, "Haulright charged me twice for the van, still no refund.")],
    )

    assert (first.opened, second.stored) == (1, 2)
    mentions = Mention.objects.filter(external_id=post.external_id).order_by("id")
    assert [m.source_id for m in mentions] == [setup["source"].pk, other.pk]
    assert mentions[0].message_id is not None
    assert mentions[0].case_id == mentions[1].case_id
    assert Message.objects.filter(external_id=post.external_id).count() == 1
    assert (
        Message.objects.filter(external_id__startswith="https://mastodon.example/@p22").count() == 1
    )
