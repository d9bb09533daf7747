"""The public roadmap and changelog (``/o/<org>/roadmap/``, ``/o/<org>/changelog/``), with the
team's tools on the same pages for signed-in staff (each POST checks the role)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from sayso.community import following
from sayso.community.moderation import HideReason
from sayso.core.markup import render_markdown
from sayso.core.web import errors_text, follow_toggle, get_or_404
from sayso.customers.portal_session import (
    PortalRequest,
    portal_staff,
    portal_staff_required,
    portal_view,
)
from sayso.roadmap import selectors, services
from sayso.roadmap.forms import ChangelogEntryForm, RoadmapItemForm, parse_numbers
from sayso.roadmap.models import Horizon


@require_GET
@portal_view(sign_in_required=False)
def roadmap(request: PortalRequest) -> HttpResponse:
    staff = portal_staff(request)
    return render(
        request,
        "roadmap/roadmap.html",
        {
            "organization": request.organization,
            "columns": selectors.roadmap(organization=request.organization),
            "staff": staff,
            "form": RoadmapItemForm() if staff else None,
            "horizons": Horizon.choices,
            "follows": bool(
                following.following(customer=request.customer, subjects=[services.ROADMAP])
            ),
        },
    )


@require_GET
@portal_view(sign_in_required=False)
def roadmap_item(request: PortalRequest, pk: int) -> HttpResponse:
    from sayso.community.ideas import comments_on

    item = get_or_404(
        selectors.roadmap_item_get,
        pk,
        organization=request.organization,
        message="No such roadmap item.",
    )
    return render(
        request,
        "roadmap/roadmap_item.html",
        {
            "organization": request.organization,
            "item": item,
            "body_html": render_markdown(item.body),
            "comments": comments_on(target=item),
            "follows": bool(
                following.following(
                    customer=request.customer, subjects=[services.roadmap_item_subject(item)]
                )
            ),
            "hide_reasons": HideReason.choices,
            "comment_action": reverse(
                "roadmap-item-comment", kwargs={"org": request.organization.slug, "pk": item.pk}
            ),
            "staff": portal_staff(request),
        },
    )


@require_POST
@portal_view(sign_in_required=False)
def roadmap_item_create(request: PortalRequest) -> HttpResponse:
    actor = portal_staff_required(request, "roadmap.edit")
    form = RoadmapItemForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect("roadmap", org=request.organization.slug)
    try:
        services.roadmap_item_create(
            organization=request.organization,
            title=form.cleaned_data["title"],
            body=form.cleaned_data["body"],
            horizon=form.cleaned_data["horizon"],
            idea_numbers=parse_numbers(form.cleaned_data["ideas"]),
            actor=actor,
        )
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    else:
        messages.success(request, "Added to the roadmap.")
    return redirect("roadmap", org=request.organization.slug)


@require_POST
@portal_view(sign_in_required=False)
def roadmap_item_move(request: PortalRequest, pk: int) -> HttpResponse:
    portal_staff_required(request, "roadmap.edit")
    item = get_or_404(
        selectors.roadmap_item_get,
        pk,
        organization=request.organization,
        message="No such roadmap item.",
    )
    try:
        if request.POST.get("delete") == "1":
            services.roadmap_item_delete(item=item)
        else:
            services.roadmap_item_update(item=item, horizon=request.POST.get("horizon", ""))
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    return redirect("roadmap", org=request.organization.slug)


@require_GET
@portal_view(sign_in_required=False)
def changelog(request: PortalRequest) -> HttpResponse:
    staff = portal_staff(request)
    page = Paginator(selectors.changelog(organization=request.organization), 20).get_page(
        request.GET.get("page")
    )
    form = None
    if staff:
        form = ChangelogEntryForm()
        form.fields["roadmap_items"].choices = [  # type: ignore[attr-defined]
            (str(item.pk), f"{item.title} ({item.get_horizon_display()})")
            for _, _, items in selectors.roadmap(organization=request.organization)
            for item in items
        ]
    return render(
        request,
        "roadmap/changelog.html",
        {
            "organization": request.organization,
            "entries": [(entry, render_markdown(entry.body)) for entry in page.object_list],
            "page": page,
            "staff": staff,
            "form": form,
            "drafts": selectors.changelog_drafts(organization=request.organization)
            if staff
            else [],
            "follows": bool(
                following.following(customer=request.customer, subjects=[services.CHANGELOG])
            ),
        },
    )


@require_GET
@portal_view(sign_in_required=False)
def changelog_entry(request: PortalRequest, pk: int) -> HttpResponse:
    staff = portal_staff(request)
    entry = get_or_404(
        selectors.changelog_entry_get,
        pk,
        organization=request.organization,
        drafts=staff is not None,
        message="No such changelog entry.",
    )
    from sayso.community.ideas import comments_on

    return render(
        request,
        "roadmap/changelog_entry.html",
        {
            "organization": request.organization,
            "entry": entry,
            "body_html": render_markdown(entry.body),
            "staff": staff,
            "comments": comments_on(target=entry) if entry.published_at else [],
            "hide_reasons": HideReason.choices,
            "comment_action": reverse(
                "changelog-entry-comment",
                kwargs={"org": request.organization.slug, "pk": entry.pk},
            ),
        },
    )


@require_POST
@portal_view(sign_in_required=False)
def changelog_create(request: PortalRequest) -> HttpResponse:
    actor = portal_staff_required(request, "roadmap.edit")
    form = ChangelogEntryForm(request.POST)
    form.fields["roadmap_items"].choices = [  # type: ignore[attr-defined]
        (str(item.pk), item.title)
        for _, _, items in selectors.roadmap(organization=request.organization)
        for item in items
    ]
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect("changelog", org=request.organization.slug)
    try:
        entry = services.changelog_entry_create(
            organization=request.organization,
            title=form.cleaned_data["title"],
            body=form.cleaned_data["body"],
            idea_numbers=parse_numbers(form.cleaned_data["ideas"]),
            roadmap_item_ids=[int(pk) for pk in form.cleaned_data["roadmap_items"]],
            actor=actor,
        )
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
        return redirect("changelog", org=request.organization.slug)
    messages.success(request, "Draft saved: publish it when it ships.")
    return redirect("changelog-entry", org=request.organization.slug, pk=entry.pk)


@require_POST
@portal_view(sign_in_required=False)
def changelog_publish(request: PortalRequest, pk: int) -> HttpResponse:
    actor = portal_staff_required(request, "roadmap.edit")
    entry = get_or_404(
        selectors.changelog_entry_get,
        pk,
        organization=request.organization,
        drafts=True,
        message="No such changelog entry.",
    )
    services.changelog_entry_publish(entry=entry, actor=actor)
    messages.success(request, "Published: everyone who voted on or follows it is told.")
    return redirect("changelog-entry", org=request.organization.slug, pk=entry.pk)


@require_POST
@portal_view(sign_in_required=False)
def changelog_follow(request: PortalRequest) -> HttpResponse:
    return follow_toggle(
        request,
        following,
        subject=services.CHANGELOG,
        back=reverse("changelog", kwargs={"org": request.organization.slug}),
        followed="You follow the changelog by email.",
        unfollowed="You no longer follow the changelog.",
    )


@require_POST
@portal_view(sign_in_required=False)
def roadmap_follow(request: PortalRequest) -> HttpResponse:
    """Follow the whole roadmap (``item`` absent) or one item by email."""
    item_id = request.POST.get("item", "")
    item = (
        get_or_404(
            selectors.roadmap_item_get,
            item_id,
            organization=request.organization,
            message="No such roadmap item.",
        )
        if item_id
        else None
    )
    back = (
        reverse("roadmap-item", kwargs={"org": request.organization.slug, "pk": item.pk})
        if item is not None
        else reverse("roadmap", kwargs={"org": request.organization.slug})
    )
    return follow_toggle(
        request,
        following,
        subject=services.roadmap_item_subject(item) if item is not None else services.ROADMAP,
        back=back,
        followed="You will hear of its changes by email.",
        unfollowed="Unfollowed.",
    )
