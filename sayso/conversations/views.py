"""The staff inbox and case page. Thin: parse, authorize, call a service or selector, render."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from sayso.conversations import commitments, sections, selectors, services
from sayso.conversations.forms import (
    CaseUpdateForm,
    CommitmentCloseForm,
    CommitmentForm,
    HandoffForm,
    ReplyForm,
    staff_choices,
)
from sayso.conversations.models import AutomatedKind, Case, CaseStatus, CommitmentStatus, Priority
from sayso.core.models import Team
from sayso.core.permissions import StaffRequest, staff_required
from sayso.core.selectors import staff_of
from sayso.core.web import errors_text, form_errors_text, get_or_404, object_id
from sayso.customers.selectors import customer_timeline, identities_of, merge_suggestions
from sayso.notifications.outbox import mail_of_messages, mail_retry
from sayso.notifications.selectors import unread_alert_count

INBOX_PAGE_SIZE = 25
CASE_PAGE_MESSAGES = 50  # the newest messages a case page opens on; earlier ones on demand
INBOX_ROW_FIELDS = (
    "number",
    "subject",
    "status",
    "priority",
    "channel",
    "last_message_at",
    "customer__display_name",
    "assignee__username",
    "assignee__first_name",
    "assignee__last_name",
    "team__name",
)


@staff_required("case.read")
def inbox(request: StaffRequest) -> HttpResponse:
    params = request.GET
    filters = selectors.InboxFilters(
        status=params.get("status", "active"),
        assignee=params.get("assignee", ""),
        priority=params.get("priority", ""),
        team=params.get("team", ""),
        query=params.get("q", "")[:200],
    )
    cases = selectors.case_list_for_inbox(
        organization=request.organization, user=request.user, filters=filters
    )
    # Only the columns the rows show: fewer values to fetch and convert on a page that every
    # agent loads all day (docs/performance.md).
    rows = cases.only(*INBOX_ROW_FIELDS)
    paginator = Paginator(rows, INBOX_PAGE_SIZE)
    paginator.count = selectors.inbox_filtered_count(
        organization=request.organization, user=request.user, filters=filters, cases=cases
    )
    page = paginator.get_page(params.get("page"))
    more_than = selectors.SEARCH_COUNT_CAP if paginator.count > selectors.SEARCH_COUNT_CAP else None
    context = {
        "filters": filters,
        "page": page,
        "more_than": more_than,
        "statuses": CaseStatus.choices,
        "priorities": Priority.choices,
        "staff": staff_of(organization=request.organization),
        "teams": Team.objects.filter(organization=request.organization).order_by("name"),
        "counts": selectors.inbox_counts(organization=request.organization, user=request.user),
        "alert_count": unread_alert_count(
            organization=request.organization, recipient=request.user
        ),
        "querystring": params.urlencode(),
        # Other apps' links to their queues (community's unanswered questions, status's
        # incidents in progress); an htmx refresh shows only the rows.
        **(
            {}
            if request.headers.get("HX-Request")
            else sections.INBOX.context(organization=request.organization)
        ),
    }
    template = (
        "conversations/_inbox_results.html"
        if request.headers.get("HX-Request")
        else "conversations/inbox.html"
    )
    return render(request, template, context)


def _case_or_404(request: StaffRequest, number: int) -> Case:
    return get_or_404(
        selectors.case_get,
        number,
        key="number",
        organization=request.organization,
        message="No such case.",
    )


@staff_required("case.read")
def case_detail(request: StaffRequest, number: int) -> HttpResponse:
    case = _case_or_404(request, number)
    organization = request.organization
    show_all = request.GET.get("messages") == "all"
    messages_list, earlier_count = selectors.case_messages_newest(
        case=case, limit=None if show_all else CASE_PAGE_MESSAGES
    )
    _attach_outgoing_mail(organization, messages_list)
    staff = staff_choices(organization)
    identities = identities_of(customer=case.customer)
    commitments = list(selectors.case_commitments(case=case))
    for commitment in commitments:
        commitment.is_overdue = selectors.commitment_is_overdue(commitment)  # type: ignore[attr-defined]
    context = {
        "case": case,
        "customer": case.customer,
        "identities": identities,
        "messages_list": messages_list,
        "earlier_count": earlier_count,
        "commitments": commitments,
        "handoffs": selectors.case_handoffs(case=case),
        "timeline": customer_timeline(
            organization=organization, customer=case.customer, limit=60, brief=True
        ),
        "other_cases": selectors.other_cases_of_customer(case=case),
        "suggestions": merge_suggestions(
            organization=organization, customer=case.customer, identities=identities
        ),
        "reply_form": ReplyForm(),
        "update_form": CaseUpdateForm(initial={"status": case.status, "priority": case.priority}),
        "handoff_form": HandoffForm(organization=organization, staff=staff),
        "commitment_form": CommitmentForm(
            organization=organization, staff=staff, initial={"owner": str(request.user.pk)}
        ),
        "alert_count": unread_alert_count(organization=organization, recipient=request.user),
        # Other apps' sections: community's questions and status's incidents of the case.
        **sections.STAFF_CASE.context(case=case),
        "automated_mail": selectors.automated_mail_of_case(case=case),
    }
    return render(request, "conversations/case_detail.html", context)


def _back(request: StaffRequest, case: Case) -> HttpResponse:
    return redirect("case-detail", org=request.organization.slug, number=case.number)


def _attach_outgoing_mail(organization: Any, messages_list: Sequence[Any]) -> None:
    """Each emailed reply on the page gets its mail (state, attempts, error) in one query."""
    emailed = [m.pk for m in messages_list if m.direction == "outbound" and m.channel == "email"]
    found = mail_of_messages(organization=organization, message_ids=emailed) if emailed else {}
    for message in messages_list:
        if message.pk in found:
            message.outgoing_mail = found[message.pk]


@require_POST
@staff_required("case.update")
def case_mail_retry(request: StaffRequest, number: int, message_id: int) -> HttpResponse:
    """Send a reply's failed (or waiting) email again now: staff of the case's organization."""
    case = _case_or_404(request, number)
    message_id = object_id(message_id, "No email of this case has that id.")
    mail = mail_of_messages(organization=request.organization, message_ids=[message_id]).get(
        message_id
    )
    if mail is None or mail.case_id != case.pk:
        raise Http404("No email of this case has that id.")
    try:
        mail_retry(mail=mail, actor=request.user)
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    else:
        messages.success(request, "The reply is being sent again.")
    return _back(request, case)


@require_POST
@staff_required("case.reply")
def case_reply(request: StaffRequest, number: int) -> HttpResponse:
    case = _case_or_404(request, number)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_text(form) or "The reply is empty.")
        return _back(request, case)
    try:
        if form.cleaned_data["kind"] == "note":
            services.message_note(case=case, author=request.user, body=form.cleaned_data["body"])
            messages.success(request, "Internal note added.")
        else:
            services.message_reply(
                case=case,
                author=request.user,
                body=form.cleaned_data["body"],
                visibility=form.visibility,
            )
            messages.success(request, "Reply sent.")
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    return _back(request, case)


@require_POST
@staff_required("case.update")
def case_update(request: StaffRequest, number: int) -> HttpResponse:
    case = _case_or_404(request, number)
    form = CaseUpdateForm(request.POST)
    if form.is_valid():
        try:
            services.case_update(
                case=case,
                actor=request.user,
                status=form.cleaned_data["status"] or None,
                priority=form.cleaned_data["priority"] or None,
            )
            messages.success(request, "Case updated.")
        except ValidationError as exc:
            messages.error(request, errors_text(exc))
    else:
        messages.error(request, form_errors_text(form))
    return _back(request, case)


@require_POST
@staff_required("case.update")
def case_handoff(request: StaffRequest, number: int) -> HttpResponse:
    case = _case_or_404(request, number)
    form = HandoffForm(request.POST, organization=request.organization)
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
        return _back(request, case)
    to_user = None
    if form.cleaned_data["to_user"]:
        to_user = get_user_model().objects.filter(pk=int(form.cleaned_data["to_user"])).first()
    to_team = None
    if form.cleaned_data["to_team"]:
        to_team = Team.objects.filter(
            organization=request.organization, pk=int(form.cleaned_data["to_team"])
        ).first()
    try:
        services.case_handoff(
            case=case,
            actor=request.user,
            note=form.cleaned_data["note"],
            to_user=to_user,
            to_team=to_team,
        )
        messages.success(request, "Case handed off.")
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    return _back(request, case)


@require_POST
@staff_required("commitment.write")
def commitment_make(request: StaffRequest, number: int) -> HttpResponse:
    case = _case_or_404(request, number)
    form = CommitmentForm(request.POST, organization=request.organization)
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
        return _back(request, case)
    owner = get_user_model().objects.filter(pk=int(form.cleaned_data["owner"])).first()
    try:
        commitments.commitment_make(
            case=case,
            owner=owner,
            description=form.cleaned_data["description"],
            due_at=form.cleaned_data["due_at"],
            actor=request.user,
        )
        messages.success(request, "Commitment recorded. The customer can see it.")
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    return _back(request, case)


@require_POST
@staff_required("commitment.write")
def commitment_close(request: StaffRequest, pk: int, action: str) -> HttpResponse:
    if action not in {"keep", "cancel"}:
        raise Http404("No such commitment.")
    commitment = get_or_404(
        selectors.commitment_get,
        pk,
        organization=request.organization,
        message="No such commitment.",
    )
    form = CommitmentCloseForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        if action == "keep":
            commitments.commitment_keep(commitment=commitment, actor=request.user, note=note)
            messages.success(request, "Commitment marked as kept.")
        else:
            commitments.commitment_cancel(commitment=commitment, actor=request.user, note=note)
            messages.success(request, "Commitment cancelled.")
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    return _back(request, commitment.case)


@staff_required("case.read")
def automated_mail_list(request: StaffRequest) -> HttpResponse:
    """Mail no person wrote (bounces, auto-replies, newsletters, …) with why it was
    recognised; ``?unlinked=1`` shows only what matched no case."""
    kind = request.GET.get("kind", "")
    if kind not in AutomatedKind.values:
        kind = ""
    unlinked = request.GET.get("unlinked") == "1"
    return render(
        request,
        "conversations/automated_mail_list.html",
        {
            "items": selectors.automated_mail_for_staff(
                organization=request.organization, kind=kind, unlinked=unlinked
            ),
            "kind": kind,
            "unlinked": unlinked,
            "kinds": AutomatedKind.choices,
            "alert_count": unread_alert_count(
                organization=request.organization, recipient=request.user
            ),
        },
    )


@staff_required("commitment.read")
def commitment_list(request: StaffRequest) -> HttpResponse:
    status = request.GET.get("status", CommitmentStatus.OPEN)
    if status not in CommitmentStatus.values and status != "":
        status = CommitmentStatus.OPEN
    mine = request.GET.get("mine") == "1"
    commitments = list(
        selectors.commitments_for_staff(
            organization=request.organization,
            owner=request.user if mine else None,
            status=status,
        )[:500]
    )
    for commitment in commitments:
        commitment.is_overdue = selectors.commitment_is_overdue(commitment)  # type: ignore[attr-defined]
    return render(
        request,
        "conversations/commitment_list.html",
        {
            "commitments": commitments,
            "status": status,
            "mine": mine,
            "statuses": CommitmentStatus.choices,
            "alert_count": unread_alert_count(
                organization=request.organization, recipient=request.user
            ),
        },
    )
