"""The Mastodon connector through the real ``Mastodon.py`` (with ``requests``), against a
stand-in instance on 127.0.0.1 that answers like Mastodon 4.3: hashtag timelines, status search
and notifications, paginated by id (``since_id`` / ``min_id`` / ``max_id`` / ``limit``) and with
Mastodon's error and rate-limit answers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.fernet import Fernet

from sayso.conversations.models import Message
from sayso.customers.models import Customer, Identity, IdentityKind
from sayso.customers.services import identity_add
from sayso.listening.connectors import mastodon as connector
from sayso.listening.models import Mention, Outcome, Source, SourceKind, TermKind
from sayso.listening.services import source_create, source_poll, source_test, term_add
from tests import factories
from tests.listening.stand_in import Reply, Request, StandIn

TOKEN = "kM3x0-Hq2TnLw8cVbR4yZp1sD7fG9jA6uE5oI0tYqW"
DOMAIN = "mastodon.example"
BASE_ID = 113_436_500_000_000_000
WHEN = datetime(2024, 11, 5, 10, 0, tzinfo=UTC)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def account(
    username: str = "dana", domain: str = "truckers.social", name: str = "Dana Whitfield"
) -> dict[str, Any]:
    """An Account as Mastodon serializes it; ``acct`` has no domain for a local account."""
    acct = username if domain == DOMAIN else f"{username}@{domain}"
    return {
        "id": str(sum(map(ord, username + domain)) * 1_000_003),
        "username": username,
        "acct": acct,
        "display_name": name,
        "locked": False,
        "bot": False,
        "discoverable": True,
        "indexable": True,
        "group": False,
        "created_at": "2022-11-07T00:00:00.000Z",
        "note": "<p>Moving house, one box at a time.</p>",
        "url": f"https://{domain}/@{username}",
        "uri": f"https://{domain}/users/{username}",
        "avatar": f"https://{domain}/system/accounts/avatars/{username}.png",
        "avatar_static": f"https://{domain}/system/accounts/avatars/{username}.png",
        "header": f"https://{DOMAIN}/headers/original/missing.png",
        "header_static": f"https://{DOMAIN}/headers/original/missing.png",
        "followers_count": 87,
        "following_count": 112,
        "statuses_count": 1204,
        "last_status_at": "2024-11-05",
        "hide_collections": False,
        "noindex": False,
        "emojis": [],
        "roles": [],
        "fields": [],
    }


def status(
    n: int,
    html: str,
    *,
    author: dict[str, Any] | None = None,
    spoiler: str = "",
    reblog: dict[str, Any] | None = None,
    minutes: int = 0,
    visibility: str = "public",
) -> dict[str, Any]:
    """A Status as Mastodon serializes it (ids are snowflakes as strings)."""
    author = author or account()
    domain = author["url"].split("/")[2]
    status_id = str(BASE_ID + n)
    return {
        "id": status_id,
        "created_at": _iso(WHEN + timedelta(minutes=minutes or n)),
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "sensitive": bool(spoiler),
        "spoiler_text": spoiler,
        "visibility": visibility,
        "language": "en",
        "uri": f"https://{domain}/users/{author['username']}/statuses/{status_id}",
        "url": f"https://{domain}/@{author['username']}/{status_id}",
        "replies_count": 0,
        "reblogs_count": 0,
        "favourites_count": 0,
        "quotes_count": 0,
        "edited_at": None,
        "content": html,
        "reblog": reblog,
        "application": None,
        "account": author,
        "media_attachments": [],
        "mentions": [],
        "tags": [{"name": "haulright", "url": f"https://{DOMAIN}/tags/haulright"}],
        "emojis": [],
        "card": None,
        "poll": None,
    }


def mention_of(n: int, post: dict[str, Any]) -> dict[str, Any]:
    """A ``mention`` Notification carrying ``post``."""
    return {
        "id": str(900_000 + n),
        "type": "mention",
        "created_at": post["created_at"],
        "group_key": f"ungrouped-{900_000 + n}",
        "account": post["account"],
        "status": post,
    }


TAGGED = '<p>Booked a truck with <a href="https://{d}/tags/haulright" class="mention hashtag" rel="tag">#<span>haulright</span></a> for Saturday &amp; nobody called to confirm the pickup. Still waiting.</p>'


def tagged(n: int, words: str = "", **kwargs: Any) -> dict[str, Any]:
    html = TAGGED.format(d=DOMAIN)
    if words:
        html = f'<p>{words} <a href="https://{DOMAIN}/tags/haulright" class="mention hashtag" rel="tag">#<span>haulright</span></a></p>'
    return status(n, html, **kwargs)


class Instance:
    """What the stand-in Mastodon instance holds and how it answers."""

    def __init__(self, stand_in: StandIn) -> None:
        self.stand_in = stand_in
        self.tag: list[dict[str, Any]] = []
        self.found: list[dict[str, Any]] = []
        self.notes: list[dict[str, Any]] = []
        # A server that ignores the cursor answers the same page every time.
        self.ignore_cursor = False
        stand_in.route("/api/v1/instance/", Reply(body=INSTANCE_V1))
        stand_in.route("/api/v2/instance/", Reply(body=INSTANCE_V2))
        stand_in.route("/api/v1/timelines/tag/haulright", self._tag)
        stand_in.route("/api/v2/search", self._search)
        stand_in.route("/api/v1/notifications", self._notifications)

    def _page(self, request: Request, entries: list[dict[str, Any]], limit: int) -> Reply:
        """Mastodon's ``paginate_by_id``: newest first; ``min_id`` gives the page right after
        it, ``since_id`` the newest page above it."""
        wanted = min(int(request.arg("limit") or limit), 40)
        rows = sorted(entries, key=lambda e: int(e["id"]), reverse=True)
        if not self.ignore_cursor:
            if request.arg("max_id"):
                rows = [e for e in rows if int(e["id"]) < int(request.arg("max_id") or 0)]
            if request.arg("since_id"):
                rows = [e for e in rows if int(e["id"]) > int(request.arg("since_id") or 0)]
            if request.arg("min_id"):
                rows = [e for e in rows if int(e["id"]) > int(request.arg("min_id") or 0)]
                rows = list(reversed(list(reversed(rows))[:wanted]))
        rows = rows[:wanted]
        headers = {}
        if rows:
            base = f"{self.stand_in.url}{request.path}"
            headers["Link"] = (
                f'<{base}?max_id={rows[-1]["id"]}>; rel="next", '
                f'<{base}?min_id={rows[0]["id"]}>; rel="prev"'
            )
        return Reply(body=rows, headers=headers)

    def _tag(self, request: Request) -> Reply:
        return self._page(request, self.tag, 20)

    def _search(self, request: Request) -> Reply:
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            # Mastodon searches statuses only for a signed-in account.
            return Reply(body={"accounts": [], "statuses": [], "hashtags": []})
        words = (request.arg("q") or "").lower()
        hits = [s for s in self.found if words in s["content"].lower()]
        page = self._page(request, hits, 20)
        return Reply(body={"accounts": [], "statuses": page.body, "hashtags": []})

    def _notifications(self, request: Request) -> Reply:
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return Reply(401, {"error": "The access token is invalid"})
        types = request.query.get("types[]") or []
        notes = [n for n in self.notes if not types or n["type"] in types]
        return self._page(request, notes, 40)


INSTANCE_V1 = {
    "uri": DOMAIN,
    "title": "Mastodon Example",
    "short_description": "A stand-in instance.",
    "description": "A stand-in instance.",
    "email": f"admin@{DOMAIN}",
    "version": "4.3.2",
    "urls": {"streaming_api": f"wss://{DOMAIN}"},
    "stats": {"user_count": 5400, "status_count": 880000, "domain_count": 31000},
    "thumbnail": f"https://{DOMAIN}/packs/media/images/preview.png",
    "languages": ["en"],
    "registrations": False,
    "approval_required": False,
    "invites_enabled": True,
    "configuration": {"statuses": {"max_characters": 500, "max_media_attachments": 4}},
    "contact_account": None,
    "rules": [],
}

INSTANCE_V2 = {
    "domain": DOMAIN,
    "title": "Mastodon Example",
    "version": "4.3.2",
    "source_url": "https://github.com/mastodon/mastodon",
    "description": "A stand-in instance.",
    "usage": {"users": {"active_month": 1200}},
    "thumbnail": {"url": f"https://{DOMAIN}/packs/media/images/preview.png"},
    "languages": ["en"],
    "configuration": {
        "urls": {"streaming": f"wss://{DOMAIN}"},
        "accounts": {"max_featured_tags": 10, "max_pinned_statuses": 5},
        "statuses": {"max_characters": 500, "max_media_attachments": 4},
        "timelines_access": {
            "live_feeds": {"local": "public", "remote": "public"},
            "hashtag_feeds": {"local": "public", "remote": "public"},
            "trending_link_feeds": {"local": "public", "remote": "public"},
        },
    },
    "registrations": {"enabled": False, "approval_required": False, "message": None},
    "api_versions": {"mastodon": 2},
    "contact": {"email": f"admin@{DOMAIN}", "account": None},
    "rules": [],
}


@pytest.fixture
def instance(stand_in: StandIn) -> Instance:
    return Instance(stand_in)


@pytest.fixture
def org(db: Any) -> Any:
    org = factories.make_org("Haulright Trucks", "haulright")
    term_add(organization=org, kind=TermKind.BRAND, term="Haulright")
    return org


@pytest.fixture
def token() -> Iterator[str]:
    yield TOKEN


def make_source(org: Any, stand_in: StandIn, **values: Any) -> Source:
    fields: dict[str, Any] = {
        "name": "Mastodon",
        "kind": SourceKind.MASTODON,
        "url": stand_in.url,
        "queries": "#haulright\nhaulright",
        "account": f"@support@{DOMAIN}",
        "credential": TOKEN,
    }
    fields.update(values)
    return source_create(organization=org, **fields)


# Items in, mentions out ----------------------------------------------------------------------


@pytest.mark.django_db
def test_hashtag_and_word_search_items_become_mentions(
    org: Any, stand_in: StandIn, instance: Instance, token: str
) -> None:
    complaint = tagged(1)
    warned = status(
        2,
        "<p>The van from Haulright had a cracked mirror.<br>Nobody mentioned it at pickup.</p>",
        author=account("ravi", "fosstodon.org", "Ravi"),
        spoiler="Rant",
    )
    boosted = status(3, "<p>boost</p>", reblog=complaint)
    instance.tag = [complaint, boosted]
    instance.found = [warned]
    source = make_source(org, stand_in)

    result = source_poll(source=source)

    assert result.ok, result.error
    assert result.report.stored == 2
    mention = Mention.objects.get(source=source, external_id=complaint["uri"])
    assert mention.url == complaint["url"]
    assert mention.text.startswith("Booked a truck with #haulright for Saturday & nobody called")
    assert "<" not in mention.text
    assert mention.author_name == "Dana Whitfield"
    assert mention.author_handle == "@dana@truckers.social"
    assert mention.published_at == WHEN + timedelta(minutes=1)
    assert mention.matched_terms == ["Haulright"]
    other = Mention.objects.get(source=source, external_id=warned["uri"])
    # The content warning comes first ("CW: "), then the text, one line per paragraph break.
    assert (
        other.text
        == "CW: Rant\n\nThe van from Haulright had a cracked mirror.\nNobody mentioned it at pickup."
    )
    # A boost is the boosted post again: not an item of its own.
    assert not Mention.objects.filter(external_id=boosted["uri"]).exists()

    (tag_call,) = stand_in.calls("/api/v1/timelines/tag/haulright")
    assert tag_call.arg("limit") == "40"
    assert tag_call.arg("min_id") is None and tag_call.arg("since_id") is None
    assert tag_call.headers["authorization"] == f"Bearer {TOKEN}"
    (search_call,) = stand_in.calls("/api/v2/search")
    assert search_call.arg("q") == "haulright"
    assert search_call.arg("type") == "statuses"
    assert search_call.arg("resolve") is None
    assert search_call.arg("limit") == "40"
    # Mastodon.py is told the server's version: it never probes /api/v1/instance for it.
    assert not stand_in.calls("/api/v1/instance/")
    source.refresh_from_db()
    assert source.cursor["tag:haulright"] == str(BASE_ID + 3)
    assert source.cursor["search:haulright"] == str(BASE_ID + 2)
    assert source.items_total == 2
    assert source.healthy and source.last_error == ""


@pytest.mark.django_db
def test_the_author_becomes_a_prospect_with_a_mastodon_identity(
    org: Any, stand_in: StandIn, instance: Instance, token: str
) -> None:
    local = account("mo", DOMAIN, "Mo from next door")
    known = factories.make_customer(org, "Dana Whitfield", "dana@whitfield.example")
    identity_add(customer=known, kind=IdentityKind.MASTODON, value="@Dana@truckers.social")
    instance.tag = [
        tagged(1, "Haulright's Saturday slots are gone already?", author=local),
        tagged(2, "Haulright got my booking wrong again"),
    ]
    source = make_source(org, stand_in)

    assert source_poll(source=source).ok

    by_mo = Mention.objects.get(external_id=instance.tag[0]["uri"])
    # A local account's acct has no domain: the server named in its profile URL is used.
    assert by_mo.author_handle == f"@mo@{DOMAIN}"
    customer = by_mo.customer
    assert customer is not None
    assert customer.is_prospect
    assert customer.display_name == "Mo from next door"
    identity = Identity.objects.get(customer=customer)
    assert (identity.kind, identity.value) == (IdentityKind.MASTODON, f"@mo@{DOMAIN}")
    # A known handle is recognised: no new customer for Dana.
    by_dana = Mention.objects.get(external_id=instance.tag[1]["uri"])
    assert by_dana.customer == known
    assert Customer.objects.filter(organization=org).count() == 2


@pytest.mark.django_db
def test_the_cursor_is_sent_on_the_next_poll_and_only_newer_items_are_stored(
    org: Any, stand_in: StandIn, instance: Instance, token: str
) -> None:
    instance.tag = [tagged(1), tagged(2, "Haulright truck was clean, thanks")]
    instance.found = [status(5, "<p>haulright lost my deposit</p>")]
    source = make_source(org, stand_in)
    assert source_poll(source=source).report.stored == 3

    instance.tag.append(tagged(7, "Haulright refunded me within a day"))
    instance.found.append(status(8, "<p>haulright call centre hung up on me</p>"))
    second = source_poll(source=source)

    assert second.ok, second.error
    assert second.report.stored == 2
    tag_calls = stand_in.calls("/api/v1/timelines/tag/haulright")
    assert tag_calls[-1].arg("min_id") == str(BASE_ID + 2)
    search_calls = stand_in.calls("/api/v2/search")
    assert search_calls[-1].arg("min_id") == str(BASE_ID + 5)
    assert Mention.objects.filter(source=source).count() == 5
    source.refresh_from_db()
    assert source.cursor["tag:haulright"] == str(BASE_ID + 7)
    assert source.cursor["search:haulright"] == str(BASE_ID + 8)

    # Nothing new: the third poll asks from the newest id and stores nothing.
    third = source_poll(source=source)
    assert third.ok and third.report.stored == 0
    assert stand_in.calls("/api/v1/timelines/tag/haulright")[-1].arg("min_id") == str(BASE_ID + 7)


@pytest.mark.django_db
def test_a_burst_larger_than_a_page_is_caught_up_without_gaps(
    org: Any, stand_in: StandIn, instance: Instance, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(connector, "PAGE", 3)
    monkeypatch.setattr(connector, "MAX_PAGES", 2)
    instance.tag = [tagged(1)]
    source = make_source(org, stand_in, queries="#haulright", account="", credential="")
    assert source_poll(source=source).report.stored == 1

    # Eight new posts between two polls: more than a page, more than a poll's pages.
    instance.tag += [tagged(n, f"Haulright post number {n}") for n in range(10, 18)]
    second = source_poll(source=source)
    assert second.ok, second.error
    calls = stand_in.calls("/api/v1/timelines/tag/haulright")[1:]
    assert [c.arg("min_id") for c in calls] == [str(BASE_ID + 1), str(BASE_ID + 12)]
    assert [c.arg("limit") for c in calls] == ["3", "3"]
    assert second.report.stored == 6

    third = source_poll(source=source)
    assert third.report.stored == 2
    stored = set(Mention.objects.filter(source=source).values_list("external_id", flat=True))
    assert stored == {post["uri"] for post in instance.tag}


@pytest.mark.django_db
def test_mentions_of_the_account_are_kept_without_a_term(
    stand_in: StandIn, instance: Instance, token: str
) -> None:
    org = factories.make_org("Haulright Trucks", "haulright")  # no terms at all
    ask = status(
        4,
        f'<p><span class="h-card"><a href="https://{DOMAIN}/@support" class="u-url mention">@<span>support</span></a></span> my truck never arrived, who do I call?</p>',
        author=account("lee", "mstdn.social", "Lee"),
        visibility="public",
    )
    instance.notes = [
        mention_of(1, ask),
        {
            "id": "900002",
            "type": "favourite",
            "created_at": ask["created_at"],
            "group_key": "ungrouped-900002",
            "account": account("kim", "mstdn.social"),
            "status": status(5, "<p>our own post</p>", author=account("support", DOMAIN)),
        },
    ]
    instance.tag = [tagged(6, "nothing for us here")]
    source = make_source(org, stand_in)

    result = source_poll(source=source)

    assert result.ok, result.error
    mention = Mention.objects.get(source=source)
    assert mention.external_id == ask["uri"]
    assert mention.outcome == Outcome.OPENED
    assert mention.author_handle == "@lee@mstdn.social"
    message = Message.objects.get(external_id=ask["uri"])
    assert message.channel == "mastodon"
    assert mention.message == message
    (call,) = stand_in.calls("/api/v1/notifications")
    assert call.headers["authorization"] == f"Bearer {TOKEN}"
    assert call.query["types[]"] == ["mention"]
    assert call.arg("limit") == "40"
    source.refresh_from_db()
    assert source.cursor["mentions"] == "900001"

    instance.notes.append(mention_of(3, status(9, "<p>@support hello again</p>")))
    assert source_poll(source=source).report.stored == 1
    assert stand_in.calls("/api/v1/notifications")[-1].arg("min_id") == "900001"


@pytest.mark.django_db
def test_the_same_items_fetched_three_times_are_stored_once(
    org: Any, stand_in: StandIn, instance: Instance, token: str
) -> None:
    # A post that uses the hashtag and mentions the account comes twice in one poll.
    both = tagged(
        1,
        f'<span class="h-card"><a href="https://{DOMAIN}/@support" class="u-url mention">@<span>support</span></a></span> spotted three Haulright trucks downtown today',
    )
    instance.tag = [both, tagged(2, "Haulright trucks are the best in town")]
    instance.found = [status(3, "<p>haulright is hiring drivers</p>")]
    instance.notes = [mention_of(1, both)]
    instance.ignore_cursor = True  # every poll answers everything again
    source = make_source(org, stand_in)

    for _ in range(3):
        assert source_poll(source=source).ok

    assert Mention.objects.filter(source=source).count() == 3
    for post in (both, instance.tag[1], instance.found[0]):
        assert Mention.objects.filter(source=source, external_id=post["uri"]).count() == 1
        assert Message.objects.filter(external_id=post["uri"]).count() <= 1
    # Seen as a mention of the account, it is addressed to the organization: a case.
    assert Mention.objects.get(external_id=both["uri"]).outcome == Outcome.OPENED
    assert Message.objects.filter(external_id=both["uri"]).count() == 1
    source.refresh_from_db()
    assert source.items_total == 3


# Errors --------------------------------------------------------------------------------------

ERRORS = {
    "401": (
        Reply(401, {"error": "The access token is invalid"}),
        "refused the credentials (HTTP 401). Check the access token entered for this source. "
        "It said: “The access token is invalid”.",
    ),
    "403": (
        Reply(403, {"error": "This action is outside the authorized scopes"}),
        "denied access (HTTP 403). It said: “This action is outside the authorized scopes”.",
    ),
    "404": (Reply(404, {"error": "Record not found"}), "has nothing at this address (HTTP 404)"),
    "500": (
        Reply(
            500,
            "<html><body><h1>We're sorry, but something went wrong.</h1></body></html>",
            {"Content-Type": "text/html; charset=utf-8"},
        ),
        "failed on its side (HTTP 500); Sayso will retry.",
    ),
    "invalid-json": (
        Reply(200, '[{"id": "1", "content": ', {"Content-Type": "application/json"}),
        "answered with something that is not JSON (is this a Mastodon server?).",
    ),
    "html": (
        Reply(
            200,
            "<!DOCTYPE html><html><head><title>Parked domain</title></head></html>",
            {"Content-Type": "text/html"},
        ),
        "answered with something that is not JSON (is this a Mastodon server?).",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(ERRORS))
def test_a_failed_fetch_is_recorded_and_stores_nothing(
    case: str, org: Any, stand_in: StandIn, instance: Instance, token: str
) -> None:
    reply, words = ERRORS[case]
    instance.found = [status(3, "<p>haulright is hiring drivers</p>")]
    stand_in.route("/api/v1/timelines/tag/haulright", reply)
    source = make_source(org, stand_in)

    for failures in (1, 2, 3):
        result = source_poll(source=source)
        assert not result.ok
        assert words in result.error
        assert source.last_error == result.error
        assert source.failure_count == failures
        assert source.healthy == (failures < 3)

    assert source.last_error.startswith("The Mastodon server ")
    assert words in source.last_error
    assert Mention.objects.count() == 0
    assert source.cursor == {}
    assert source.items_total == 0


@pytest.mark.django_db
def test_rate_limited_with_retry_after_waits_as_asked(
    org: Any, stand_in: StandIn, instance: Instance, token: str
) -> None:
    stand_in.route(
        "/api/v1/timelines/tag/haulright",
        Reply(429, {"error": "Too many requests"}, {"Retry-After": "900"}),
    )
    source = make_source(org, stand_in)
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    result = source_poll(source=source, now=now)

    assert not result.ok
    assert source.last_error == (
        "The Mastodon server is rate-limiting Sayso (HTTP 429). It asks to wait 900 seconds."
    )
    assert source.next_poll_at == now + timedelta(seconds=900)
    assert source.failure_count == 1
    assert Mention.objects.count() == 0


@pytest.mark.django_db
def test_rate_limited_by_mastodon_waits_until_its_reset_time(
    org: Any, stand_in: StandIn, instance: Instance, token: str
) -> None:
    # Mastodon itself sends no Retry-After: its 429 says when the window resets.
    reset = datetime.now(UTC) + timedelta(minutes=20)
    stand_in.route(
        "/api/v1/timelines/tag/haulright",
        Reply(
            429,
            {"error": "Too many requests"},
            {
                "X-RateLimit-Limit": "300",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            },
        ),
    )
    source = make_source(org, stand_in)
    now = datetime.now(UTC)

    result = source_poll(source=source, now=now)

    assert not result.ok
    assert "rate-limiting Sayso (HTTP 429). It asks to wait" in result.error
    assert source.next_poll_at is not None
    waited = (source.next_poll_at - now).total_seconds()
    assert 20 * 60 - 10 <= waited <= 20 * 60


@pytest.mark.django_db
def test_a_server_that_does_not_answer_in_time(
    org: Any, stand_in: StandIn, instance: Instance, token: str, settings: Any
) -> None:
    settings.SAYSO_LISTENING_TIMEOUT_SECONDS = 1
    stand_in.route("/api/v1/timelines/tag/haulright", Reply(body=[tagged(1)], delay=3))
    source = make_source(org, stand_in)

    result = source_poll(source=source)

    assert not result.ok
    assert source.last_error == "The Mastodon server did not answer within 1 second."
    assert source.failure_count == 1
    assert Mention.objects.count() == 0


@pytest.mark.django_db
def test_a_token_the_key_cannot_open_is_a_clear_error(
    org: Any, stand_in: StandIn, instance: Instance, settings: Any
) -> None:
    instance.tag = [tagged(1)]
    source = make_source(org, stand_in)
    settings.SAYSO_ENCRYPTION_KEY = Fernet.generate_key().decode()  # the old key is gone

    result = source_poll(source=source)

    assert not result.ok
    assert source.last_error.startswith("The stored credential cannot be decrypted")
    assert source.failure_count == 1
    assert stand_in.requests == []
    assert Mention.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("values", "words"),
    [
        (
            {"queries": "#haulright", "credential": ""},
            f"Reading the mentions of @support@{DOMAIN} needs an access token",
        ),
        (
            {"queries": "#haulright\nhaulright", "account": "", "credential": ""},
            "Mastodon searches words (“haulright”) only for a signed-in account",
        ),
    ],
)
def test_what_needs_a_token_without_one_is_a_clear_error(
    values: dict[str, str], words: str, org: Any, stand_in: StandIn, instance: Instance
) -> None:
    source = make_source(org, stand_in, **values)

    result = source_poll(source=source)

    assert not result.ok
    assert result.error.startswith(words)
    assert stand_in.requests == []


@pytest.mark.django_db
def test_public_hashtags_need_no_token(org: Any, stand_in: StandIn, instance: Instance) -> None:
    instance.tag = [tagged(1)]
    source = make_source(org, stand_in, queries="#haulright", account="", credential="")

    assert source_poll(source=source).report.stored == 1
    (call,) = stand_in.calls("/api/v1/timelines/tag/haulright")
    assert "authorization" not in call.headers


@pytest.mark.django_db
def test_search_does_not_depend_on_the_version_probe(
    org: Any, stand_in: StandIn, instance: Instance, token: str
) -> None:
    # A server whose /api/v1/instance fails (a proxy, an outage): Mastodon.py's own version
    # probe would recurse until RecursionError, or refuse min_id as needing Mastodon 2.8.
    stand_in.route("/api/v1/instance/", Reply(500, "<html>oops</html>"))
    stand_in.route("/api/v2/instance/", Reply(500, "<html>oops</html>"))
    instance.found = [status(3, "<p>haulright is hiring drivers</p>")]
    source = make_source(org, stand_in, queries="haulright", account="")

    assert source_poll(source=source).report.stored == 1
    instance.found.append(status(4, "<p>haulright opened a depot in Leeds</p>"))
    second = source_poll(source=source)

    assert second.ok, second.error
    assert second.report.stored == 1
    assert stand_in.calls("/api/v2/search")[-1].arg("min_id") == str(BASE_ID + 3)
    assert len(stand_in.requests) == 2


def test_timelines_are_read_as_plain_json_not_typed_entities(
    stand_in: StandIn, instance: Instance
) -> None:
    # Mastodon.py's typed entities cost about 2 ms a status; the connector's client keeps
    # lists as the JSON came. If an upgrade of Mastodon.py renamed the method the client
    # replaces, this fails (the connector would still work, only slower).
    instance.tag = [tagged(1), tagged(2)]
    client = connector._Client(
        api_base_url=stand_in.url,
        mastodon_version=connector.ASSUMED_VERSION,
        version_check_mode="created",
    )

    statuses = client.timeline_hashtag("haulright", limit=40)

    assert [type(s) for s in statuses] == [dict, dict]
    assert type(statuses[0]["account"]) is dict
    assert statuses[0]["created_at"] == _iso(WHEN + timedelta(minutes=2))


@pytest.mark.django_db
def test_a_status_with_an_unreadable_date_is_kept_as_heard_now(
    org: Any, stand_in: StandIn, instance: Instance, token: str
) -> None:
    odd = tagged(1)
    odd["created_at"] = "yesterday-ish"
    instance.tag = [odd]
    source = make_source(org, stand_in, queries="#haulright", account="")
    before = datetime.now(UTC)

    result = source_poll(source=source)

    assert result.ok, result.error
    assert result.report.stored == 1
    # No date of its own: it is dated when Sayso heard it.
    assert Mention.objects.get(source=source).published_at >= before


@pytest.mark.django_db
def test_an_unexpected_library_failure_is_the_sources_error(
    org: Any, stand_in: StandIn, instance: Instance, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(connector.Mastodon, "search_v2", broken)
    source = make_source(org, stand_in, queries="haulright", account="")

    result = source_poll(source=source)

    assert not result.ok
    assert result.error == (
        "The Mastodon server could not be read (RecursionError: maximum recursion depth exceeded)."
    )


# Testing a source ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_source_test_returns_the_first_items_and_stores_nothing(
    org: Any, stand_in: StandIn, instance: Instance, token: str
) -> None:
    instance.tag = [tagged(n, f"Haulright post {n}") for n in range(1, 13)]
    source = make_source(org, stand_in)
    Source.objects.filter(pk=source.pk).update(cursor={"tag:haulright": str(BASE_ID + 11)})
    source.refresh_from_db()

    test = source_test(source=source)

    assert test.ok and test.error == ""
    assert len(test.items) == 10
    # From the start, whatever the cursor says: the newest first.
    assert test.items[0].external_id == instance.tag[-1]["uri"]
    assert test.items[0].author_value == "@dana@truckers.social"
    assert stand_in.calls("/api/v1/timelines/tag/haulright")[0].arg("min_id") is None
    assert Mention.objects.count() == 0
    source.refresh_from_db()
    assert source.cursor == {"tag:haulright": str(BASE_ID + 11)}


@pytest.mark.django_db
def test_source_test_returns_the_exact_error(
    org: Any, stand_in: StandIn, instance: Instance, token: str
) -> None:
    stand_in.route(
        "/api/v1/timelines/tag/haulright", Reply(401, {"error": "The access token is invalid"})
    )
    source = make_source(org, stand_in)

    test = source_test(source=source)

    assert not test.ok
    assert test.items == []
    assert test.error == (
        "The Mastodon server refused the credentials (HTTP 401). Check the access token entered "
        "for this source. It said: “The access token is invalid”."
    )
    source.refresh_from_db()
    assert source.failure_count == 0
