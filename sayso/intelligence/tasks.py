"""Background work for intelligence: thin ``django.tasks`` tasks taking ids, safe to run twice.

The services enqueue them by name (``task_by_path("sayso.intelligence.tasks.index_item")``), so
that nothing this module imports imports it back (docs/architecture.md, "The rules")."""

from __future__ import annotations

from sayso.core.models import Organization
from sayso.core.task_engine import sayso_task
from sayso.intelligence.analysis import spam_filter, store
from sayso.intelligence.index import services
from sayso.intelligence.index.sources import get_source


@sayso_task(queue="analysis", max_attempts=5, backoff=30)
def index_item(organization_id: int, kind: str, object_id: int) -> str:
    """Bring one item's entry in the similar-item index in line with its source.

    Enqueue it through ``index_item_later(organization=..., kind=..., object_id=...)``
    after creating, editing or deleting a case, message, idea or question. Returns "embedded",
    "updated", "unchanged", "removed" or "absent" (nothing to index, nothing indexed).
    """
    organization = Organization.objects.filter(pk=organization_id).first()
    source = get_source(kind)
    if organization is None or source is None:
        return "absent"
    found = list(source.items(organization, [object_id]))
    if found:
        item = found[0]
        outcome = services.item_index(
            organization=organization,
            kind=kind,
            object_id=item.object_id,
            text=item.text,
            metadata=item.metadata,
        )
    else:
        removed = services.item_unindex(organization=organization, kind=kind, object_id=object_id)
        outcome = "removed" if removed else "absent"
    if outcome != "unchanged":
        services.index_maintain(organization=organization, kind=kind)
    return outcome


@sayso_task(queue="analysis", max_attempts=5, backoff=30)
def index_items(organization_id: int, kind: str, object_ids: list[int]) -> int:
    """``index_item`` for many items of one kind at once (embedded in batches); returns how
    many were embedded or updated."""
    organization = Organization.objects.filter(pk=organization_id).first()
    source = get_source(kind)
    if organization is None or source is None:
        return 0
    wanted = sorted({int(i) for i in object_ids})
    found = list(source.items(organization, wanted))
    counts = services.items_index(
        organization=organization,
        kind=kind,
        items=[
            services.IndexInput(object_id=i.object_id, text=i.text, metadata=i.metadata)
            for i in found
        ],
    )
    gone = set(wanted) - {int(i.object_id) for i in found}
    if gone:
        services.items_unindex(organization=organization, kind=kind, object_ids=gone)
    services.index_maintain(organization=organization, kind=kind)
    return counts.embedded + counts.updated


@sayso_task(
    queue="analysis",
    max_attempts=3,
    backoff=30,
    organization_from=("conversations.Message", "message_id"),
    former_paths=["sayso.intelligence.analysis_tasks.analyze_message"],  # before issue 23
)
def analyze_message(message_id: int) -> bool:
    """Analyze one message (sentiment, intents, spam, language, duplicates) and store it;
    does nothing when its analysis for the current model version exists."""
    return store.message_analyze_by_id(message_id=message_id)


@sayso_task(queue="analysis", max_attempts=1, periodic=True)
def retrain_spam_filters() -> int:
    """Retrain the spam filter of each organization whose moderators decided something since
    its active version was trained; returns how many were trained."""
    return len(spam_filter.spam_filters_retrain_stale(trigger="schedule"))


@sayso_task(queue="analysis", max_attempts=3, backoff=60)
def spam_filter_retrain(organization_id: int, user_id: int | None = None) -> int:
    """Train one organization's spam filter now ("retrain now"); returns the new version."""
    from django.contrib.auth import get_user_model

    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return 0
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    return spam_filter.spam_filter_train(
        organization=organization, trigger="staff", actor=user
    ).number


@sayso_task(
    queue="webhooks",
    max_attempts=6,
    backoff=60,
    organization_from=("intelligence.SpamDecision", "decision_id"),
)
def akismet_report(decision_id: int) -> str:
    """Report one moderator decision to the organization's Akismet (submit-spam/-ham)."""
    from sayso.intelligence.analysis.spam_akismet import akismet_report as report

    return report(decision_id=decision_id)
