"""Message analysis: a stored message's analysis, and ad-hoc analysis of texts.

No ``from __future__ import annotations`` in router modules (see ``cases.py``).
"""

import json
from typing import Annotated, Any

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from pydantic import StringConstraints, field_validator

from sayso.api.auth import organization_of, scoped
from sayso.api.schemas import InputSchema, Line, Timestamp, errors
from sayso.core.models import Scope
from sayso.core.web import is_object_id
from sayso.intelligence.analysis import analyze, model_version
from sayso.intelligence.analysis import store as analysis_store

router = Router()
TAGS = ["analysis"]
READ = Scope.CASES_READ
MAX_ITEMS = 256


class AnalysisOut(Schema):
    sentiment: str = Field(..., examples=["negative"])
    sentiment_score: float = Field(..., ge=-1, le=1, examples=[-0.82])
    intents: list[str] = Field(..., examples=[["complaint", "competitor_mention"]])
    spam: float = Field(..., ge=0, le=1, description="Spam probability.")
    is_spam: bool
    language: str | None = Field(None, description="ISO 639-1; null when undetermined.")
    duplicate_of: int | None = Field(
        None, description="0-based index of the earlier item of the request it repeats."
    )
    duplicate_kind: str | None = Field(None, examples=["exact", "near", "meaning", "copy"])
    reasons: list[str] = Field(..., examples=[["links to a pharmacy site"]])
    warnings: list[str] = Field(
        default_factory=list,
        description="Optional input fields left out or read with an assumption.",
        examples=[["“created_at” has no time zone: read as UTC"]],
    )


class MessageAnalysisOut(Schema):
    message_id: int
    sentiment: str
    sentiment_score: float
    intents: list[str]
    spam: float
    is_spam: bool
    language: str | None
    duplicate_of: int | None = Field(None, description="The id of the earlier message.")
    duplicate_kind: str | None
    reasons: list[str]
    model_version: str
    analyzed_at: Timestamp

    @staticmethod
    def resolve_language(obj: Any) -> str | None:
        return obj.language or None

    @staticmethod
    def resolve_duplicate_of(obj: Any) -> int | None:
        return int(obj.duplicate_of_id) if obj.duplicate_of_id is not None else None

    @staticmethod
    def resolve_duplicate_kind(obj: Any) -> str | None:
        return obj.duplicate_kind or None


class AnalyzeItemIn(InputSchema):
    text: str = Field(..., min_length=1, max_length=20_000)
    author: str = Field("", max_length=300)
    author_url: str = Field("", max_length=2000)
    created_at: (
        Annotated[str, StringConstraints(max_length=200)]
        | Annotated[int, Field(ge=-(10**15), le=10**15)]
        | float
        | None
    ) = Field(
        None,
        description=(
            "When it was written: ISO 8601 (a time without a zone is read as UTC), an RFC 2822"
            " date, a Unix time (seconds, or milliseconds from 10^11) or a written date such as"
            " “February 23, 2005 at 04:48 AM”. One that cannot be read is left out and named"
            " in the result's `warnings`."
        ),
        examples=["2025-05-01T09:00:00Z", 1746090000, "Thu, 01 May 2025 09:00:00 +0000"],
    )

    @field_validator("created_at", mode="before")
    @classmethod
    def _as_given(cls, value: Any) -> Any:
        # A string stays a string, a number a number (no coercion between them); anything
        # else (an object, a list, a boolean) is passed on as its JSON text, which no date
        # reader reads: the item is analyzed without it, with a warning, like a bad date.
        if value is None or (isinstance(value, str | int | float) and not isinstance(value, bool)):
            return value
        return json.dumps(value, ensure_ascii=False)[:200]


class AnalyzeIn(InputSchema):
    items: list[AnalyzeItemIn] = Field(..., min_length=1, max_length=MAX_ITEMS)
    competitors: list[Line] = Field(
        default_factory=list,
        max_length=100,
        description="Competitors' names; a message naming one is a competitor mention.",
    )


class AnalyzeOut(Schema):
    model_version: str
    results: list[AnalysisOut]


@router.get(
    "/messages/{int:message_id}/analysis",
    response={200: MessageAnalysisOut, **errors(401, 403, 404, 422)},
    operation_id="messages_analysis_get",
    summary="Get a message's analysis",
    tags=TAGS,
    **scoped(READ, "case.read"),
)
def messages_analysis_get(request: HttpRequest, message_id: int) -> Any:
    """Sentiment, intents, spam, language and duplicate of one message, with reasons.
    Analyzed in the background when the message arrives; analyzed now if it has not been
    yet (or the models changed since)."""
    message = (
        analysis_store.message_get(organization=organization_of(request), pk=message_id)
        if is_object_id(message_id)
        else None
    )
    if message is None:
        raise Http404
    return analysis_store.message_analyze(message=message)


@router.post(
    "/analyze",
    response={200: AnalyzeOut, **errors(400, 401, 403, 413, 422)},
    operation_id="analyze",
    summary="Analyze texts",
    tags=TAGS,
    **scoped(READ, "analysis.run"),
)
def analyze_texts(request: HttpRequest, payload: AnalyzeIn) -> dict[str, Any]:
    """Analyze up to 256 texts in one batch, like `sayso analyze`: nothing is stored.
    `duplicate_of` refers to an earlier item of the same request."""
    if any(not item.text.strip() for item in payload.items):
        raise HttpError(400, "Every item needs a non-empty text.")
    items = [
        {
            "text": item.text,
            "author": item.author,
            "author_url": item.author_url,
            "created_at": item.created_at,
        }
        for item in payload.items
    ]
    competitors = [name for name in payload.competitors if name.strip()][:100]
    results = analyze(items, competitors=competitors)
    return {"model_version": model_version(), "results": [r.as_dict() for r in results]}
