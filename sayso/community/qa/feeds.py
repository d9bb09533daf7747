"""Atom 1.0 feeds of community Q&A: new questions (all, or one tag's) and one question's
answers (with which are accepted). Hidden, held and deleted items never appear."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.urls import reverse

from sayso.community.models import Question, Tag
from sayso.community.qa import selectors
from sayso.core.feeds import FEED_ITEMS, AtomFeed, Entry, organization_or_404, public_name, tag
from sayso.core.markup import plain_text, stored_html
from sayso.core.models import Organization


class QuestionsFeed(AtomFeed):
    """New public questions, newest first; ``?tag=<slug>`` for one tag's."""

    def get_object(self, request: HttpRequest, org: str) -> tuple[Organization, Tag | None]:
        organization = organization_or_404(org)
        slug = request.GET.get("tag", "")[:40]
        found = selectors.tag_by_slug(organization=organization, slug=slug)
        if slug and found is None:
            raise Http404("No such tag.")
        return organization, found

    def title(self, obj: tuple[Organization, Tag | None]) -> str:
        organization, topic = obj
        return f"{organization.name}: new questions" + (f" tagged {topic.name}" if topic else "")

    def link(self, obj: tuple[Organization, Tag | None]) -> str:
        organization, topic = obj
        path = reverse("questions", kwargs={"org": organization.slug})
        return f"{path}?tag={topic.slug}" if topic else path

    def feed_guid(self, obj: tuple[Organization, Tag | None]) -> str:
        organization, topic = obj
        return tag(organization.slug, "questions", *(("tag", topic.pk) if topic else ()))

    def items(self, obj: tuple[Organization, Tag | None]) -> list[Entry]:
        organization, topic = obj
        filters = selectors.QuestionFilters(sort="new", tag=topic.slug if topic else "")
        found = selectors.question_list(organization=organization, filters=filters)
        return [
            Entry(
                guid=tag(question.organization.slug, "question", question.pk),
                title=question.title,
                html=str(stored_html(question.body_html, question.body))
                or plain_text(question.title),
                link=reverse(
                    "question-detail",
                    kwargs={"org": question.organization.slug, "number": question.number},
                ),
                published=question.created_at,
                updated=question.updated_at,
                author=public_name(question.author, otherwise=question.organization.name),
                categories=tuple(t.name for t in question.tags.all()),
            )
            for question in found.select_related("author", "organization")[:FEED_ITEMS]
        ]


class QuestionFeed(AtomFeed):
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
        return tag(obj.organization.slug, "question", obj.pk, "answers")

    def items(self, obj: Question) -> list[Entry]:
        link = self.link(obj)
        org = obj.organization
        answers = selectors.answers_of(question=obj).order_by("-created_at", "-id")[:FEED_ITEMS]
        entries = []
        for answer in answers:
            who = public_name(answer.author, otherwise=f"{org.name} team")
            kind = "Accepted answer" if answer.is_accepted else "Answer"
            entries.append(
                Entry(
                    guid=tag(org.slug, "answer", answer.pk),
                    title=f"{kind} by {who}",
                    html=str(stored_html(answer.body_html, answer.body)),
                    link=f"{link}#answer-{answer.pk}",
                    published=answer.created_at,
                    updated=max(answer.updated_at, answer.accepted_at or answer.updated_at),
                    author=who,
                )
            )
        return entries
