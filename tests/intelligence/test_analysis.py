"""What ``analyze()`` reads in clear cases, with the real model (loaded once per process).

None of these texts is in the training data.
"""

from __future__ import annotations

from typing import Any

import pytest

from sayso.intelligence.analysis import Analysis, Item, analyze


def one(text: str, **fields: Any) -> Analysis:
    return analyze([{"text": text, **fields}])[0]


def test_an_empty_batch_gives_no_results() -> None:
    assert analyze([]) == []


def test_every_result_has_the_documented_fields() -> None:
    result = analyze([Item(text="The van was great, thank you!")])[0].as_dict()

    assert set(result) >= {
        "sentiment",
        "sentiment_score",
        "intents",
        "spam",
        "is_spam",
        "language",
        "duplicate_of",
        "reasons",
    }
    assert -1 <= result["sentiment_score"] <= 1
    assert 0 <= result["spam"] <= 1


@pytest.mark.parametrize(
    ("text", "sentiment"),
    [
        ("Absolutely love the new booking page, it's fast and so easy!", "positive"),
        ("Worst rental ever: filthy truck, rude staff and a surprise fee.", "negative"),
        ("The invoice for March is attached.", "neutral"),
    ],
)
def test_sentiment_of_clear_cases(text: str, sentiment: str) -> None:
    result = one(text)

    assert result.sentiment == sentiment
    if sentiment == "positive":
        assert result.sentiment_score > 0.3
    if sentiment == "negative":
        assert result.sentiment_score < -0.3


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("My router has been dead for three days and nobody from support calls back.", "complaint"),
        ("Your installer Jonah was friendly and quick, thanks a lot!", "praise"),
        ("What time does the Oakland branch close on Saturdays?", "question"),
        ("It would be great if the app could remind me a day before my rental ends.", "idea"),
        ("We need 25 seats by April with annual billing, please send a quote.", "purchase_intent"),
        ("Please find the signed delivery note attached.", "other"),
    ],
)
def test_intents_of_clear_cases(text: str, intent: str) -> None:
    assert intent in one(text).intents


def test_several_intents_may_apply() -> None:
    intents = one(
        "The app crashes every time I upload photos of the damage. Is a fix coming this week?"
    ).intents

    assert {"complaint", "question"} <= set(intents)


def test_other_stands_alone() -> None:
    intents = one("Our accounts team will send the purchase order.").intents

    assert intents == ["other"] or "other" not in intents


def test_a_configured_competitor_is_a_competitor_mention_with_its_name() -> None:
    text = "Truckly had a van for me in ten minutes."

    result = analyze([{"text": text}], competitors=["Truckly", "Haulmax"])[0]

    assert "competitor_mention" in result.intents
    assert "mentions Truckly" in result.reasons


def test_a_competitor_name_matches_whole_words_only() -> None:
    result = analyze([{"text": "Frontier towns are far apart."}], competitors=["Front"])[0]

    assert "mentions Front" not in result.reasons


def test_purchase_intent_says_what_the_customer_wants() -> None:
    result = one("How much for a 12ft truck next weekend?")

    assert "purchase_intent" in result.intents
    assert any(reason.startswith("wants to buy") for reason in result.reasons)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("The truck was late again and nobody told me why.", "en"),
        ("El camión llegó tarde otra vez y nadie me avisó.", "es"),
        ("Le camion est encore arrivé en retard, personne ne m'a prévenu.", "fr"),
        ("Der Lkw kam schon wieder zu spät und niemand hat Bescheid gegeben.", "de"),
        ("ok", "en"),
        ("👍👍", None),
    ],
)
def test_language(text: str, language: str | None) -> None:
    assert one(text).language == language


def test_the_analysis_is_the_same_with_vectors_given_or_embedded_alongside() -> None:
    """``analyze()`` embeds in a helper thread while it reads the words; callers that have
    the vectors already (the listening pipeline) pass them: the same analysis either way."""
    from sayso.intelligence.embeddings import encode

    texts = [
        "Third time my reservation was cancelled, I want a refund now",
        "Does the Oakland depot rent moving blankets?",
        "BUY CHEAP VIAGRA http://pharma-deals.example/buy",
        "Thanks Maria, the truck was spotless!",
    ]

    embedded_alongside = analyze(texts)
    given = analyze(texts, encoding=encode(texts))

    assert [a.as_dict() for a in embedded_alongside] == [a.as_dict() for a in given]
