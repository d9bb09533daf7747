"""Community Q&A services: asking, answering, voting, accepting, "me too", reputation, links,
moderation, customer merges, and every bad input as a clear error."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from sayso.community import following, ideas, qa
from sayso.community.models import (
    Answer,
    CommentState,
    Follow,
    ModerationEntry,
    Notice,
    Question,
    QuestionLink,
)
from sayso.community.reviews import product_create
from sayso.customers import services as customer_services
from tests import factories

pytestmark = pytest.mark.django_db


def _ask(org: Any, author: Any, title: str = "Sync stops after the update", **kw: Any) -> Any:
    question, created = qa.question_ask(organization=org, author=author, title=title, **kw)
    assert created
    return question


def test_asking_tags_product_numbering_and_double_submit(org: Any, customer: Any) -> None:
    app = product_create(organization=org, name="Mobile app")
    first = _ask(org, customer, body="Since 4.2 nothing syncs.", tags="Sync, android, sync")
    assert first.number == 1
    again, created = qa.question_ask(
        organization=org,
        author=customer,
        title="Sync stops after the update",
        body="Since 4.2 nothing syncs.",
    )
    assert not created and again.pk == first.pk
    second = _ask(org, customer, title="Where is the export button?", product=app, tags=["Export"])
    assert second.number == 2 and second.product == app
    assert sorted(t.slug for t in first.tags.all()) == ["android", "sync"]
    # The asker follows their own question.
    assert Follow.objects.filter(customer=customer, subject=f"question:{first.pk}").exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"title": "   "}, "title"),
        ({"title": "Why"}, "at least"),
        ({"title": "x" * 500}, "too long"),
        ({"body": "y" * 20_001}, "too long"),
        ({"tags": "aa,bb,cc,dd,ee,ff"}, "at most 5 tags"),
        ({"tags": "t" * 41}, "at most 40"),
        ({"tags": "!!"}, "not a usable tag"),
    ],
)
def test_bad_questions_are_refused_with_a_reason(
    org: Any, customer: Any, kwargs: dict[str, Any], message: str
) -> None:
    args = {"title": "A perfectly fine question title", **kwargs}
    with pytest.raises(ValidationError) as caught:
        qa.question_ask(organization=org, author=customer, **args)
    assert message in " ".join(caught.value.messages)
    assert not Question.objects.exists()


def test_answers_votes_acceptance_and_reputation(org: Any, customer: Any, agent: Any) -> None:
    helper = factories.make_customer(org, "Helper", "helper@example.com")
    voter = factories.make_customer(org, "Voter", "voter@example.com")
    question = _ask(org, customer)
    answer, created = qa.answer_post(
        question=question, author=helper, body="Sign out and in again; it re-registers the device."
    )
    assert created and answer.is_public and not answer.is_official
    same, created = qa.answer_post(
        question=question, author=helper, body="Sign out and in again; it re-registers the device."
    )
    assert not created and same.pk == answer.pk
    official, _ = qa.answer_post(
        question=question, author_user=agent, body="We shipped a fix in 4.2.1 today."
    )
    assert official.is_official
    question.refresh_from_db()
    assert question.answer_count == 2 and not question.is_solved

    qa.answer_vote(answer=answer, customer=voter, value=1)
    qa.answer_vote(answer=answer, customer=voter, value=1)  # the same vote again
    qa.answer_vote(answer=answer, customer=customer, value=-1)
    answer.refresh_from_db()
    assert (answer.up_votes, answer.down_votes, answer.score) == (1, 1, 0)
    qa.answer_vote(answer=answer, customer=customer, value=0)  # withdrawn
    answer.refresh_from_db()
    assert answer.score == 1
    assert qa.reputation_of(helper) == 10

    with pytest.raises(ValidationError, match="your own answer"):
        qa.answer_vote(answer=answer, customer=helper, value=1)
    with pytest.raises(ValidationError, match="Vote 1"):
        qa.answer_vote(answer=answer, customer=voter, value=5)

    # Only the asker or staff accept; several answers may be accepted.
    with pytest.raises(PermissionError):
        qa.answer_accept(answer=answer, customer=voter)
    _, changed = qa.answer_accept(answer=answer, customer=customer)
    assert changed
    _, changed = qa.answer_accept(answer=answer, customer=customer)
    assert not changed
    qa.answer_accept(answer=official, actor=agent)
    question.refresh_from_db()
    assert question.accepted_count == 2 and question.is_solved and question.solved_at
    assert qa.reputation_of(helper) == 25  # 10 per up vote + 15 accepted

    # An accepted answer stays; an unaccepted one can be taken back.
    with pytest.raises(ValidationError, match="accepted"):
        qa.answer_delete(answer=answer, customer=helper)
    qa.answer_unaccept(answer=answer, customer=customer)
    qa.answer_delete(answer=answer, customer=helper)
    question.refresh_from_db()
    assert question.answer_count == 1 and question.accepted_count == 1
    assert qa.reputation_of(helper) == 0


def test_closed_deleted_and_hidden_questions_take_no_answers(
    org: Any, customer: Any, agent: Any
) -> None:
    helper = factories.make_customer(org, "Helper", "helper@example.com")
    question = _ask(org, customer)
    qa.question_close(question=question, reason="Answered in the FAQ.", actor=agent)
    with pytest.raises(ValidationError, match="closed"):
        qa.answer_post(question=question, author=helper, body="Try this.")
    with pytest.raises(ValidationError, match="already closed"):
        qa.question_close(question=question, reason="Again", actor=agent)
    qa.question_reopen(question=question, actor=agent)
    qa.answer_post(question=question, author=helper, body="Try this.")

    mine = _ask(org, customer, title="A question I take back")
    qa.question_delete(question=mine, customer=customer)
    with pytest.raises(ValidationError, match="deleted"):
        qa.answer_post(question=mine, author=helper, body="Too late.")
    with pytest.raises(ValidationError, match="Others have answered"):
        qa.question_delete(question=question, customer=customer)
    with pytest.raises(PermissionError):
        qa.question_delete(question=question, customer=helper)

    qa.question_hide(question=question, category="abuse", actor=agent)
    with pytest.raises(ValidationError, match="hidden"):
        qa.answer_post(question=question, author=helper, body="Another one.")
    qa.question_restore(question=question, actor=agent)
    with pytest.raises(ValidationError, match="Choose why"):
        qa.question_hide(question=question, category="too negative", actor=agent)
    assert ModerationEntry.objects.filter(question=question).count() == 2


def test_spam_answers_are_held_and_logged_never_counted(org: Any, customer: Any) -> None:
    spammer = factories.make_customer(org, "Cheap Pills Online", "pills@example.com")
    question = _ask(org, customer)
    answer, _ = qa.answer_post(
        question=question,
        author=spammer,
        body="Buy cheap viagra and cialis online without prescription at "
        "https://cheap-pharmacy-pills.example/buy — best prices, discount coupon!",
    )
    assert answer.state == CommentState.SPAM
    question.refresh_from_db()
    assert question.answer_count == 0
    assert ModerationEntry.objects.filter(answer=answer, actor_role="spam filter").exists()
    assert list(qa.answers_of(question=question)) == []


def test_me_too_follows_counts_and_the_accepted_answer_tells_everyone(
    org: Any, customer: Any, agent: Any, run_on_commit: Any
) -> None:
    ann = factories.make_customer(org, "Ann", "ann@example.com")
    ben = factories.make_customer(org, "Ben", "ben@example.com")
    helper = factories.make_customer(org, "Helper", "helper@example.com")
    question = _ask(org, customer)
    assert qa.me_too(question=question, customer=ann)
    assert not qa.me_too(question=question, customer=ann)  # once
    assert qa.me_too(question=question, customer=ben)
    with pytest.raises(ValidationError, match="You asked"):
        qa.me_too(question=question, customer=customer)
    question.refresh_from_db()
    assert question.me_too_count == 2
    assert following.following(customer=ann, subjects=[qa.question_subject(question)])
    # Ann stops following but still has the problem: she is told of the solution anyway.
    following.follow_remove(customer=ann, subject=qa.question_subject(question))
    answer, _ = qa.answer_post(question=question, author=helper, body="Reinstall it.")
    with run_on_commit(execute=False):
        qa.answer_accept(answer=answer, actor=agent)
    told = set(
        Notice.objects.filter(event=f"accepted:{answer.pk}").values_list("customer_id", flat=True)
    )
    assert told == {customer.pk, ann.pk, ben.pk, helper.pk}
    assert qa.me_too(question=question, customer=ben, has_problem=False)
    question.refresh_from_db()
    assert question.me_too_count == 1


def test_visibility_is_opt_in_and_people_can_be_followed_only_when_visible(
    org: Any, customer: Any
) -> None:
    ann = factories.make_customer(org, "Ann", "ann@example.com")
    ben = factories.make_customer(org, "Ben", "ben@example.com")
    question = _ask(org, customer)
    qa.me_too(question=question, customer=ann)
    qa.me_too(question=question, customer=ben)
    assert qa.people_with_problem(question=question) == []
    qa.profile_update(customer=ann, visible=True)
    assert qa.people_with_problem(question=question) == [ann]
    assert following.subject_check(organization=org, subject=f"person:{ann.pk}")
    with pytest.raises(ValidationError):
        following.subject_check(organization=org, subject=f"person:{ben.pk}")
    qa.profile_update(customer=ann, visible=False)
    assert qa.people_with_problem(question=question) == []


def test_links_both_ways_and_turning_a_question_into_an_idea(
    org: Any, other_org: Any, customer: Any, agent: Any
) -> None:
    question = _ask(org, customer, title="Can I export invoices as PDF?")
    case = factories.make_case(org, customer, subject="PDF export")
    link, created = qa.question_link(question=question, case=case, actor=agent)
    assert created
    assert qa.question_link(question=question, case=case, actor=agent)[1] is False
    assert qa.questions_of_case(case=case) == [question]
    idea = qa.question_to_idea(question=question, actor=agent)
    assert idea.title == question.title and idea.author == customer
    assert qa.question_to_idea(question=question, actor=agent).pk == idea.pk
    assert ideas.questions_of_idea(idea=idea) == [question]
    public = qa.links_of_question(question=question, staff=False)
    assert [(link.idea, link.converted) for link in public] == [(idea, True)]  # no case
    assert len(qa.links_of_question(question=question, staff=True)) == 2
    foreign = factories.make_case(other_org, factories.make_customer(other_org, "Zed"))
    with pytest.raises(ValidationError, match="another organization"):
        qa.question_link(question=question, case=foreign, actor=agent)
    qa.question_unlink(link=link)
    assert qa.questions_of_case(case=case) == []
    assert QuestionLink.objects.count() == 1


def test_unanswered_queue_and_ranking_by_people_affected(org: Any, customer: Any) -> None:
    ann = factories.make_customer(org, "Ann", "ann@example.com")
    old = _ask(org, customer, title="An old question nobody answered")
    busy = _ask(org, customer, title="Another old one, many affected")
    fresh = _ask(org, customer, title="A brand new question")
    day_ago = timezone.now() - timedelta(hours=30)
    Question.objects.filter(pk__in=[old.pk, busy.pk]).update(created_at=day_ago)
    qa.me_too(question=busy, customer=ann)
    queue = list(qa.unanswered_queue(organization=org))
    assert queue == [busy, old]
    qa.answer_post(question=old, author=ann, body="Here is how.")
    assert list(qa.unanswered_queue(organization=org)) == [busy]
    assert qa.most_affecting(organization=org).first() == busy
    assert fresh not in queue


def test_customer_merge_moves_questions_answers_and_me_too(org: Any, agent: Any) -> None:
    asker = factories.make_customer(org, "Asker", "asker@example.com")
    dana = factories.make_customer(org, "Dana", "dana@example.com")
    dana_again = factories.make_customer(org, "Dana B", "dana.b@example.com")
    question = _ask(org, asker)
    answer, _ = qa.answer_post(question=question, author=dana_again, body="Use the web app.")
    qa.me_too(question=question, customer=dana)
    qa.me_too(question=question, customer=dana_again)
    qa.answer_vote(answer=answer, customer=asker, value=1)
    question.refresh_from_db()
    assert question.me_too_count == 2
    merge = customer_services.customer_merge(source=dana_again, target=dana, actor=agent)
    question.refresh_from_db()
    assert question.me_too_count == 1  # the same person, counted once
    assert Answer.objects.get(pk=answer.pk).author == dana
    assert qa.reputation_of(dana) == 10
    customer_services.customer_unmerge(merge=merge, actor=agent)
    question.refresh_from_db()
    assert question.me_too_count == 2
    assert Answer.objects.get(pk=answer.pk).author == dana_again
