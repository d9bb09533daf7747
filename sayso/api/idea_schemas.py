"""Request and response schemas of the ideas API (the API layer's only view of the models)."""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema

from sayso.api.schemas import Id, InputSchema, PublicCustomerRef, Timestamp, UserRef
from sayso.community.models import (
    BODY_MAX,
    COMMENT_MAX,
    REASON_MAX,
    TITLE_MAX,
    CommentState,
    IdeaStatus,
    ModerationAction,
)
from sayso.community.moderation import HideReason


class IdeaOut(Schema):
    number: int
    title: str
    body: str = Field(description="Markdown, as written.")
    status: IdeaStatus
    status_reason: str = Field(description="The public reason of the latest status change.")
    category: str | None = Field(description="The category's slug.")
    author: PublicCustomerRef | None
    author_user: UserRef | None
    vote_count: int
    comment_count: int
    official_response: str
    merged_into: int | None = Field(description="The surviving idea's number, once merged.")
    hidden: bool
    url: str
    created_at: Timestamp
    updated_at: Timestamp

    @staticmethod
    def resolve_category(obj: Any) -> str | None:
        return obj.category.slug if obj.category_id else None

    @staticmethod
    def resolve_merged_into(obj: Any) -> int | None:
        return obj.merged_into.number if obj.merged_into_id else None

    @staticmethod
    def resolve_hidden(obj: Any) -> bool:
        return obj.hidden_at is not None

    @staticmethod
    def resolve_url(obj: Any, context: Any) -> str:
        from django.urls import reverse

        path = reverse("idea-detail", kwargs={"org": obj.organization.slug, "number": obj.number})
        request = context.get("request") if context else None
        return request.build_absolute_uri(path) if request is not None else path


class IdeaCreateIn(InputSchema):
    title: str = Field(max_length=TITLE_MAX)
    body: str = Field("", max_length=BODY_MAX)
    category: str = Field("", max_length=80, description="A category slug; empty for none.")
    customer_id: Id | None = Field(
        None,
        description="Post on behalf of this customer (their vote is counted); "
        "without it the idea is the team's.",
    )


class IdeaPatchIn(InputSchema):
    title: str | None = Field(None, max_length=TITLE_MAX)
    body: str | None = Field(None, max_length=BODY_MAX)
    category: str | None = Field(
        None, max_length=80, description="A category slug; empty for none."
    )


class IdeaStatusIn(InputSchema):
    status: IdeaStatus
    reason: str = Field(max_length=REASON_MAX, description="Public; required.")


class IdeaResponseIn(InputSchema):
    body: str = Field(max_length=BODY_MAX, description="Markdown; empty removes the response.")


class IdeaMergeIn(InputSchema):
    into: Id = Field(description="The number of the idea that survives.")


class VoteIn(InputSchema):
    customer_id: Id


class VoteOut(Schema):
    customer: PublicCustomerRef
    created_at: Timestamp


class CommentIn(InputSchema):
    body: str = Field(max_length=COMMENT_MAX)
    customer_id: Id | None = Field(
        None, description="Post on behalf of this customer; without it the comment is yours."
    )


class CommentOut(Schema):
    id: int
    idea_number: int | None = Field(description="Null for a comment on something else.")
    body: str
    state: CommentState
    state_reason: str = Field(description="Why it is not public (spam filter or moderator).")
    author: PublicCustomerRef | None
    author_user: UserRef | None
    created_at: Timestamp

    @staticmethod
    def resolve_idea_number(obj: Any) -> int | None:
        return int(obj.idea.number) if obj.idea_id else None


class HideIn(InputSchema):
    category: str = Field(
        max_length=20,
        description="Why: "
        + ", ".join(f"`{value}` ({label})" for value, label in HideReason.choices),
    )
    explanation: str = Field("", max_length=REASON_MAX, description="A public note.")


class RestoreIn(InputSchema):
    reason: str = Field("", max_length=REASON_MAX)


class SimilarIdeaOut(Schema):
    idea: IdeaOut
    score: float = Field(description="Cosine similarity, 0 to 1.")


class ModerationEntryOut(Schema):
    action: ModerationAction
    reason: str
    actor_role: str
    idea_number: int | None
    comment_id: int | None
    created_at: Timestamp

    @staticmethod
    def resolve_idea_number(obj: Any) -> int | None:
        return obj.idea.number if obj.idea_id else None
