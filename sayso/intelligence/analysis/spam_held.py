"""The posts held as spam, released by a moderator with their look-alikes, and one decision
acted on as the web pages act (the API's).

    held_release(organization=org, kind="comment", object_id=..., actor=user)
    decision_apply(organization=org, kind="comment", object_id=..., label="spam", actor=user)

What each kind of post is, and how it is hidden or released, is registered by its app
(``spam_feedback.spam_kind_register``); each release is a "not spam" decision there.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from sayso.core.models import Organization
from sayso.intelligence.analysis.spam_feedback import (
    DecidedItem,
    clip_text,
    item_mark,
    spam_decision_record,
    spam_kind_get,
    spam_kinds,
)
from sayso.intelligence.analysis.spam_filter import text_vectors
from sayso.intelligence.models import DecidedKind, SpamDecision, SpamLabel

LOOKALIKE = 0.72  # held posts this close to a released one are offered for release with it


# --- releasing a wrongly held post and its look-alikes ---------------------------------------


@dataclass(frozen=True)
class HeldItem:
    kind: str
    obj: Any
    item: DecidedItem
    reason: str
    similarity: float = 0.0


def held_items(*, organization: Organization, limit: int = 200) -> list[HeldItem]:
    """Posts held as spam (by the filter or as spam by staff) that a moderator could release:
    comments, answers, ideas, questions and reviews (what each kind's app registered)."""
    held: list[HeldItem] = []
    for registered in spam_kinds():
        if registered.held is None or registered.item is None:
            continue
        for obj, reason in registered.held(organization, limit):
            held.append(HeldItem(registered.kind, obj, registered.item(obj), reason))
    return held


def lookalikes(
    *, organization: Organization, text: str, exclude: tuple[str, int] | None = None
) -> list[HeldItem]:
    """Held posts that look like ``text`` (a post a moderator released), most alike first;
    never one a moderator marked as spam."""
    held = [
        h for h in held_items(organization=organization) if (h.kind, h.item.object_id) != exclude
    ]
    if not held:
        return []
    confirmed = set(
        SpamDecision.objects.filter(organization=organization, label=SpamLabel.SPAM).values_list(
            "kind", "object_id"
        )
    )
    held = [h for h in held if (h.kind, h.item.object_id) not in confirmed]
    if not held:
        return []
    vectors = text_vectors([clip_text(text), *[h.item.text for h in held]])
    sims = vectors[1:] @ vectors[0]
    found = [
        HeldItem(h.kind, h.obj, h.item, h.reason, float(s))
        for h, s in zip(held, sims, strict=True)
        if s >= LOOKALIKE
    ]
    return sorted(found, key=lambda h: -h.similarity)


def held_item_get(*, organization: Organization, kind: str, object_id: int) -> HeldItem | None:
    for held in held_items(organization=organization):
        if held.kind == kind and held.item.object_id == object_id:
            return held
    return None


def _release(held: HeldItem, actor: Any, reason: str) -> None:
    registered = spam_kind_get(held.kind)
    release = registered.release if registered is not None else None
    if release is not None:
        release(held.obj, actor, reason)


@dataclass
class Release:
    released: list[HeldItem]
    lookalikes: list[HeldItem]


def held_release(
    *,
    organization: Organization,
    kind: str,
    object_id: int,
    actor: Any,
    with_lookalikes: Iterable[tuple[str, int]] | bool = (),
) -> Release:
    """Release a held post (each release in the public log, each a "not spam" decision), and
    with it the look-alikes named (``True``: all its look-alikes); returns what was released
    and the look-alikes still held, to offer."""
    held = held_item_get(organization=organization, kind=kind, object_id=object_id)
    if held is None:
        raise ValidationError("That post is not held as spam.")
    _release(held, actor, "Not spam")
    released = [held]
    alike = lookalikes(organization=organization, text=held.item.text, exclude=(kind, object_id))
    if with_lookalikes is True:
        chosen = {(h.kind, h.item.object_id) for h in alike}
    else:
        chosen = set(with_lookalikes or ())
    still = []
    for other in alike:
        if (other.kind, other.item.object_id) in chosen:
            _release(other, actor, f"Not spam: like the released {held.kind} #{object_id}")
            released.append(other)
        else:
            still.append(other)
    return Release(released=released, lookalikes=still)


# --- one decision, acted on (the API's) -------------------------------------------------------


@dataclass
class Applied:
    decision: SpamDecision
    released: list[HeldItem] = field(default_factory=list)
    lookalikes: list[HeldItem] = field(default_factory=list)


def decision_apply(
    *,
    organization: Organization,
    kind: str,
    object_id: int,
    label: str,
    actor: Any,
    where: str = "API",
    release_lookalikes: bool = False,
) -> Applied:
    """A moderator's decision about an item, acted on as the web pages act: "spam" hides a
    public post as spam (a held one stays held), "not spam" releases a held post (and, with
    ``release_lookalikes``, its held look-alikes; else they are returned to offer); a message
    or a mention gets its spam mark. Recorded as a labelled example either way."""
    if label not in SpamLabel.values:
        raise ValidationError({"label": "Say “spam” or “ham” (not spam)."})
    if kind in (DecidedKind.MESSAGE, DecidedKind.MENTION):
        decision = item_mark(
            organization=organization,
            kind=kind,
            object_id=object_id,
            label=label,
            actor=actor,
            where=where,
        )
        return Applied(decision=decision)
    if kind not in DecidedKind.values:
        raise ValidationError({"kind": f"Decisions are about {', '.join(DecidedKind.values)}."})
    registered = spam_kind_get(kind)
    if registered is None or registered.get is None or registered.item is None:
        raise ValidationError({"kind": f"Decisions are about {', '.join(DecidedKind.values)}."})
    obj = registered.get(organization, object_id)
    if obj is None:
        raise ValidationError({"id": f"No such {kind}."})
    with transaction.atomic():
        applied: Applied | None = None
        if label == SpamLabel.SPAM and registered.is_public(obj) and registered.hide is not None:
            registered.hide(obj, actor)
        elif label == SpamLabel.HAM and held_item_get(
            organization=organization, kind=kind, object_id=object_id
        ):
            release = held_release(
                organization=organization,
                kind=kind,
                object_id=object_id,
                actor=actor,
                with_lookalikes=release_lookalikes,
            )
            applied = Applied(
                decision=SpamDecision.objects.get(
                    organization=organization, kind=kind, object_id=object_id
                ),
                released=release.released,
                lookalikes=release.lookalikes,
            )
        if applied is not None:
            return applied
        decision, _ = spam_decision_record(
            organization=organization,
            item=registered.item(obj),
            label=label,
            actor=actor,
            where=where,
        )
        return Applied(decision=decision)
