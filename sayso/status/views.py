"""The public status page (``/o/<org>/status/``): components, incidents with their updates and
post-mortems, following by email and Atom. Signed-in staff act on the same pages: agents open
and update incidents and link affected cases; managers change the components."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sayso.community import following
from sayso.core.roles import may
from sayso.core.selectors import organization_by_slug
from sayso.core.web import errors_text, follow_toggle, get_or_404, is_object_id
from sayso.customers.portal_session import (
    PortalRequest,
    portal_staff,
    portal_staff_required,
    portal_view,
)
from sayso.roadmap.forms import parse_numbers
from sayso.status import maintenance as maintenance_services
from sayso.status import selectors, services, statuspage, uptime
from sayso.status.forms import (
    ComponentForm,
    IncidentForm,
    IncidentUpdateForm,
    MaintenanceForm,
    MaintenanceUpdateForm,
    PostmortemForm,
)
from sayso.status.models import ComponentStatus, Incident, IncidentStatus, Maintenance


def _form_errors(form: forms.Form) -> str:
    return " ".join(f"{name}: {e}" for name, errs in form.errors.items() for e in errs)


def _incident_or_404(request: PortalRequest, pk: int) -> Incident:
    return get_or_404(
        selectors.incident_get, pk, organization=request.organization, message="No such incident."
    )


def _incident_form(request: PortalRequest, data: object = None) -> IncidentForm:
    form = IncidentForm(data)  # type: ignore[arg-type]
    form.fields["components"].choices = [  # type: ignore[attr-defined]
        (str(c.pk), c.name) for c in selectors.components(organization=request.organization)
    ]
    return form


def _maintenance_form(request: PortalRequest, data: object = None) -> MaintenanceForm:
    form = MaintenanceForm(data)  # type: ignore[arg-type]
    form.fields["components"].choices = [  # type: ignore[attr-defined]
        (str(c.pk), c.name) for c in selectors.components(organization=request.organization)
    ]
    return form


def _maintenance_or_404(request: PortalRequest, pk: int) -> Maintenance:
    return get_or_404(
        selectors.maintenance_get,
        pk,
        organization=request.organization,
        message="No such maintenance.",
    )


@require_GET
@portal_view(sign_in_required=False)
def status_page(request: PortalRequest) -> HttpResponse:
    staff = portal_staff(request)
    page = selectors.status_page(organization=request.organization)
    bars = {found.component.pk: found for found in uptime.uptime(page.components)}
    sections = [
        (section, [(c, bars[c.pk]) for c in section.components]) for section in page.sections
    ]
    return render(
        request,
        "status/status.html",
        {
            "organization": request.organization,
            "page": page,
            "sections": sections,
            "time_zone": settings.TIME_ZONE,
            "uptime_days": uptime.DAYS,
            "overall_label": ComponentStatus(page.overall).label,
            "staff": staff,
            "manager": may(staff, "component.edit"),
            "status_setter": may(staff, "component.status"),
            "form": _incident_form(request) if staff else None,
            "maintenance_form": _maintenance_form(request) if staff else None,
            "component_form": ComponentForm() if staff else None,
            "component_statuses": ComponentStatus.choices,
            "groups": selectors.component_groups(organization=request.organization)
            if staff
            else [],
            "follows": bool(
                following.following(customer=request.customer, subjects=[services.STATUS])
            ),
        },
    )


@require_GET
@portal_view(sign_in_required=False)
def incident_history(request: PortalRequest) -> HttpResponse:
    page = Paginator(selectors.incidents(organization=request.organization), 25).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "status/incidents.html",
        {"organization": request.organization, "page": page},
    )


@require_GET
@portal_view(sign_in_required=False)
def incident(request: PortalRequest, pk: int) -> HttpResponse:
    from sayso.community.qa import questions_of_incident

    found = _incident_or_404(request, pk)
    staff = portal_staff(request)
    update_form = None
    if staff:
        update_form = IncidentUpdateForm(initial={"status": found.status})
    return render(
        request,
        "status/incident.html",
        {
            "organization": request.organization,
            "incident": found,
            "updates": list(found.updates.all()),
            "questions": questions_of_incident(incident=found),
            "staff": staff,
            "update_form": update_form,
            "edit_form": _incident_form(request) if staff else None,
            "postmortem_form": PostmortemForm(initial={"postmortem": found.postmortem})
            if staff
            else None,
            "cases": selectors.cases_of_incident(incident=found) if staff else [],
            "suggested": selectors.suggested_cases(incident=found)
            if staff and found.resolved_at is None
            else [],
            "ticked": selectors.SUGGEST_TICKED_SCORE,
            "follows": bool(
                following.following(
                    customer=request.customer, subjects=[services.incident_subject(found)]
                )
            ),
        },
    )


@require_POST
@portal_view(sign_in_required=False)
def incident_open(request: PortalRequest) -> HttpResponse:
    actor = portal_staff_required(request, "incident.manage")
    form = _incident_form(request, request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("status", org=request.organization.slug)
    data = form.cleaned_data
    try:
        found, created = services.incident_open(
            organization=request.organization,
            title=data["title"],
            body=data["body"],
            impact=data["impact"],
            status=data["status"],
            component_ids=[int(pk) for pk in data["components"]],
            component_status=data["component_status"] or None,
            expected_fix_at=data["expected_fix_at"],
            actor=actor,
        )
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
        return redirect("status", org=request.organization.slug)
    messages.success(
        request,
        "Incident opened: followers of the status page are told."
        if created
        else "This incident is already open.",
    )
    return redirect("incident", org=request.organization.slug, pk=found.pk)


@require_POST
@portal_view(sign_in_required=False)
def incident_update(request: PortalRequest, pk: int) -> HttpResponse:
    actor = portal_staff_required(request, "incident.manage")
    found = _incident_or_404(request, pk)
    form = IncidentUpdateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("incident", org=request.organization.slug, pk=found.pk)
    data = form.cleaned_data
    try:
        _, created = services.incident_update_post(
            incident=found,
            status=data["status"],
            body=data["body"],
            component_status=data["component_status"] or None,
            expected_fix_at=data["expected_fix_at"],
            actor=actor,
        )
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    else:
        if not created:
            messages.info(request, "This update was already posted.")
        elif data["status"] == IncidentStatus.RESOLVED:
            messages.success(request, "Resolved: followers and the linked cases are told.")
        else:
            messages.success(request, "Update posted: followers are told.")
    return redirect("incident", org=request.organization.slug, pk=found.pk)


@require_POST
@portal_view(sign_in_required=False)
def incident_edit(request: PortalRequest, pk: int) -> HttpResponse:
    actor = portal_staff_required(request, "incident.manage")
    found = _incident_or_404(request, pk)
    title = request.POST.get("title")
    impact = request.POST.get("impact")
    raw = request.POST.getlist("components") if "components-present" in request.POST else None
    try:
        ids = None if raw is None else [int(v) for v in raw if is_object_id(v)]
        services.incident_edit(
            incident=found, title=title, impact=impact, component_ids=ids, actor=actor
        )
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    else:
        messages.success(request, "Incident changed.")
    return redirect("incident", org=request.organization.slug, pk=found.pk)


@require_POST
@portal_view(sign_in_required=False)
def incident_postmortem(request: PortalRequest, pk: int) -> HttpResponse:
    actor = portal_staff_required(request, "incident.manage")
    found = _incident_or_404(request, pk)
    form = PostmortemForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("incident", org=request.organization.slug, pk=found.pk)
    first = found.postmortem_published_at is None
    try:
        services.incident_postmortem_publish(
            incident=found, body=form.cleaned_data["postmortem"], actor=actor
        )
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    else:
        messages.success(
            request, "Post-mortem published: followers are told." if first else "Corrected."
        )
    return redirect(reverse("incident", kwargs={"org": request.organization.slug, "pk": pk}))


@require_POST
@portal_view(sign_in_required=False)
def incident_cases(request: PortalRequest, pk: int) -> HttpResponse:
    """Link cases by number (typed, or ticked among the suggestions), or remove a link."""
    from sayso.conversations.selectors import cases_by_numbers

    actor = portal_staff_required(request, "incident.manage")
    found = _incident_or_404(request, pk)
    back = reverse("incident", kwargs={"org": request.organization.slug, "pk": pk}) + "#cases"
    if request.POST.get("action") == "unlink":
        link = next(
            (
                link
                for link in selectors.cases_of_incident(incident=found)
                if str(link.pk) == request.POST.get("link", "")
            ),
            None,
        )
        if link is None:
            raise Http404("No such link.")
        services.incident_case_unlink(link=link, actor=actor)
        messages.success(request, f"Case #{link.case.number} unlinked.")
        return redirect(back)
    numbers = parse_numbers(request.POST.get("numbers", ""), limit=500) + parse_numbers(
        " ".join(request.POST.getlist("case")), limit=500
    )
    if not numbers:
        messages.error(request, "Give the numbers of the cases to link.")
        return redirect(back)
    cases = cases_by_numbers(organization=request.organization, numbers=numbers)
    missing = sorted(set(numbers) - {case.number for case in cases})
    if missing:
        messages.error(request, "No case " + ", ".join(f"#{n}" for n in missing[:20]) + ".")
        return redirect(back)
    made = services.incident_cases_link(incident=found, cases=cases, actor=actor)
    messages.success(
        request,
        f"{len(made)} case{'s' if len(made) != 1 else ''} linked: "
        "the customers see the incident on their case and are told when it is resolved.",
    )
    return redirect(back)


@require_POST
@portal_view(sign_in_required=False)
def component_create(request: PortalRequest) -> HttpResponse:
    actor = portal_staff_required(request, "component.edit")
    form = ComponentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
    else:
        try:
            services.component_create(
                organization=request.organization,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                actor=actor,
            )
        except ValidationError as exc:
            messages.error(request, errors_text(exc))
        else:
            messages.success(request, "Component added.")
    return redirect(reverse("status", kwargs={"org": request.organization.slug}) + "#components")


@require_POST
@portal_view(sign_in_required=False)
def component_change(request: PortalRequest, pk: int) -> HttpResponse:
    """Set a component's status (whoever handles incidents), or move it into a group or
    remove it (managers)."""
    if request.POST.get("action") in {"delete", "group"}:
        actor = portal_staff_required(request, "component.edit")
    else:
        actor = portal_staff_required(request, "component.status")
    component = get_or_404(
        selectors.component_get,
        pk,
        organization=request.organization,
        message="No such component.",
    )
    try:
        if request.POST.get("action") == "delete":
            services.component_delete(component=component, actor=actor)
            messages.success(request, f"“{component.name}” removed.")
        elif request.POST.get("action") == "group":
            raw = request.POST.get("group", "")
            services.component_update(
                component=component,
                group_id=int(raw) if is_object_id(raw) else None,
                ungroup=not raw,
                actor=actor,
            )
            messages.success(request, f"“{component.name}” moved.")
        else:
            services.component_update(
                component=component, status=request.POST.get("status", ""), actor=actor
            )
            messages.success(request, f"“{component.name}” changed.")
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    return redirect(reverse("status", kwargs={"org": request.organization.slug}) + "#components")


@require_POST
@portal_view(sign_in_required=False)
def status_follow(request: PortalRequest) -> HttpResponse:
    """Follow the whole status page (``incident`` absent) or one incident by email."""
    raw = request.POST.get("incident", "")
    found = (
        get_or_404(
            selectors.incident_get,
            raw,
            organization=request.organization,
            message="No such incident.",
        )
        if raw
        else None
    )
    back = (
        reverse("incident", kwargs={"org": request.organization.slug, "pk": found.pk})
        if found is not None
        else reverse("status", kwargs={"org": request.organization.slug})
    )
    return follow_toggle(
        request,
        following,
        subject=services.incident_subject(found) if found is not None else services.STATUS,
        back=back,
        followed="You will get an email with every update.",
        unfollowed="Unfollowed.",
    )


@require_POST
@portal_view(sign_in_required=False)
def component_group_create(request: PortalRequest) -> HttpResponse:
    actor = portal_staff_required(request, "component.edit")
    try:
        services.component_group_create(
            organization=request.organization,
            name=request.POST.get("name", ""),
            description=request.POST.get("description", ""),
            actor=actor,
        )
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    else:
        messages.success(request, "Group added: move components into it.")
    return redirect(reverse("status", kwargs={"org": request.organization.slug}) + "#components")


@require_POST
@portal_view(sign_in_required=False)
def component_group_delete(request: PortalRequest, pk: int) -> HttpResponse:
    actor = portal_staff_required(request, "component.edit")
    group = get_or_404(
        selectors.component_group_get,
        pk,
        organization=request.organization,
        message="No such group.",
    )
    services.component_group_delete(group=group, actor=actor)
    messages.success(request, f"Group “{group.name}” removed; its components stay.")
    return redirect(reverse("status", kwargs={"org": request.organization.slug}) + "#components")


# --- scheduled maintenance -------------------------------------------------------------------


@require_GET
@portal_view(sign_in_required=False)
def maintenance(request: PortalRequest, pk: int) -> HttpResponse:
    found = _maintenance_or_404(request, pk)
    staff = portal_staff(request)
    return render(
        request,
        "status/maintenance.html",
        {
            "organization": request.organization,
            "maintenance": found,
            "updates": list(found.updates.all()),
            "staff": staff,
            "update_form": MaintenanceUpdateForm(initial={"status": found.status})
            if staff
            else None,
        },
    )


@require_POST
@portal_view(sign_in_required=False)
def maintenance_schedule(request: PortalRequest) -> HttpResponse:
    actor = portal_staff_required(request, "incident.manage")
    form = _maintenance_form(request, request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(reverse("status", kwargs={"org": request.organization.slug}) + "#plan")
    data = form.cleaned_data
    try:
        found, created = maintenance_services.maintenance_schedule(
            organization=request.organization,
            title=data["title"],
            body=data["body"],
            scheduled_for=data["scheduled_for"],
            scheduled_until=data["scheduled_until"],
            component_ids=[int(pk) for pk in data["components"]],
            actor=actor,
        )
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
        return redirect(reverse("status", kwargs={"org": request.organization.slug}) + "#plan")
    messages.success(
        request,
        "Maintenance announced: followers of the status page are told."
        if created
        else "This maintenance was already announced.",
    )
    return redirect("maintenance", org=request.organization.slug, pk=found.pk)


@require_POST
@portal_view(sign_in_required=False)
def maintenance_update(request: PortalRequest, pk: int) -> HttpResponse:
    actor = portal_staff_required(request, "incident.manage")
    found = _maintenance_or_404(request, pk)
    form = MaintenanceUpdateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
    else:
        try:
            _, created = maintenance_services.maintenance_update_post(
                maintenance=found,
                status=form.cleaned_data["status"],
                body=form.cleaned_data["body"],
                actor=actor,
            )
        except ValidationError as exc:
            messages.error(request, errors_text(exc))
        else:
            messages.success(
                request, "Update posted: followers are told." if created else "Already posted."
            )
    return redirect("maintenance", org=request.organization.slug, pk=found.pk)


# --- Statuspage-compatible JSON ----------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "OPTIONS"])
def statuspage_json(request: HttpRequest, org: str, kind: str) -> HttpResponse:
    """``/o/<org>/status/api/v2/<kind>.json``, readable from any origin (it is public)."""
    organization = organization_by_slug(slug=org)
    if organization is None:
        raise Http404("No such organization.")
    response: HttpResponse
    if request.method == "OPTIONS":
        response = HttpResponse(status=204)
        response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        response["Access-Control-Max-Age"] = "86400"
    else:
        response = JsonResponse(statuspage.document(organization, kind))
        response["Cache-Control"] = "public, max-age=30"
    response["Access-Control-Allow-Origin"] = "*"
    return response
