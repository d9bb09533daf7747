"""Request and response schemas of the status page API. Text lengths are checked by the
services (``sayso.status.services``), so an empty or too long text answers 400 saying which."""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema

from sayso.api.schemas import CustomerRef, Timestamp, UserRef
from sayso.status.models import ComponentStatus, IncidentImpact, IncidentStatus


class ComponentOut(Schema):
    id: int
    name: str
    description: str
    status: ComponentStatus
    position: int


class ComponentIn(Schema):
    name: str = Field(max_length=1000)
    description: str = Field("", max_length=5000)


class ComponentPatchIn(Schema):
    name: str | None = Field(None, max_length=1000)
    description: str | None = Field(None, max_length=5000)
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


class IncidentIn(Schema):
    title: str = Field(max_length=10_000)
    body: str = Field(max_length=100_000, description="The first update (Markdown).")
    impact: IncidentImpact = IncidentImpact.MINOR
    status: IncidentStatus = IncidentStatus.INVESTIGATING
    component_ids: list[int] = Field(default_factory=list, max_length=200)
    component_status: ComponentStatus | None = Field(
        None, description="What the components show; by default the impact's."
    )
    expected_fix_at: Timestamp | None = None
    started_at: Timestamp | None = Field(None, description="When it began; default: now.")


class IncidentPatchIn(Schema):
    title: str | None = Field(None, max_length=10_000)
    impact: IncidentImpact | None = None
    component_ids: list[int] | None = Field(None, max_length=200)


class IncidentUpdateIn(Schema):
    status: IncidentStatus
    body: str = Field(max_length=100_000)
    component_status: ComponentStatus | None = None
    expected_fix_at: Timestamp | None = None


class PostmortemIn(Schema):
    body: str = Field(max_length=200_000, description="Markdown.")


class CaseNumbersIn(Schema):
    case_numbers: list[int] = Field(min_length=1, max_length=1000)


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
