from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sayso.community import following, ideas
from sayso.community.following import idea_subject
from sayso.community.models import Follow, Notice
from sayso.customers.services import customer_merge, customer_unmerge
from tests import factories


def _link(message: Any) -> str:
    return str(message.extra_headers["List-Unsubscribe"]).strip("<>")


@pytest.mark.django_db
def test_voters_follow_and_hear_about_a_status_change_once_each(
    org: Any, customer: Any, manager: Any, run_on_commit: Any
) -> None:
    bob = factories.make_customer(org, "Bob", "bob@example.com")
    quiet = factories.make_customer(org, "Quiet", "quiet@example.com")
    following.follow_settings_update(
        customer=quiet, follow_on_participation=False, delivery="immediate"
    )
    with run_on_commit(execute=True):
        idea, _ = ideas.idea_post(organization=org, author=customer, title="Dark mode")
        ideas.idea_vote(idea=idea, customer=bob)
        ideas.idea_vote(idea=idea, customer=quiet)
        ideas.comment_post(idea=idea, author=bob, body="Yes please")
    assert {f.customer_id for f in Follow.objects.filter(subject=idea_subject(idea))} == {
        customer.pk,
        bob.pk,
    }
    mail.outbox.clear()
    with run_on_commit(execute=True):
        ideas.idea_status_change(
            idea=idea, status="planned", reason="Coming in March.", actor=manager
        )
    assert sorted(m.to[0] for m in mail.outbox) == ["ada@example.com", "bob@example.com"]
    message = mail.outbox[0]
    assert "is now planned" in message.subject and "Coming in March." in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"/o/{org.slug}/ideas/{idea.number}/" in message.body
    # Delivery is idempotent: running the task again sends nothing more.
    event = Notice.objects.first().event  # type: ignore[union-attr]
    assert following.notices_deliver(organization_id=org.pk, event=event) == 0


@pytest.mark.django_db
def test_a_commenter_is_not_told_about_their_own_comment(
    org: Any, customer: Any, run_on_commit: Any
) -> None:
    bob = factories.make_customer(org, "Bob", "bob@example.com")
    with run_on_commit(execute=True):
        idea, _ = ideas.idea_post(organization=org, author=customer, title="Dark mode")
        ideas.idea_vote(idea=idea, customer=bob)
        mail.outbox.clear()
        ideas.comment_post(idea=idea, author=bob, body="Night shifts need it")
    assert [m.to for m in mail.outbox] == [["ada@example.com"]]
    assert "Bob commented" in mail.outbox[0].subject


@pytest.mark.django_db
def test_one_click_unsubscribe_works_without_signing_in_and_at_once(
    org: Any, customer: Any, manager: Any, run_on_commit: Any
) -> None:
    with run_on_commit(execute=True):
        idea, _ = ideas.idea_post(organization=org, author=customer, title="Dark mode")
        ideas.idea_status_change(idea=idea, status="under_review", reason="Looking", actor=manager)
    link = _link(mail.outbox[-1])
    path = link.removeprefix("http://testserver")
    # The mail client's one-click POST (RFC 8058), with no session and no CSRF token.
    response = Client(enforce_csrf_checks=True).post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert not Follow.objects.filter(customer=customer, subject=idea_subject(idea)).exists()
    mail.outbox.clear()
    with run_on_commit(execute=True):
        ideas.idea_status_change(idea=idea, status="planned", reason="Next", actor=manager)
    assert mail.outbox == []
    again = Client().get(path)  # a second click is harmless
    assert again.status_code == 200


@pytest.mark.django_db
def test_unsubscribe_links_cannot_be_forged_for_another_person(
    org: Any, customer: Any, other_org: Any
) -> None:
    bob = factories.make_customer(org, "Bob", "bob@example.com")
    idea, _ = ideas.idea_post(organization=org, author=customer, title="Dark mode")
    ideas.idea_vote(idea=idea, customer=bob)
    ada_follow = Follow.objects.get(customer=customer)
    token = following.unsubscribe_token(customer_id=customer.pk, follow_id=ada_follow.pk)
    payload, _, signature = token.rpartition(":")
    bob_token = following.unsubscribe_token(customer_id=bob.pk, follow_id=ada_follow.pk)
    tampered = bob_token.rpartition(":")[0] + ":" + signature
    for bad in [tampered, token[:-2] + "xx", "nonsense", payload]:
        url = reverse("unsubscribe", kwargs={"org": org.slug, "token": bad})
        assert Client().get(url).status_code == 404
    # Bob's own valid token for Ada's follow removes nothing of Ada's.
    url = reverse("unsubscribe", kwargs={"org": org.slug, "token": bob_token})
    Client().post(url)
    assert Follow.objects.filter(pk=ada_follow.pk).exists()
    # A valid token used under another organization's address finds no one.
    foreign = reverse("unsubscribe", kwargs={"org": other_org.slug, "token": token})
    assert Client().get(foreign).status_code == 404
    assert Follow.objects.filter(pk=ada_follow.pk).exists()


@pytest.mark.django_db
def test_stop_everything_and_undo(org: Any, customer: Any) -> None:
    idea, _ = ideas.idea_post(organization=org, author=customer, title="Dark mode")
    follow = Follow.objects.get(customer=customer)
    token = following.unsubscribe_token(customer_id=customer.pk, follow_id=follow.pk)
    url = reverse("unsubscribe", kwargs={"org": org.slug, "token": token})
    page = Client().post(url)
    assert not Follow.objects.filter(customer=customer, subject=idea_subject(idea)).exists()
    Client().post(url, {"undo": page.context["result"].undo})
    assert Follow.objects.filter(customer=customer, subject=idea_subject(idea)).exists()
    Client().post(url, {"everything": "1"})
    assert not Follow.objects.filter(customer=customer).exists()
    assert following.settings_for(customer).follow_on_participation is False


@pytest.mark.django_db
def test_daily_digest_goes_once_a_day_with_every_waiting_update(
    org: Any, customer: Any, manager: Any, run_on_commit: Any
) -> None:
    following.follow_settings_update(
        customer=customer, follow_on_participation=True, delivery="daily"
    )
    with run_on_commit(execute=True):
        idea, _ = ideas.idea_post(organization=org, author=customer, title="Dark mode")
        ideas.idea_status_change(idea=idea, status="under_review", reason="Looking", actor=manager)
        ideas.idea_respond(idea=idea, body="We like it.", actor=manager)
    assert mail.outbox == []
    now = timezone.now()
    with run_on_commit(execute=True):  # the outbox sends the digest after commit
        assert following.digests_send(now=now) == 1
    assert len(mail.outbox) == 1
    digest = mail.outbox[0]
    assert "2 updates" in digest.subject
    assert "under review" in digest.body and "We like it." in digest.body
    with run_on_commit(execute=True):
        ideas.idea_status_change(idea=idea, status="planned", reason="March", actor=manager)
    assert following.digests_send(now=now + timedelta(hours=2)) == 0
    with run_on_commit(execute=True):
        assert following.digests_send(now=now + timedelta(hours=24)) == 1
    assert len(mail.outbox) == 2
    assert "1 update " in mail.outbox[-1].subject


@pytest.mark.django_db
def test_followers_of_a_merged_idea_are_told_and_follow_the_survivor(
    org: Any, customer: Any, manager: Any, run_on_commit: Any
) -> None:
    bob = factories.make_customer(org, "Bob", "bob@example.com")
    with run_on_commit(execute=True):
        target, _ = ideas.idea_post(organization=org, author=customer, title="Dark mode")
        source, _ = ideas.idea_post(organization=org, author=bob, title="Night theme")
        mail.outbox.clear()
        ideas.idea_merge(source=source, target=target, actor=manager)
    assert [m.to for m in mail.outbox] == [["bob@example.com"]]
    assert "was merged into" in mail.outbox[0].subject
    assert Follow.objects.filter(customer=bob, subject=idea_subject(target)).exists()
    assert not Follow.objects.filter(subject=idea_subject(source)).exists()


@pytest.mark.django_db
def test_customer_merge_moves_follows_once_and_unmerge_restores(
    org: Any, customer: Any, agent: Any
) -> None:
    twin = factories.make_customer(org, "Ada L.", "ada.work@example.com")
    idea, _ = ideas.idea_post(organization=org, author=customer, title="Dark mode")
    ideas.idea_vote(idea=idea, customer=twin)
    other, _ = ideas.idea_post(organization=org, author=twin, title="CSV export")
    merge = customer_merge(source=twin, target=customer, actor=agent)
    subjects = set(Follow.objects.filter(customer=customer).values_list("subject", flat=True))
    assert subjects == {idea_subject(idea), idea_subject(other)}
    customer_unmerge(merge=merge, actor=agent)
    twin_subjects = set(Follow.objects.filter(customer=twin).values_list("subject", flat=True))
    assert twin_subjects == {idea_subject(idea), idea_subject(other)}


@pytest.mark.django_db
def test_following_new_ideas_of_a_category_from_the_board(
    org: Any, customer: Any, run_on_commit: Any
) -> None:
    from tests.community.test_idea_pages import _customer_client

    mobile = ideas.category_create(organization=org, name="Mobile app")
    ideas.category_create(organization=org, name="Billing")
    bob = factories.make_customer(org, "Bob", "bob@example.com")
    client = _customer_client(org, bob)
    board = reverse("idea-board", kwargs={"org": org.slug})
    page = client.get(
        board + "?category=mobile-app", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="board"
    )
    assert "Email me new ideas in Mobile app" in page.text
    follow = reverse("idea-board-follow", kwargs={"org": org.slug})
    client.post(follow, {"category": "mobile-app"})
    assert Follow.objects.filter(customer=bob, subject=f"category:{mobile.pk}").exists()
    assert client.post(follow, {"category": "nope"}).status_code == 404
    mail.outbox.clear()
    with run_on_commit(execute=True):
        ideas.idea_post(organization=org, author=customer, title="Dark mode", category=mobile)
        ideas.idea_post(organization=org, author=customer, title="Invoices by email")
    assert [m.subject for m in mail.outbox] == [f"[{org.name}] New idea #1: Dark mode"]


@pytest.mark.django_db
def test_an_unsubscribe_link_from_before_a_customer_merge_still_works(
    org: Any, customer: Any, agent: Any
) -> None:
    twin = factories.make_customer(org, "Ada L.", "ada.work@example.com")
    idea, _ = ideas.idea_post(organization=org, author=twin, title="Dark mode")
    follow = Follow.objects.get(customer=twin)
    token = following.unsubscribe_token(customer_id=twin.pk, follow_id=follow.pk)
    customer_merge(source=twin, target=customer, actor=agent)
    page = Client().post(reverse("unsubscribe", kwargs={"org": org.slug, "token": token}))
    assert page.status_code == 200 and "No more emails about this" in page.text
    assert not Follow.objects.filter(subject=idea_subject(idea)).exists()
    again = Client().post(reverse("unsubscribe", kwargs={"org": org.slug, "token": token}))
    assert "already unsubscribed" in again.text
