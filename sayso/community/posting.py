"""The public-post pipeline: every kind of public text (an idea, a comment, a question, an
answer, a review) goes through it, in two steps.

``post_screen`` decides whether a customer's post is held: a copy of another person's recent
post of the same kind is held as a copy; otherwise the spam analysis reads it (the base model,
then the organization's own filter taught by its moderators, then Akismet where the
organization uses it). Every reason the analysis gives is kept, so moderators read why. Staff
posts are never screened.

``post_publish`` finishes a post once the service has written its row: a held post gets its
entry in the public moderation log ("Held by the spam filter: …") and nothing else; a public
one is announced to the followers of its subjects and, with ``follow``, followed by its author
(unless they turned following on participation off).

What is each kind's own stays in its service: its text limits, its repeat check (the same
person posting the same text again gets the first post back, by ``digest``), the row it writes
and its counters.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from sayso.community.following import Event, announce, follow_on_participation
from sayso.community.models import ModerationAction
from sayso.community.moderation import moderation_record
from sayso.core.models import Organization
from sayso.customers.models import Customer, IdentityKind

HELD_BY_FILTER = "Held by the spam filter"
COPY_WINDOW = timedelta(days=30)  # a copy of another person's post this recent is held
COPY_MIN_LENGTH = 40  # shorter texts ("Me too!", "+1") are alike by chance


def spam_reasons(text: str, author: Customer | None) -> list[str]:
    """The base model's reasons to hold ``text`` (empty: it passed), read with its author's
    name (the public one they chose, else the name they gave) and blog or site link: a
    product, shop or keyword name is a spam signal of its own. Every reason the analysis gives
    is kept ("author name is a shop", "self-promotion", "spam words"), so that moderators read
    all of them."""
    from sayso.intelligence.analysis.pipeline import Item, analyze

    name = url = ""
    if author is not None:
        name = author.public_name if author.public_name_chosen_at else author.display_name
        links = author.identities.filter(kind=IdentityKind.URL).values_list("value", flat=True)
        url = links.first() or ""
    item = Item(
        text=text,
        author=name,
        author_url=url,
        author_id=f"customer:{author.pk}" if author else "",
    )
    result = analyze([item])[0]
    if not result.is_spam:
        return []
    return list(dict.fromkeys(result.reasons)) or ["looks like spam"]


def screened(organization_id: int, text: str, author: Customer | None, kind: str) -> list[str]:
    """The base model's reasons to hold a post, with the organization's own filter (what its
    moderators taught it) and Akismet, where it uses Akismet."""
    from sayso.intelligence.analysis.spam_filter import screen

    return screen(
        organization_id=organization_id,
        text=text,
        author=author,
        base=spam_reasons(text, author),
        kind=kind,
    )


def post_screen(
    *,
    organization_id: int,
    kind: str,
    text: str,
    author: Customer | None,
    copies: QuerySet[Any] | None = None,
) -> list[str]:
    """Why a post of ``kind`` by ``author`` is held (empty: it is public). ``copies``: the
    rows of the same kind with the same digest, to hold a copy of another person's recent
    post; staff (``author`` None) are never held."""
    if author is None:
        return []
    if copies is not None and len(text) >= COPY_MIN_LENGTH:
        copied = (
            copies.exclude(author=author)
            .filter(author_user__isnull=True, created_at__gte=timezone.now() - COPY_WINDOW)
            .first()
        )
        if copied is not None:
            return [f"copies {kind} #{copied.pk} by another person"]
    return screened(organization_id, text, author, kind)


def held_reason(reasons: Iterable[str]) -> str:
    """The public log's reason for a post the filter held, every reason named."""
    return f"{HELD_BY_FILTER}: " + "; ".join(reasons)


@dataclass(frozen=True)
class Published:
    """How to tell the followers of a public post."""

    subjects: list[str]
    event: Event
    also: list[int] = field(default_factory=list)  # customers told whether they follow or not
    follow: str | None = None  # the subject its author follows by posting


def post_publish(
    *,
    organization: Organization,
    author: Customer | None,
    reasons: list[str],
    published: Published | None,
    **item: Any,
) -> None:
    """Finish a post its service wrote: held (``reasons``), its entry in the public moderation
    log names ``item`` (``idea=…``, ``comment=…``, …) and every reason; public, its followers
    are told (never its author) and its author follows ``published.follow``."""
    if reasons:
        moderation_record(
            organization=organization,
            action=ModerationAction.SPAM,
            reason=held_reason(reasons),
            actor_role="spam filter",
            **item,
        )
        return
    if published is None:
        return
    if published.subjects or published.also:
        announce(
            organization=organization,
            subjects=published.subjects,
            also=published.also,
            event=published.event,
            exclude=[author.pk] if author is not None else [],
        )
    if author is not None and published.follow is not None:
        follow_on_participation(author, published.follow)
