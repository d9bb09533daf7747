"""Direct messages of one conversation are one case (issue 20: 16 direct messages of one
conversation had opened 16 cases). A reply joins the customer's open case that holds what it
answers (Mastodon's ``in_reply_to_id``, a Bluesky reply's parent), in the same poll or a later
one; a direct message answering one Sayso never stored (the organization's own reply) joins the
customer's latest open case of direct messages. Someone else's reply is their own case."""

from __future__ import annotations

from typing import Any

import pytest

from sayso.conversations.models import Case
from sayso.listening.connectors import mastodon as connector
from sayso.listening.models import Mention, Outcome
from sayso.listening.pipeline import items_ingest
from sayso.listening.services import source_create
from tests.listening.test_mastodon import BASE_ID, account, status
from tests.listening.test_one_account_is_one_customer_on_real_mastodon_data import (
    CASSETTES,
    recorded_statuses,
)

HOST = "mastodon.example"
DANA = account("dana", "truckers.social", "Dana Whitfield")
LEE = account("lee", "mstdn.social", "Lee")


def dm(n: int, text: str, *, author: dict[str, Any] = DANA, answers: int | None = None) -> Any:
    post = status(n, f"<p>@support {text}</p>", author=author, visibility="direct")
    post["in_reply_to_id"] = str(BASE_ID + answers) if answers is not None else None
    item = connector._item(post, HOST, direct=True)
    assert item is not None
    return item


@pytest.fixture
def source(org: Any) -> Any:
    return source_create(
        organization=org,
        name="Support account",
        kind="mastodon",
        url=f"https://{HOST}",
        queries="#haulright",
    )


@pytest.mark.django_db
def test_a_conversation_of_direct_messages_is_one_case(org: Any, source: Any) -> None:
    first_poll = [
        dm(1, "my truck never arrived this morning, booking HR-2291."),
        # 2 is the organization's answer, sent from its own account: never stored.
        dm(3, "Is the depot on Mill Road open on Sundays at all?", answers=2),
        dm(4, "And can I pay the rebooking by invoice instead of card?", answers=3),
        dm(5, "Thanks, the driver just called me, he was very friendly.", author=LEE, answers=4),
    ]
    second_poll = [dm(6, "Please send the receipt to my accountant as a PDF.", answers=4)]

    items_ingest(source=source, items=first_poll)
    items_ingest(source=source, items=second_poll)

    dana = Mention.objects.filter(source=source, author_handle="@dana@truckers.social")
    assert dana.count() == 4
    (case_id,) = set(dana.values_list("case", flat=True))
    assert case_id is not None
    case = Case.objects.get(pk=case_id)
    assert case.messages.count() == 4
    assert Case.objects.filter(customer=case.customer).count() == 1
    replies = dana.exclude(external_id=first_poll[0].external_id)
    assert set(replies.values_list("outcome", flat=True)) == {Outcome.JOINED}
    for mention in replies:
        assert mention.message is not None
        assert mention.message.headers["listening"]["in_reply_to"]
        assert mention.message.headers["listening"]["same_problem"] is False
    # Lee answered in the thread: Lee's own customer and case.
    lee = Mention.objects.get(source=source, author_handle="@lee@mstdn.social")
    assert lee.customer != case.customer
    assert lee.case_id != case_id


@pytest.mark.django_db
def test_a_public_reply_to_an_unknown_post_is_not_threaded(org: Any, source: Any) -> None:
    items_ingest(source=source, items=[dm(1, "my truck never arrived this morning.")])
    public = status(7, "<p>@support what colour are your vans?</p>", author=DANA)
    public["in_reply_to_id"] = str(BASE_ID + 99)
    item = connector._item(public, HOST, direct=True)
    assert item is not None and not item.private

    items_ingest(source=source, items=[item])

    mention = Mention.objects.get(external_id=item.external_id)
    assert mention.message is None or "in_reply_to" not in mention.message.headers["listening"]


@pytest.mark.skipif(not CASSETTES.is_dir(), reason="../shared/data is not beside")
def test_recorded_replies_name_what_they_answer() -> None:
    replies = [s for s in recorded_statuses() if s.get("in_reply_to_id")]
    assert replies
    for recorded in replies:
        item = connector._item(recorded, HOST, direct=True)
        if item is not None:
            assert item.reply_to == recorded["in_reply_to_id"]
            assert item.native_id == recorded["id"]
