"""RSS/Atom through feedparser against a real HTTP server on 127.0.0.1: conditional GET,
identity linking, exactly once, and every kind of bad answer a feed can give."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from io import StringIO
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from sayso.conversations.models import Message
from sayso.customers.models import Customer, Identity
from sayso.listening import pipeline, services
from sayso.listening.connectors import rss
from sayso.listening.connectors.base import MAX_ITEM_CHARS
from sayso.listening.management.commands import listen as listen_command
from sayso.listening.models import Mention, Source, TermKind
from sayso.listening.pipeline import items_ingest
from sayso.listening.services import source_create, source_poll, term_add
from tests.listening.feeds import atom
from tests.listening.feeds import rss as rss_doc
from tests.listening.stand_in import Reply, Request, StandIn

ATOM = {"Content-Type": "application/atom+xml; charset=utf-8"}


@pytest.fixture
def listening(org: Any) -> Any:
    term_add(organization=org, kind=TermKind.BRAND, term="Haulright")
    return org


def _feed(org: Any, stand_in: StandIn, path: str = "/feed", name: str = "Blog") -> Source:
    return source_create(organization=org, name=name, kind="rss", url=f"{stand_in.url}{path}")


ENTRIES = [
    {
        "id": "urn:1",
        "title": "Haulright lost my booking",
        "author": "Kim",
        "author_uri": "https://kim.example.net/",
        "html": "<p>Haulright lost my booking for Saturday. Why did nobody tell me?</p>",
    },
    {
        "id": "urn:2",
        "title": "Moving day",
        "author": "Kim",
        "author_uri": "https://kim.example.net/",
        "html": "<p>Packing boxes all day; Haulright truck arrives tomorrow.</p>",
    },
    {"id": "urn:3", "title": "Cats", "html": "<p>No brand here.</p>"},
]


@pytest.mark.django_db
def test_conditional_get_sends_etag_and_stores_nothing_new_on_304(
    listening: Any, stand_in: StandIn
) -> None:
    def feed(request: Request) -> Reply:
        if request.headers.get("if-none-match") == '"v1"':
            return Reply(304)
        return Reply(
            body=atom(ENTRIES),
            headers={**ATOM, "ETag": '"v1"', "Last-Modified": "Mon, 30 Nov 2026 09:00:00 GMT"},
        )

    stand_in.route("/feed", feed)
    source = _feed(listening, stand_in)
    first = source_poll(source=source)
    assert first.ok and first.report.stored == 2 and first.report.unmatched == 1
    assert source.cursor == {"etag": '"v1"', "modified": "Mon, 30 Nov 2026 09:00:00 GMT"}
    second = source_poll(source=source)
    assert second.ok and second.not_modified and second.report.fetched == 0
    request = stand_in.calls("/feed")[-1]
    assert request.headers["if-none-match"] == '"v1"'
    assert request.headers["if-modified-since"] == "Mon, 30 Nov 2026 09:00:00 GMT"
    assert Mention.objects.count() == 2


@pytest.mark.django_db
def test_author_link_makes_one_prospect_with_a_url_identity(
    listening: Any, stand_in: StandIn
) -> None:
    stand_in.route("/feed", Reply(body=atom(ENTRIES), headers=ATOM))
    source_poll(source=_feed(listening, stand_in))
    kim = Identity.objects.get(kind="url", value="kim.example.net").customer
    assert kim.is_prospect and kim.display_name == "Kim"
    assert Customer.objects.filter(organization=listening).count() == 1
    complaint = Mention.objects.get(external_id="urn:1")
    assert complaint.outcome == "opened" and complaint.case is not None
    assert complaint.case.customer == kim


@pytest.mark.django_db
def test_rss_two_documents_and_the_same_items_three_times_are_stored_once(
    listening: Any, stand_in: StandIn
) -> None:
    items = [
        {
            "id": f"post-{n}",
            "title": f"Haulright question {n}",
            "html": f"How do I change the pickup time of booking {n} with Haulright?",
        }
        for n in range(5)
    ]
    stand_in.route(
        "/rss", Reply(body=rss_doc(items), headers={"Content-Type": "application/rss+xml"})
    )
    source = _feed(listening, stand_in, "/rss")
    for _ in range(3):
        assert source_poll(source=source).ok
    assert Mention.objects.filter(source=source).count() == 5
    assert (
        Message.objects.filter(channel="rss").count()
        == Mention.objects.exclude(message=None).count()
    )
    for n in range(5):
        assert Message.objects.filter(external_id=f"post-{n}").count() <= 1


@pytest.mark.django_db
def test_huge_entries_are_cut_and_stored(listening: Any, stand_in: StandIn) -> None:
    body = "Haulright " + "very long complaint about the booking. " * 4000
    stand_in.route(
        "/feed", Reply(body=atom([{"id": "big", "title": "Long", "html": body}]), headers=ATOM)
    )
    assert source_poll(source=_feed(listening, stand_in)).ok
    mention = Mention.objects.get()
    assert len(mention.text) <= MAX_ITEM_CHARS


BAD_ANSWERS = [
    (
        Reply(
            body=b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><entry>'
            b"<title>Haulright cut",
            headers=ATOM,
        ),
        "not well-formed XML",
    ),
    (
        Reply(
            body="<!doctype html><html><body><h1>My blog</h1></body></html>",
            headers={"Content-Type": "text/html"},
        ),
        "web page, not a feed",
    ),
    (
        Reply(body=b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", headers={"Content-Type": "image/png"}),
        "not a readable RSS or Atom feed",
    ),
    (
        Reply(body='{"items": [1, 2', headers={"Content-Type": "application/json"}),
        "not a readable RSS or Atom feed",
    ),
    (Reply(body=b"", headers=ATOM), "empty document"),
    (Reply(401), "HTTP 401"),
    (Reply(403), "HTTP 403"),
    (Reply(404), "HTTP 404"),
    (Reply(500), "HTTP 500"),
    (Reply(429, headers={"Retry-After": "120"}), "wait 120 seconds"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("reply", "message"), BAD_ANSWERS)
def test_bad_answers_leave_a_clear_error_and_nothing_written(
    listening: Any, stand_in: StandIn, reply: Reply, message: str
) -> None:
    stand_in.route("/bad", reply)
    stand_in.route("/good", Reply(body=atom(ENTRIES), headers=ATOM))
    bad = _feed(listening, stand_in, "/bad", "Bad")
    good = _feed(listening, stand_in, "/good", "Good")
    out = StringIO()
    err = StringIO()
    call_command("listen", "--once", "--no-progress", stdout=out, stderr=err)
    bad.refresh_from_db()
    good.refresh_from_db()
    assert message in bad.last_error
    assert message in out.getvalue()
    assert bad.failure_count == 1 and bad.cursor == {}
    assert not Mention.objects.filter(source=bad).exists()
    assert Mention.objects.filter(source=good).count() == 2
    assert good.last_error == "" and good.healthy
    if reply.status == 429:
        wait = (bad.next_poll_at - timezone.now()).total_seconds()
        assert 100 < wait <= 125


@pytest.mark.django_db
def test_timeouts_and_oversized_feeds(
    listening: Any, stand_in: StandIn, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.SAYSO_LISTENING_TIMEOUT_SECONDS = 1
    stand_in.route("/slow", Reply(body=atom(ENTRIES), headers=ATOM, delay=2.5))
    slow = _feed(listening, stand_in, "/slow", "Slow")
    result = source_poll(source=slow)
    assert not result.ok and "did not answer within 1 seconds" in result.error
    monkeypatch.setattr(rss, "MAX_FEED_BYTES", 1000)
    stand_in.route("/big", Reply(body=atom(ENTRIES * 5), headers=ATOM))
    big = _feed(listening, stand_in, "/big", "Big")
    result = source_poll(source=big)
    assert not result.ok and "larger than" in result.error
    assert Mention.objects.count() == 0


@pytest.mark.django_db
def test_a_source_that_keeps_failing_is_unhealthy_and_backs_off(
    listening: Any, stand_in: StandIn
) -> None:
    stand_in.route("/down", Reply(503))
    source = _feed(listening, stand_in, "/down")
    delays = []
    for _ in range(3):
        before = timezone.now()
        result = source_poll(source=source)
        assert not result.ok
        delays.append((source.next_poll_at - before).total_seconds())
    assert not source.healthy and source.failure_count == 3
    assert delays[0] < delays[1] < delays[2]
    stand_in.route("/down", Reply(body=atom(ENTRIES), headers=ATOM))
    assert source_poll(source=source).ok
    assert source.healthy and source.last_error == "" and source.failure_count == 0
    assert source.next_poll_at - timezone.now() <= timedelta(seconds=source.poll_interval_seconds)


@pytest.mark.django_db
def test_a_failure_while_storing_keeps_the_cursor_and_the_error(
    listening: Any, stand_in: StandIn
) -> None:
    stand_in.route("/feed", Reply(body=atom(ENTRIES), headers={**ATOM, "ETag": '"v1"'}))
    source = _feed(listening, stand_in)

    def broken(**kwargs: Any) -> Any:
        raise RuntimeError("disk full")

    result = source_poll(source=source, ingest=broken)
    assert not result.ok and "failed to store" in result.error
    assert source.cursor == {} and source.failure_count == 1
    assert source_poll(source=source).ok  # the next poll stores everything
    assert Mention.objects.filter(source=source).count() == 2


@pytest.mark.django_db
def test_the_next_source_is_fetched_while_the_one_before_is_stored(
    listening: Any, stand_in: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    stand_in.route("/one", Reply(body=atom(ENTRIES[:1]), headers=ATOM))
    stand_in.route("/two", Reply(body=atom(ENTRIES[1:]), headers=ATOM))
    stand_in.route("/gone", Reply(404))
    one = _feed(listening, stand_in, "/one", "One")
    two = _feed(listening, stand_in, "/two", "Two")
    gone = _feed(listening, stand_in, "/gone", "Gone")
    seen_while_storing: dict[str, list[str]] = {}

    def ingest(*, source: Source, items: list[Any], **overlap: Any) -> Any:
        # Give the helper thread time to ask for the next feed (it has, when it prefetches).
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and len(stand_in.requests) < 2:
            time.sleep(0.01)
        seen_while_storing[source.name] = [r.path for r in stand_in.requests]
        return items_ingest(source=source, items=items, **overlap)

    monkeypatch.setattr(services, "items_ingest", ingest)
    polled = [(s.name, r.ok) for s, r in services.sources_poll([one.pk, two.pk, gone.pk])]

    assert polled == [("One", True), ("Two", True), ("Gone", False)]
    assert seen_while_storing["One"] == ["/one", "/two"]
    assert Mention.objects.filter(source=one).count() == 1
    assert Mention.objects.filter(source=two).count() == 1
    gone.refresh_from_db()
    assert "404" in gone.last_error

    # The continuous listener claims each source first: one that is not due is skipped.
    Source.objects.filter(pk=two.pk).update(next_poll_at=timezone.now() + timedelta(hours=1))
    Source.objects.filter(pk=one.pk).update(next_poll_at=timezone.now() - timedelta(seconds=1))
    polled = [s.name for s, _ in services.sources_poll([one.pk, two.pk], claim=True)]
    assert polled == ["One"]


@pytest.mark.django_db
def test_the_next_sources_first_chunk_is_analyzed_while_the_last_one_before_is_stored(
    listening: Any, stand_in: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    stand_in.route("/one", Reply(body=atom(ENTRIES[:2]), headers=ATOM))
    later = [
        {"id": "urn:t1", "title": "Leeds", "html": "<p>Does Haulright deliver to Leeds?</p>"},
        {"id": "urn:t2", "title": "Quote", "html": "<p>Haulright quoted me twice.</p>"},
    ]
    stand_in.route("/two", Reply(body=atom(later), headers=ATOM))
    # The third feed answers only once "Two" is being stored: when Two's last chunk is
    # analyzed it is still on the network, so its first chunk is not started ahead but in its
    # own turn, with the same outcome.
    slowly = [{"id": "urn:s1", "title": "Late", "html": "<p>Haulright came late.</p>"}]
    release = threading.Event()

    def slow_feed(request: Request) -> Reply:
        release.wait(10)
        return Reply(body=atom(slowly), headers=ATOM)

    stand_in.route("/slow", slow_feed)
    one = _feed(listening, stand_in, "/one", "One")
    two = _feed(listening, stand_in, "/two", "Two")
    slow = _feed(listening, stand_in, "/slow", "Slow")
    names = {one.pk: "One", two.pk: "Two", slow.pk: "Slow"}
    urls = {"urn:1": "One", "urn:2": "One", "urn:t1": "Two", "urn:t2": "Two", "urn:s1": "Slow"}
    events: list[str] = []
    analyzing, two_fetched = threading.Event(), threading.Event()
    enrich, store, fetched = pipeline._enrich, pipeline._store_group, services._fetched

    def fetching(source: Source) -> Any:
        try:
            return fetched(source)
        finally:
            if source.pk == two.pk:
                two_fetched.set()

    def analyzed(chunk: Any, *args: Any) -> Any:
        name = urls[chunk[0][0].external_id]
        events.append(f"analyze {name}")
        if name == "One":  # the next feed is fetched meanwhile (a chunk takes longer here)
            two_fetched.wait(5)
        if name == "Two":
            analyzing.set()
        return enrich(chunk, *args)

    def stored(rows: Any, *, context: Any, report: Any) -> None:
        name = names[context["source"].pk]
        if name == "One":  # wait for the helper to start on "Two" (it does, reading ahead)
            analyzing.wait(5)
        if name == "Two":
            release.set()
        events.append(f"store {name}")
        store(rows, context=context, report=report)

    monkeypatch.setattr(services, "_fetched", fetching)
    monkeypatch.setattr(pipeline, "_enrich", analyzed)
    monkeypatch.setattr(pipeline, "_store_group", stored)
    polled = [
        (s.name, r.ok, r.report.stored) for s, r in services.sources_poll([one.pk, two.pk, slow.pk])
    ]

    assert analyzing.is_set()
    assert events.index("analyze Two") < events.index("store One")
    assert events[-2:] == ["analyze Slow", "store Slow"]
    assert polled == [("One", True, 2), ("Two", True, 2), ("Slow", True, 1)]
    counts = {name: Mention.objects.filter(source__name=name).count() for name in names.values()}
    assert counts == {"One": 2, "Two": 2, "Slow": 1}
    for source in (one, two, slow):
        source.refresh_from_db()
        assert source.last_success_at is not None and source.failure_count == 0


@pytest.mark.django_db
def test_sayso_listen_keeps_polling_due_sources_until_stopped(
    listening: Any, stand_in: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    stand_in.route("/feed", Reply(body=atom(ENTRIES), headers=ATOM))
    source = _feed(listening, stand_in)
    Source.objects.filter(pk=source.pk).update(next_poll_at=timezone.now() - timedelta(seconds=1))
    rounds: list[float] = []

    def sleep(seconds: float) -> None:  # Ctrl-C after the first round
        rounds.append(seconds)
        raise KeyboardInterrupt

    monkeypatch.setattr(listen_command, "time", SimpleNamespace(sleep=sleep))
    out = StringIO()
    call_command("listen", "--interval", "2", stdout=out)

    assert rounds == [2.0]
    assert "Blog: 3 fetched, 2 new" in out.getvalue() and "Stopped." in out.getvalue()
    source.refresh_from_db()
    assert source.last_success_at is not None and source.next_poll_at > timezone.now()
    assert Mention.objects.filter(source=source).count() == 2
