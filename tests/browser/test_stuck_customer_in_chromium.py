"""Scenario 4 of PRODUCT.md in real Chromium: a customer starts typing a question and sees two
similar solved threads before posting; they post their own; another customer answers; staff
accept the answer; everyone who clicked "me too" is told through a real SMTP server on
127.0.0.1; the next person typing the same problem in other words sees the solved thread
first."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import pytest

from sayso.community import qa
from sayso.community.models import Question
from sayso.core.models import Role
from tests import factories
from tests.conversations.test_email_smtp import Mta, mta, smtp_backend  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _mail_to(smtp: Mta, address: str, subject_part: str) -> list[Any]:
    return [
        m.parsed()
        for m in smtp.received
        if address in m.rcpt_tos and subject_part in str(m.parsed()["Subject"])
    ]


def _sign_in(page: Any, base: str, smtp: Mta, email: str, next_path: str) -> None:
    page.goto(f"{base}/o/haulright/signin/?next={quote(next_path)}")
    page.fill("input[name=email]", email)
    page.click("text=Email me a sign-in link")
    page.wait_for_selector("text=Check your email")
    sent = [m for m in smtp.received if email in m.rcpt_tos]
    body = sent[-1].parsed().get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"(/o/haulright/signin/[^/\s]+/)", body)
    assert link is not None
    page.goto(base + link.group(1))
    page.click("text=Continue")
    page.wait_for_url(re.compile(".*" + re.escape(next_path) + "$"))


def _solved(org: Any, asker: Any, helper: Any, agent: Any, title: str, answer: str) -> None:
    question, _ = qa.question_ask(organization=org, author=asker, title=title)
    reply, _ = qa.answer_post(question=question, author=helper, body=answer)
    qa.answer_accept(answer=reply, actor=agent)


def test_the_stuck_customer_end_to_end(
    live_server: Any,
    new_page: Any,
    shot: Any,
    smtp_backend: Mta,  # noqa: F811 (the fixture imported above)
) -> None:
    base = live_server.url
    org = factories.make_org("Haulright Truck Rental", "haulright")
    maria = factories.make_member(org, Role.AGENT, username="maria")
    olga = factories.make_customer(org, "Olga", "olga@example.com")
    guru = factories.make_customer(org, "Guru", "guru@example.com")
    for name in ("Sam", "Hana", "Ann", "Nina"):
        factories.make_customer(org, name, f"{name.lower()}@example.com")
    _solved(
        org,
        olga,
        guru,
        maria,
        "Photos stopped syncing to my laptop",
        "Turn background sync back on under Settings → Sync; updates switch it off.",
    )
    _solved(
        org,
        guru,
        olga,
        maria,
        "Pictures are not uploading from the phone",
        "Free some space on the phone: uploads pause below 500 MB.",
    )
    qa.question_ask(organization=org, author=olga, title="How do I change my invoice address?")

    # Sam signs in from the question form and starts typing: two solved threads show up.
    sam = new_page()
    _sign_in(sam, base, smtp_backend, "sam@example.com", "/o/haulright/questions/new/")
    sam.wait_for_selector("h1:has-text('Ask the community')")
    sam.type("input[name=title]", "my photos won't sync any more", delay=20)
    similar = sam.wait_for_selector("[data-testid=similar-questions]")
    text = similar.inner_text()
    assert "Photos stopped syncing to my laptop" in text
    assert "Pictures are not uploading from the phone" in text
    assert "invoice address" not in text
    assert text.count("Solved") == 2
    shot(sam, "scenario4-01-similar-solved-threads-while-typing")
    # His problem is about videos: he asks anyway.
    sam.fill("input[name=title]", "Videos from the phone never appear in the library")
    sam.fill("textarea[name=body]", "Photos sync fine, **videos** do not. Version 4.2 on Android.")
    sam.fill("input[name=tags]", "sync, video")
    sam.click("[data-testid=question-form] button[type=submit]")
    sam.wait_for_selector("[data-testid=question] h1:has-text('Videos from the phone')")
    question = Question.objects.get(title__startswith="Videos from the phone")
    page = f"{base}/o/haulright/questions/{question.number}/"

    # Ann has the same problem: "me too".
    ann = new_page()
    _sign_in(
        ann, base, smtp_backend, "ann@example.com", f"/o/haulright/questions/{question.number}/"
    )
    ann.click("[data-testid=me-too-form] button")
    ann.wait_for_selector("[data-testid=me-too-count]:has-text('2 people have this problem')")

    # Hana answers.
    hana = new_page()
    _sign_in(
        hana, base, smtp_backend, "hana@example.com", f"/o/haulright/questions/{question.number}/"
    )
    hana.fill(
        "[data-testid=answer-form] textarea[name=body]",
        "Videos over 2 GB wait for wifi: turn on *Upload large videos on mobile*.",
    )
    hana.click("[data-testid=answer-form] button[type=submit]")
    hana.wait_for_selector("[data-testid=answer]:has-text('Upload large videos on mobile')")

    # Maria, staff, accepts it on the public page.
    staff = new_page()
    staff.goto(f"{base}/staff/login/")
    staff.fill("input[name=username]", "maria")
    staff.fill("input[name=password]", factories.PASSWORD)
    staff.click("button[type=submit]")
    staff.wait_for_url(re.compile(r".*/staff/haulright/$"))
    staff.goto(page)
    staff.click("[data-testid=accept-form] button")
    staff.wait_for_selector("[data-testid=accepted]")
    shot(staff, "scenario4-02-accepted-by-staff")

    # Everyone with the problem was told by email, through the SMTP server.
    for address in ("sam@example.com", "ann@example.com", "hana@example.com"):
        told = _mail_to(smtp_backend, address, "Solved:")
        assert len(told) == 1, address
        body = told[0].get_body(preferencelist=("plain",)).get_content()
        assert "Upload large videos on mobile" in body
    assert not _mail_to(smtp_backend, "olga@example.com", "Solved: Videos")

    # Nina types the same problem in other words: the solved thread comes first.
    nina = new_page()
    _sign_in(nina, base, smtp_backend, "nina@example.com", "/o/haulright/questions/new/")
    nina.wait_for_selector("h1:has-text('Ask the community')")
    nina.type("input[name=title]", "clips recorded on my android are missing", delay=20)
    first = nina.wait_for_selector("[data-testid=similar-questions] li a")
    assert first.inner_text() == "Videos from the phone never appear in the library"
    shot(nina, "scenario4-03-the-next-person-finds-the-solution-first")
