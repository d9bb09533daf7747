"""A customer's follows and following settings."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from sayso.community.following.subjects import subject_refusal
from sayso.community.models import (
    Category,
    Delivery,
    Follow,
    FollowSettings,
    Idea,
    Notice,
)
from sayso.core.models import Organization
from sayso.customers.models import Customer

# --- settings and follows --------------------------------------------------------------------


def settings_for(customer: Customer) -> FollowSettings:
    found = FollowSettings.objects.filter(customer=customer).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return FollowSettings.objects.create(
                organization_id=customer.organization_id, customer=customer
            )
    except IntegrityError:
        return FollowSettings.objects.get(customer=customer)


@transaction.atomic
def follow_settings_update(
    *, customer: Customer, follow_on_participation: bool, delivery: str
) -> FollowSettings:
    if delivery not in Delivery.values:
        from django.core.exceptions import ValidationError

        raise ValidationError({"delivery": "Choose each update or a daily digest."})
    found = settings_for(customer)
    found.follow_on_participation = follow_on_participation
    found.delivery = delivery
    found.save(update_fields=["follow_on_participation", "delivery", "updated_at"])
    Follow.objects.filter(customer=customer).update(delivery=delivery)
    return found


def follow_add(*, customer: Customer, subject: str, delivery: str | None = None) -> Follow:
    """Follow ``subject`` (idempotent: following twice keeps one follow). Only something the
    customer's organization has, that its kind's app registered as followable and that the
    customer may see (``subject_check``): no caller, however it got the subject, can create a
    follow of another organization's thing, of something not public or of junk."""
    if customer.merged_into_id is not None:
        raise ValidationError("This customer record was merged into another.")
    refusal = subject_refusal(
        organization_id=customer.organization_id, subject=subject, customer=customer
    )
    if refusal:
        raise ValidationError({"subject": refusal})
    chosen = delivery if delivery in Delivery.values else settings_for(customer).delivery
    try:
        with transaction.atomic():
            follow, _ = Follow.objects.get_or_create(
                customer=customer,
                subject=subject,
                defaults={"organization_id": customer.organization_id, "delivery": chosen},
            )
    except IntegrityError:
        follow = Follow.objects.get(customer=customer, subject=subject)
    if delivery in Delivery.values and follow.delivery != delivery:
        follow.delivery = delivery
        follow.save(update_fields=["delivery", "updated_at"])
    FollowSettings.objects.filter(customer=customer, emails_stopped_at__isnull=False).update(
        emails_stopped_at=None
    )
    return follow


def follow_remove(*, customer: Customer, subject: str) -> bool:
    follows = Follow.objects.filter(customer=customer, subject=subject)
    Notice.objects.filter(follow__in=follows, sent_at__isnull=True, skipped="").update(
        skipped="unfollowed"
    )
    deleted, _ = follows.delete()
    return bool(deleted)


def follow_on_participation(customer: Customer, subject: str) -> None:
    """Voting, commenting or posting follows, unless the customer turned that off."""
    found = settings_for(customer)
    if found.follow_on_participation and found.emails_stopped_at is None:
        follow_add(customer=customer, subject=subject)


def follows_move(*, from_subject: str, to_subject: str, organization: Organization) -> int:
    """A merged idea's followers follow the surviving idea (once each)."""
    already = Follow.objects.filter(organization=organization, subject=to_subject).values(
        "customer_id"
    )
    moved = (
        Follow.objects.filter(organization=organization, subject=from_subject)
        .exclude(customer_id__in=already)
        .update(subject=to_subject)
    )
    Follow.objects.filter(organization=organization, subject=from_subject).delete()
    return moved


def following(*, customer: Customer | None, subjects: Iterable[str]) -> set[str]:
    """Which of ``subjects`` the customer follows."""
    if customer is None:
        return set()
    return set(
        Follow.objects.filter(customer=customer, subject__in=list(subjects)).values_list(
            "subject", flat=True
        )
    )


def follows_of(*, customer: Customer) -> list[tuple[Follow, str, str]]:
    """The customer's follows with a readable name and a link path for each."""

    rows = list(Follow.objects.filter(customer=customer).order_by("subject"))
    idea_ids = [int(f.subject.split(":")[1]) for f in rows if f.subject.startswith("idea:")]
    ideas = {i.pk: i for i in Idea.objects.filter(pk__in=idea_ids).select_related("organization")}
    category_ids = [int(f.subject.split(":")[1]) for f in rows if f.subject.startswith("category:")]
    cats = {c.pk: c for c in Category.objects.filter(pk__in=category_ids)}
    slug = customer.organization.slug
    board = reverse("idea-board", kwargs={"org": slug})
    named: list[tuple[Follow, str, str]] = []
    for follow in rows:
        kind, _, raw = follow.subject.partition(":")
        if kind == "idea" and raw.isdigit() and int(raw) in ideas:
            idea = ideas[int(raw)]
            path = reverse("idea-detail", kwargs={"org": slug, "number": idea.number})
            named.append((follow, f"Idea #{idea.number}: {idea.title}", path))
        elif kind == "category" and raw.isdigit() and int(raw) in cats:
            named.append(
                (
                    follow,
                    f"New ideas in {cats[int(raw)].name}",
                    f"{board}?category={cats[int(raw)].slug}",
                )
            )
        elif follow.subject == "ideas":
            named.append((follow, "Every new idea", board))
        elif follow.subject == "changelog":
            named.append((follow, "The changelog", reverse("changelog", kwargs={"org": slug})))
        elif follow.subject == "roadmap":
            named.append((follow, "The roadmap", reverse("roadmap", kwargs={"org": slug})))
        elif kind == "roadmap-item" and raw.isdigit():
            path = reverse("roadmap-item", kwargs={"org": slug, "pk": int(raw)})
            named.append((follow, "A roadmap item", path))
        elif kind == "changelog-entry" and raw.isdigit():
            path = reverse("changelog-entry", kwargs={"org": slug, "pk": int(raw)})
            named.append((follow, "Comments on a changelog entry", path))
        elif kind == "question" and raw.isdigit():
            from sayso.community.models import Question

            found = Question.objects.filter(pk=int(raw)).first()
            if found is not None:
                path = reverse("question-detail", kwargs={"org": slug, "number": found.number})
                named.append((follow, f"Question: {found.title}", path))
        elif follow.subject == "questions":
            named.append((follow, "Every new question", reverse("questions", kwargs={"org": slug})))
        elif kind == "person" and raw.isdigit():
            person = Customer.objects.filter(pk=int(raw)).first()
            if person is not None:
                path = reverse("community-profile", kwargs={"org": slug, "pk": person.pk})
                named.append((follow, f"{person.public_name}'s questions and answers", path))
        elif kind == "review" and raw.isdigit():
            path = reverse("reviews", kwargs={"org": slug}) + f"#review-{raw}"
            named.append((follow, "A review's thread", path))
    return named
