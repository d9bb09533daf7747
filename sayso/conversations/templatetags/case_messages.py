"""``{% message_items messages_list case %}``: a case page's messages rendered in Python.

A busy case page shows fifty messages, each with its author, channel, badges, times, body and
what the analysis read in it. Through the template engine that loop was two thirds of the
page's rendering (about 17 ms on the benchmark machine, docs/performance.md); so were
Django's ``date`` filter (``core/templatetags/fast_dates.py`` says why) and its escaping
helpers, called a dozen times a message. This renders the same markup in one pass: every
value escaped with the standard library's ``html.escape`` (what Django's ``escape`` calls),
dates as ``fast_dates`` gives them, line breaks and numbers through Django's own filters.
``tests/conversations/test_case_messages_markup.py`` holds each variant.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from html import escape
from typing import Any

from django import template
from django.template.defaultfilters import floatformat, linebreaksbr
from django.urls import reverse
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime

from sayso.conversations.models import Case, Channel, Message
from sayso.core.templatetags.fast_dates import iso_datetime, month_day_year_time
from sayso.intelligence.models import Sentiment

register = template.Library()

CHANNEL_LABELS = {str(value): str(label) for value, label in Channel.choices}
_SENTIMENTS = {str(value): str(label) for value, label in Sentiment.choices}


def escaped(value: Any) -> str:
    """``value`` as text, escaped as Django's ``escape`` does (this tag and ``inbox_rows``)."""
    return escape(str(value))


class _Renderer:
    def __init__(self, case: Case, retry: _RetryForm | None = None) -> None:
        self.customer_name = escaped(case.customer.display_name)
        self.customer_id = case.customer_id
        self.retry = retry

    def time(self, value: datetime) -> str:
        """``<time>`` as ``{{ value|date:"c" }}`` and ``{{ value|date:"M j, Y H:i" }}``."""
        return f'<time datetime="{iso_datetime(value)}">{month_day_year_time(value)}</time>'

    def author(self, message: Message) -> str:
        user = message.author_user
        if user is not None:
            return f"<strong>{escaped(user.get_full_name() or user.username)}</strong>"
        identity = message.author_identity
        if identity is not None:
            if identity.customer_id != self.customer_id or identity.kind == "email_claimed":
                # A claimed address, or a sender who is not this case's customer (a staff
                # merge does not verify a claim): never shown as the customer.
                return (
                    f"<strong>{escaped(identity.value)}</strong> "
                    '<span class="badge badge-alert" title="Nobody has proved they hold this '
                    'address">unverified sender</span>'
                )
            return f"<strong>{self.customer_name} &lt;{escaped(identity.value)}&gt;</strong>"
        return f"<strong>{self.customer_name}</strong>"

    def item(self, message: Message) -> str:
        return (
            f'<li class="message {escaped(message.direction)} vis-{escaped(message.visibility)}" '
            f'id="message-{message.pk}"><div class="message-head">'
            f"{self.author(message)} "
            f'<span class="chan">{escaped(CHANNEL_LABELS.get(message.channel, message.channel))}'
            "</span>"
            f"{_visibility_badge(message)} {self.time(message.sent_at)}"
            f"{_heard(message)}{_kept_apart(message)}{_delivery(message, self.retry)}</div>"
            f'<div class="message-body">{linebreaksbr(message.body, autoescape=True)}</div>'
            f"{_analysis(message)}</li>"
        )


def _visibility_badge(message: Message) -> str:
    if message.visibility == "internal":
        return ' <span class="badge badge-note">Internal note</span>'
    if message.visibility == "public":
        return ' <span class="badge">Public</span>'
    return ""


def _heard(message: Message) -> str:
    """Where the listening pipeline heard it, and whether it joined this case by meaning."""
    headers = message.headers if isinstance(message.headers, dict) else {}
    heard = headers.get("listening")
    if not heard or not isinstance(heard, dict):
        return ""
    same = ""
    if heard.get("same_problem"):
        same = (
            ' <span class="badge badge-same" title="Matched to this case by meaning '
            f'({escaped(localize(heard.get("similarity", "")))})">Same problem, new channel</span>'
        )
    original = ""
    if heard.get("url"):
        original = (
            f' · <a href="{escaped(heard["url"])}" rel="noopener nofollow" target="_blank">'
            "original</a>"
        )
    source = escaped(localize(heard.get("source", "")))
    return f'{same} <span class="muted small">heard on {source}{original}</span>'


def _kept_apart(message: Message) -> str:
    """An email that answered another customer's case: it opened its sender's own instead."""
    headers = message.headers if isinstance(message.headers, dict) else {}
    number = headers.get("kept_apart_from")
    if not isinstance(number, int):
        return ""
    return (
        ' <span class="badge badge-alert" data-testid="kept-apart">Replied to case '
        f"#{number}, but its sender is not that case's customer: kept apart</span>"
    )


def _delivery(message: Message, retry: _RetryForm | None = None) -> str:
    if message.direction != "outbound" or message.channel != "email":
        return ""
    if message.undelivered_at:  # a bounce after the mail server accepted it
        return f' <span class="error">not delivered: {escaped(message.delivery_error)}</span>'
    mail = getattr(message, "outgoing_mail", None)
    if mail is not None:
        return _outbox_state(message, mail, retry)
    if message.delivered_at:
        return ' <span class="muted">emailed</span>'
    if message.delivery_error:
        return f' <span class="error">not delivered: {escaped(message.delivery_error)}</span>'
    return ' <span class="muted">sending…</span>'


class _RetryForm:
    """The staff's "retry" button of a reply whose mail failed (a POST with the CSRF token)."""

    def __init__(self, url_of: Any, csrf_token: str) -> None:
        self.url_of = url_of
        self.csrf_token = escaped(csrf_token)

    def html(self, message: Message) -> str:
        return (
            f'<form method="post" action="{escaped(self.url_of(message))}" class="inline">'
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{self.csrf_token}">'
            '<button type="submit" class="small" data-testid="retry-email">Retry</button></form>'
        )


def _outbox_state(message: Message, mail: Any, retry: _RetryForm | None) -> str:
    """The reply's mail as the outbox has it (sayso/notifications/outbox.py)."""
    state = str(mail.state)
    testid = f'data-testid="delivery" data-state="{escaped(state)}"'
    if state == "delivered":
        title = f"Accepted by the mail server: {mail.smtp_response}" if mail.smtp_response else ""
        return f' <span class="muted" {testid} title="{escaped(title)}">delivered</span>'
    if state == "failed":
        button = retry.html(message) if retry is not None else ""
        return f' <span class="error" {testid}>failed: {escaped(mail.last_error)}</span>{button}'
    if state == "retrying" and mail.next_attempt_at is not None:
        next_at = localtime(mail.next_attempt_at)
        button = retry.html(message) if retry is not None else ""
        return (
            f' <span class="muted" {testid} title="{escaped(mail.last_error)}">retrying '
            f"(attempt {mail.attempts}, next at "
            f'<time datetime="{iso_datetime(next_at)}">{next_at:%H:%M}</time>)</span>{button}'
        )
    return f' <span class="muted" {testid}>sending…</span>'


def _analysis(message: Message) -> str:
    """What the analysis read in a customer's message (staff only: customers never see it)."""
    analysis = getattr(message, "analysis", None) if message.direction == "inbound" else None
    if not analysis:
        return ""
    parts = [
        f'<span class="badge sentiment-{escaped(analysis.sentiment)}" title="sentiment score '
        f'{floatformat(analysis.sentiment_score, 2)}">'
        f"{escaped(_SENTIMENTS.get(analysis.sentiment, analysis.sentiment))}</span>"
    ]
    parts += [f'<span class="badge">{escaped(label)}</span>' for label in analysis.intent_labels]
    if analysis.is_spam:
        parts.append(f'<span class="badge badge-alert">Spam {floatformat(analysis.spam, 2)}</span>')
    if analysis.duplicate_of_id:
        duplicate = int(analysis.duplicate_of_id)
        parts.append(
            f'<a class="badge" href="#message-{duplicate}">Repeats message {duplicate}</a>'
        )
    if analysis.language and analysis.language != "en":
        parts.append(f'<span class="badge">{escaped(analysis.language)}</span>')
    if analysis.reasons:
        reasons = "; ".join(str(reason) for reason in analysis.reasons)
        parts.append(f'<span class="muted small">{escaped(reasons)}</span>')
    return (
        '<div class="analysis" aria-label="What Sayso read in this message">'
        f"{' '.join(parts)}</div>"
    )


@register.simple_tag(takes_context=True)
def message_items(context: Any, messages: Iterable[Message], case: Case) -> SafeString:
    """Every message of ``messages`` as the ``<li>`` of a case page's conversation. A reply
    carrying its ``outgoing_mail`` (the case page attaches it) shows the mail's state, and
    staff get a retry button on one that failed."""
    retry = None
    token = context.get("csrf_token")
    if token:
        organization = case.organization.slug

        def url_of(message: Message) -> str:
            return reverse(
                "case-mail-retry",
                kwargs={"org": organization, "number": case.number, "message_id": message.pk},
            )

        retry = _RetryForm(url_of, str(token))
    renderer = _Renderer(case, retry)
    # Every value above is escaped; the markup around them is constant.
    return mark_safe("\n".join(renderer.item(message) for message in messages))
