"""Staff pages of the spam filter an organization's moderators teach: its versions (retrain
now, roll back), the decisions it learnt from, the release of a wrongly held post with its
look-alikes, "spam" / "not spam" on inbox messages and mentions, and the Akismet setting."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from sayso.core.encryption import masked, unseal
from sayso.core.permissions import StaffRequest, staff_required
from sayso.core.roles import may
from sayso.core.web import errors_text, safe_next
from sayso.intelligence.analysis import spam_akismet, spam_feedback, spam_held
from sayso.intelligence.analysis import spam_filter as org_filter
from sayso.intelligence.models import DecidedKind, SpamLabel
from sayso.notifications.selectors import unread_alert_count


def _context(request: StaffRequest, **values: Any) -> dict[str, Any]:
    values["alert_count"] = unread_alert_count(
        organization=request.organization, recipient=request.user
    )
    return values


def _page(request: StaffRequest) -> str:
    return reverse("spam-filter", kwargs={"org": request.organization.slug})


def _item_key(value: str) -> tuple[str, int] | None:
    """``comment:12`` → ("comment", 12); anything else None."""
    kind, _, number = (value or "").partition(":")
    if kind not in DecidedKind.values or not number.isdigit() or len(number) > 18:
        return None
    return kind, int(number)


@require_GET
@staff_required("spam.read")
def spam_filter(request: StaffRequest) -> HttpResponse:
    organization = request.organization
    label = request.GET.get("label", "")
    label = label if label in SpamLabel.values else ""
    released = _item_key(request.GET.get("released", ""))
    offer: list[spam_held.HeldItem] = []
    released_text = ""
    if released is not None:
        decision = (
            spam_feedback.decision_list(organization=organization)
            .filter(kind=released[0], object_id=released[1], label=SpamLabel.HAM)
            .first()
        )
        if decision is not None:
            released_text = decision.text
            offer = spam_held.lookalikes(
                organization=organization, text=decision.text, exclude=released
            )
    setting = spam_akismet.akismet_setting_get(organization=organization)
    key_shown = ""
    if setting is not None:
        try:
            key_shown = masked(unseal(setting.api_key))
        except Exception:
            key_shown = "(unreadable: enter it again)"
    return render(
        request,
        "intelligence/spam_filter.html",
        _context(
            request,
            versions=list(org_filter.version_list(organization=organization)[:10]),
            decisions=list(
                spam_feedback.decision_list(organization=organization, label=label)[:50]
            ),
            label=label,
            stale=org_filter.filter_stale(organization=organization),
            released=released,
            released_text=released_text,
            offer=offer,
            akismet=setting,
            akismet_key=key_shown,
            is_admin=may(request.membership, "spam.akismet"),
            is_manager=may(request.membership, "spam.rollback"),
        ),
    )


@staff_required("spam.train")
@require_POST
def spam_filter_retrain(request: StaffRequest) -> HttpResponse:
    from sayso.intelligence.tasks import spam_filter_retrain as retrain

    organization = request.organization
    if not spam_feedback.decision_list(organization=organization).exists():
        messages.error(request, "Nothing to learn from yet: mark posts as spam or not spam first.")
        return redirect(_page(request))
    organization_id, user_id = organization.pk, request.user.pk
    transaction.on_commit(lambda: retrain.enqueue(organization_id, user_id))
    messages.success(
        request,
        "Retraining the filter on your moderators' decisions; the new version is "
        "listed here when it is ready.",
    )
    return redirect(_page(request))


@staff_required("spam.rollback")
@require_POST
def spam_filter_rollback(request: StaffRequest) -> HttpResponse:
    try:
        version = org_filter.spam_filter_rollback(
            organization=request.organization, actor=request.user
        )
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    else:
        messages.success(request, f"Version {version.number} is the active filter again.")
    return redirect(_page(request))


@staff_required("spam.decide")
@require_POST
def spam_filter_release(request: StaffRequest) -> HttpResponse:
    """Release a held post ("not spam", one click) and offer its held look-alikes; with
    ``lookalike`` values (``kind:id``) release those too."""
    key = _item_key(request.POST.get("item", ""))
    if key is None:
        messages.error(request, "Choose a held post to release.")
        return redirect(_page(request))
    chosen = [k for k in map(_item_key, request.POST.getlist("lookalike")) if k is not None]
    organization = request.organization
    if chosen and request.POST.get("only_lookalikes"):
        released: list[spam_held.HeldItem] = []
        for kind, object_id in chosen:
            held = spam_held.held_item_get(
                organization=organization, kind=kind, object_id=object_id
            )
            if held is not None:
                with transaction.atomic():
                    spam_held.held_release(
                        organization=organization,
                        kind=kind,
                        object_id=object_id,
                        actor=request.user,
                    )
                released.append(held)
        messages.success(request, f"Released {len(released)} more; the public log says so.")
        return redirect(safe_next(request, _page(request)))
    try:
        with transaction.atomic():
            result = spam_held.held_release(
                organization=organization,
                kind=key[0],
                object_id=key[1],
                actor=request.user,
                with_lookalikes=chosen,
            )
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
        return redirect(safe_next(request, _page(request)))
    messages.success(
        request,
        f"Released {len(result.released)} post{'s' if len(result.released) != 1 else ''} "
        "as not spam; the public moderation log says so.",
    )
    if result.lookalikes:
        return redirect(f"{_page(request)}?released={key[0]}:{key[1]}#lookalikes")
    return redirect(safe_next(request, _page(request)))


@staff_required("spam.decide")
@require_POST
def spam_filter_mark(request: StaffRequest) -> HttpResponse:
    """ "Spam" / "not spam" on an inbox message or a mention."""
    key = _item_key(f"{request.POST.get('kind', '')}:{request.POST.get('id', '')}")
    label = request.POST.get("label", "")
    fallback = _page(request)
    if key is None or key[0] not in (DecidedKind.MESSAGE, DecidedKind.MENTION):
        messages.error(request, "Choose a message or a mention to mark.")
        return redirect(safe_next(request, fallback))
    try:
        spam_feedback.item_mark(
            organization=request.organization,
            kind=key[0],
            object_id=key[1],
            label=label,
            actor=request.user,
            where="inbox" if key[0] == DecidedKind.MESSAGE else "mentions",
        )
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    else:
        said = "spam" if label == SpamLabel.SPAM else "not spam"
        messages.success(request, f"Marked as {said}; the filter learns from it.")
    return redirect(safe_next(request, fallback))


@staff_required("spam.akismet")
@require_POST
def spam_filter_akismet(request: StaffRequest) -> HttpResponse:
    organization = request.organization
    if request.POST.get("remove"):
        spam_akismet.akismet_setting_delete(organization=organization)
        messages.success(request, "Akismet is off: Sayso's filter alone screens posts.")
        return redirect(_page(request))
    try:
        spam_akismet.akismet_setting_save(
            organization=organization,
            api_key=request.POST.get("api_key", ""),
            blog_url=request.POST.get("blog_url", ""),
            enabled=bool(request.POST.get("enabled")),
        )
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    else:
        messages.success(request, "Akismet accepted the key; its verdict now joins Sayso's.")
    return redirect(_page(request))
