"""Scenario 7 of PRODUCT.md in real Chromium, a spam wave: a new kind of spam the filter misses
arrives on the idea board; a moderator hides five of them as spam and retrains the filter; the
next ones are held with a reason; a genuine comment held wrongly is released with one click and
its look-alikes with one more; nothing genuine was hidden, and every hold and release is in the
public log."""

from __future__ import annotations

import re
from typing import Any

import pytest

from sayso.community import ideas
from sayso.community.models import Comment, CommentState
from sayso.core.models import Role
from tests import factories
from tests.intelligence import spam_wave

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLEA = (
    "We, the night-shift drivers of the Denver depot, ask for dark mode before winter: "
    "the white screens blind us on the road."
)


def test_a_spam_wave_is_learnt_from_five_decisions(
    live_server: Any, new_page: Any, shot: Any
) -> None:
    base = live_server.url
    org = factories.make_org("Haulright Truck Rental", "haulright")
    factories.make_member(org, Role.AGENT, username="maria")
    idea, _ = spam_wave.board(org)

    # The wave starts and the filter misses it.
    for person, text in zip(spam_wave.spammers(org, 5), spam_wave.FIRST_WAVE, strict=True):
        comment, _ = ideas.comment_post(idea=idea, author=person, body=text)
        assert comment.state == CommentState.VISIBLE, (text, comment.state_reason)

    # Maria, a moderator, hides the five as spam from the idea page.
    maria = new_page()
    maria.goto(f"{base}/staff/login/")
    maria.fill("input[name=username]", "maria")
    maria.fill("input[name=password]", factories.PASSWORD)
    maria.click("button[type=submit]")
    maria.wait_for_url(re.compile(r".*/staff/haulright/$"))
    maria.goto(f"{base}/o/haulright/ideas/{idea.number}/")
    shot(maria, "scenario7-01-the-wave-on-the-board")
    for text in spam_wave.FIRST_WAVE:
        row = maria.locator("[data-testid=comments] > li", has_text=text)
        row.locator("select[name=category]").select_option("spam")
        row.locator("button:has-text('Hide')").click()
        maria.wait_for_load_state()
        assert maria.locator("[data-testid=comments] > li", has_text=text).count() == 0

    # She retrains the filter now (the scheduler would within minutes).
    maria.goto(f"{base}/staff/haulright/spam-filter/")
    assert maria.locator("[data-testid=decisions] tbody tr").count() == 5
    # (The tests' task backend trains in the request; the worker does it in production.)
    with maria.expect_navigation(timeout=180_000):
        maria.click("[data-testid=retrain]", no_wait_after=True)
    maria.wait_for_selector("[data-testid=versions] td:has-text('v1')")
    assert "active" in maria.inner_text("[data-testid=versions]")
    shot(maria, "scenario7-02-retrained-on-five-decisions")

    # The wave goes on in other words: held, each with a reason. A depot's genuine plea,
    # signed by three drivers with the same words, is held as copies.
    for person, text in zip(spam_wave.spammers(org, 5, 5), spam_wave.NEXT_WAVE, strict=True):
        ideas.comment_post(idea=idea, author=person, body=text)
    lead = factories.make_customer(org, "Depot lead", "lead@example.com")
    ideas.comment_post(idea=idea, author=lead, body=PLEA)
    for i in range(3):
        signer = factories.make_customer(org, f"Depot driver {i}", f"dd{i}@example.com")
        ideas.comment_post(idea=idea, author=signer, body=PLEA)
    maria.goto(f"{base}/staff/haulright/moderation/")
    queue = maria.inner_text("[data-testid=spam-queue]")
    for text in spam_wave.NEXT_WAVE:
        assert text in queue
    assert queue.count("your moderators marked as spam") == len(spam_wave.NEXT_WAVE)
    shot(maria, "scenario7-03-the-next-ones-held-with-a-reason")

    # One click releases a signed plea; its look-alikes are offered, and released with one more.
    maria.locator("[data-testid=spam-queue] tr", has_text="Denver depot").first.locator(
        "[data-testid=release]"
    ).click()
    offer = maria.wait_for_selector("[data-testid=lookalikes]")
    assert offer.inner_text().count("Denver depot") >= 3  # the released one and two alike
    shot(maria, "scenario7-04-its-lookalikes-offered")
    maria.click("[data-testid=release-lookalikes]")
    maria.wait_for_selector("text=Released 2 more")
    held = Comment.objects.filter(idea=idea, state=CommentState.SPAM)
    assert sorted(c.body for c in held) == sorted(spam_wave.FIRST_WAVE + spam_wave.NEXT_WAVE)

    # Everyone reads the board: nothing genuine hidden, no spam shown; the log has it all.
    visitor = new_page()
    visitor.goto(f"{base}/o/haulright/ideas/{idea.number}/")
    board = visitor.inner_text("[data-testid=comments]")
    for text in spam_wave.GENUINE:
        assert text in board
    assert board.count("night-shift drivers of the Denver depot") == 4
    for text in spam_wave.FIRST_WAVE + spam_wave.NEXT_WAVE:
        assert text not in board
    visitor.goto(f"{base}/o/haulright/moderation/")
    log = visitor.inner_text("main")
    assert log.count("your moderators marked as spam") == len(spam_wave.NEXT_WAVE)
    assert log.count("Released from the spam queue") >= 3
    shot(visitor, "scenario7-05-the-public-moderation-log")
