"""Spam: a probability, a decision and the reasons for it.

Three parts that check each other:
- transparent signals that name what they saw (``signals.py``): links to pharmacy, casino,
  coupon… sites, keyword-stuffed or commercial author names (with or without a link), generic
  praise that says nothing about the post, self-promotion ("check out my channel",
  "subscribe"), calls to call/text/reply/click, prizes, premium-rate numbers and short codes
  ("text WIN to 80086", "call 09061…"), per-message charges, phone numbers, money amounts,
  links, capitals; the *decisive* ones make a message spam on their own;
- the wording: a character n-gram TF-IDF + logistic regression (``spam_text.py``) gives the
  log-odds that the words are spam's words;
- the spam head, a logistic regression over [the sentence features, the signals, the
  wording], trained (``training/spam_train.py``) on real SMS and YouTube spam
  (``../shared/data/spam``) and on the blog comments written for Sayso (``data/spam*.jsonl``).

A copy of another author's text (``duplicates.py``) is decisive too (the caller passes it).
Real customers are never spam for their words alone: strong language, criticism and short
replies carry no link, no commercial author and no pitch, and the training data is full of
them.

Interface:
- ``predict(head, embeddings, items, copied_from, precomputed)`` — what ``analyze()`` calls;
- ``score_texts(items, embeddings=None) -> list[SpamVerdict]`` — the base verdict of
  ``SpamInput`` items on their own (encodes the texts when ``embeddings`` is None);
- ``feature_matrix(items, embeddings=None) -> np.ndarray`` — the rows the spam head reads
  (``head_columns()`` names the columns: 384 sentence features, then ``FEATURES``), for
  models that learn on top of the base verdict; ``probabilities(head, x)`` scores such rows.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from sayso.intelligence.analysis import signals, spam_text
from sayso.intelligence.analysis.duplicates import TEXT_KEPT
from sayso.intelligence.analysis.heads import LinearHead, load_head

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
    "self_promotion",
    "call_to_action",
    "prize_words",
    "premium_number",
    "short_code",
    "charges",
    "phone_numbers",
    "link_share",
    "check_out",
    "wording",
]
# This many posts by one author in a batch is a burst: decisive for those with a link or a
# pitch, a reason shown for the others.
BURST = 3
# A decisive rule puts the probability at least here.
RULE_PROBABILITY = 0.98
# A post with no reason a moderator could read (no signal, no copy, no burst, no wording like
# known spam) is held only when the head is this sure: on text unlike its training data (a
# short idea title such as "Allow passkeys for sign in") its probability alone is not worth
# hiding a genuine post for.
UNEXPLAINED_PROBABILITY = 0.99
# A post whose only reason is its wording ("worded like known spam": no link, no pitch, no
# commercial name) is held from this probability: comments about a video's view count or a
# song's title in capitals share words with spam, and a moderator cannot check a hold that
# names nothing it saw.
WORDING_ONLY_PROBABILITY = 0.98
DEFAULT_THRESHOLD = 0.5
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
    pitch: signals.PitchSignals | None = None
    wording: float = 0.0
    strong_reasons: list[str] = field(default_factory=list)
    weak_reasons: list[str] = field(default_factory=list)


def _describe(category: str) -> str:
    return signals.SPAM_CATEGORIES[category][0]


def _pitch_reasons(found: SpamSignals, pitch: signals.PitchSignals) -> None:
    strong, weak = found.strong_reasons, found.weak_reasons
    if pitch.premium_numbers:
        strong.append(f"asks to call a premium-rate number ({pitch.premium_numbers[0]})")
    if pitch.short_codes and (pitch.prize or pitch.rates or pitch.call_to_action):
        strong.append(f"asks to text a short code ({pitch.short_codes[0]})")
    elif pitch.short_codes:
        weak.append(f"a short code ({pitch.short_codes[0]})")
    if pitch.channel_promotion:
        strong.append(f"self-promotion: “{pitch.channel_promotion}”")
    elif pitch.self_promotion:
        weak.append("self-promotion: asks to check out, follow or subscribe to the writer")
    if pitch.check_out and not pitch.channel_promotion and not pitch.self_promotion:
        weak.append("asks readers to check something out")
    if pitch.call_to_action:
        weak.append("asks to call, text, reply or click")
    if pitch.prize:
        weak.append("promises a prize or something free")
    if pitch.rates:
        weak.append("states charges per message or minute, or T&Cs")
    if pitch.phones and not pitch.premium_numbers:
        weak.append("gives a phone number")
    if pitch.money:
        weak.append("names an amount of money")


def inspect(item: SpamInput) -> SpamSignals:
    text_links = signals.links(item.text)
    all_links = [*text_links, *([item.author_url] if item.author_url.strip() else [])]
    domain_categories: list[str] = []
    for link in all_links:
        for category in signals.domain_categories(signals.domain_of(link)):
            if category not in domain_categories:
                domain_categories.append(category)
    author = signals.author_signals(item.author)
    pitch = signals.pitch_signals(item.text)
    found = SpamSignals(
        text_links=text_links,
        domain_categories=domain_categories,
        text_categories=signals.text_categories(item.text),
        author=author,
        generic_praise=signals.generic_praise(item.text),
        has_author_url=bool(item.author_url.strip()),
        pitch=pitch,
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
    _pitch_reasons(found, pitch)
    if signals.LINK_MARKUP.search(item.text):
        found.strong_reasons.append("link markup of a spam tool ([url=…] or <a href>)")
    if len(text_links) >= 3 and len(signals.words_outside_links(item.text)) < 8 * len(text_links):
        found.strong_reasons.append(f"a list of {len(text_links)} links with little text")
    for category in found.text_categories:
        if category not in domain_categories:
            found.weak_reasons.append(f"promotes {_describe(category).removeprefix('a ')}")
    if author.categories and not author.is_stuffed(has_link):
        found.weak_reasons.append("author name advertises " + ", ".join(author.categories))
    elif author.is_commercial and not found.generic_praise:
        found.weak_reasons.append("a commercial author name")
    if text_links and not domain_categories:
        found.weak_reasons.append("a link" if len(text_links) == 1 else f"{len(text_links)} links")
    return found


def feature_row(item: SpamInput, found: SpamSignals) -> tuple[float, ...]:
    pitch = found.pitch or signals.pitch_signals(item.text)
    word_count = len(signals.words(item.text))
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
        math.log1p(word_count),
        float(pitch.money),
        float(bool(_CONTACT.search(item.text))),
        float(pitch.self_promotion),
        float(pitch.call_to_action),
        float(min(pitch.prize, 4)),
        float(bool(pitch.premium_numbers)),
        float(bool(pitch.short_codes)),
        float(pitch.rates),
        float(min(pitch.phones, 3)),
        len(found.text_links) / max(1, word_count),
        float(pitch.check_out),
        found.wording,
    )


def features(
    items: Sequence[SpamInput], wording: np.ndarray | None = None
) -> tuple[np.ndarray, list[SpamSignals]]:
    """The signals of ``items`` and the head's handcrafted columns. ``wording``: the text
    model's log-odds when the caller has them (training passes out-of-fold ones)."""
    found = [inspect(item) for item in items]
    if wording is None:
        wording = spam_text.load().logits([item.text for item in items])
    for f, value in zip(found, wording, strict=True):
        f.wording = float(value)
    rows = [feature_row(item, f) for item, f in zip(items, found, strict=True)]
    return np.asarray(rows, dtype=np.float32).reshape(len(items), len(FEATURES)), found


@dataclass
class SpamVerdict:
    probability: float
    is_spam: bool
    reasons: list[str]


def head_columns(head: LinearHead | None = None) -> list[str]:
    head = head or load_head("spam")
    dimensions = head.mean.shape[0] - len(FEATURES)
    return [f"sentence_{i}" for i in range(dimensions)] + list(FEATURES)


def probabilities(head: LinearHead, x: np.ndarray) -> np.ndarray:
    """The head's spam probability of each row of ``feature_matrix`` (no rules)."""
    return np.asarray(head.probabilities(x)[:, 0])


def _embeddings(items: Sequence[SpamInput]) -> np.ndarray:
    from sayso.intelligence.embeddings import features as encode_features

    # As many characters as the pipeline gives the encoder (``pipeline.MAX_EMBED_CHARS``).
    return encode_features([item.text[:TEXT_KEPT] for item in items])


def feature_matrix(items: Sequence[SpamInput], embeddings: np.ndarray | None = None) -> np.ndarray:
    """The rows the spam head reads: [sentence features, ``FEATURES``]."""
    if not items:
        return np.zeros((0, len(head_columns())), dtype=np.float32)
    x, _ = features(items)
    sentence = _embeddings(items) if embeddings is None else embeddings
    return np.hstack([np.asarray(sentence, dtype=np.float32), x])


def score_texts(
    items: Sequence[SpamInput],
    embeddings: np.ndarray | None = None,
    copied_from: Sequence[str | None] = (),
) -> list[SpamVerdict]:
    """The base verdict of each item on its own (rules, wording and head)."""
    if not items:
        return []
    sentence = _embeddings(items) if embeddings is None else embeddings
    return predict(load_head("spam"), sentence, items, copied_from)


def burst_sizes(items: Sequence[SpamInput]) -> list[int]:
    """How many items of the batch each item's author wrote (0 for no author)."""
    counts = Counter(item.author.strip().casefold() for item in items)
    return [counts[item.author.strip().casefold()] if item.author.strip() else 0 for item in items]


def floor(strong: bool, weak: bool, wording: float) -> float:
    """The least probability at which a post with these reasons is held, whatever the
    head's threshold: none for a post with a signal a moderator can read."""
    if strong or weak:
        return 0.0
    return WORDING_ONLY_PROBABILITY if wording > 0 else UNEXPLAINED_PROBABILITY


def decide(
    probability: float, threshold: float, *, strong: bool, weak: bool, wording: float
) -> tuple[float, bool]:
    """A post's probability once its decisive signals count, and whether it is held at
    ``threshold``: the one rule ``predict`` applies."""
    if strong:
        probability = max(probability, RULE_PROBABILITY)
    return probability, probability >= max(threshold, floor(strong, weak, wording))


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
    p = probabilities(head, np.hstack([np.asarray(embeddings, dtype=np.float32), x]))
    threshold = head.thresholds.get("spam", DEFAULT_THRESHOLD)
    copies = list(copied_from) or [None] * len(items)
    bursts = burst_sizes(items)
    verdicts = []
    for probability, f, copy, burst in zip(p, found, copies, bursts, strict=True):
        strong = list(f.strong_reasons)
        weak = list(f.weak_reasons)
        if copy:
            strong.insert(0, copy)
        if burst >= BURST:
            pitched = f.text_links or (
                f.pitch is not None and (f.pitch.self_promotion or f.pitch.call_to_action)
            )
            (strong if pitched else weak).append(
                f"one of {burst} posts by the same author together"
                + (", with links or a pitch" if pitched else "")
            )
        probability, is_spam = decide(
            float(probability), threshold, strong=bool(strong), weak=bool(weak), wording=f.wording
        )
        reasons: list[str] = []
        if is_spam:
            reasons = strong + weak
            if f.wording > 0 and not strong:
                reasons.append("worded like known spam")
            if not reasons:
                reasons = ["reads like promotional spam"]
        verdicts.append(SpamVerdict(round(probability, 4), is_spam, reasons))
    return verdicts
