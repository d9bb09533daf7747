"""Atom 1.0 feeds of community Q&A: new questions (all, or one tag's) and one question's
answers (with which are accepted). Hidden, held and deleted items never appear."""

from __future__ import annotations

from datetime import datetime

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from sayso.community.ideas.feeds import FEED_ITEMS, Entry, EntryFeed, organization_or_404
from sayso.community.models import Question, Tag
from sayso.community.qa import selectors
from sayso.core.markup import plain_text, stored_html
from sayso.core.models import Organization


class QuestionsFeed(Feed):
    """New public questions, newest first; ``?tag=<slug>`` for one tag's."""

    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, org: str) -> tuple[Organization, Tag | None]:
        organization = organization_or_404(org)
        slug = request.GET.get("tag", "")[:40]
        tag = selectors.tag_by_slug(organization=organization, slug=slug)
        if slug and tag is None:
            raise Http404("No such tag.")
        return organization, tag

    def title(self, obj: tuple[Organization, Tag | None]) -> str:
        organization, tag = obj
        return f"{organization.name}: new questions" + (f" tagged {tag.name}" if tag else "")

    def link(self, obj: tuple[Organization, Tag | None]) -> str:
        organization, tag = obj
        path = reverse("questions", kwargs={"org": organization.slug})
        return f"{path}?tag={tag.slug}" if tag else path

    def feed_guid(self, obj: tuple[Organization, Tag | None]) -> str:
        organization, tag = obj
        return f"tag:sayso,2024:{organization.slug}:questions" + (f":tag:{tag.pk}" if tag else "")

    def items(self, obj: tuple[Organization, Tag | None]) -> list[Question]:
        organization, tag = obj
        filters = selectors.QuestionFilters(sort="new", tag=tag.slug if tag else "")
        found = selectors.question_list(organization=organization, filters=filters)
        return list(found.select_related("author", "organization")[:FEED_ITEMS])

    def item_title(self, item: Question) -> str:
        return item.title

    def item_description(self, item: Question) -> str:
        return str(stored_html(item.body_html, item.body)) or plain_text(item.title)

    def item_link(self, item: Question) -> str:
        return reverse(
            "question-detail", kwargs={"org": item.organization.slug, "number": item.number}
        )

    def item_guid(self, item: Question) -> str:
        return f"tag:sayso,2024:{item.organization.slug}:question:{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: Question) -> datetime:
        return item.created_at

    def item_updateddate(self, item: Question) -> datetime:
        return item.updated_at

    def item_author_name(self, item: Question) -> str:
        return item.author.public_name if item.author else item.organization.name

    def item_categories(self, item: Question) -> list[str]:
        return [tag.name for tag in item.tags.all()]


class QuestionFeed(EntryFeed):
    """One question's public answers, newest first; an accepted one says so."""

    def get_object(self, request: HttpRequest, org: str, number: int) -> Question:
        question = selectors.question_get(organization=organization_or_404(org), number=number)
        if question is None or not question.is_public:
            raise Http404("No such question.")
        return question

    def title(self, obj: Question) -> str:
        return f"{obj.organization.name}: {obj.title}"

    def subtitle(self, obj: Question) -> str:
        return "Answers to this question, and which solve it."

    def link(self, obj: Question) -> str:
        return reverse(
            "question-detail", kwargs={"org": obj.organization.slug, "number": obj.number}
        )

    def feed_guid(self, obj: Question) -> str:
        return f"tag:sayso,2024:{obj.organization.slug}:question:{obj.pk}:answers"

    def items(self, obj: Question) -> list[Entry]:
        link = self.link(obj)
        org = obj.organization
        answers = selectors.answers_of(question=obj).order_by("-created_at", "-id")[:FEED_ITEMS]
        entries = []
        for answer in answers:
            who = answer.author.public_name if answer.author else f"{org.name} team"
            kind = "Accepted answer" if answer.is_accepted else "Answer"
            entries.append(
                Entry(
                    guid=f"tag:sayso,2024:{org.slug}:answer:{answer.pk}",
                    title=f"{kind} by {who}",
                    html=str(stored_html(answer.body_html, answer.body)),
                    link=f"{link}#answer-{answer.pk}",
                    published=answer.created_at,
                    updated=max(answer.updated_at, answer.accepted_at or answer.updated_at),
                    author=who,
                )
            )
        return entries
