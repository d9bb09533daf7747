"""An export re-imports into a fresh organization with everything that is the customer's —
identities, consent, cases, commitments, intents and offers, deals (stages matched by name),
public posts, votes and follows — under new ids; exporting again gives the same document; a
second import changes nothing; what names something not there is left out and reported."""

from __future__ import annotations

import copy
import io
import json
from datetime import time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from sayso.community.ideas import comment_post, idea_post, idea_vote
from sayso.community.models import Comment, Idea, Product, Question, Vote
from sayso.community.qa import answer_post, question_ask
from sayso.community.reviews import review_post
from sayso.consent.models import Choice, Method
from sayso.consent.services import consent_record, preferences_set
from sayso.conversations.services import message_reply
from sayso.core.models import Role
from sayso.customers.models import Customer
from sayso.deals import intents as deal_intents
from sayso.deals import process as deal_process
from sayso.deals import services as deals
from sayso.deals.models import Deal
from sayso.privacy import services
from sayso.privacy.services import SCHEMA
from tests.factories import (
    inbound,
    make_case,
    make_commitment,
    make_customer,
    make_member,
    make_org,
)
from tests.privacy.conftest import Seeded

pytestmark = pytest.mark.django_db

STAGES = ["Enquiry", "Quote", "Contract"]


def _organization(name: str, slug: str) -> tuple[Any, Any]:
    org = make_org(name, slug)
    admin = make_member(org, Role.ADMIN, username=f"{slug}-admin").user
    for position, stage in enumerate(STAGES, start=1):
        deal_process.stage_create(organization=org, name=stage, position=position, actor=admin)
    Product.objects.create(organization=org, name="Truck rental", slug="truck-rental")
    return org, admin


def _erin(org: Any, admin: Any) -> Customer:
    erin = make_customer(org, "Erin Vale", "erin.vale@example.net")
    consent_record(
        customer=erin,
        channel="email",
        purpose="sales",
        choice=Choice.GRANTED,
        method=Method.PORTAL,
        location="/o/haulright/my/consent/",
    )
    # Quiet hours that begin three hours from now: the offer below is made outside them (the
    # guard refuses an offer in them), whatever time the suite runs at.
    lisbon = timezone.now().astimezone(ZoneInfo("Europe/Lisbon"))
    preferences_set(
        customer=erin,
        time_zone="Europe/Lisbon",
        quiet_start=time((lisbon.hour + 3) % 24),
        quiet_end=time((lisbon.hour + 5) % 24),
    )
    case = make_case(org, erin, subject="Trailer hitch", body="Does the 16 ft truck tow?")
    inbound(org, case, "And how much for a week?")
    message_reply(case=case, author=admin, body="It tows up to 2 t; a week is $600.")
    make_commitment(case, admin, description="Send Erin the towing guide")
    intent = deal_intents.intent_publish(
        organization=org,
        customer=erin,
        title="A 16 ft truck for a week",
        budget="700",
        currency="EUR",
        deadline=timezone.now() + timedelta(days=10),
    )
    offer = deal_intents.offer_make(
        organization=org,
        intent=intent,
        author=admin,
        price="650",
        currency="EUR",
        valid_until=timezone.now() + timedelta(days=5),
        terms="Unlimited miles",
    )
    deal = deal_intents.offer_accept(offer=offer, customer=erin)
    deals.deal_move(
        deal=deal, stage_id=deal.organization.selling_stages.get(name="Quote").pk, actor=admin
    )
    idea, _ = idea_post(
        organization=org, title="Hitch rentals", body="Rent a hitch too", author=erin
    )
    idea_vote(idea=idea, customer=erin)
    comment_post(body="A 2 t hitch would do", idea=idea, author=erin)
    question, _ = question_ask(organization=org, title="Can I tow a boat?", author=erin)
    answer_post(question=question, body="Yes, up to 2 t.", author=erin)
    review_post(
        customer=erin,
        rating=4,
        title="Good trucks",
        body="Clean and on time.",
        product=Product.objects.get(organization=org),
    )
    return erin


def _comparable(document: dict[str, Any]) -> dict[str, Any]:
    """The document without what an import cannot keep: ids and numbers of this installation,
    receipt ids, and what is the organization's (contact attempts, analyses, the timeline)."""
    sections = {
        name: copy.deepcopy(section["data"]) for name, section in document["sections"].items()
    }
    for name in ("analyses", "timeline"):
        sections.pop(name)
    sections["profile"].pop("id")
    sections["consent"].pop("contact_attempts")
    for record in sections["consent"]["history"]:
        record.pop("receipt_id")
    for case in sections["cases"]:
        case.pop("number")
        for message in case["messages"]:
            message.pop("id")
    for commitment in sections["commitments"]:
        commitment.pop("case_number")
    posts = sections["public_posts"]
    for kind in ("ideas", "questions"):
        for post in posts[kind]:
            post.pop("number")
    for answer in posts["answers"]:
        answer.pop("question_number")
    for comment in posts["comments"]:
        comment["on"].pop("number", None)
    for vote in sections["votes_and_follows"]["votes"]:
        vote.pop("idea_number")
    for follow in sections["votes_and_follows"]["follows"]:
        follow["subject"] = follow["subject"].partition(":")[0]
        if follow["about"]:
            follow["about"].pop("number", None)
    return sections


def test_export_import_export_gives_the_same_document_and_a_repeat_changes_nothing(
    db: Any, tmp_path: Path
) -> None:
    org, admin = _organization("Haulright", "haulright")
    erin = _erin(org, admin)
    first = services.personal_data_collect(customer=erin)
    assert first["sections"]["deals"]["data"][0]["stage"] == "Quote"
    assert first["sections"]["votes_and_follows"]["data"]["follows"], "posting follows"
    path = tmp_path / "export.zip"
    path.write_bytes(services.export_build(customer=erin))

    fresh, _ = _organization("Fresh install", "fresh")
    Idea.objects.create(organization=fresh, number=1, title="Older idea")  # numbers move on
    out = io.StringIO()
    call_command("import_personal_data", str(path), organization="fresh", stdout=out)
    assert "Left out" not in out.getvalue(), out.getvalue()
    imported = Customer.objects.get(organization=fresh)
    again = services.personal_data_collect(customer=imported)
    assert _comparable(again) == _comparable(first)
    # New ids and numbers, never the export's.
    idea = Idea.objects.get(organization=fresh, author=imported)
    assert idea.number == 2 and idea.pk != Idea.objects.get(organization=org).pk
    assert idea.vote_count == 1 and idea.comment_count == 1
    assert Deal.objects.get(organization=fresh).stage.organization == fresh
    assert Question.objects.get(organization=fresh).answer_count == 1

    counts = {
        model.__name__: model.objects.filter(organization=fresh).count()
        for model in (Idea, Comment, Vote, Question, Deal)
    }
    out = io.StringIO()
    call_command("import_personal_data", str(path), organization="fresh", stdout=out)
    assert "was imported from this export before: nothing new" in out.getvalue()
    assert Customer.objects.filter(organization=fresh).count() == 1
    assert counts == {
        model.__name__: model.objects.filter(organization=fresh).count()
        for model in (Idea, Comment, Vote, Question, Deal)
    }
    assert _comparable(services.personal_data_collect(customer=imported)) == _comparable(first)


def test_what_names_something_not_here_is_left_out_and_reported(
    seeded: Seeded, tmp_path: Path
) -> None:
    # Dana voted for and commented on Bob's idea: not hers, so not in a fresh organization.
    path = tmp_path / "dana.json"
    document = services.personal_data_collect(customer=seeded.dana)
    path.write_text(json.dumps(document))
    make_org("Fresh install", "fresh")
    out = io.StringIO()
    call_command("import_personal_data", str(path), organization="fresh", stdout=out)
    text = out.getvalue()
    assert "Left out: a vote for “One-way trailer rentals” (not here)" in text
    assert "Left out: a comment on “One-way trailer rentals”" in text
    # No staff member here: the commitment cannot be owned.
    assert "Left out: commitment “Refund Dana Whitfield by Friday” (no staff member" in text
    imported = Customer.objects.get(organization__slug="fresh")
    assert imported.intents.count() == 1 and not Vote.objects.filter(customer=imported).exists()


def test_a_file_that_is_not_an_export_is_refused_in_one_line(tmp_path: Path) -> None:
    """The command says the importer's refusal as ``core.errors.errors_text`` words it."""
    make_org("Fresh install", "fresh")
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"schema": "something-else"}))
    with pytest.raises(CommandError) as refused:
        call_command("import_personal_data", str(path), organization="fresh")
    assert str(refused.value) == f"Not a {SCHEMA} document."
