"""The status page through the API: components, incidents and their updates, post-mortems, and
the cases an incident affects."""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from sayso.api.auth import action_required, actor_of, organization_of, scoped
from sayso.api.lookups import one_or_404
from sayso.api.pagination import Page
from sayso.api.schemas import errors
from sayso.api.status_schemas import (
    CaseNumbersIn,
    ComponentIn,
    ComponentOut,
    ComponentPatchIn,
    IncidentCaseOut,
    IncidentIn,
    IncidentOut,
    IncidentPatchIn,
    IncidentUpdateIn,
    IncidentUpdateOut,
    PostmortemIn,
    StatusOut,
)
from sayso.conversations.selectors import cases_by_numbers
from sayso.core.models import Scope
from sayso.core.web import is_object_id
from sayso.status import selectors, services
from sayso.status.models import Component, Incident, IncidentCase, IncidentUpdate

router = Router()
READ = Scope.STATUS_READ
WRITE = Scope.STATUS_WRITE
TAGS = ["status"]


def _incident_or_404(request: HttpRequest, pk: int) -> Incident:
    return one_or_404(request, selectors.incident_get, pk)


def _component_or_404(request: HttpRequest, pk: int) -> Component:
    return one_or_404(request, selectors.component_get, pk)


@router.get(
    "",
    response={200: StatusOut, **errors(401, 403)},
    operation_id="status_get",
    summary="The status page: overall status, components, incidents in progress",
    tags=TAGS,
    **scoped(READ, "status.read"),
)
def status_get(request: HttpRequest) -> dict[str, Any]:
    page = selectors.status_page(organization=organization_of(request))
    return {"overall": page.overall, "components": page.components, "open_incidents": page.open}


# --- components ------------------------------------------------------------------------------


@router.get(
    "/components",
    response={200: list[ComponentOut], **errors(401, 403)},
    operation_id="status_components_list",
    summary="List the components",
    tags=TAGS,
    **scoped(READ, "status.read"),
)
def status_components_list(request: HttpRequest) -> list[Component]:
    return selectors.components(organization=organization_of(request))


@router.post(
    "/components",
    response={201: ComponentOut, **errors(400, 401, 403, 413, 422)},
    operation_id="status_components_create",
    summary="Add a component",
    tags=TAGS,
    **scoped(WRITE, "component.edit"),
)
def status_components_create(request: HttpRequest, payload: ComponentIn) -> Status[Component]:
    component = services.component_create(
        organization=organization_of(request),
        name=payload.name,
        description=payload.description,
        actor=actor_of(request),
    )
    return Status(201, component)


@router.patch(
    "/components/{int:component_id}",
    response={200: ComponentOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="status_components_update",
    summary="Set a component's status (or, as a manager, rename or move it)",
    tags=TAGS,
    **scoped(WRITE, "component.status"),
)
def status_components_update(
    request: HttpRequest, component_id: int, payload: ComponentPatchIn
) -> Component:
    """Any token with status:write may set the status; renaming, describing or moving the
    component needs a manager's (``component.edit``), as on the web."""
    if any(value is not None for value in (payload.name, payload.description, payload.position)):
        action_required(request, "component.edit")
    return services.component_update(
        component=_component_or_404(request, component_id),
        name=payload.name,
        description=payload.description,
        status=payload.status,
        position=payload.position,
        actor=actor_of(request),
    )


@router.delete(
    "/components/{int:component_id}",
    response={204: None, **errors(401, 403, 404, 422)},
    operation_id="status_components_delete",
    summary="Remove a component",
    tags=TAGS,
    **scoped(WRITE, "component.edit"),
)
def status_components_delete(request: HttpRequest, component_id: int) -> Status[None]:
    services.component_delete(
        component=_component_or_404(request, component_id), actor=actor_of(request)
    )
    return Status(204, None)


# --- incidents -------------------------------------------------------------------------------


@router.get(
    "/incidents",
    response={200: list[IncidentOut], **errors(401, 403, 422)},
    operation_id="status_incidents_list",
    summary="List incidents, newest first",
    tags=TAGS,
    **scoped(READ, "status.read"),
)
@paginate(Page, max_limit=200)
def status_incidents_list(request: HttpRequest, resolved: bool | None = None) -> Any:
    """`resolved=false`: those in progress; `resolved=true`: those resolved."""
    return selectors.incidents(organization=organization_of(request), resolved=resolved)


@router.post(
    "/incidents",
    response={201: IncidentOut, 200: IncidentOut, **errors(400, 401, 403, 413, 422)},
    operation_id="status_incidents_create",
    summary="Open an incident",
    tags=TAGS,
    **scoped(WRITE, "incident.manage"),
)
def status_incidents_create(request: HttpRequest, payload: IncidentIn) -> Status[Incident]:
    """Opens the incident with its first update and tells the status page's followers. The
    same title again within ten minutes, while that incident is unresolved, answers 200 with
    the first."""
    found, created = services.incident_open(
        organization=organization_of(request),
        title=payload.title,
        body=payload.body,
        impact=payload.impact,
        status=payload.status,
        component_ids=[pk for pk in payload.component_ids if is_object_id(pk)]
        if all(is_object_id(pk) for pk in payload.component_ids)
        else [0],
        component_status=payload.component_status,
        expected_fix_at=payload.expected_fix_at,
        started_at=payload.started_at,
        actor=actor_of(request),
    )
    return Status(201 if created else 200, _incident_or_404(request, found.pk))


@router.get(
    "/incidents/{int:incident_id}",
    response={200: IncidentOut, **errors(401, 403, 404, 422)},
    operation_id="status_incidents_get",
    summary="Get an incident with its updates",
    tags=TAGS,
    **scoped(READ, "status.read"),
)
def status_incidents_get(request: HttpRequest, incident_id: int) -> Incident:
    return _incident_or_404(request, incident_id)


@router.patch(
    "/incidents/{int:incident_id}",
    response={200: IncidentOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="status_incidents_update",
    summary="Change an incident's title, impact or components",
    tags=TAGS,
    **scoped(WRITE, "incident.manage"),
)
def status_incidents_update(
    request: HttpRequest, incident_id: int, payload: IncidentPatchIn
) -> Incident:
    ids = payload.component_ids
    if ids is not None and not all(is_object_id(pk) for pk in ids):
        raise ValidationError({"component_ids": "A component is not on this status page."})
    services.incident_edit(
        incident=_incident_or_404(request, incident_id),
        title=payload.title,
        impact=payload.impact,
        component_ids=ids,
        actor=actor_of(request),
    )
    return _incident_or_404(request, incident_id)


@router.post(
    "/incidents/{int:incident_id}/updates",
    response={
        201: IncidentUpdateOut,
        200: IncidentUpdateOut,
        **errors(400, 401, 403, 404, 413, 422),
    },
    operation_id="status_incidents_updates_create",
    summary="Post an update (status `resolved` resolves the incident)",
    tags=TAGS,
    **scoped(WRITE, "incident.manage"),
)
def status_incidents_updates_create(
    request: HttpRequest, incident_id: int, payload: IncidentUpdateIn
) -> Status[IncidentUpdate]:
    """Followers are told. Resolving sets the components back to operational (unless another
    incident holds them) and posts the resolution to every open linked case, once; a later
    update that is not `resolved` reopens the incident. The same update again within ten
    minutes answers 200 with the first."""
    update, created = services.incident_update_post(
        incident=_incident_or_404(request, incident_id),
        status=payload.status,
        body=payload.body,
        component_status=payload.component_status,
        expected_fix_at=payload.expected_fix_at,
        actor=actor_of(request),
    )
    return Status(201 if created else 200, update)


@router.put(
    "/incidents/{int:incident_id}/postmortem",
    response={200: IncidentOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="status_incidents_postmortem_put",
    summary="Publish or correct the post-mortem of a resolved incident",
    tags=TAGS,
    **scoped(WRITE, "incident.manage"),
)
def status_incidents_postmortem_put(
    request: HttpRequest, incident_id: int, payload: PostmortemIn
) -> Incident:
    services.incident_postmortem_publish(
        incident=_incident_or_404(request, incident_id),
        body=payload.body,
        actor=actor_of(request),
    )
    return _incident_or_404(request, incident_id)


# --- affected cases --------------------------------------------------------------------------


@router.get(
    "/incidents/{int:incident_id}/cases",
    response={200: list[IncidentCaseOut], **errors(401, 403, 404, 422)},
    operation_id="status_incidents_cases_list",
    summary="The cases linked to an incident",
    tags=TAGS,
    **scoped(READ, "status.read"),
)
def status_incidents_cases_list(request: HttpRequest, incident_id: int) -> list[IncidentCase]:
    return selectors.cases_of_incident(incident=_incident_or_404(request, incident_id))


@router.post(
    "/incidents/{int:incident_id}/cases",
    response={200: list[IncidentCaseOut], **errors(400, 401, 403, 404, 413, 422)},
    operation_id="status_incidents_cases_link",
    summary="Link cases to an incident",
    tags=TAGS,
    **scoped(WRITE, "incident.manage"),
)
def status_incidents_cases_link(
    request: HttpRequest, incident_id: int, payload: CaseNumbersIn
) -> list[IncidentCase]:
    """Customers see the incident on their case and are told when it is resolved. Linking a
    case again changes nothing. Answers every case linked to the incident."""
    incident = _incident_or_404(request, incident_id)
    cases = cases_by_numbers(organization=organization_of(request), numbers=payload.case_numbers)
    missing = sorted(set(payload.case_numbers) - {case.number for case in cases})
    if missing:
        raise ValidationError(
            {"case_numbers": "No case " + ", ".join(f"#{n}" for n in missing[:20]) + "."}
        )
    services.incident_cases_link(incident=incident, cases=cases, actor=actor_of(request))
    return selectors.cases_of_incident(incident=incident)


@router.delete(
    "/incidents/{int:incident_id}/cases/{int:case_number}",
    response={204: None, **errors(401, 403, 404, 422)},
    operation_id="status_incidents_cases_unlink",
    summary="Unlink a case from an incident",
    tags=TAGS,
    **scoped(WRITE, "incident.manage"),
)
def status_incidents_cases_unlink(
    request: HttpRequest, incident_id: int, case_number: int
) -> Status[None]:
    incident = _incident_or_404(request, incident_id)
    link = next(
        (
            link
            for link in selectors.cases_of_incident(incident=incident)
            if link.case.number == case_number
        ),
        None,
    )
    if link is None:
        raise Http404()
    services.incident_case_unlink(link=link, actor=actor_of(request))
    return Status(204, None)
