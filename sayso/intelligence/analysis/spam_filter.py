"""The organization's own spam filter, trained on its moderators' decisions
(``spam_feedback``), screens what that organization receives.

    spam_filter_train(organization=org, trigger="command")      # a new active version
    spam_filter_rollback(organization=org)                      # the previous one again
    org_spam_verdict(organization=org, text=..., author=..., base_is_spam=False)

The filter (one ``SpamFilterVersion`` per training, one of them active) has two parts:

- **look-alikes**: the sentence vectors of the labelled examples. A text close in meaning to
  posts moderators marked as spam is held ("like 5 posts your moderators marked as spam"); one
  nearly the same as a post they released is not held, whatever the base model said;
- **a logistic regression** on the sentence vector and hashed character n-grams (of the author
  name and the text), trained on the decisions against the organization's public posts nobody
  marked (its normal traffic) and with the base model's verdict as a feature, so a new kind of
  spam the base model misses is learnt from a handful of examples. It holds a text only with a
  look-alike behind it (a spam example at least ``SUPPORT`` similar), never on its own.

The base model's verdict always stands unless a moderator released a near copy of the text; the
organization's filter only adds holds. Akismet, where an organization set it up, is a third
opinion (``spam_akismet``).
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from sayso.core.models import Organization
from sayso.intelligence.analysis.spam_feedback import (
    MAX_TEXT,
    DecidedItem,
    clip_text,
    spam_kinds,
)
from sayso.intelligence.models import SpamDecision, SpamFilterVersion, SpamLabel

log = logging.getLogger(__name__)

# Cosine similarity of sentence vectors (all-MiniLM-L6-v2). Measured on self-promotion waves:
# paraphrases of one wave are 0.45 to 0.65 apart, genuine board posts at most ~0.45 from them.
SUPPORT = 0.40  # the least similarity to a spam example for the classifier to hold a text
LIKE = 0.45  # "like N posts your moderators marked as spam" counts the examples this close
NEAR_COPY = 0.85  # a released post this close clears a text of the base model's hold
HOLD_PROBABILITY = 0.6  # the classifier's probability that holds a text (with a look-alike)
CHAR_FEATURES = 2**14
BACKGROUND_LIMIT = 300  # the organization's unmarked public posts used as normal traffic
KEEP_VERSIONS = 10  # versions kept per organization (the active one and those before it)
_ACTIVE_TTL = 5.0  # seconds a process trusts its knowledge of an organization's active version


# --- features ---------------------------------------------------------------------------------


def text_vectors(texts: Sequence[str]) -> np.ndarray:
    """The sentence vectors of ``texts`` (at most ``MAX_TEXT`` characters of each)."""
    from sayso.intelligence.embeddings import embed

    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    return np.asarray(embed([t[:MAX_TEXT] for t in texts]), dtype=np.float32)


def _hasher() -> Any:
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(
        analyzer="char_wb",
        ngram_range=(3, 5),
        n_features=CHAR_FEATURES,
        alternate_sign=False,
        norm="l2",
        lowercase=True,
    )


def _design(
    vectors: np.ndarray, texts: Sequence[str], authors: Sequence[str], base: Sequence[float]
) -> Any:
    """The classifier's features: sentence vector, character n-grams of "author: text", and
    the base model's verdict."""
    from scipy.sparse import csr_matrix, hstack

    chars = _hasher().transform([f"{a}: {t}" for a, t in zip(authors, texts, strict=True)])
    base_column = csr_matrix(np.asarray(base, dtype=np.float32).reshape(-1, 1))
    return hstack([csr_matrix(vectors), chars, base_column]).tocsr()


# --- the organization's filter ----------------------------------------------------------------


@dataclass
class OrgFilter:
    """A loaded version: what scoring needs."""

    version_id: int
    number: int
    vectors: np.ndarray  # (n, 384) the labelled examples
    labels: np.ndarray  # (n,) 1 spam, 0 not spam
    coef: np.ndarray | None  # (384 + CHAR_FEATURES + 1,) or None without a classifier
    intercept: float = 0.0

    def spam_vectors(self) -> np.ndarray:
        return self.vectors[self.labels == 1]

    def ham_vectors(self) -> np.ndarray:
        return self.vectors[self.labels == 0]


def _pack(arrays: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)  # type: ignore[arg-type]
    return buffer.getvalue()


def _unpack(version: SpamFilterVersion) -> OrgFilter:
    with np.load(io.BytesIO(bytes(version.model)), allow_pickle=False) as data:
        coef = data["coef"] if data["coef"].size else None
        return OrgFilter(
            version_id=version.pk,
            number=version.number,
            vectors=np.asarray(data["vectors"], dtype=np.float32),
            labels=np.asarray(data["labels"], dtype=np.int8),
            coef=np.asarray(coef, dtype=np.float32) if coef is not None else None,
            intercept=float(data["intercept"][0]) if data["intercept"].size else 0.0,
        )


_cache_lock = threading.Lock()
_loaded: dict[int, tuple[tuple[int, str], OrgFilter]] = {}  # org id -> (version key, filter)


def _cache_key(organization_id: int) -> str:
    return f"sayso:spam-filter-active:{organization_id}"


def _forget(organization_id: int) -> None:
    from django.core.cache import cache

    cache.delete(_cache_key(organization_id))
    with _cache_lock:
        _loaded.pop(organization_id, None)


def active_filter(*, organization_id: int) -> OrgFilter | None:
    """The organization's active filter, loaded once per version per process. Which version
    is active is kept in Django's cache for a few seconds (so that screening a batch asks the
    database once), and forgotten when a training or rollback commits."""
    from django.core.cache import cache

    key = _cache_key(organization_id)
    active = cache.get(key)
    if active is None:
        row = (
            SpamFilterVersion.objects.filter(organization_id=organization_id, is_active=True)
            .values_list("pk", "created_at")
            .first()
        )
        active = [row[0], row[1].isoformat()] if row is not None else []
        cache.set(key, active, _ACTIVE_TTL)
    if not active:
        return None
    version_key = (int(active[0]), str(active[1]))
    with _cache_lock:
        loaded = _loaded.get(organization_id)
    if loaded is not None and loaded[0] == version_key:
        return loaded[1]
    version = SpamFilterVersion.objects.filter(pk=version_key[0], is_active=True).first()
    if version is None:
        _forget(organization_id)
        return None
    found = _unpack(version)
    with _cache_lock:
        _loaded[organization_id] = (version_key, found)
    return found


@dataclass
class OrgVerdict:
    """The organization's filter on one text: its probability, whether it holds the text,
    whether it clears the base model's hold (a near copy of a released post), and why."""

    probability: float
    is_spam: bool
    clears: bool = False
    reasons: list[str] = field(default_factory=list)
    version: int | None = None


def _posts(n: int) -> str:
    return "a post" if n == 1 else f"{n} posts"


def score(
    loaded: OrgFilter,
    *,
    text: str,
    author: str = "",
    base_is_spam: bool = False,
    vector: np.ndarray | None = None,
) -> OrgVerdict:
    text = clip_text(text)
    if vector is None:
        vector = text_vectors([text])[0]
    vector = np.asarray(vector, dtype=np.float32).reshape(-1)
    spam_vectors, ham_vectors = loaded.spam_vectors(), loaded.ham_vectors()
    spam_sims = spam_vectors @ vector if len(spam_vectors) else np.zeros(0)
    ham_sims = ham_vectors @ vector if len(ham_vectors) else np.zeros(0)
    nearest_spam = float(spam_sims.max()) if spam_sims.size else 0.0
    nearest_ham = float(ham_sims.max()) if ham_sims.size else 0.0
    probability = 0.0
    if loaded.coef is not None:
        x = _design(vector[None, :], [text], [author], [1.0 if base_is_spam else 0.0])
        logit = float(np.asarray(x @ loaded.coef).reshape(-1)[0]) + loaded.intercept
        probability = float(1.0 / (1.0 + np.exp(-logit)))
    else:  # no classifier (no normal traffic yet): the look-alikes alone
        probability = max(0.0, min(1.0, (nearest_spam - SUPPORT) / (1 - SUPPORT) * 2))
    verdict = OrgVerdict(probability=probability, is_spam=False, version=loaded.number)
    if nearest_ham >= NEAR_COPY and nearest_ham > nearest_spam:
        released = int((ham_sims >= NEAR_COPY).sum())
        verdict.clears = True
        verdict.probability = min(probability, 1.0 - nearest_ham)
        verdict.reasons = [f"like {_posts(released)} your moderators released"]
        return verdict
    like = int((spam_sims >= LIKE).sum())
    if nearest_spam >= SUPPORT and probability >= HOLD_PROBABILITY and nearest_spam > nearest_ham:
        verdict.is_spam = True
        verdict.reasons = [f"like {_posts(max(like, 1))} your moderators marked as spam"]
    return verdict


def org_spam_verdict(
    *,
    organization: Organization | int,
    text: str,
    author: str = "",
    url: str = "",
    base_is_spam: bool = False,
    vector: np.ndarray | None = None,
) -> OrgVerdict | None:
    """The organization's filter on a text, or None when it has no trained filter."""
    organization_id = organization if isinstance(organization, int) else organization.pk
    loaded = active_filter(organization_id=organization_id)
    if loaded is None:
        return None
    return score(loaded, text=text, author=author, base_is_spam=base_is_spam, vector=vector)


def screen(
    *,
    organization_id: int,
    text: str,
    author: Any,
    base: list[str],
    kind: str = "comment",
    url: str = "",
) -> list[str]:
    """Why a public post is held, given the base model's reasons (``base``; empty: it passed):
    the organization's filter and Akismet added, or the base hold cleared by a moderator's
    release of a near copy. Empty: the post is public."""
    name = getattr(author, "display_name", "") or ""
    reasons = list(base)
    verdict = org_spam_verdict(
        organization=organization_id, text=text, author=name, base_is_spam=bool(base)
    )
    if verdict is not None:
        if verdict.clears:
            return []
        if verdict.is_spam and not base:
            reasons += verdict.reasons
    from sayso.intelligence.analysis.spam_akismet import akismet_check

    akismet = akismet_check(
        organization_id=organization_id, text=text, author=name, kind=kind, url=url
    )
    if akismet:
        reasons.append("Akismet says spam")
    return reasons


def analysis_screen(
    *,
    organization_id: int,
    result: Any,
    text: str,
    author: str,
    vector: np.ndarray | None,
    item: tuple[str, int] | None = None,
) -> Any:
    """An ``Analysis`` (the listening pipeline's, a stored message's) with the organization's
    filter applied: the same object when the filter changes nothing, else a changed copy. An
    ``item`` (kind, id) a moderator already decided about keeps their decision (a message
    analyzed again after the base model was retrained)."""
    from dataclasses import replace

    if item is not None:
        label = (
            SpamDecision.objects.filter(
                organization_id=organization_id, kind=item[0], object_id=item[1]
            )
            .values_list("label", flat=True)
            .first()
        )
        if label is not None:
            spam = label == SpamLabel.SPAM
            said = "marked as spam by a moderator" if spam else "marked not spam by a moderator"
            return replace(
                result,
                is_spam=spam,
                spam=max(result.spam, 0.99) if spam else min(result.spam, 0.01),
                reasons=[*result.reasons, said],
            )
    verdict = org_spam_verdict(
        organization=organization_id,
        text=text,
        author=author,
        base_is_spam=bool(result.is_spam),
        vector=vector,
    )
    if verdict is None:
        return result
    if verdict.clears and result.is_spam:
        return replace(
            result,
            is_spam=False,
            spam=verdict.probability,
            reasons=[*result.reasons, *verdict.reasons],
        )
    if verdict.is_spam and not result.is_spam:
        return replace(
            result,
            is_spam=True,
            spam=max(result.spam, verdict.probability),
            reasons=[*result.reasons, *verdict.reasons],
        )
    return result


# --- training ---------------------------------------------------------------------------------


def _background(organization: Organization, decided: set[tuple[str, int]]) -> list[DecidedItem]:
    """The organization's recent public posts that no moderator marked: its normal traffic."""
    items = [
        item
        for registered in spam_kinds()
        if registered.background is not None
        for item in registered.background(organization, BACKGROUND_LIMIT)
        if (item.kind, item.object_id) not in decided
    ]
    items.sort(key=lambda item: -item.object_id)
    return items[:BACKGROUND_LIMIT]


def _fit(x: Any, y: np.ndarray, weights: np.ndarray) -> Any:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=10.0, class_weight="balanced", max_iter=2000)
    model.fit(x, y, sample_weight=weights)
    return model


def _held_out(x: Any, y: np.ndarray, weights: np.ndarray, decided: int) -> dict[str, Any]:
    """Leave-one-out (or 5-fold past 60 decisions) over the moderators' decisions: how many
    of their spam the filter would hold, how many of their releases it would keep public."""
    n = decided
    if n < 2 or len(set(y.tolist())) < 2:
        return {}
    folds = list(range(n)) if n <= 60 else None
    predictions = np.zeros(n, dtype=np.int8)
    indexes = np.arange(len(y))
    groups = [[i] for i in folds] if folds is not None else np.array_split(np.arange(n), 5)
    for group in groups:
        keep = np.setdiff1d(indexes, np.asarray(group))
        if len(set(y[keep].tolist())) < 2:
            predictions[group] = y[group]  # nothing to learn from without it: not counted
            continue
        model = _fit(x[keep], y[keep], weights[keep])
        predictions[group] = (model.predict_proba(x[group])[:, 1] >= HOLD_PROBABILITY).astype(
            np.int8
        )
    truth = y[:n]
    spam = int((truth == 1).sum())
    ham = int((truth == 0).sum())
    caught = int(((predictions == 1) & (truth == 1)).sum())
    false_holds = int(((predictions == 1) & (truth == 0)).sum())
    return {
        "held_out": "leave-one-out" if folds is not None else "5-fold",
        "spam_recall": round(caught / spam, 3) if spam else None,
        "released_kept_public": round(1 - false_holds / ham, 3) if ham else None,
    }


@transaction.atomic
def spam_filter_train(
    *, organization: Organization, trigger: str = "", actor: Any = None
) -> SpamFilterVersion:
    """Train the organization's filter on its moderators' decisions and make the result the
    active version (the one before it is kept for rollback)."""
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    decisions = list(
        SpamDecision.objects.filter(organization=organization).order_by("-decided_at", "-id")[:5000]
    )
    if not decisions:
        raise ValidationError("Nothing to learn from yet: mark posts as spam or not spam first.")
    decided = {(d.kind, d.object_id) for d in decisions}
    background = _background(organization, decided)
    texts = [d.text for d in decisions] + [b.text for b in background]
    authors = [d.author_name for d in decisions] + [b.author_name for b in background]
    y = np.asarray(
        [1 if d.label == SpamLabel.SPAM else 0 for d in decisions] + [0] * len(background),
        dtype=np.int8,
    )
    vectors = text_vectors(texts)
    # The base model's verdict as a feature: what it says of each example today.
    base = _base_verdicts(texts, authors)
    x = _design(vectors, texts, authors, base)
    weights = np.asarray([2.0] * len(decisions) + [1.0] * len(background), dtype=np.float64)
    coef = np.zeros(0, dtype=np.float32)
    intercept = np.zeros(0, dtype=np.float32)
    metrics: dict[str, Any] = {}
    if len(set(y.tolist())) == 2:
        model = _fit(x, y, weights)
        coef = model.coef_[0].astype(np.float32)
        intercept = np.asarray([model.intercept_[0]], dtype=np.float32)
        trained = model.predict_proba(x)[:, 1] >= HOLD_PROBABILITY
        metrics["training_accuracy"] = round(float((trained == (y == 1)).mean()), 3)
        metrics.update(_held_out(x, y, weights, len(decisions)))
    else:
        metrics["classifier"] = "none: it needs spam and posts that are not spam"
    n_decisions = len(decisions)
    number = (
        SpamFilterVersion.objects.filter(organization=organization).aggregate(n=Max("number"))["n"]
        or 0
    ) + 1
    SpamFilterVersion.objects.filter(organization=organization, is_active=True).update(
        is_active=False
    )
    version = SpamFilterVersion.objects.create(
        organization=organization,
        number=number,
        is_active=True,
        model=_pack(
            {
                "vectors": vectors[:n_decisions],
                "labels": y[:n_decisions],
                "coef": coef,
                "intercept": intercept,
            }
        ),
        spam_examples=int((y[:n_decisions] == 1).sum()),
        ham_examples=int((y[:n_decisions] == 0).sum()),
        background_examples=len(background),
        metrics=metrics,
        trigger=trigger[:40],
        trained_by=actor if getattr(actor, "is_authenticated", False) else None,
        decisions_until=max(d.decided_at for d in decisions),
    )
    old = SpamFilterVersion.objects.filter(organization=organization).order_by("-number")[
        KEEP_VERSIONS:
    ]
    SpamFilterVersion.objects.filter(pk__in=[v.pk for v in old]).delete()
    transaction.on_commit(lambda: _forget(organization.pk))
    _forget(organization.pk)
    log.info("spam filter v%s of %s trained: %s", number, organization.slug, metrics)
    return version


def _base_verdicts(texts: Sequence[str], authors: Sequence[str]) -> list[float]:
    from sayso.intelligence.analysis.pipeline import Item, analyze

    if not texts:
        return []
    results = analyze([Item(text=t, author=a) for t, a in zip(texts, authors, strict=True)])
    return [1.0 if r.is_spam else 0.0 for r in results]


@transaction.atomic
def spam_filter_rollback(*, organization: Organization, actor: Any = None) -> SpamFilterVersion:
    """Make the version before the active one active again."""
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    active = SpamFilterVersion.objects.filter(organization=organization, is_active=True).first()
    if active is None:
        raise ValidationError("The filter has no active version to roll back from.")
    previous = (
        SpamFilterVersion.objects.filter(organization=organization, number__lt=active.number)
        .order_by("-number")
        .first()
    )
    if previous is None:
        raise ValidationError(f"Version {active.number} is the first: nothing to roll back to.")
    active.is_active = False
    active.save(update_fields=["is_active", "updated_at"])
    previous.is_active = True
    previous.save(update_fields=["is_active", "updated_at"])
    transaction.on_commit(lambda: _forget(organization.pk))
    _forget(organization.pk)
    log.info(
        "spam filter of %s rolled back from v%s to v%s",
        organization.slug,
        active.number,
        previous.number,
    )
    return previous


def version_list(*, organization: Organization) -> Any:  # QuerySet[SpamFilterVersion]
    return (
        SpamFilterVersion.objects.filter(organization=organization)
        .defer("model")
        .select_related("trained_by")
        .order_by("-number")
    )


def filter_stale(*, organization: Organization) -> bool:
    """Whether decisions were made since the active version was trained (or there are
    decisions and no version)."""
    newest = SpamDecision.objects.filter(organization=organization).aggregate(n=Max("decided_at"))[
        "n"
    ]
    if newest is None:
        return False
    active = SpamFilterVersion.objects.filter(organization=organization, is_active=True).first()
    if active is None:
        return not SpamFilterVersion.objects.filter(
            organization=organization, decisions_until__gte=newest
        ).exists()
    return active.decisions_until is None or active.decisions_until < newest


def spam_filters_retrain_stale(*, trigger: str = "schedule") -> list[SpamFilterVersion]:
    """Retrain the filter of every organization with decisions newer than its active
    version (the scheduler's task; cheap when nothing changed)."""
    trained = []
    org_ids = SpamDecision.objects.values_list("organization_id", flat=True).distinct()
    for organization in Organization.objects.filter(pk__in=list(org_ids)):
        if filter_stale(organization=organization):
            trained.append(spam_filter_train(organization=organization, trigger=trigger))
    return trained
