"""What the customer posted in public (ideas, comments, questions, answers, reviews), their
votes and follows. After erasure, posts stay under the neutral name or go, by the
organization's policy (``SAYSO_ERASURE_PUBLIC_POSTS``)."""

from __future__ import annotations

from typing import Any

from sayso.community.models import (
    Answer,
    AnswerVote,
    Category,
    Comment,
    CommunityProfile,
    Flag,
    Follow,
    FollowSettings,
    Idea,
    MeToo,
    Notice,
    Question,
    Review,
    Vote,
)
from sayso.customers.models import Customer
from sayso.intelligence.models import DecidedKind, SpamDecision
from sayso.privacy.providers._fields import when
from sayso.privacy.registry import ErasureContext, provider_register


def collect_posts(customer: Customer) -> dict[str, Any]:
    org = customer.organization_id
    return {
        "ideas": [
            {
                "number": i.number,
                "title": i.title,
                "body": i.body,
                "hidden": i.hidden_at is not None,
                "posted_at": when(i.created_at),
            }
            for i in Idea.objects.filter(organization_id=org, author=customer).order_by("id")
        ],
        "comments": [
            {
                "body": c.body,
                "hidden": c.state != "visible",
                "posted_at": when(c.created_at),
                "on": comment_target(c),
            }
            for c in Comment.objects.filter(organization_id=org, author=customer)
            .select_related("idea", "review__product", "roadmap_item", "changelog_entry")
            .order_by("id")
        ],
        "questions": [
            {
                "number": q.number,
                "title": q.title,
                "body": q.body,
                "hidden": q.hidden_at is not None,
                "posted_at": when(q.created_at),
            }
            for q in Question.objects.filter(organization_id=org, author=customer).order_by("id")
        ],
        "answers": [
            {
                "question": a.question.title,
                "question_number": a.question.number,
                "body": a.body,
                "hidden": a.state != "visible",
                "posted_at": when(a.created_at),
            }
            for a in Answer.objects.filter(organization_id=org, author=customer)
            .select_related("question")
            .order_by("id")
        ],
        "reviews": [
            {
                "rating": r.rating,
                "title": r.title,
                "body": r.body,
                "product": r.product.name if r.product else "",
                "hidden": r.hidden_at is not None,
                "posted_at": when(r.created_at),
            }
            for r in Review.objects.filter(organization_id=org, customer=customer)
            .select_related("product")
            .order_by("id")
        ],
    }


def collect_votes_and_follows(customer: Customer) -> dict[str, Any]:
    org = customer.organization_id
    return {
        "votes": [
            {"idea_number": v.idea.number, "idea": v.idea.title, "at": when(v.created_at)}
            for v in Vote.objects.filter(organization_id=org, customer=customer)
            .select_related("idea")
            .order_by("id")
        ],
        "follows": [
            {
                "subject": f.subject,
                "delivery": f.delivery,
                "since": when(f.created_at),
                "about": follow_about(f.subject, org),
            }
            for f in Follow.objects.filter(organization_id=org, customer=customer).order_by("id")
        ],
    }


def comment_target(comment: Comment) -> dict[str, Any]:
    """What a comment is on, by what names it in another installation (an idea's number and
    title, a review's product and title, a roadmap item's or changelog entry's title)."""
    if comment.idea is not None:
        return {"kind": "idea", "number": comment.idea.number, "title": comment.idea.title}
    if comment.review is not None:
        product = comment.review.product
        return {
            "kind": "review",
            "title": comment.review.title,
            "product": product.name if product else "",
            "posted_at": when(comment.review.created_at),
        }
    if comment.roadmap_item is not None:
        return {"kind": "roadmap_item", "title": comment.roadmap_item.title}
    if comment.changelog_entry is not None:
        return {"kind": "changelog_entry", "title": comment.changelog_entry.title}
    return {"kind": ""}


def follow_about(subject: str, organization_id: int) -> dict[str, Any] | None:
    """What a follow's subject (``idea:<id>``, ``question:<id>``, ``review:<id>``,
    ``category:<id>``, ``person:<id>``) names, by number, title or name (ids mean nothing in
    another installation); None for a subject without an id (``ideas``) or one that is gone."""
    kind, _, pk = subject.partition(":")
    if not pk.isdigit():
        return None
    found: Any = None
    if kind == "idea":
        found = Idea.objects.filter(organization_id=organization_id, pk=int(pk)).first()
        return {"kind": kind, "number": found.number, "title": found.title} if found else None
    if kind == "question":
        found = Question.objects.filter(organization_id=organization_id, pk=int(pk)).first()
        return {"kind": kind, "number": found.number, "title": found.title} if found else None
    if kind == "review":
        found = (
            Review.objects.filter(organization_id=organization_id, pk=int(pk))
            .select_related("product", "customer")
            .first()
        )
        if found is None:
            return None
        return {
            "kind": kind,
            "title": found.title,
            "product": found.product.name if found.product else "",
            "by": found.customer.public_name,
        }
    if kind == "category":
        found = Category.objects.filter(organization_id=organization_id, pk=int(pk)).first()
        return {"kind": kind, "name": found.name} if found else None
    if kind == "person":
        found = Customer.objects.filter(organization_id=organization_id, pk=int(pk)).first()
        return {"kind": kind, "name": found.public_name} if found else None
    return None


def erase_community(context: ErasureContext) -> dict[str, int]:
    ids = context.customer_ids
    counts: dict[str, int] = {}
    for model in (Follow, FollowSettings, Notice, Flag, CommunityProfile):
        deleted, _ = model.objects.filter(customer_id__in=ids).delete()
        counts[model._meta.model_name or model.__name__] = deleted
    if context.public_posts == "remove":
        posts: list[tuple[Any, str, str]] = [
            (Comment, "author_id", DecidedKind.COMMENT),
            (Answer, "author_id", DecidedKind.ANSWER),
            (Review, "customer_id", DecidedKind.REVIEW),
            (Question, "author_id", DecidedKind.QUESTION),
            (Idea, "author_id", DecidedKind.IDEA),
        ]
        for model, field, kind in posts:
            rows = model.objects.filter(**{f"{field}__in": ids})
            SpamDecision.objects.filter(
                kind=kind, object_id__in=list(rows.values_list("pk", flat=True))
            ).delete()
            deleted, _ = rows.delete()
            counts[f"{model._meta.model_name}_removed"] = deleted
    else:
        # Kept under the customer row's neutral name; votes and "me too"s keep their counts.
        counts["public_posts_kept"] = sum(
            model.objects.filter(**{f"{field}__in": ids}).count()
            for model, field in (
                (Comment, "author_id"),
                (Answer, "author_id"),
                (Review, "customer_id"),
                (Question, "author_id"),
                (Idea, "author_id"),
            )
        )
    counts["votes_kept"] = Vote.objects.filter(customer_id__in=ids).count()
    counts["answer_votes_kept"] = AnswerVote.objects.filter(customer_id__in=ids).count()
    counts["me_toos_kept"] = MeToo.objects.filter(customer_id__in=ids).count()
    return counts


provider_register(
    "public_posts", collect=collect_posts, erase=erase_community, title="What you posted"
)
provider_register(
    "votes_and_follows", collect=collect_votes_and_follows, title="Your votes and follows"
)
