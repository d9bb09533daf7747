"""Request and response schemas of the status page API. Text lengths are checked by the
services (``sayso.status.services``), so an empty or too long text answers 400 saying which."""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema

from sayso.api.schemas import CustomerRef, Id, InputSchema, Timestamp, UserRef
from sayso.status.models import (
    BODY_MAX,
    NAME_MAX,
    POSTMORTEM_MAX,
    TITLE_MAX,
    ComponentStatus,
    IncidentImpact,
    IncidentStatus,
)


class ComponentOut(Schema):
    id: int
    name: str
    description: str
    status: ComponentStatus
    position: int


class ComponentIn(InputSchema):
    name: str = Field(max_length=NAME_MAX)
    description: str = Field("", max_length=500)


class ComponentPatchIn(InputSchema):
    name: str | None = Field(None, max_length=NAME_MAX)
    description: str | None = Field(None, max_length=500)
    status: ComponentStatus | None = None
    position: int | None = Field(None, ge=0, lt=100_000)


class IncidentUpdateOut(Schema):
    id: int
    status: IncidentStatus
    body: str = Field(description="Markdown, as written.")
    author: UserRef | None
    created_at: Timestamp


class IncidentOut(Schema):
    id: int
    title: str
    impact: IncidentImpact
    status: IncidentStatus
    components: list[ComponentOut]
    started_at: Timestamp
    resolved_at: Timestamp | None
    expected_fix_at: Timestamp | None
    postmortem: str = Field(description="Markdown; empty until published.")
    postmortem_published_at: Timestamp | None
    updates: list[IncidentUpdateOut] = Field(description="Newest first.")
    url: str = Field(description="The incident's public page (a path on this site).")

    @staticmethod
    def resolve_components(obj: Any) -> list[Any]:
        return list(obj.components.all())

    @staticmethod
    def resolve_updates(obj: Any) -> list[Any]:
        return list(obj.updates.all())

    @staticmethod
    def resolve_url(obj: Any) -> str:
        from django.urls import reverse

        return reverse("incident", kwargs={"org": obj.organization.slug, "pk": obj.pk})


class IncidentRefOut(Schema):
    id: int
    title: str
    status: IncidentStatus
    started_at: Timestamp
    resolved_at: Timestamp | None


class StatusOut(Schema):
    overall: ComponentStatus = Field(description="The worst status among the components.")
    components: list[ComponentOut]
    open_incidents: list[IncidentOut]


class IncidentIn(InputSchema):
    title: str = Field(max_length=TITLE_MAX)
    body: str = Field(max_length=BODY_MAX, description="The first update (Markdown).")
    impact: IncidentImpact = IncidentImpact.MINOR
    status: IncidentStatus = IncidentStatus.INVESTIGATING
    component_ids: list[Id] = Field(default_factory=list, max_length=200)
    component_status: ComponentStatus | None = Field(
        None, description="What the components show; by default the impact's."
    )
    expected_fix_at: Timestamp | None = None
    started_at: Timestamp | None = Field(None, description="When it began; default: now.")


class IncidentPatchIn(InputSchema):
    title: str | None = Field(None, max_length=TITLE_MAX)
    impact: IncidentImpact | None = None
    component_ids: list[Id] | None = Field(None, max_length=200)


class IncidentUpdateIn(InputSchema):
    status: IncidentStatus
    body: str = Field(max_length=BODY_MAX)
    component_status: ComponentStatus | None = None
    expected_fix_at: Timestamp | None = None


class PostmortemIn(InputSchema):
    body: str = Field(max_length=POSTMORTEM_MAX, description="Markdown.")


class CaseNumbersIn(InputSchema):
    case_numbers: list[Id] = Field(min_length=1, max_length=1000)


class IncidentCaseOut(Schema):
    case_number: int
    subject: str
    customer: CustomerRef
    told_resolved_at: Timestamp | None = Field(
        description="When the resolution was posted to the case."
    )
    linked_at: Timestamp

    @staticmethod
    def resolve_case_number(obj: Any) -> int:
        return int(obj.case.number)

    @staticmethod
    def resolve_subject(obj: Any) -> str:
        return str(obj.case.subject)

    @staticmethod
    def resolve_customer(obj: Any) -> Any:
        return obj.case.customer

    @staticmethod
    def resolve_linked_at(obj: Any) -> Any:
        return obj.created_at
