"""Spam: a probability, a decision and the reasons for it.

Two parts that check each other:
- transparent rules that name what they saw ("links to a pharmacy site", "keyword-stuffed
  author name with a link", "generic praise with no content from a commercial name",
  "copies comment #3 by another author"); the decisive ones make a comment spam on their own;
- a logistic-regression head on the sentence embedding plus the same signals as features,
  which catches what no rule names (it learnt from ``data/spam.jsonl``).

Real customers are never spam for their words alone: strong language, criticism and short
replies carry no link, no commercial author and no sales pitch, and the training data is
full of them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from sayso.intelligence.analysis import signals
from sayso.intelligence.analysis.heads import LinearHead

FEATURES = [
    "text_links",
    "has_author_url",
    "link_spam_domain",
    "text_spam_categories",
    "author_commercial_words",
    "author_place_words",
    "author_stuffed",
    "author_commercial",
    "author_spam_category",
    "generic_praise",
    "log_words",
    "money_amount",
    "contact_app",
]
# A decisive rule puts the probability at least here.
RULE_PROBABILITY = 0.98
DEFAULT_THRESHOLD = 0.5
_MONEY = re.compile(r"[$€£]\s?\d|\d\s?(usd|eur|btc|%)\b", re.I)
_CONTACT = re.compile(r"\b(whats ?app|telegram|wa\.me|t\.me)\b", re.I)


@dataclass
class SpamInput:
    text: str
    author: str = ""
    author_url: str = ""


@dataclass
class SpamSignals:
    text_links: list[str]
    domain_categories: list[str]
    text_categories: list[str]
    author: signals.AuthorSignals
    generic_praise: bool
    has_author_url: bool
    strong_reasons: list[str] = field(default_factory=list)
    weak_reasons: list[str] = field(default_factory=list)


def _describe(category: str) -> str:
    return signals.SPAM_CATEGORIES[category][0]


def inspect(item: SpamInput) -> SpamSignals:
    text_links = signals.links(item.text)
    all_links = [*text_links, *([item.author_url] if item.author_url.strip() else [])]
    domain_categories: list[str] = []
    for link in all_links:
        for category in signals.domain_categories(signals.domain_of(link)):
            if category not in domain_categories:
                domain_categories.append(category)
    author = signals.author_signals(item.author)
    found = SpamSignals(
        text_links=text_links,
        domain_categories=domain_categories,
        text_categories=signals.text_categories(item.text),
        author=author,
        generic_praise=signals.generic_praise(item.text),
        has_author_url=bool(item.author_url.strip()),
    )
    has_link = bool(all_links)
    for category in domain_categories:
        found.strong_reasons.append(f"links to {_describe(category)}")
    if author.is_stuffed(has_link):
        found.strong_reasons.append("keyword-stuffed author name with a link")
    if found.generic_praise and (author.is_commercial or has_link):
        found.strong_reasons.append(
            "generic praise with no content from a commercial name"
            if author.is_commercial
            else "generic praise with no content and a link"
        )
    for category in found.text_categories:
        if category not in domain_categories:
            found.weak_reasons.append(f"promotes {_describe(category).removeprefix('a ')}")
    if author.categories and not author.is_stuffed(has_link):
        found.weak_reasons.append("author name advertises " + ", ".join(author.categories))
    return found


def feature_row(item: SpamInput, found: SpamSignals) -> tuple[float, ...]:
    return (
        float(len(found.text_links)),
        float(found.has_author_url),
        float(bool(found.domain_categories)),
        float(len(found.text_categories)),
        float(found.author.commercial_words),
        float(found.author.place_words),
        float(found.author.is_stuffed(bool(found.text_links) or found.has_author_url)),
        float(found.author.is_commercial),
        float(bool(found.author.categories)),
        float(found.generic_praise),
        math.log1p(len(signals.words(item.text))),
        float(bool(_MONEY.search(item.text))),
        float(bool(_CONTACT.search(item.text))),
    )


def features(items: Sequence[SpamInput]) -> tuple[np.ndarray, list[SpamSignals]]:
    found = [inspect(item) for item in items]
    rows = [feature_row(item, f) for item, f in zip(items, found, strict=True)]
    return np.asarray(rows, dtype=np.float32).reshape(len(items), len(FEATURES)), found


@dataclass
class SpamVerdict:
    probability: float
    is_spam: bool
    reasons: list[str]


def predict(
    head: LinearHead,
    embeddings: np.ndarray,
    items: Sequence[SpamInput],
    copied_from: Sequence[str | None] = (),
    precomputed: tuple[np.ndarray, list[SpamSignals]] | None = None,
) -> list[SpamVerdict]:
    """``copied_from[i]``: a reason like "copies comment #3 by another author", or None.
    ``precomputed``: what ``features(items)`` returned, when the caller has it already."""
    x, found = precomputed if precomputed is not None else features(items)
    p = head.probabilities(np.hstack([embeddings, x]))[:, 0]
    threshold = head.thresholds.get("spam", DEFAULT_THRESHOLD)
    copies = list(copied_from) or [None] * len(items)
    verdicts = []
    for probability, f, copy in zip(p, found, copies, strict=True):
        strong = list(f.strong_reasons)
        if copy:
            strong.insert(0, copy)
        probability = float(probability)
        if strong:
            probability = max(probability, RULE_PROBABILITY)
        is_spam = probability >= threshold
        reasons: list[str] = []
        if is_spam:
            reasons = strong + f.weak_reasons
            if not reasons:
                reasons = ["reads like promotional spam"]
        verdicts.append(SpamVerdict(round(probability, 4), is_spam, reasons))
    return verdicts
