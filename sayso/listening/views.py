"""Staff pages of the listening app: mentions with charts, sources, terms, routing rules."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from sayso.core.permissions import StaffRequest, staff_required
from sayso.core.roles import may
from sayso.core.web import errors_text, get_or_404
from sayso.intelligence.models import INTENT_LABELS
from sayso.listening import selectors, services
from sayso.listening.forms import RuleForm, SourceForm, TermForm
from sayso.listening.models import Outcome, Source, SourceKind
from sayso.notifications.selectors import unread_alert_count


def _context(request: StaffRequest, **values: Any) -> dict[str, Any]:
    values["alert_count"] = unread_alert_count(
        organization=request.organization, recipient=request.user
    )
    return values


def _source_or_404(request: StaffRequest, pk: int) -> Source:
    return get_or_404(
        selectors.source_get, pk, organization=request.organization, message="No such source."
    )


@staff_required("listening.read")
def mention_list(request: StaffRequest) -> HttpResponse:
    filters = selectors.MentionFilters.from_params(request.GET)
    mentions = selectors.mention_list(organization=request.organization, filters=filters)
    page = Paginator(mentions, 25).get_page(request.GET.get("page"))
    query = "&".join(f"{k}={v}" for k, v in filters.as_query().items())
    return render(
        request,
        "listening/mention_list.html",
        _context(
            request,
            page=page,
            filters=filters,
            filter_query=query,
            charts=selectors.mention_charts(organization=request.organization, filters=filters),
            sources=selectors.source_list(organization=request.organization),
            intents=INTENT_LABELS,
            competitors=selectors.competitor_names(organization=request.organization),
            outcomes=Outcome.choices,
            has_terms=selectors.term_list(organization=request.organization).exists(),
        ),
    )


@staff_required("mention.open_case")
@require_POST
def mention_open_case(request: StaffRequest, pk: int) -> HttpResponse:
    mention = get_or_404(
        selectors.mention_get, pk, organization=request.organization, message="No such mention."
    )
    try:
        case = services.mention_open_case(mention=mention, actor=request.user)
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
        return redirect("mention-list", org=request.organization.slug)
    messages.success(request, f"Case #{case.number} opened from the mention.")
    return redirect("case-detail", org=request.organization.slug, number=case.number)


@staff_required("listening.read")
def source_list(request: StaffRequest) -> HttpResponse:
    return render(
        request,
        "listening/source_list.html",
        _context(
            request,
            sources=selectors.source_list(organization=request.organization),
            form=SourceForm(),
            can_edit=may(request.membership, "source.edit"),
        ),
    )


@staff_required("source.edit")
def source_new(request: StaffRequest) -> HttpResponse:
    form = SourceForm(request.POST or None, initial={"kind": request.GET.get("kind", "rss")})
    if request.method == "POST" and form.is_valid():
        try:
            source = services.source_create(
                organization=request.organization, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Listening to “{source.name}”.")
            return redirect("source-detail", org=request.organization.slug, pk=source.pk)
    return render(request, "listening/source_form.html", _context(request, form=form))


@staff_required("listening.read")
def source_detail(request: StaffRequest, pk: int) -> HttpResponse:
    source = _source_or_404(request, pk)
    form = SourceForm(request.POST or None, source=source)
    if request.method == "POST":
        if not may(request.membership, "source.edit"):
            raise Http404("Only an admin can change a source.")
        if form.is_valid():
            values = {k: v for k, v in form.cleaned_data.items() if k != "kind"}
            try:
                services.source_update(source=source, actor=request.user, **values)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "Source saved.")
                return redirect("source-detail", org=request.organization.slug, pk=source.pk)
    recent = selectors.mention_list(
        organization=request.organization,
        filters=selectors.MentionFilters(source=source.pk, spam="all"),
    )[:10]
    return render(
        request,
        "listening/source_detail.html",
        _context(
            request,
            source=source,
            form=form,
            recent=recent,
            can_edit=may(request.membership, "source.edit"),
            embed_code=source.kind == SourceKind.WIDGET,
        ),
    )


@staff_required("source.edit")
@require_POST
def source_test(request: StaffRequest, pk: int) -> HttpResponse:
    """ "Test connection": the first items the source serves, or the exact error (htmx)."""
    source = _source_or_404(request, pk)
    result = services.source_test(source=source)
    return render(request, "listening/_source_test.html", {"result": result, "source": source})


@staff_required("source.edit")
@require_POST
def source_poll(request: StaffRequest, pk: int) -> HttpResponse:
    source = _source_or_404(request, pk)
    if not source.polled:
        messages.error(request, "The widget is not polled: it posts to Sayso.")
    else:
        result = services.source_poll(source=source)
        if result.ok:
            r = result.report
            messages.success(
                request,
                f"Polled: {r.fetched} fetched, {r.stored} new ({r.joined} joined a case, "
                f"{r.opened} opened one), {r.unmatched} mention none of your terms.",
            )
        else:
            messages.error(request, f"Polling failed: {result.error}")
    return redirect("source-detail", org=request.organization.slug, pk=source.pk)


@staff_required("source.edit")
@require_POST
def source_delete(request: StaffRequest, pk: int) -> HttpResponse:
    source = _source_or_404(request, pk)
    services.source_delete(source=source, actor=request.user)
    messages.success(request, f"“{source.name}” removed with the mentions heard there.")
    return redirect("source-list", org=request.organization.slug)


@staff_required("listening.read")
def term_list(request: StaffRequest) -> HttpResponse:
    form = TermForm(request.POST or None)
    if request.method == "POST":
        if not may(request.membership, "term.edit"):
            raise Http404("Only a manager can change what Sayso listens for.")
        if form.is_valid():
            try:
                services.term_add(
                    organization=request.organization, actor=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, f"Listening for “{form.cleaned_data['term']}”.")
                return redirect("term-list", org=request.organization.slug)
    return render(
        request,
        "listening/term_list.html",
        _context(
            request,
            terms=selectors.term_list(organization=request.organization),
            form=form,
            can_edit=may(request.membership, "term.edit"),
        ),
    )


@staff_required("term.edit")
@require_POST
def term_remove(request: StaffRequest, pk: int) -> HttpResponse:
    term = get_or_404(
        selectors.term_get, pk, organization=request.organization, message="No such term."
    )
    services.term_remove(term=term, actor=request.user)
    messages.success(request, f"No longer listening for “{term.term}”.")
    return redirect("term-list", org=request.organization.slug)


@staff_required("listening.read")
def rule_list(request: StaffRequest) -> HttpResponse:
    form = RuleForm(request.POST or None, organization=request.organization)
    if request.method == "POST":
        if not may(request.membership, "rule.edit"):
            raise Http404("Only a manager can change routing rules.")
        if form.is_valid():
            try:
                services.rule_create(
                    organization=request.organization, actor=request.user, **form.values()
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "Rule added.")
                return redirect("rule-list", org=request.organization.slug)
    return render(
        request,
        "listening/rule_list.html",
        _context(
            request,
            rules=selectors.rule_list(organization=request.organization),
            form=form,
            intents=INTENT_LABELS,
            can_edit=may(request.membership, "rule.edit"),
        ),
    )


@staff_required("rule.edit")
def rule_edit(request: StaffRequest, pk: int) -> HttpResponse:
    rule = get_or_404(
        selectors.rule_get, pk, organization=request.organization, message="No such rule."
    )
    initial = {
        "name": rule.name,
        "position": rule.position,
        "intent": rule.intent,
        "sentiment": rule.sentiment,
        "keyword": rule.keyword,
        "channel": rule.channel,
        "source": str(rule.source_id or ""),
        "team": str(rule.team_id or ""),
        "priority": rule.priority,
        "enabled": rule.enabled,
    }
    form = RuleForm(request.POST or None, organization=request.organization, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.rule_update(rule=rule, actor=request.user, **form.values())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Rule saved.")
            return redirect("rule-list", org=request.organization.slug)
    return render(request, "listening/rule_form.html", _context(request, form=form, rule=rule))


@staff_required("rule.edit")
@require_POST
def rule_delete(request: StaffRequest, pk: int) -> HttpResponse:
    rule = get_or_404(
        selectors.rule_get, pk, organization=request.organization, message="No such rule."
    )
    services.rule_delete(rule=rule, actor=request.user)
    messages.success(request, f"Rule “{rule.name}” removed.")
    return redirect("rule-list", org=request.organization.slug)
