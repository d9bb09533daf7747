from __future__ import annotations

from typing import Any

import feedparser
import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from sayso.community import ideas, reviews
from sayso.community.models import ModerationAction, ModerationEntry, Review
from sayso.customers.services import customer_merge
from tests import factories
from tests.community.test_idea_pages import _customer_client, _staff_client

pytestmark = pytest.mark.django_db


def _url(name: str, org: Any, **kwargs: Any) -> str:
    return reverse(name, kwargs={"org": org.slug, **kwargs})


def test_average_and_distribution_count_every_published_review(org: Any) -> None:
    for n, rating in enumerate([5, 5, 4, 1, 1]):
        person = factories.make_customer(org, f"P{n}", f"p{n}@example.com")
        reviews.review_post(customer=person, rating=rating, body="Honest words")
    summary = reviews.review_summary(organization=org)
    assert summary.count == 5 and summary.average == 3.2
    assert summary.distribution == [(5, 2, 40), (4, 1, 20), (3, 0, 0), (2, 0, 0), (1, 2, 40)]
    page = Client().get(_url("reviews", org))
    assert page.status_code == 200 and 'data-testid="review-average">3.2<' in page.text
    assert '<meter class="bar" min="0" max="100" value="40"' in page.text


def test_one_review_per_person_and_subject_which_they_can_change(org: Any, customer: Any) -> None:
    truck = reviews.product_create(organization=org, name="16 ft truck")
    first, created = reviews.review_post(customer=customer, rating=2, body="Late pickup")
    again, created_again = reviews.review_post(customer=customer, rating=4, body="They fixed it")
    assert created and not created_again and first.pk == again.pk
    assert Review.objects.get(pk=first.pk).rating == 4
    product_review, _ = reviews.review_post(customer=customer, rating=5, product=truck)
    assert product_review.pk != first.pk
    assert reviews.review_summary(organization=org, product=truck).count == 1
    assert reviews.review_summary(organization=org).count == 1


def test_bad_reviews_input_is_refused(org: Any, customer: Any, other_org: Any) -> None:
    elsewhere = reviews.product_create(organization=other_org, name="Van")
    for kwargs in [{"rating": 0}, {"rating": 6}, {"rating": 3, "body": "x" * 20_001}]:
        with pytest.raises(ValidationError):
            reviews.review_post(customer=customer, **kwargs)
    with pytest.raises(ValidationError):
        reviews.review_post(customer=customer, rating=3, product=elsewhere)
    client = _customer_client(org, customer)
    assert client.post(_url("reviews", org), {"rating": "9"}).status_code == 400
    assert client.post(_url("reviews", org), {"rating": "abc"}).status_code == 400
    assert Client().get(_url("reviews", org) + "?product=nope").status_code == 404
    assert not Review.objects.exists()


def test_a_customer_reviews_through_the_page_and_anonymous_cannot(org: Any, customer: Any) -> None:
    anonymous = Client().post(_url("reviews", org), {"rating": "1", "body": "Bad"})
    assert anonymous.status_code == 302 and "/signin/" in anonymous["Location"]
    client = _customer_client(org, customer)
    posted = client.post(
        _url("reviews", org),
        {"rating": "1", "title": "Never again", "body": "The truck was **dirty**."},
    )
    assert posted.status_code == 302
    page = Client().get(_url("reviews", org))
    assert "Never again" in page.text and "<strong>dirty</strong>" in page.text


def test_negative_reviews_cannot_be_hidden_for_it_spam_is_held_and_every_hide_is_logged(
    org: Any, customer: Any, agent: Any
) -> None:
    bad, _ = reviews.review_post(customer=customer, rating=1, body="Worst rental ever.")
    with pytest.raises(ValidationError, match="Nothing is hidden for being critical"):
        reviews.review_hide(review=bad, category="negative", actor=agent)
    spammer = factories.make_customer(org, "Spam", "spam@example.com")
    held, _ = reviews.review_post(
        customer=spammer, rating=5, body="Great! Cheap viagra at http://pharma-rx.example"
    )
    assert held.hidden_at is not None and "pharmacy" in held.hidden_reason
    page = Client().get(_url("reviews", org))
    assert "Worst rental ever." in page.text and "viagra" not in page.text
    reviews.review_hide(
        review=bad, category="personal_data", explanation="Phone number", actor=agent
    )
    log = Client().get(_url("moderation-log", org)).text
    assert "Personal data" in log and "A review" in log and "the spam filter" in log
    reviews.review_restore(review=bad, actor=agent, reason="Number removed")
    assert "Worst rental ever." in Client().get(_url("reviews", org)).text
    actions = [e.action for e in ModerationEntry.objects.order_by("id")]
    assert actions == [ModerationAction.SPAM, ModerationAction.HIDE, ModerationAction.RESTORE]


def test_staff_reply_in_public_and_the_reviewer_is_told(
    org: Any, customer: Any, manager: Any, run_on_commit: Any
) -> None:
    review, _ = reviews.review_post(customer=customer, rating=2, body="Late pickup")
    staff = _staff_client(manager)
    mail.outbox.clear()
    with run_on_commit(execute=True):
        response = staff.post(_url("review-reply", org, pk=review.pk), {"body": "Sorry: fixed."})
    assert response.status_code == 302
    assert "Sorry: fixed." in Client().get(_url("reviews", org)).text
    assert [m.to for m in mail.outbox] == [["ada@example.com"]]
    assert "replied to your review" in mail.outbox[0].subject
    # Customers and other organizations' staff cannot reply or hide.
    for client in (_customer_client(org, customer), Client()):
        assert (
            client.post(_url("review-reply", org, pk=review.pk), {"body": "x"}).status_code == 403
        )
        assert (
            client.post(_url("review-hide", org, pk=review.pk), {"category": "spam"}).status_code
            == 403
        )


def test_a_merged_customers_second_review_does_not_count_twice(
    org: Any, customer: Any, agent: Any
) -> None:
    twin = factories.make_customer(org, "Ada L.", "ada.work@example.com")
    reviews.review_post(customer=customer, rating=5)
    reviews.review_post(customer=twin, rating=1)
    assert reviews.review_summary(organization=org).count == 2
    customer_merge(source=twin, target=customer, actor=agent)
    summary = reviews.review_summary(organization=org)
    assert summary.count == 1 and summary.average == 5.0


def test_the_reviews_feed_is_valid_atom(org: Any, customer: Any, manager: Any) -> None:
    review, _ = reviews.review_post(customer=customer, rating=4, title="Good <b>", body="Fine")
    reviews.review_reply(review=review, body="Thanks!", actor=manager)
    feed = feedparser.parse(Client().get(_url("reviews-feed", org)).content)
    assert not feed.bozo and feed.version == "atom10"
    assert feed.entries[0].title == "★★★★☆ Good <b>"
    assert "Thanks!" in feed.entries[0].summary
    assert feed.entries[0].id == f"tag:sayso,2024:{org.slug}:review:{review.pk}"


def test_customers_report_a_review_or_a_thread_comment_once_and_staff_see_it(
    org: Any, customer: Any, agent: Any
) -> None:
    from sayso.community.models import Flag

    bob = factories.make_customer(org, "Bob", "bob@example.com")
    review, _ = reviews.review_post(customer=bob, rating=1, body="Call me on 555 0100")
    comment, _ = ideas.comment_post(on=review, author=bob, body="Also my address is …")
    client = _customer_client(org, customer)
    for kind, pk in (("review", review.pk), ("comment", comment.pk)):
        for _ in range(2):
            response = client.post(
                _url("report", org), {"kind": kind, "id": str(pk), "reason": "Personal data"}
            )
            assert response.status_code == 302
    assert Flag.objects.filter(customer=customer).count() == 2
    assert (
        client.post(_url("report", org), {"kind": "review", "id": "999", "reason": "x"}).status_code
        == 404
    )
    assert (
        Client()
        .post(_url("report", org), {"kind": "review", "id": str(review.pk), "reason": "x"})
        .status_code
        == 302
    )
    queue = _staff_client(agent).get(reverse("moderation-queue", kwargs={"org": org.slug}))
    assert "Call me on 555 0100" in queue.text and "Also my address" in queue.text
    _staff_client(agent).post(_url("review-hide", org, pk=review.pk), {"category": "personal_data"})
    assert Flag.objects.get(review=review).resolved_at is not None


def test_a_review_thread_has_its_own_atom_feed(org: Any, customer: Any, manager: Any) -> None:

    review, _ = reviews.review_post(customer=customer, rating=3, title="So-so", body="Late truck")
    reviews.review_reply(review=review, body="We are sorry.", actor=manager)
    bob = factories.make_customer(org, "Bob", "bob@example.com")
    ideas.comment_post(on=review, author=bob, body="Same for me")
    ideas.comment_post(on=review, author=bob, body="Cheap viagra http://pharma-rx.example")
    feed = feedparser.parse(Client().get(_url("review-feed", org, pk=review.pk)).content)
    assert not feed.bozo and feed.version == "atom10"
    text = " ".join(e.title + e.summary for e in feed.entries)
    assert "So-so" in text and "We are sorry." in text and "Same for me" in text
    assert "viagra" not in text and len({e.id for e in feed.entries}) == 3
    reviews.review_hide(review=review, category="abuse", actor=manager)
    assert Client().get(_url("review-feed", org, pk=review.pk)).status_code == 404
