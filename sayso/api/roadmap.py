"""The roadmap and the changelog through the API."""

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from sayso.api.auth import actor_of, organization_of, scoped
from sayso.api.lookups import one_or_404
from sayso.api.pagination import Page
from sayso.api.schemas import Id, InputSchema, Timestamp, errors
from sayso.core.models import Scope
from sayso.roadmap import selectors, services
from sayso.roadmap.models import BODY_MAX, TITLE_MAX, ChangelogEntry, Horizon, RoadmapItem

router = Router()
changelog_router = Router()
READ = Scope.IDEAS_READ
WRITE = Scope.IDEAS_WRITE


class RoadmapItemOut(Schema):
    id: int
    title: str
    body: str
    horizon: Horizon
    idea_numbers: list[int]
    shipped_at: Timestamp | None
    created_at: Timestamp

    @staticmethod
    def resolve_idea_numbers(obj: Any) -> list[int]:
        return sorted(idea.number for idea in obj.ideas.all())


class RoadmapItemIn(InputSchema):
    title: str = Field(max_length=TITLE_MAX)
    body: str = Field("", max_length=BODY_MAX)
    horizon: Horizon = Horizon.NEXT
    idea_numbers: list[Id] = Field(default_factory=list, max_length=200)


class RoadmapItemPatchIn(InputSchema):
    title: str | None = Field(None, max_length=TITLE_MAX)
    body: str | None = Field(None, max_length=BODY_MAX)
    horizon: Horizon | None = None
    idea_numbers: list[Id] | None = Field(None, max_length=200)


class ChangelogEntryOut(Schema):
    id: int
    title: str
    body: str
    idea_numbers: list[int]
    roadmap_item_ids: list[int]
    published_at: Timestamp | None
    created_at: Timestamp

    @staticmethod
    def resolve_idea_numbers(obj: Any) -> list[int]:
        return sorted(idea.number for idea in obj.ideas.all())

    @staticmethod
    def resolve_roadmap_item_ids(obj: Any) -> list[int]:
        return sorted(item.pk for item in obj.roadmap_items.all())


class ChangelogEntryIn(InputSchema):
    title: str = Field(max_length=TITLE_MAX)
    body: str = Field("", max_length=BODY_MAX)
    idea_numbers: list[Id] = Field(default_factory=list, max_length=200)
    roadmap_item_ids: list[Id] = Field(default_factory=list, max_length=200)


def _item_or_404(request: HttpRequest, pk: int) -> RoadmapItem:
    return one_or_404(request, selectors.roadmap_item_get, pk)


def _entry_or_404(request: HttpRequest, pk: int) -> ChangelogEntry:
    return one_or_404(request, selectors.changelog_entry_get, pk, drafts=True)


@router.get(
    "",
    response={200: list[RoadmapItemOut], **errors(401, 403)},
    operation_id="roadmap_list",
    summary="The roadmap: now, next and later",
    tags=["roadmap"],
    **scoped(READ, "idea.read"),
)
def roadmap_list(request: HttpRequest) -> list[RoadmapItem]:
    """Items not shipped yet, by horizon (now, next, later) and position."""
    return [
        item
        for _, _, items in selectors.roadmap(organization=organization_of(request))
        for item in items
    ]


@router.post(
    "",
    response={201: RoadmapItemOut, **errors(400, 401, 403, 413, 422)},
    operation_id="roadmap_items_create",
    summary="Add a roadmap item",
    tags=["roadmap"],
    **scoped(WRITE, "roadmap.edit"),
)
def roadmap_items_create(request: HttpRequest, payload: RoadmapItemIn) -> Status[RoadmapItem]:
    item = services.roadmap_item_create(
        organization=organization_of(request),
        title=payload.title,
        body=payload.body,
        horizon=payload.horizon,
        idea_numbers=payload.idea_numbers,
        actor=actor_of(request),
    )
    return Status(201, item)


@router.patch(
    "/{int:item_id}",
    response={200: RoadmapItemOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="roadmap_items_update",
    summary="Change or move a roadmap item",
    tags=["roadmap"],
    **scoped(WRITE, "roadmap.edit"),
)
def roadmap_items_update(
    request: HttpRequest, item_id: int, payload: RoadmapItemPatchIn
) -> RoadmapItem:
    return services.roadmap_item_update(
        item=_item_or_404(request, item_id),
        title=payload.title,
        body=payload.body,
        horizon=payload.horizon,
        idea_numbers=payload.idea_numbers,
    )


@router.delete(
    "/{int:item_id}",
    response={204: None, **errors(401, 403, 404, 422)},
    operation_id="roadmap_items_delete",
    summary="Remove a roadmap item",
    tags=["roadmap"],
    **scoped(WRITE, "roadmap.edit"),
)
def roadmap_items_delete(request: HttpRequest, item_id: int) -> Status[None]:
    services.roadmap_item_delete(item=_item_or_404(request, item_id))
    return Status(204, None)


@changelog_router.get(
    "",
    response={200: list[ChangelogEntryOut], **errors(401, 403, 422)},
    operation_id="changelog_list",
    summary="The published changelog",
    tags=["changelog"],
    **scoped(READ, "idea.read"),
)
@paginate(Page, max_limit=200)
def changelog_list(request: HttpRequest) -> Any:
    """Newest first; drafts are not listed (get one by id)."""
    return selectors.changelog(organization=organization_of(request))


@changelog_router.get(
    "/{int:entry_id}",
    response={200: ChangelogEntryOut, **errors(401, 403, 404, 422)},
    operation_id="changelog_get",
    summary="Get a changelog entry (drafts too)",
    tags=["changelog"],
    **scoped(READ, "idea.read"),
)
def changelog_get(request: HttpRequest, entry_id: int) -> ChangelogEntry:
    return _entry_or_404(request, entry_id)


@changelog_router.post(
    "",
    response={201: ChangelogEntryOut, **errors(400, 401, 403, 413, 422)},
    operation_id="changelog_create",
    summary="Write a changelog draft",
    tags=["changelog"],
    **scoped(WRITE, "roadmap.edit"),
)
def changelog_create(request: HttpRequest, payload: ChangelogEntryIn) -> Status[ChangelogEntry]:
    entry = services.changelog_entry_create(
        organization=organization_of(request),
        title=payload.title,
        body=payload.body,
        idea_numbers=payload.idea_numbers,
        roadmap_item_ids=payload.roadmap_item_ids,
        actor=actor_of(request),
    )
    return Status(201, entry)


@changelog_router.post(
    "/{int:entry_id}/publish",
    response={200: ChangelogEntryOut, **errors(401, 403, 404, 422)},
    operation_id="changelog_publish",
    summary="Publish a changelog entry and tell everyone who asked",
    tags=["changelog"],
    **scoped(WRITE, "roadmap.edit"),
)
def changelog_publish(request: HttpRequest, entry_id: int) -> ChangelogEntry:
    """Its ideas become shipped and its roadmap items leave the roadmap; everyone who voted on
    or follows those ideas, and the changelog's followers, are emailed once. Publishing again
    changes nothing."""
    entry = services.changelog_entry_publish(
        entry=_entry_or_404(request, entry_id), actor=actor_of(request)
    )
    return _entry_or_404(request, entry.pk)
