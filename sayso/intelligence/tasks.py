"""Background work for intelligence: thin ``django.tasks`` tasks taking ids, safe to run twice."""

from __future__ import annotations

from sayso.core.models import Organization
from sayso.core.task_engine import sayso_task
from sayso.intelligence import services
from sayso.intelligence.index_sources import get_source


@sayso_task(queue="analysis", max_attempts=5, backoff=30)
def index_item(organization_id: int, kind: str, object_id: int) -> str:
    """Bring one item's entry in the similar-item index in line with its source.

    Enqueue it through ``services.index_item_later(organization=..., kind=..., object_id=...)``
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
