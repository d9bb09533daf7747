from typing import Any

from django.apps import AppConfig


def _is(person: Any, customer_id: int | None) -> bool:
    return person is not None and customer_id is not None and person.pk == customer_id


def _unanswered_count(*, organization: Any) -> int:
    """The questions waiting past the set time: the inbox links to that queue with the count."""
    from sayso.community import qa

    return qa.unanswered_queue(organization=organization).count()


class CommunityConfig(AppConfig):
    name = "sayso.community"
    label = "community"

    def ready(self) -> None:
        from sayso.community import following, ideas, qa, reviews, spam_kinds
        from sayso.community import sections as community_sections
        from sayso.community.models import (
            Answer,
            AnswerVote,
            Category,
            Comment,
            CommunityProfile,
            Flag,
            Follow,
            Idea,
            MeToo,
            Notice,
            Question,
            Review,
            Vote,
        )
        from sayso.conversations import sections
        from sayso.customers import merging
        from sayso.customers.models import Customer
        from sayso.intelligence import register_source

        merging.register(Idea, "author")
        merging.register(Comment, "author")
        merging.register(Flag)
        merging.register(Follow, unique_with=("subject",))
        merging.register(Notice, unique_with=("event",))
        # One review per person and subject: a merged-away record's review of a subject the
        # surviving record also reviewed stays with it (unpublished with it) until an unmerge.
        merging.register(Review, unique_with=("product",))
        # One vote per person: a vote of the merged-away customer on an idea the surviving one
        # voted on stays behind (and counts again after an unmerge).
        merging.register(Vote, unique_with=("idea",), after=ideas.idea_votes_recount)
        merging.register(Question, "author")
        merging.register(Answer, "author", after=qa.reputations_recount)
        merging.register(AnswerVote, unique_with=("answer",), after=qa.answer_votes_recount)
        merging.register(MeToo, unique_with=("question",), after=qa.me_too_recount)
        # A community profile is not moved: visibility is each record's own choice (a merge
        # never makes anyone visible), and reputation is recomputed from the answers moved.
        register_source(
            "question",
            qa.question_texts_for_index,
            count=qa.question_count_for_index,
        )
        register_source("idea", ideas.idea_texts_for_index, count=ideas.idea_count_for_index)
        # What can be followed by email (following.subject_check reads this): new ideas and
        # questions, an idea, a category's new ideas, a question, a review's thread, and a
        # person who chose to be visible. A hidden idea or review only by its author; a hidden
        # or withdrawn question by no one.
        following.followable_register(following.NEW_IDEAS, name="list of new ideas")
        following.followable_register(qa.NEW_QUESTIONS, name="list of new questions")
        following.followable_register(
            "idea",
            name="idea",
            model=Idea,
            visible=lambda idea, person: idea.hidden_at is None or _is(person, idea.author_id),
        )
        following.followable_register("category", name="category", model=Category)
        following.followable_register(
            "question", name="question", model=Question, visible=lambda q, _: q.is_public
        )
        following.followable_register(
            "review",
            name="review",
            model=Review,
            visible=lambda review, person: (
                review.hidden_at is None or _is(person, review.customer_id)
            ),
        )
        following.followable_register(
            "person",
            name="person",
            model=Customer,
            visible=lambda person, _: CommunityProfile.objects.filter(
                customer=person, visible=True
            ).exists(),
        )
        # Moderators' "spam" / "not spam" teaches the organization's spam filter: how it finds,
        # hides and releases each kind of post.
        spam_kinds.spam_kinds_register(
            {
                "comment": (ideas.comment_hide, ideas.comment_restore),
                "answer": (qa.answer_hide, qa.answer_restore),
                "idea": (ideas.idea_hide, ideas.idea_restore),
                "question": (qa.question_hide, qa.question_restore),
                "review": (reviews.review_hide, reviews.review_restore),
            }
        )
        # The staff case page lists the community questions linked to the case, and the inbox
        # links to the unanswered questions.
        sections.STAFF_CASE.register("community_questions", qa.questions_of_case)
        sections.INBOX.register("unanswered_count", _unanswered_count)
        # Comments hang on reviews too (roadmap adds its items and changelog entries).
        community_sections.thread_target_register("review", reviews.review_get)
