"""Community Q&A pages: reading, asking, answering, voting, "me too", profiles, staff tools,
visibility between people and organizations, search, and bad input (never a 500)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sayso.community import ideas, qa
from sayso.community.models import Answer, Question, QuestionState
from sayso.community.reviews import product_create
from tests import factories
from tests.community.test_idea_pages import _customer_client, _staff_client, _tags

pytestmark = pytest.mark.django_db


def url(name: str, org: Any, **kwargs: Any) -> str:
    return reverse(name, kwargs={"org": org.slug, **kwargs})


def _question(org: Any, author: Any, title: str = "The app crashes when I open settings") -> Any:
    question, _ = qa.question_ask(organization=org, author=author, title=title)
    return question


def test_anyone_reads_but_must_sign_in_to_ask_answer_or_say_me_too(org: Any, customer: Any) -> None:
    question = _question(org, customer)
    anonymous = Client()
    listing = anonymous.get(url("questions", org))
    assert listing.status_code == 200 and question.title in listing.text
    detail = anonymous.get(url("question-detail", org, number=question.number))
    assert detail.status_code == 200 and "Sign in</a> to answer" in detail.text
    for name in ("answer-post", "question-me-too", "question-follow"):
        response = anonymous.post(url(name, org, number=question.number), {"body": "Hi there"})
        assert response.status_code == 302 and "/signin/" in response["Location"]
    assert "/signin/" in anonymous.get(url("question-new", org))["Location"]
    assert not Answer.objects.exists()


def test_a_customer_asks_answers_votes_and_opts_in_through_the_pages(
    org: Any, customer: Any
) -> None:
    product_create(organization=org, name="Mobile app")
    asker = _customer_client(org, customer)
    posted = asker.post(
        url("question-new", org),
        {
            "title": "Where did the dark theme go?",
            "body": "It was there yesterday.",
            "tags": "themes",
            "product": "mobile-app",
        },
    )
    assert posted.status_code == 302
    question = Question.objects.get()
    assert question.product is not None and [t.slug for t in question.tags.all()] == ["themes"]
    helper_customer = factories.make_customer(org, "Hana", "hana@example.com")
    helper = _customer_client(org, helper_customer)
    helper.post(url("answer-post", org, number=question.number), {"body": "Settings → Display."})
    answer = Answer.objects.get()
    asker.post(url("answer-vote", org, pk=answer.pk), {"value": "1"})
    answer.refresh_from_db()
    assert answer.score == 1
    asker.post(url("answer-accept", org, pk=answer.pk))
    answer.refresh_from_db()
    assert answer.accepted_by_asker
    page = helper.get(url("question-detail", org, number=question.number))
    assert "✓ Accepted solution" in page.text and "25 pts" in page.text
    # Hana has the same problem as someone else, and opts in to be seen.
    other = _question(org, customer, "Notifications arrive hours late")
    helper.post(url("question-me-too", org, number=other.number))
    other_page = url("question-detail", org, number=other.number)
    assert "Hana" not in Client().get(other_page).text.split('id="people"')[1].split("</div>")[0]
    helper.post(url("community-visibility", org), {"visible": "on"})
    listed = Client().get(other_page)
    assert 'data-testid="people-with-problem"' in listed.text and "Hana" in listed.text
    # ... so others can follow her.
    response = asker.post(url("community-profile-follow", org, pk=helper_customer.pk))
    assert response.status_code == 302
    profile = Client().get(url("community-profile", org, pk=helper_customer.pk))
    assert profile.status_code == 200 and question.title in profile.text


def test_a_profile_never_shows_cases_or_private_things(org: Any, customer: Any) -> None:
    case = factories.make_case(org, customer, subject="SECRET billing dispute")
    factories.inbound(org, case, "SECRET account number 12345")
    _question(org, customer, "How do I reset my password?")
    ideas.idea_post(organization=org, author=customer, title="Allow passkeys for sign in")
    profile = Client().get(url("community-profile", org, pk=customer.pk))
    assert profile.status_code == 200
    assert "How do I reset my password?" in profile.text
    assert "Allow passkeys" in profile.text
    assert "SECRET" not in profile.text and f"/cases/{case.number}" not in profile.text
    # Someone with nothing public and no opt-in has no profile page.
    quiet = factories.make_customer(org, "Quiet", "quiet@example.com")
    assert Client().get(url("community-profile", org, pk=quiet.pk)).status_code == 404


def test_hostile_markdown_is_inert_in_questions_and_answers(org: Any, customer: Any) -> None:
    asker = _customer_client(org, customer)
    asker.post(
        url("question-new", org),
        {
            "title": "Why does this break?",
            "body": "<script>alert(1)</script>[x](javascript:alert(2))",
        },
    )
    question = Question.objects.get()
    asker_two = _customer_client(org, factories.make_customer(org, "Eve", "eve@example.com"))
    asker_two.post(
        url("answer-post", org, number=question.number),
        {"body": '<img src=x onerror="alert(3)"> <iframe src="https://evil.example"></iframe> ok'},
    )
    page = Client().get(url("question-detail", org, number=question.number)).text
    tags = _tags(page)
    scripts = [attrs for tag, attrs in tags if tag == "script"]
    assert all(dict(attrs).get("src", "").startswith("/static/") for attrs in scripts)
    assert not [tag for tag, _ in tags if tag in {"img", "iframe"}]
    assert not [a for _, attrs in tags for a, _ in attrs if a.startswith("on")]
    assert not [v for _, attrs in tags for a, v in attrs if a == "href" and "javascript" in v]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # shown as text


def test_bad_input_gets_a_message_never_a_500(org: Any, customer: Any, agent: Any) -> None:
    question = _question(org, customer)
    helper_customer = factories.make_customer(org, "Hana", "hana@example.com")
    helper = _customer_client(org, helper_customer)
    asker = _customer_client(org, customer)
    page = url("question-detail", org, number=question.number)
    # Empty and huge bodies.
    for body in ("", "   ", "x" * 20_001):
        response = helper.post(url("answer-post", org, number=question.number), {"body": body})
        assert response.status_code == 302
    assert not Answer.objects.exists()
    # Bad form fields on asking.
    for data in (
        {"title": ""},
        {"title": "ok?"},
        {"title": "A fine title", "product": "nope"},
        {"title": "A fine title", "tags": "aa,bb,cc,dd,ee,ff"},
    ):
        response = asker.post(url("question-new", org), data)
        assert response.status_code == 400 and 'class="error"' in response.text
    helper.post(url("answer-post", org, number=question.number), {"body": "Reinstall."})
    answer = Answer.objects.get()
    # Voting on one's own answer; a nonsense vote value.
    response = helper.post(url("answer-vote", org, pk=answer.pk), {"value": "1"}, follow=True)
    assert "your own answer" in response.text
    response = asker.post(url("answer-vote", org, pk=answer.pk), {"value": "9"}, follow=True)
    assert response.status_code == 200 and "Vote up" in response.text
    # Accepting as a non-owner.
    third = _customer_client(org, factories.make_customer(org, "Tom", "tom@example.com"))
    assert third.post(url("answer-accept", org, pk=answer.pk)).status_code == 403
    # Answering a closed, then a deleted question.
    qa.question_close(question=question, reason="Duplicate of the FAQ.", actor=agent)
    response = third.post(
        url("answer-post", org, number=question.number), {"body": "Late."}, follow=True
    )
    assert "closed to new answers" in response.text
    mine = _question(org, customer, "A question I will delete")
    asker.post(url("question-delete", org, number=mine.number))
    assert Client().get(url("question-detail", org, number=mine.number)).status_code == 404
    response = third.post(
        url("answer-post", org, number=mine.number), {"body": "Hello"}, follow=True
    )
    assert "deleted" in response.text
    # Ids out of range and unknown things are 404s.
    assert Client().get(url("question-detail", org, number=2**40)).status_code == 404
    assert third.post(url("answer-vote", org, pk=2**63), {"value": "1"}).status_code == 404
    assert Client().get(page + "?answers=zzz").status_code == 200
    assert Client().get(url("questions", org) + "?sort=zzz&solved=maybe&page=-3").status_code == 200


def test_staff_act_on_the_public_page_and_other_organizations_cannot(
    org: Any, other_org: Any, customer: Any, agent: Any, outsider: Any
) -> None:
    question = _question(org, customer)
    case = factories.make_case(org, customer, subject="Crash on settings")
    staff = _staff_client(agent)
    staff.post(url("answer-post", org, number=question.number), {"body": "Fixed in 4.3."})
    answer = Answer.objects.get()
    assert answer.is_official
    staff.post(
        url("question-link", org, number=question.number), {"action": "case", "number": case.number}
    )
    staff.post(url("question-link", org, number=question.number), {"action": "to-idea"})
    page = staff.get(url("question-detail", org, number=question.number)).text
    assert "Official answer" in page and "team only" in page and "Made into the idea" in page
    public = Client().get(url("question-detail", org, number=question.number)).text
    assert "Made into the idea" in public and "Crash on settings" not in public
    case_page = staff.get(reverse("case-detail", kwargs={"org": org.slug, "number": case.number}))
    assert question.title in case_page.text
    idea_number = question.links.get(converted=True).idea.number
    assert question.title in Client().get(url("idea-detail", org, number=idea_number)).text

    # Another organization's staff and customers are not staff here.
    foreign = _staff_client(outsider)
    for name, data in (
        ("question-close", {"reason": "no"}),
        ("question-moderate", {"category": "spam"}),
        ("question-link", {"action": "to-idea"}),
    ):
        assert foreign.post(url(name, org, number=question.number), data).status_code == 403
        assert (
            _customer_client(org, customer)
            .post(url(name, org, number=question.number), data)
            .status_code
            == 403
        )
    assert foreign.get(reverse("question-queue", kwargs={"org": org.slug})).status_code == 404
    # Their own portal does not show this organization's questions.
    assert (
        Client().get(url("question-detail", other_org, number=question.number)).status_code == 404
    )
    assert question.title not in Client().get(url("questions", other_org)).text
    question.refresh_from_db()
    assert question.state == QuestionState.OPEN and question.hidden_at is None


def test_staff_hide_and_restore_with_the_public_log(org: Any, customer: Any, agent: Any) -> None:
    question = _question(org, customer)
    staff = _staff_client(agent)
    staff.post(
        url("question-moderate", org, number=question.number),
        {"category": "personal_data", "explanation": "Phone number posted"},
    )
    assert Client().get(url("question-detail", org, number=question.number)).status_code == 404
    log = Client().get(url("moderation-log", org)).text
    assert "Phone number posted" in log
    staff.post(url("question-moderate", org, number=question.number), {"action": "restore"})
    assert Client().get(url("question-detail", org, number=question.number)).status_code == 200


def test_the_inbox_shows_the_unanswered_queue(org: Any, customer: Any, agent: Any) -> None:
    waiting = _question(org, customer, "Nobody has answered this for days")
    _question(org, customer, "Asked a minute ago")
    Question.objects.filter(pk=waiting.pk).update(created_at=timezone.now() - timedelta(days=2))
    staff = _staff_client(agent)
    inbox = staff.get(reverse("inbox", kwargs={"org": org.slug}))
    assert 'data-testid="inbox-unanswered"' in inbox.text and "1 unanswered question" in inbox.text
    queue = staff.get(reverse("question-queue", kwargs={"org": org.slug})).text
    unanswered = queue.split('data-testid="unanswered"')[1].split("</table>")[0]
    assert "Nobody has answered" in unanswered and "Asked a minute ago" not in unanswered


def test_search_finds_questions_by_their_answers_and_ideas_with_filters(
    org: Any, customer: Any, run_on_commit: Any
) -> None:
    helper = factories.make_customer(org, "Hana", "hana@example.com")
    with run_on_commit(execute=True):
        asked = _question(org, customer, "Printer will not connect")
        qa.answer_post(question=asked, author=helper, body="Reset the spooler service.")
        ideas.idea_post(organization=org, author=customer, title="Print straight from the app")
        _question(org, customer, "Invoices show the wrong currency")
    client = Client()
    by_answer = client.get(url("questions", org), {"q": "spooler"}).text
    assert "Printer will not connect" in by_answer and "wrong currency" not in by_answer
    by_meaning = client.get(url("questions", org), {"q": "my printer is not working"}).text
    assert "Printer will not connect" in by_meaning and "wrong currency" not in by_meaning
    by_words = client.get(url("questions", org), {"q": "print"}).text
    assert "Printer will not connect" in by_words and "Print straight from the app" in by_words
    solved_only = client.get(url("questions", org), {"q": "printer", "solved": "yes"}).text
    assert "Printer will not connect" not in solved_only.split('data-testid="search-results"')[1]


def test_held_answers_and_reports_reach_the_moderation_queue(
    org: Any, customer: Any, agent: Any
) -> None:
    question = _question(org, customer)
    spammer = factories.make_customer(org, "Cheap Pills Online", "pills@example.com")
    held, _ = qa.answer_post(
        question=question,
        author=spammer,
        body="Buy cheap viagra and cialis online without prescription at "
        "https://cheap-pharmacy-pills.example/buy — best prices, discount coupon!",
    )
    reporter = _customer_client(org, factories.make_customer(org, "Rae", "rae@example.com"))
    reporter.post(
        url("question-flag", org, number=question.number), {"reason": "Posted my phone number"}
    )
    staff = _staff_client(agent)
    queue = staff.get(reverse("moderation-queue", kwargs={"org": org.slug})).text
    assert "cheap viagra" in queue.split('data-testid="held-questions"')[1]
    assert "Posted my phone number" in queue.split('data-testid="flags"')[1]
    # Releasing a false positive from the queue publishes it and logs it.
    staff.post(
        url("question-moderate", org, number=question.number),
        {"answer": held.pk, "action": "restore", "next": "/staff/haulright/moderation/"},
    )
    held.refresh_from_db()
    assert held.is_public
    log = Client().get(url("moderation-log", org)).text
    assert "Released from the spam queue" in log and "An answer" in log


def test_question_feeds_are_valid_atom_without_held_answers(org: Any, customer: Any) -> None:
    import feedparser

    tag_question, _ = qa.question_ask(
        organization=org, author=customer, title="Sync stops after the update", tags="sync"
    )
    _question(org, customer, "Invoices show the wrong currency")
    helper = factories.make_customer(org, "Hana", "hana@example.com")
    good, _ = qa.answer_post(question=tag_question, author=helper, body="Sign in again.")
    qa.answer_accept(answer=good, customer=customer)
    spammer = factories.make_customer(org, "Cheap Pills Online", "pills@example.com")
    qa.answer_post(
        question=tag_question,
        author=spammer,
        body="Buy cheap viagra and cialis online without prescription at "
        "https://cheap-pharmacy-pills.example/buy — best prices, discount coupon!",
    )
    listing = feedparser.parse(Client().get(url("questions-feed", org) + "?tag=sync").content)
    assert not listing.bozo
    assert [e.title for e in listing.entries] == ["Sync stops after the update"]
    answers = feedparser.parse(
        Client().get(url("question-feed", org, number=tag_question.number)).content
    )
    assert not answers.bozo
    assert [e.title for e in answers.entries] == ["Accepted answer by Hana"]
    assert answers.entries[0].link.endswith(f"#answer-{good.pk}")
    assert Client().get(url("questions-feed", org) + "?tag=nope").status_code == 404


def test_following_a_question_and_a_person_and_stopping_being_visible(
    org: Any, customer: Any
) -> None:
    question = _question(org, customer)
    hana = factories.make_customer(org, "Hana", "hana@example.com")
    qa.profile_update(customer=hana, visible=True)
    reader = factories.make_customer(org, "Rae", "rae@example.com")
    client = _customer_client(org, reader)
    client.post(url("question-follow", org, number=question.number))
    client.post(url("community-profile-follow", org, pk=hana.pk))
    page = client.get(url("following", org)).text
    assert f"Question: {question.title}" in page
    assert "Hana&#x27;s questions and answers" in page
    # Hana answers: her follower hears of it.
    qa.answer_post(question=question, author=hana, body="Reinstalling fixed it for me.")
    from sayso.community.models import Notice

    assert Notice.objects.filter(customer=reader, event__startswith="answer:").count() == 1
    # She stops being visible: nobody follows her any more, and nobody new can.
    qa.profile_update(customer=hana, visible=False)
    assert "Hana&#x27;s questions" not in client.get(url("following", org)).text
    client.post(url("community-profile-follow", org, pk=hana.pk), follow=True)
    assert "Hana&#x27;s questions" not in client.get(url("following", org)).text


def test_answers_show_the_html_stored_when_written_or_render_an_old_row(
    org: Any, customer: Any
) -> None:
    question = _question(org, customer)
    helper = factories.make_customer(org, "Hana", "hana@example.com")
    stored, _ = qa.answer_post(question=question, author=helper, body="Use **bold** moves")
    assert stored.body_html == "<p>Use <strong>bold</strong> moves</p>\n"
    # A row written before the column existed (or loaded in bulk) is rendered on the fly.
    Answer.objects.bulk_create(
        [
            Answer(
                organization=org,
                question=question,
                author=helper,
                body="An *older* answer <script>x()</script>",
                body_digest="old",
            )
        ]
    )
    Question.objects.filter(pk=question.pk).update(answer_count=2)  # as a bulk load keeps it
    page = Client().get(url("question-detail", org, number=question.number)).text
    assert "<strong>bold</strong>" in page and "<em>older</em>" in page
    assert "<script>x()" not in page


def test_a_busy_question_pins_its_solutions_and_pages_the_rest_best_first(
    org: Any, customer: Any
) -> None:
    from sayso.community.qa.views import ANSWERS_PAGE

    question = _question(org, customer)
    people = [factories.make_customer(org, f"P{i}", f"p{i}@example.com") for i in range(3)]
    posted = [
        qa.answer_post(question=question, author=people[i % 3], body=f"Answer number {i}")[0]
        for i in range(ANSWERS_PAGE + 5)
    ]
    qa.answer_vote(answer=posted[7], customer=customer, value=1)
    qa.answer_accept(answer=posted[-1], customer=customer)
    first = Client().get(url("question-detail", org, number=question.number)).text
    shown = re.compile(r'<li class="message answer[^"]*" id="answer-(\d+)"')
    order = [int(pk) for pk in shown.findall(first)]
    assert order[:2] == [posted[-1].pk, posted[7].pk]  # the solution, then the best voted
    assert len(order) == ANSWERS_PAGE + 1 and "Answers page 1 of 2" in first
    second = Client().get(url("question-detail", org, number=question.number) + "?answers=2").text
    rest = [int(pk) for pk in shown.findall(second)]
    assert posted[-1].pk not in rest and len(rest) == 4
    assert set(order) | set(rest) == {a.pk for a in posted}
