"""Scenario 4 of PRODUCT.md, "the stuck customer": a customer starts asking a question and,
before posting, sees two similar solved threads; they ask anyway; another customer answers;
staff accept the answer; everyone who clicked "me too" is told through a real SMTP server on
127.0.0.1; the next person typing the same problem in other words finds the solved thread
first."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from sayso.community import qa
from sayso.community.models import Question
from tests import factories
from tests.community.test_idea_pages import _customer_client, _staff_client
from tests.conversations.test_email_smtp import Mta, mta, smtp_backend  # noqa: F401

pytestmark = pytest.mark.django_db


def _url(name: str, org: Any, **kwargs: Any) -> str:
    return reverse(name, kwargs={"org": org.slug, **kwargs})


def _solved(org: Any, asker: Any, helper: Any, agent: Any, title: str, answer: str) -> Question:
    question, _ = qa.question_ask(organization=org, author=asker, title=title)
    reply, _ = qa.answer_post(question=question, author=helper, body=answer)
    qa.answer_accept(answer=reply, actor=agent)
    return question


def test_the_stuck_customer_finds_answers_and_the_next_one_finds_the_solution_first(
    org: Any,
    agent: Any,
    smtp_backend: Mta,  # noqa: F811 (the fixture imported above)
    run_on_commit: Any,
) -> None:
    old = factories.make_customer(org, "Olga", "olga@example.com")
    guru = factories.make_customer(org, "Guru", "guru@example.com")
    stuck = factories.make_customer(org, "Sam", "sam@example.com")
    helper = factories.make_customer(org, "Hana", "hana@example.com")
    ann = factories.make_customer(org, "Ann", "ann@example.com")
    ben = factories.make_customer(org, "Ben", "ben@example.com")
    with run_on_commit(execute=True):
        _solved(
            org,
            old,
            guru,
            agent,
            "Photos stopped syncing to my laptop",
            "Turn background sync back on under Settings → Sync; updates switch it off.",
        )
        _solved(
            org,
            guru,
            old,
            agent,
            "Pictures are not uploading from the phone",
            "Free some space on the phone: uploads pause below 500 MB.",
        )
        qa.question_ask(organization=org, author=old, title="Photo upload is slow on hotel wifi")
        qa.question_ask(organization=org, author=old, title="How do I change my invoice address?")

    # Sam starts typing: the two solved threads are shown first, the billing one not at all.
    sam = _customer_client(org, stuck)
    shown = sam.get(_url("question-similar", org), {"title": "my photos won't sync any more"})
    assert shown.status_code == 200
    text = shown.text
    assert "Photos stopped syncing to my laptop" in text
    assert "Pictures are not uploading from the phone" in text
    assert "invoice address" not in text
    solved_at = max(text.index("Photos stopped syncing"), text.index("Pictures are not uploading"))
    if "hotel wifi" in text:
        assert solved_at < text.index("hotel wifi")  # solved ones first

    # Sam's problem is a different one: he asks anyway.
    with run_on_commit(execute=True):
        posted = sam.post(
            _url("question-new", org),
            {
                "title": "Videos from the phone never appear in the library",
                "body": "Photos sync fine, **videos** do not. Version 4.2 on Android.",
                "tags": "sync, video",
            },
        )
    assert posted.status_code == 302
    question = Question.objects.get(title__startswith="Videos from the phone")
    page = _url("question-detail", org, number=question.number)
    assert posted["Location"] == page

    # Two others have the same problem.
    with run_on_commit(execute=True):
        for person in (ann, ben):
            assert (
                _customer_client(org, person)
                .post(_url("question-me-too", org, number=question.number))
                .status_code
                == 302
            )
    question.refresh_from_db()
    assert question.me_too_count == 2

    # Another customer answers; staff accept it.
    with run_on_commit(execute=True):
        answered = _customer_client(org, helper).post(
            _url("answer-post", org, number=question.number),
            {"body": "Videos over 2 GB wait for wifi: turn on *Upload large videos on mobile*."},
        )
    assert answered.status_code == 302
    answer = question.answers.get()
    smtp_backend.received.clear()
    with run_on_commit(execute=True):
        accepted = _staff_client(agent).post(_url("answer-accept", org, pk=answer.pk))
    assert accepted.status_code == 302
    question.refresh_from_db()
    assert question.is_solved

    # Everyone with the problem is told by email (the asker too; not the staff member).
    solved_mail = [m for m in smtp_backend.received if "Solved:" in str(m.parsed()["Subject"])]
    recipients = sorted(r for m in solved_mail for r in m.rcpt_tos)
    assert recipients == [
        "ann@example.com",
        "ben@example.com",
        "hana@example.com",
        "sam@example.com",
    ]
    body = solved_mail[0].parsed().get_body(preferencelist=("plain",)).get_content()
    assert "Upload large videos on mobile" in body
    assert f"/questions/{question.number}/" in body

    # The page shows the accepted answer first, marked.
    detail = sam.get(page)
    assert detail.status_code == 200
    assert 'data-testid="accepted"' in detail.text
    assert "3 people have this problem" in detail.text  # Sam, Ann and Ben

    # The next person types the same problem in other words: the solved thread comes first.
    nina = _customer_client(org, factories.make_customer(org, "Nina", "nina@example.com"))
    found = nina.get(
        _url("question-similar", org), {"title": "clips recorded on my android are missing"}
    )
    assert "Videos from the phone never appear in the library" in found.text
    first_link = found.text.index("/questions/")
    assert found.text[first_link:].startswith(f"/questions/{question.number}/")
