"""Moderators teach the spam filter: their decisions are an organization's labelled examples.

    spam_decision_record(organization=org, item=DecidedItem(...), label="spam", actor=user)
    item_mark(organization=org, kind="message", object_id=..., label="ham", actor=user, where=...)

A decision is one row per item (``SpamDecision``): the same decision again changes nothing, a
different one replaces it (the latest wins). Every "spam" or "not spam" of staff arrives here:
the community's moderation log (hide as spam, release from the spam queue, restore of an item
the filter held: ``sayso.community.spam_kinds``), the inbox and the mentions page through
``item_mark``, the API through the same services (``spam_held.decision_apply``). The apps
register what each kind of item is (``spam_kind_register``); the filter imports none of them.

The organization's filter, trained on these decisions, is ``spam_filter`` (training, versions,
scoring and screening); the posts it holds, released with their look-alikes, are
``spam_held``. Akismet, where an organization set it up, is told of each decision
(``spam_akismet``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from sayso.core.models import Organization
from sayso.core.task_engine import task_by_path
from sayso.intelligence.models import DecidedKind, SpamDecision, SpamLabel

MAX_TEXT = 2000  # characters of a text kept in an example and read by the filter


# --- decisions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DecidedItem:
    """What a decision is about: its kind and id, and what the filter learns from."""

    kind: str
    object_id: int
    text: str
    author_name: str = ""
    url: str = ""


def clip_text(text: str) -> str:
    """A text as the filter keeps and reads it: stripped, at most ``MAX_TEXT`` characters."""
    return (text or "").strip()[:MAX_TEXT]


# --- what each kind of item is: registered by the app that keeps it -------------------------
#
# The spam filter never imports the apps whose items moderators decide about: each registers
# its kinds from its ``AppConfig.ready`` (community its posts, conversations its messages,
# listening its mentions).


@dataclass(frozen=True)
class SpamKind:
    """What the spam filter needs of one kind of item.

    Public posts give ``get`` (the object by id), ``item`` (what the filter learns from it),
    ``is_public``, ``hide`` (as spam, by a moderator), ``release`` (a held post, with a reason)
    and ``held`` (the posts held as spam, newest first, with why); those that are normal
    traffic give ``background`` (the newest public ones, at most ``limit``). Messages and
    mentions give ``mark``: set the stored verdict (spam or not) and return what the filter
    learns from, None when there is no such item."""

    kind: str
    get: Callable[[Organization, int], Any] | None = None
    item: Callable[[Any], DecidedItem] | None = None
    is_public: Callable[[Any], bool] = lambda obj: False
    hide: Callable[[Any, Any], Any] | None = None
    release: Callable[[Any, Any, str], Any] | None = None
    held: Callable[[Organization, int], Iterable[tuple[Any, str]]] | None = None
    background: Callable[[Organization, int], Iterable[DecidedItem]] | None = None
    mark: Callable[[Organization, int, bool], DecidedItem | None] | None = None


_kinds: dict[str, SpamKind] = {}


def spam_kind_register(kind: SpamKind) -> None:
    """Register (or replace) what the filter knows of ``kind.kind``."""
    if kind.kind not in DecidedKind.values:
        raise ValueError(f"Unknown kind “{kind.kind}”; add it to DecidedKind first.")
    _kinds[kind.kind] = kind


def spam_kinds() -> list[SpamKind]:
    """The kinds registered, in the order they were."""
    return list(_kinds.values())


def spam_kind_get(kind: str) -> SpamKind | None:
    return _kinds.get(kind)


@transaction.atomic
def spam_decision_record(
    *,
    organization: Organization,
    item: DecidedItem,
    label: str,
    actor: Any = None,
    where: str = "",
) -> tuple[SpamDecision, bool]:
    """Keep a moderator's "spam" / "not spam" about ``item``; returns (decision, changed).
    The same decision again changes nothing; another replaces it (the latest wins). Akismet,
    where the organization uses it, is told after the commit."""
    if label not in SpamLabel.values:
        raise ValidationError({"label": "Say “spam” or “ham” (not spam)."})
    if item.kind not in DecidedKind.values:
        raise ValidationError({"kind": f"Decisions are about {', '.join(DecidedKind.values)}."})
    text = clip_text(item.text)
    if not text:
        raise ValidationError("An item without text teaches the filter nothing.")
    user = actor if getattr(actor, "is_authenticated", False) else None
    values = {
        "label": label,
        "text": text,
        "author_name": (item.author_name or "")[:200],
        "url": (item.url or "")[:1000],
        "where": where[:40],
        "decided_by": user,
        "decided_at": timezone.now(),
    }
    keys = {"organization": organization, "kind": item.kind, "object_id": item.object_id}
    existing = SpamDecision.objects.select_for_update().filter(**keys).first()
    if existing is not None and existing.label == label:
        return existing, False
    if existing is None:
        try:
            with transaction.atomic():
                decision = SpamDecision.objects.create(**keys, **values)
        except IntegrityError:  # recorded at the same moment by another request
            decision = SpamDecision.objects.select_for_update().get(**keys)
            if decision.label == label:
                return decision, False
            _update(decision, values)
    else:
        decision = existing
        _update(decision, values)
    _report_later(decision)
    return decision, True


def _update(decision: SpamDecision, values: dict[str, Any]) -> None:
    for name, value in values.items():
        setattr(decision, name, value)
    decision.save()


def _report_later(decision: SpamDecision) -> None:
    from sayso.intelligence.analysis.spam_akismet import akismet_enabled

    if not akismet_enabled(organization_id=decision.organization_id):
        return
    decision_id = decision.pk
    transaction.on_commit(
        lambda: task_by_path("sayso.intelligence.tasks.akismet_report").enqueue(decision_id)
    )


def decision_list(
    *, organization: Organization, label: str = "", kind: str = ""
) -> Any:  # QuerySet[SpamDecision]
    decisions = SpamDecision.objects.filter(organization=organization)
    if label:
        decisions = decisions.filter(label=label)
    if kind:
        decisions = decisions.filter(kind=kind)
    return decisions.select_related("decided_by").order_by("-decided_at", "-id")


# --- what moderators decided about: the items of each kind -----------------------------------


def item_mark(
    *, organization: Organization, kind: str, object_id: int, label: str, actor: Any, where: str
) -> SpamDecision:
    """Staff say a message of the inbox or a mention is spam or not: the stored verdict follows
    (the kind's registered ``mark``) and the decision is kept."""
    registered = spam_kind_get(kind)
    if registered is None or registered.mark is None:
        raise ValidationError({"kind": "Mark a message or a mention here."})
    with transaction.atomic():
        item = registered.mark(organization, object_id, label == SpamLabel.SPAM)
        if item is None:
            raise ValidationError(f"No such {kind}.")
        decision, _ = spam_decision_record(
            organization=organization, item=item, label=label, actor=actor, where=where
        )
    return decision
