"""Request and response schemas of the community Q&A API (the API layer's only view of the
models).

Text lengths are checked by the services (``sayso.community.qa``), so that an empty or
too long title, body or answer answers 400 with a message that says which and by how much.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import StringConstraints

from sayso.api.idea_schemas import IdeaOut
from sayso.api.schemas import Id, InputSchema, PublicCustomerRef, Timestamp, UserRef
from sayso.api.status_schemas import IncidentRefOut
from sayso.community.models import BODY_MAX, REASON_MAX, TITLE_MAX, CommentState, QuestionState
from sayso.community.qa import ANSWER_MAX, TAG_MAX, TAGS_MAX


class QuestionOut(Schema):
    number: int
    title: str
    body: str = Field(description="Markdown, as written.")
    state: QuestionState = Field(description="`closed`: no new answers; still readable.")
    closed_reason: str = Field(description="The public reason it was closed.")
    product: str | None = Field(description="The product's slug.")
    tags: list[str] = Field(description="The tags' names.")
    author: PublicCustomerRef | None = Field(description="The customer who asked; null for staff.")
    author_user: UserRef | None = Field(description="The staff member who asked.")
    official: bool = Field(description="Asked by the team (a staff member).")
    answer_count: int = Field(description="Public answers.")
    accepted_count: int = Field(description="Answers accepted as a solution.")
    me_too_count: int = Field(description="People who said they have the same problem.")
    solved: bool = Field(description="At least one answer was accepted.")
    solved_at: Timestamp | None = Field(description="When the first answer was accepted.")
    hidden: bool = Field(description="Held by the spam filter or hidden by a moderator.")
    deleted: bool = Field(description="Taken back by the person who asked.")
    url: str
    created_at: Timestamp
    updated_at: Timestamp

    @staticmethod
    def resolve_product(obj: Any) -> str | None:
        return obj.product.slug if obj.product_id else None

    @staticmethod
    def resolve_tags(obj: Any) -> list[str]:
        return sorted(tag.name for tag in obj.tags.all())

    @staticmethod
    def resolve_official(obj: Any) -> bool:
        return obj.author_user_id is not None

    @staticmethod
    def resolve_solved(obj: Any) -> bool:
        return bool(obj.is_solved)

    @staticmethod
    def resolve_hidden(obj: Any) -> bool:
        return obj.hidden_at is not None

    @staticmethod
    def resolve_deleted(obj: Any) -> bool:
        return obj.deleted_at is not None

    @staticmethod
    def resolve_url(obj: Any, context: Any) -> str:
        from sayso.community.qa import question_path

        path = question_path(obj)
        request = context.get("request") if context else None
        return request.build_absolute_uri(path) if request is not None else path


Tag = Annotated[str, StringConstraints(max_length=TAG_MAX)]
_TAGS = f"At most {TAGS_MAX} tags of 2 to {TAG_MAX} characters; new ones are created."


class QuestionCreateIn(InputSchema):
    title: str = Field(max_length=TITLE_MAX)
    body: str = Field("", max_length=BODY_MAX, description="Markdown.")
    product: str = Field("", max_length=120, description="A product's slug; empty for none.")
    tags: list[Tag] = Field(default_factory=list, max_length=TAGS_MAX, description=_TAGS)
    customer_id: Id | None = Field(
        None,
        description="Ask on behalf of this customer (they follow the question); "
        "without it the question is the team's.",
    )


class QuestionPatchIn(InputSchema):
    title: str | None = Field(None, max_length=TITLE_MAX)
    body: str | None = Field(None, max_length=BODY_MAX, description="Markdown.")
    product: str | None = Field(
        None, max_length=120, description="A product's slug; empty for none."
    )
    tags: list[Tag] | None = Field(
        None, max_length=TAGS_MAX, description=_TAGS + " An empty list removes them."
    )


class QuestionCloseIn(InputSchema):
    reason: str = Field(max_length=REASON_MAX, description="Public; required.")


class AnswerOut(Schema):
    id: int
    question_number: int
    body: str = Field(description="Markdown, as written.")
    state: CommentState = Field(description="`visible`, or held (`spam`) or `hidden`.")
    state_reason: str = Field(description="Why it is not public (spam filter or moderator).")
    author: PublicCustomerRef | None = Field(description="The customer who answered.")
    author_user: UserRef | None = Field(description="The staff member who answered.")
    official: bool = Field(description="The team's answer (a staff member's).")
    score: int = Field(description="Up votes less down votes.")
    up_votes: int
    down_votes: int
    accepted: bool = Field(description="Accepted as a solution (several answers may be).")
    accepted_at: Timestamp | None
    created_at: Timestamp
    updated_at: Timestamp

    @staticmethod
    def resolve_question_number(obj: Any) -> int:
        return int(obj.question.number)

    @staticmethod
    def resolve_official(obj: Any) -> bool:
        return obj.author_user_id is not None

    @staticmethod
    def resolve_accepted(obj: Any) -> bool:
        return obj.accepted_at is not None


class AnswerIn(InputSchema):
    body: str = Field(max_length=ANSWER_MAX, description="Markdown.")
    customer_id: Id | None = Field(
        None,
        description="Answer on behalf of this customer; without it the answer is yours, "
        "the team's official answer.",
    )


class AnswerVoteIn(InputSchema):
    customer_id: Id
    value: Literal[-1, 0, 1] = Field(description="1 up, -1 down, 0 withdraws the vote.")


class AcceptIn(InputSchema):
    customer_id: Id | None = Field(
        None,
        description="The customer who asked the question; without it you (staff) accept.",
    )


class MeTooIn(InputSchema):
    customer_id: Id
    has_problem: bool = Field(True, description="False takes the mark back.")


class MeTooOut(Schema):
    count: int = Field(description="Everyone who has the problem (the asker not counted).")
    people: list[PublicCustomerRef] = Field(
        description="Those who chose to be visible in the community (up to 50)."
    )


class SimilarQuestionOut(Schema):
    question: QuestionOut
    score: float = Field(description="Cosine similarity, 0 to 1.")


class SimilarIdeaRefOut(Schema):
    idea: IdeaOut
    score: float = Field(description="Cosine similarity, 0 to 1.")


class SimilarIncidentOut(Schema):
    incident: IncidentRefOut
    score: float = Field(description="Cosine similarity, 0 to 1.")


class SimilarProblemsOut(Schema):
    questions: list[SimilarQuestionOut] = Field(description="Solved ones first, then the rest.")
    ideas: list[SimilarIdeaRefOut]
    incidents: list[SimilarIncidentOut] = Field(
        description="Status incidents in progress or resolved in the last 30 days; open first."
    )


class SearchHitOut(Schema):
    kind: Literal["question", "idea"]
    number: int
    title: str
    score: float = Field(description="Similarity in meaning, 0 to 1 (0: found by words only).")
    by_words: bool = Field(description="Every word of the query is in it (or in an answer).")
    solved: bool | None = Field(description="For a question: whether an answer was accepted.")
