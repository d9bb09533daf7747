"""Spam is caught with a reason; real customers are never spam for their words alone."""

from __future__ import annotations

from typing import Any

import pytest

from sayso.intelligence.analysis import analyze


def check(text: str, author: str = "", author_url: str = "") -> Any:
    return analyze([{"text": text, "author": author, "author_url": author_url}])[0]


@pytest.mark.parametrize(
    ("text", "author", "url", "reason"),
    [
        (
            "Helpful read. Order sildenafil and more at http://rx-express-meds.net today.",
            "Anna",
            "",
            "links to a pharmacy site",
        ),
        (
            "Thanks!",
            "Buy Generic Cialis Overnight",
            "https://cialis-shop.ru",
            "links to a pharmacy site",
        ),
        (
            "Nice one.",
            "SEO Agency Mumbai Cheap",
            "https://top-rank-agency.in",
            "keyword-stuffed author name with a link",
        ),
        (
            "Wow, such a helpful blog, keep posting!",
            "Sunshine Solutions Pvt Ltd",
            "https://sunshine-sol.in",
            "generic praise with no content from a commercial name",
        ),
        (
            "Great article, thanks for sharing!",
            "Nancy",
            "https://nancy-shop.site",
            "generic praise with no content and a link",
        ),
        (
            "Grab 80% off at our store with these coupon codes http://mega-coupons.xyz",
            "Lee",
            "",
            "links to a coupon site",
        ),
        (
            "Win big tonight, 300 free spins waiting at https://royal-casino.bet",
            "Max",
            "",
            "links to a casino or betting site",
        ),
        (
            "Claim the airdrop before Friday: http://token-airdrop.io",
            "Zed",
            "",
            "links to a crypto site",
        ),
    ],
)
def test_spam_is_caught_with_its_reason(text: str, author: str, url: str, reason: str) -> None:
    result = check(text, author, url)

    assert result.is_spam
    assert result.spam >= 0.9
    assert reason in result.reasons


def test_a_trading_pitch_is_spam() -> None:
    result = check(
        "I earn $4,000 weekly with the forex signals of my mentor, message him on WhatsApp.",
        "Linda Brown",
        "https://fx-profits-now.com",
    )

    assert result.is_spam
    assert result.reasons


@pytest.mark.parametrize(
    ("text", "author", "url"),
    [
        ("thanks, that fixed it", "Dana", ""),
        ("Cheers, works now 👍", "pete_w", ""),
        ("this is f***ing ridiculous, third time my truck is late", "Marcus", ""),
        ("Shit service. Two hours on hold and then the line drops.", "Jo", ""),
        ("I'm sorry but the new pricing is a rip-off and you know it.", "Hal", ""),
        ("Great post, thanks!", "Maria", ""),
        ("The pharmacy aisle at the Elm St store has been empty for a week.", "Ruth", ""),
        ("The discount code from your email gives an error at checkout.", "Sam", ""),
        (
            "We run a bakery and rent your van every Friday; last week's invoice was charged twice.",
            "Crumbs Bakery Ltd",
            "https://crumbsbakery.com",
        ),
        (
            "I wrote up how we moved a piano with your 15ft truck, photos included.",
            "Ellie",
            "https://ellie-writes.blog",
        ),
    ],
)
def test_real_customers_are_not_spam(text: str, author: str, url: str) -> None:
    result = check(text, author, url)

    assert not result.is_spam, result.reasons
    assert result.reasons == [] or not any("spam" in r for r in result.reasons)


def test_a_comment_copied_by_another_author_is_spam() -> None:
    original = "We moved three offices with your trucks this year and every pickup was on time."
    results = analyze(
        [
            {"text": original, "author": "Ruth Ade"},
            {"text": "Where can I park the truck overnight?", "author": "Ken"},
            {
                "text": original,
                "author": "Cheap Office Moves",
                "author_url": "https://moves.example",
            },
        ]
    )

    assert not results[0].is_spam
    assert results[2].is_spam
    assert results[2].duplicate_of == 0
    assert results[2].duplicate_kind == "copy"
    assert "copies comment #0 by another author" in results[2].reasons
