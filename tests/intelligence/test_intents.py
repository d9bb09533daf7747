"""Intents that mean what they say, on real messages nobody here wrote (the SMS and YouTube
collections in ../shared/data/spam, selected by line and comment id) and on the review
sentences written for these tests (tests/intelligence/data/review_sentences.tsv: behaviour
checks, not a claim about real reviews — see docs/intelligence.md).

- ``competitor_mention`` only with a configured competitor named (one spelled like an ordinary
  word only as a name: "Orange's network", not "an orange"), the name in the reason; never with
  no competitor configured;
- ``complaint`` needs a problem reported (a question is not one; "never had a problem" is
  not one), ``purchase_intent`` is not given to "not interested";
- every label carries a reason.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sayso.intelligence.analysis import Analysis, analyze
from sayso.intelligence.analysis.intents import OTHER

SPAM_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "spam"
REVIEWS = Path(__file__).resolve().parent / "data" / "review_sentences.tsv"
needs_data = pytest.mark.skipif(not SPAM_DATA.is_dir(), reason="../shared/data is not beside")


@cache
def sms_lines() -> list[str]:
    """The lines of sms-train.tsv (1-based line numbers as an editor shows them)."""
    return (SPAM_DATA / "sms-train.tsv").read_text(encoding="utf-8").splitlines()


def sms(line: int) -> str:
    label, text = sms_lines()[line - 1].split("\t", 1)
    assert label == "ham"
    return text


@cache
def youtube_comments() -> dict[str, tuple[str, str]]:
    """comment id → (text, class) of all four videos."""
    comments = {}
    for path in sorted((SPAM_DATA / "youtube").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                comments[row["COMMENT_ID"]] = (row["CONTENT"], row["CLASS"])
    return comments


def youtube(comment_id: str) -> str:
    text, label = youtube_comments()[comment_id]
    assert label == "0"
    return text


def one(text: str, competitors: tuple[str, ...] = ()) -> Analysis:
    return analyze([text], competitors=competitors)[0]


def assert_reasoned(result: Analysis) -> None:
    """Each label (other than ``other``) has its reason among the result's reasons."""
    prefixes = {
        "complaint": "reports a problem",
        "praise": "praises",
        "question": "asks",
        "idea": "suggests",
        "purchase_intent": "wants to buy",
        "competitor_mention": "mentions ",
    }
    for label in result.intents:
        if label != OTHER:
            assert any(r.startswith(prefixes[label]) for r in result.reasons), (label, result)


# --- real messages, one label each ------------------------------------------------------------


@needs_data
@pytest.mark.parametrize(
    ("source", "key", "label"),
    [
        ("youtube", "z13uhfazpsvxed2x004chpwjayudxpvhv3o", "praise"),  # I love this song
        ("youtube", "z13nv5tycmikx3syi04cdv5bmruufbrqjyk0k", "praise"),  # Best song ever
        ("sms", 593, "praise"),  # Thanks for looking out for me. I really appreciate.
        ("sms", 4041, "praise"),  # Thanks for being there for me just to talk to …
        ("youtube", "z12cwnzbunaji14ah04cf3jizmzpz3igxj4", "complaint"),  # … SO ANNOYING
        ("youtube", "z13xwborhli2vdrab04chblgxvjattz4ezs0k", "complaint"),  # I hate this song!
        ("sms", 3589, "complaint"),  # Man this bus is so so so slow.
        ("youtube", "z13derchioqxifr1m22pztjgvwuewvtz404", "question"),  # How old is Katy perry?
        ("youtube", "z13utrmbosiawt10p22kextrikr0fprhh04", "question"),  # What does that tattoo…
        ("sms", 138, "question"),  # What time you coming down later?
        ("sms", 465, "question"),  # Can you open the door?
    ],
)
def test_a_real_message_gets_its_label_with_a_reason(
    source: str, key: str | int, label: str
) -> None:
    text = youtube(str(key)) if source == "youtube" else sms(int(key))

    result = one(text)

    assert label in result.intents, (text, result)
    assert_reasoned(result)


@needs_data
@pytest.mark.parametrize(
    ("source", "key", "not_label"),
    [
        ("sms", 270, "purchase_intent"),  # Am not interested to do like that.
        ("sms", 2230, "complaint"),  # You said not now. No problem. When you can. Let me know.
        ("sms", 707, "complaint"),  # Its going good...no problem..but still need little …
        ("youtube", "z13derchioqxifr1m22pztjgvwuewvtz404", "complaint"),  # How old is Katy perry?
        ("youtube", "z13uhfazpsvxed2x004chpwjayudxpvhv3o", "complaint"),  # I love this song
        ("sms", 593, "complaint"),  # Thanks … I really appreciate.
        ("sms", 1897, "competitor_mention"),  # Am surfing online store. For offers …
    ],
)
def test_a_real_message_does_not_get_a_label_it_does_not_say(
    source: str, key: str | int, not_label: str
) -> None:
    text = youtube(str(key)) if source == "youtube" else sms(int(key))

    result = one(text)

    assert not_label not in result.intents, (text, result)
    assert_reasoned(result)


@needs_data
def test_no_competitor_is_heard_in_real_ham_when_none_is_configured() -> None:
    """All genuine YouTube comments and the first 1,500 genuine SMS, with no competitor
    configured (the generic analysis): never."""
    yt = [text for text, label in youtube_comments().values() if label == "0"]
    texts = (
        yt + [line.split("\t", 1)[1] for line in sms_lines()[1:] if line.startswith("ham\t")][:1500]
    )

    results = analyze(texts)

    assert not [r.reasons for r in results if "competitor_mention" in r.intents]


@needs_data
def test_friendly_youtube_comments_are_praise_not_complaints() -> None:
    """The genuine comments that say they love the song or call it the best: praise, and
    hardly ever a complaint."""
    friendly = [
        text
        for text, label in youtube_comments().values()
        if label == "0" and ("love this song" in text.lower() or "best song" in text.lower())
    ]
    assert len(friendly) >= 30

    results = analyze(friendly)

    assert np.mean(["complaint" in r.intents for r in results]) <= 0.05
    assert np.mean(["praise" in r.intents for r in results]) >= 0.9


# --- the review sentences written for these tests ---------------------------------------------


@cache
def reviewed() -> tuple[list[str], list[str], list[Analysis]]:
    with REVIEWS.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    texts = [r["text"] for r in rows]
    return texts, [r["label"] for r in rows], analyze(texts)


def share_labelled(label: str, sentiment: str) -> float:
    """The share of the review sentences of ``sentiment`` that get ``label``."""
    _, gold, results = reviewed()
    labelled = [label in r.intents for g, r in zip(gold, results, strict=True) if g == sentiment]
    return float(np.mean(labelled))


def test_complaints_are_the_negative_reviews() -> None:
    assert share_labelled("complaint", "negative") >= 0.8
    assert share_labelled("complaint", "positive") <= 0.10


def test_praise_is_the_positive_reviews() -> None:
    assert share_labelled("praise", "positive") >= 0.8
    assert share_labelled("praise", "negative") <= 0.10


def test_sentiment_agrees_with_the_reviews() -> None:
    """Binary agreement: the sign of the sentiment score against the sentence's label."""
    _, gold, results = reviewed()

    agreement = np.mean(
        [(r.sentiment_score > 0) == (g == "positive") for g, r in zip(gold, results, strict=True)]
    )

    assert agreement >= 0.85


def test_no_competitor_in_reviews_without_a_list_and_every_label_reasoned() -> None:
    _, _, results = reviewed()

    assert not any("competitor_mention" in r.intents for r in results)
    for result in results:
        assert_reasoned(result)


# --- negation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Never had a problem with them in six years.",
        "No complaints at all, the van was spotless.",
        "I can't complain, everything arrived on time.",
        "Not a single issue since the new router went in.",
    ],
)
def test_no_problem_said_is_no_complaint(text: str) -> None:
    result = one(text)

    assert "complaint" not in result.intents, result
    assert result.sentiment != "negative"


@pytest.mark.parametrize(
    "text",
    [
        "I'm not interested in buying a new phone right now.",
        "We don't want a quote, thanks, we already have a contract.",
        "Not looking to rent a truck, just asking about the parking.",
    ],
)
def test_not_wanting_to_buy_is_no_purchase_intent(text: str) -> None:
    assert "purchase_intent" not in one(text).intents


@pytest.mark.parametrize(
    "text",
    [
        "How do the comments on this blog work, do I need an account to post one?",
        "Where can I see the replies to my comment?",
    ],
)
def test_a_question_about_how_something_works_is_no_complaint(text: str) -> None:
    result = one(text)

    assert "question" in result.intents
    assert "complaint" not in result.intents


@pytest.mark.parametrize(
    "text",
    [
        "The truck broke down twice and nobody answered the phone.",
        "I was charged twice and I'm still waiting for the refund.",
    ],
)
def test_a_problem_reported_is_a_complaint_with_its_words(text: str) -> None:
    result = one(text)

    assert "complaint" in result.intents
    assert any(r.startswith("reports a problem: “") for r in result.reasons)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Details at bit.ly/win500", None),  # "ly" is in VADER's lexicon, as "love you"
        ("Thanks! The fix is described at t.co/brokenlink", "praises: “thanks”"),
        ("It crashed again, see https://status.example.com/great-outage", None),
    ],
)
def test_the_words_of_a_link_are_no_evidence(text: str, shown: str | None) -> None:
    reasons = one(text).reasons
    praise = [r for r in reasons if r.startswith("praises")]
    assert praise == ([shown] if shown else [])
    assert not any("“ly”" in r or "broken" in r or "great" in r for r in reasons)


# --- competitors ------------------------------------------------------------------------------


def test_a_configured_competitor_fires_with_its_name_and_an_unconfigured_text_does_not() -> None:
    text = "My friend loved the salmon tartar."
    rival = "Haulmax gave me a bigger van for less than you charge."

    assert "competitor_mention" not in one(text).intents
    assert "competitor_mention" not in one(text, ("Haulmax",)).intents
    configured = one(rival, ("Haulmax",))
    assert "competitor_mention" in configured.intents
    assert "mentions Haulmax" in configured.reasons


def test_with_no_competitor_configured_nothing_is_a_competitor_mention() -> None:
    for text in (
        "Honestly thinking of switching to a rival, they do it better for less.",
        "Thinking of switching to Penske, their trucks are cheaper than yours.",
    ):
        result = one(text)
        assert "competitor_mention" not in result.intents
        assert not any(r.startswith("mentions") for r in result.reasons)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("I ate an orange while I waited for the van.", None),
        ("Three of us came to pick up the keys.", None),
        ("Free parking at the depot would be nice.", None),
        ("The target date for the move is Friday.", None),
        ("Orange's network is much better in the hills.", "Orange"),
        ("I switched to three last month and the bill halved.", "three"),
        ("My sister swears by Orange and their fibre.", "Orange"),
        ("Target is cheaper for the same cable.", "Target"),
        ("Penske gave me a bigger truck.", "Penske"),
        ("penske quoted me forty less.", "penske"),
    ],
)
def test_a_competitor_spelled_like_a_word_is_named_only_as_a_name(
    text: str, named: str | None
) -> None:
    result = one(text, ("Orange", "Three", "Free", "Target", "Penske"))

    if named is None:
        assert "competitor_mention" not in result.intents, result.reasons
    else:
        assert "competitor_mention" in result.intents
        assert f"mentions {named}" in result.reasons


# --- competitors end to end: the organization's listening terms -------------------------------


@pytest.mark.django_db
def test_an_organizations_competitor_terms_make_its_messages_competitor_mentions(
    org: Any, customer: Any
) -> None:
    """Configured (a listening term of kind competitor) → the stored analysis of the
    organization's message names it; another organization, with none, never fires."""
    from sayso.conversations import services as conversations
    from sayso.conversations.models import Channel
    from sayso.intelligence.analysis import store
    from sayso.listening.models import TermKind
    from sayso.listening.services import term_add
    from tests import factories

    text = "Haulmax offered me the same 15ft truck for forty dollars less."
    term_add(organization=org, kind=TermKind.COMPETITOR, term="Haulmax")
    other = factories.make_org()
    stranger = factories.make_customer(other)

    def analysis_of(organization: Any, who: Any) -> Any:
        message, _ = conversations.message_receive(
            organization=organization, customer=who, channel=Channel.WEB, body=text
        )
        return store.message_analyze(message=message)

    ours, theirs = analysis_of(org, customer), analysis_of(other, stranger)

    assert "competitor_mention" in ours.intents
    assert "mentions Haulmax" in ours.reasons
    assert "competitor_mention" not in theirs.intents
    assert not any(r.startswith("mentions ") for r in theirs.reasons)


@needs_data
def test_a_competitor_is_named_only_as_the_organization_spells_it() -> None:
    """A real SMS writes "Bt" for "but": an organization listening for the carrier BT does
    not hear it; "BT" as spelled it does."""
    text = sms(1928)  # "A Boy loved a gal. He propsd bt she didnt mind. … Bt her frnds …"

    assert "competitor_mention" not in one(text, ("BT",)).intents
    rival = one("BT quoted me half your price for the same fibre.", ("BT",))
    assert "mentions BT" in rival.reasons
