"""A blog's discussion thread, written for this test and kept out of every training set
(tests/intelligence/data/blog_discussion.tsv: behaviour, not a claim about real threads): the
readers who recommend a book, link their own reply, ask how the comments work or report a
prize that does not work are not held; the shops, promoters and prize senders are.

Written after the spam model held 5 of its 20 genuine comments: the written discussion
comments of ``data/spam_discussion.jsonl`` (none of these) taught it what a discussion sounds
like. Two are still held, both on their wording ("Thank you! Subscribed to your feed." sounds
like the video comments that ask for subscribers; a reply linking the writer's own blog)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from sayso.intelligence.analysis import analyze

THREAD = Path(__file__).resolve().parent / "data" / "blog_discussion.tsv"


def _thread() -> list[dict[str, str]]:
    with THREAD.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


@pytest.fixture(scope="module")
def verdicts() -> list[tuple[dict[str, str], bool]]:
    # One comment at a time, so that only the text, the name and the link decide.
    return [
        (row, analyze([{k: row[k] for k in ("text", "author", "author_url")}])[0].is_spam)
        for row in _thread()
    ]


def test_genuine_discussion_comments_are_not_held(
    verdicts: list[tuple[dict[str, str], bool]],
) -> None:
    genuine = [(row, held) for row, held in verdicts if row["label"] == "ham"]
    held = [row["text"] for row, is_held in genuine if is_held]
    assert len(genuine) == 20
    assert len(held) <= 2, held
    for text in (
        "Check out Paul Greenberg's book CRM at the Speed of Light, he covers much of this.",
        "How do I subscribe to the comments on this post? The RSS link seems broken.",
        "I won a voucher in your Christmas raffle but can't redeem it online.",
        "My prize voucher code says invalid at checkout, can you help?",
    ):
        assert text not in held


def test_the_spam_in_the_thread_is_held(verdicts: list[tuple[dict[str, str], bool]]) -> None:
    spam = [(row, held) for row, held in verdicts if row["label"] == "spam"]
    missed = [row["text"] for row, is_held in spam if not is_held]
    assert len(spam) == 8
    assert len(missed) <= 1, missed
