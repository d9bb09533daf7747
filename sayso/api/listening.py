"""Listening through the API: sources (with test and poll), terms, routing rules, mentions.

Changing sources needs an admin's token, terms and rules a manager's (as on the staff pages),
besides the ``listening:write`` scope.
"""

from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict

from sayso.api.auth import actor_of, organization_of, scoped
from sayso.api.lookups import one_or_404, team_or_404
from sayso.api.pagination import Page
from sayso.api.schemas import InputSchema, Line, Timestamp, errors
from sayso.core.models import Scope
from sayso.core.web import MAX_ID, is_object_id
from sayso.listening import selectors, services
from sayso.listening.models import ListenTerm, Mention, RoutingRule, Source, SourceKind, TermKind

router = Router()
READ = Scope.LISTENING_READ
WRITE = Scope.LISTENING_WRITE
TAGS = ["listening"]


class SourceOut(Schema):
    id: int
    name: str
    kind: SourceKind
    url: str
    queries: list[str]
    account: str
    # Write-only credential: only whether one is set, and its last characters ("••••abcd").
    has_credential: bool
    credential_masked: str
    allowed_origins: list[str]
    enabled: bool
    poll_interval_seconds: int
    healthy: bool
    failure_count: int
    last_error: str
    last_error_at: Timestamp | None
    last_polled_at: Timestamp | None
    last_success_at: Timestamp | None
    next_poll_at: Timestamp | None
    items_total: int
    created_at: Timestamp

    @staticmethod
    def resolve_queries(obj: Source) -> list[str]:
        return obj.query_list()

    @staticmethod
    def resolve_allowed_origins(obj: Source) -> list[str]:
        return obj.origin_list()


# A request naming a field these schemas do not have (``credential_env``, gone: see
# docs/api.md) is refused with a 422 naming it, instead of the field being ignored.
_NO_OTHER_FIELDS = ConfigDict(extra="forbid")


class SourceIn(InputSchema):
    model_config = _NO_OTHER_FIELDS

    name: str = Field(max_length=120)
    kind: SourceKind
    url: str = Field("", max_length=500)
    queries: list[Line] = Field(default_factory=list, max_length=50)
    account: str = Field("", max_length=200)
    # The access token (Mastodon) or app password (Bluesky): stored encrypted, never returned.
    credential: str = Field("", max_length=1000)
    allowed_origins: list[Line] = Field(default_factory=list, max_length=50)
    enabled: bool = True
    poll_interval_seconds: int = Field(300, ge=60, le=7 * 86400)


class SourcePatchIn(InputSchema):
    model_config = _NO_OTHER_FIELDS

    name: str | None = Field(None, max_length=120)
    url: str | None = Field(None, max_length=500)
    queries: list[Line] | None = Field(None, max_length=50)
    account: str | None = Field(None, max_length=200)
    # A new credential replaces the stored one; null or "" removes it; absent keeps it.
    credential: str | None = Field(None, max_length=1000)
    allowed_origins: list[Line] | None = Field(None, max_length=50)
    enabled: bool | None = None
    poll_interval_seconds: int | None = Field(None, ge=60, le=7 * 86400)


class ItemOut(Schema):
    external_id: str
    title: str
    text: str
    url: str
    author_name: str
    author_kind: str
    author_value: str
    published_at: Timestamp | None


class ConnectionTestOut(Schema):
    ok: bool
    error: str
    items: list[ItemOut]


class PollOut(Schema):
    ok: bool
    error: str
    not_modified: bool
    fetched: int
    stored: int
    known: int
    unmatched: int
    joined: int
    opened: int
    kept: int
    spam: int


class TermOut(Schema):
    id: int
    kind: TermKind
    term: str


class TermIn(InputSchema):
    kind: TermKind
    term: str = Field(max_length=120)


class RuleOut(Schema):
    id: int
    name: str
    position: int
    enabled: bool
    intent: str
    sentiment: str
    keyword: str
    source_id: int | None
    channel: str
    team_id: int | None
    priority: str


class RuleIn(InputSchema):
    name: str = Field(max_length=120)
    position: int = Field(0, ge=0, le=100000)
    enabled: bool = True
    intent: str = Field("", max_length=30)
    sentiment: str = Field("", max_length=10)
    keyword: str = Field("", max_length=120)
    source_id: int | None = Field(None, ge=1, le=MAX_ID)
    channel: str = Field("", max_length=20)
    team_id: int | None = Field(None, ge=1, le=MAX_ID)
    priority: str = Field("", max_length=20)


class MentionOut(Schema):
    id: int
    source_id: int
    external_id: str
    url: str
    title: str
    text: str
    author_name: str
    author_handle: str
    published_at: Timestamp
    matched_terms: list[str]
    competitors: list[str]
    sentiment: str
    intents: list[str]
    is_spam: bool
    spam: float
    language: str
    outcome: str
    customer_id: int | None
    case_number: int | None

    @staticmethod
    def resolve_case_number(obj: Mention) -> int | None:
        return obj.case.number if obj.case_id and obj.case else None


class MentionQuery(InputSchema):
    source: int | None = Field(None, ge=1, le=MAX_ID)
    intent: str = Field("", max_length=30)
    sentiment: str = Field("", max_length=10)
    competitor: str = Field("", max_length=120)
    spam: Literal["hide", "only", "all"] = "hide"
    outcome: str = Field("", max_length=20)
    q: str = Field("", max_length=200)


def _source_or_404(request: HttpRequest, pk: int) -> Source:
    return one_or_404(request, selectors.source_get, pk)


def _rule_refs(request: HttpRequest, payload: Any) -> dict[str, Any]:
    values = payload.dict(exclude_unset=False)
    source_id = values.pop("source_id", None)
    team_id = values.pop("team_id", None)
    values["source"] = None
    values["team"] = None
    if source_id is not None:
        values["source"] = _source_or_404(request, source_id)
    if team_id is not None:
        values["team"] = team_or_404(request, team_id, field="team_id")
    return values


def _lines(values: list[str] | None) -> str | None:
    return None if values is None else "\n".join(values)


@router.get(
    "/sources",
    response={200: list[SourceOut], **errors(401, 403)},
    operation_id="listening_sources_list",
    summary="The sources Sayso listens to",
    tags=TAGS,
    **scoped(READ, "listening.read"),
)
def sources_list(request: HttpRequest) -> Any:
    return list(selectors.source_list(organization=organization_of(request)))


@router.post(
    "/sources",
    response={201: SourceOut, **errors(400, 401, 403, 413, 422)},
    operation_id="listening_sources_create",
    summary="Add a source",
    tags=TAGS,
    **scoped(WRITE, "source.edit"),
)
def sources_create(request: HttpRequest, payload: SourceIn) -> Status[Source]:
    values = payload.dict()
    values["queries"] = _lines(values["queries"])
    values["allowed_origins"] = _lines(values["allowed_origins"])
    source = services.source_create(
        organization=organization_of(request), actor=actor_of(request), **values
    )
    return Status(201, source)


@router.get(
    "/sources/{int:source_id}",
    response={200: SourceOut, **errors(401, 403, 404, 422)},
    operation_id="listening_sources_get",
    summary="One source and its health",
    tags=TAGS,
    **scoped(READ, "listening.read"),
)
def sources_get(request: HttpRequest, source_id: int) -> Source:
    return _source_or_404(request, source_id)


@router.patch(
    "/sources/{int:source_id}",
    response={200: SourceOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="listening_sources_update",
    summary="Change a source",
    tags=TAGS,
    **scoped(WRITE, "source.edit"),
)
def sources_update(request: HttpRequest, source_id: int, payload: SourcePatchIn) -> Source:
    source = _source_or_404(request, source_id)
    values = payload.dict(exclude_unset=True)
    for key in ("queries", "allowed_origins"):
        if key in values:
            values[key] = _lines(values[key])
    if "credential" in values and not values["credential"]:
        values["clear_credential"] = True  # null or "": remove the stored credential
    return services.source_update(source=source, actor=actor_of(request), **values)


@router.delete(
    "/sources/{int:source_id}",
    response={204: None, **errors(401, 403, 404, 422)},
    operation_id="listening_sources_delete",
    summary="Remove a source and its mentions",
    tags=TAGS,
    **scoped(WRITE, "source.edit"),
)
def sources_delete(request: HttpRequest, source_id: int) -> Status[None]:
    services.source_delete(source=_source_or_404(request, source_id), actor=actor_of(request))
    return Status(204, None)


@router.post(
    "/sources/{int:source_id}/test",
    response={200: ConnectionTestOut, **errors(401, 403, 404, 422)},
    operation_id="listening_sources_test",
    summary="Test the connection: the first items, or why they were not read (nothing stored)",
    tags=TAGS,
    **scoped(WRITE, "source.edit"),
)
def sources_test(request: HttpRequest, source_id: int) -> Any:
    result = services.source_test(source=_source_or_404(request, source_id))
    return {"ok": result.ok, "error": result.error, "items": result.items}


@router.post(
    "/sources/{int:source_id}/poll",
    response={200: PollOut, **errors(400, 401, 403, 404, 422)},
    operation_id="listening_sources_poll",
    summary="Poll a source now and store new items",
    tags=TAGS,
    **scoped(WRITE, "source.edit"),
)
def sources_poll(request: HttpRequest, source_id: int) -> Any:
    source = _source_or_404(request, source_id)
    if not source.polled:
        raise ValidationError("The widget is not polled: it posts to Sayso.")
    result = services.source_poll(source=source)
    r = result.report
    return {
        "ok": result.ok,
        "error": result.error,
        "not_modified": result.not_modified,
        "fetched": r.fetched,
        "stored": r.stored,
        "known": r.known,
        "unmatched": r.unmatched,
        "joined": r.joined,
        "opened": r.opened,
        "kept": r.kept,
        "spam": r.spam,
    }


@router.get(
    "/terms",
    response={200: list[TermOut], **errors(401, 403)},
    operation_id="listening_terms_list",
    summary="What Sayso listens for",
    tags=TAGS,
    **scoped(READ, "listening.read"),
)
def terms_list(request: HttpRequest) -> Any:
    return list(selectors.term_list(organization=organization_of(request)))


@router.post(
    "/terms",
    response={201: TermOut, **errors(400, 401, 403, 413, 422)},
    operation_id="listening_terms_create",
    summary="Listen for a brand, product, competitor or handle (idempotent)",
    tags=TAGS,
    **scoped(WRITE, "term.edit"),
)
def terms_create(request: HttpRequest, payload: TermIn) -> Status[ListenTerm]:
    term = services.term_add(
        organization=organization_of(request),
        kind=payload.kind,
        term=payload.term,
        actor=actor_of(request),
    )
    return Status(201, term)


@router.delete(
    "/terms/{int:term_id}",
    response={204: None, **errors(401, 403, 404, 422)},
    operation_id="listening_terms_delete",
    summary="Stop listening for a term",
    tags=TAGS,
    **scoped(WRITE, "term.edit"),
)
def terms_delete(request: HttpRequest, term_id: int) -> Status[None]:
    term = (
        selectors.term_get(organization=organization_of(request), pk=term_id)
        if is_object_id(term_id)
        else None
    )
    if term is None:
        raise Http404()
    services.term_remove(term=term, actor=actor_of(request))
    return Status(204, None)


@router.get(
    "/rules",
    response={200: list[RuleOut], **errors(401, 403)},
    operation_id="listening_rules_list",
    summary="Routing rules, in order",
    tags=TAGS,
    **scoped(READ, "listening.read"),
)
def rules_list(request: HttpRequest) -> Any:
    return list(selectors.rule_list(organization=organization_of(request)))


@router.post(
    "/rules",
    response={201: RuleOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="listening_rules_create",
    summary="Add a routing rule",
    tags=TAGS,
    **scoped(WRITE, "rule.edit"),
)
def rules_create(request: HttpRequest, payload: RuleIn) -> Status[RoutingRule]:
    rule = services.rule_create(
        organization=organization_of(request),
        actor=actor_of(request),
        **_rule_refs(request, payload),
    )
    return Status(201, rule)


def _rule_or_404(request: HttpRequest, pk: int) -> RoutingRule:
    return one_or_404(request, selectors.rule_get, pk)


@router.put(
    "/rules/{int:rule_id}",
    response={200: RuleOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="listening_rules_replace",
    summary="Replace a routing rule",
    tags=TAGS,
    **scoped(WRITE, "rule.edit"),
)
def rules_replace(request: HttpRequest, rule_id: int, payload: RuleIn) -> RoutingRule:
    return services.rule_update(
        rule=_rule_or_404(request, rule_id),
        actor=actor_of(request),
        **_rule_refs(request, payload),
    )


@router.delete(
    "/rules/{int:rule_id}",
    response={204: None, **errors(401, 403, 404, 422)},
    operation_id="listening_rules_delete",
    summary="Remove a routing rule",
    tags=TAGS,
    **scoped(WRITE, "rule.edit"),
)
def rules_delete(request: HttpRequest, rule_id: int) -> Status[None]:
    services.rule_delete(rule=_rule_or_404(request, rule_id), actor=actor_of(request))
    return Status(204, None)


@router.get(
    "/mentions",
    response={200: list[MentionOut], **errors(401, 403, 422)},
    operation_id="listening_mentions_list",
    summary="Mentions heard, newest first, filtered like the mentions page",
    tags=TAGS,
    **scoped(READ, "listening.read"),
)
@paginate(Page)
def mentions_list(request: HttpRequest, filters: Query[MentionQuery]) -> Any:
    params = filters.dict()
    return selectors.mention_list(
        organization=organization_of(request),
        filters=selectors.MentionFilters.from_params(
            {**params, "source": str(params["source"] or "")}
        ),
    )
