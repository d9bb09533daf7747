"""The Bluesky connector through the real ``atproto`` SDK (with ``httpx``), against a stand-in
service on 127.0.0.1 that answers XRPC like a PDS in front of the Bluesky AppView: sign-in
(``com.atproto.server.createSession`` / ``refreshSession``), ``app.bsky.feed.searchPosts``
(newest first, ``since`` on ``sortAt``, paginated by ``cursor``) and
``app.bsky.notification.listNotifications`` (signed in only), with XRPC's error answers."""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.fernet import Fernet

from sayso.conversations.models import Message
from sayso.customers.models import Customer, Identity, IdentityKind
from sayso.customers.services import identity_add
from sayso.listening.connectors import bluesky as connector
from sayso.listening.models import Mention, Outcome, Source, SourceKind, TermKind
from sayso.listening.services import source_create, source_poll, source_test, term_add
from tests import factories
from tests.listening.stand_in import Reply, Request, StandIn

APP_PASSWORD = "x2kq-7fhp-3nwd-9vbe"
ORG_HANDLE = "haulright.com"
ORG_DID = "did:plc:7iza6de2dwap2sbkpav7c6c6"
WHEN = datetime(2024, 11, 5, 10, 0, tzinfo=UTC)
_TID_CHARS = "234567abcdefghijklmnopqrstuvwxyz"


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt(payload: dict[str, Any]) -> str:
    """A well-formed JWT as the PDS issues (ES256K); the SDK decodes it but never checks the
    signature, so these bytes stand in for one."""
    header = {"typ": "at+jwt", "alg": "ES256K"}
    return ".".join(
        [
            _b64(json.dumps(header).encode()),
            _b64(json.dumps(payload).encode()),
            _b64(secrets.token_bytes(64)),
        ]
    )


def tid(n: int) -> str:
    """A record key in the TID alphabet (13 characters, base32-sortable)."""
    chars = []
    value = 0x3_0000_0000_0000 + n
    for _ in range(13):
        chars.append(_TID_CHARS[value % 32])
        value //= 32
    return "".join(reversed(chars))


def cid(n: int) -> str:
    return "bafyrei" + "".join(_TID_CHARS[(n * 7 + i * 13) % 32] for i in range(52))


def profile(
    handle: str = "dana.bsky.social",
    name: str = "Dana Whitfield",
    did: str = "did:plc:ewvi7nxzyoun6zhxrhs64oiz",
) -> dict[str, Any]:
    """A ProfileView as the AppView serializes it."""
    return {
        "did": did,
        "handle": handle,
        "displayName": name,
        "avatar": f"https://cdn.bsky.app/img/avatar/plain/{did}/{cid(1)}@jpeg",
        "associated": {"chat": {"allowIncoming": "following"}},
        "viewer": {"muted": False, "blockedBy": False},
        "labels": [],
        "createdAt": "2023-04-20T16:41:09.000Z",
        "indexedAt": "2024-01-20T05:30:11.000Z",
        "description": "Moving house, one box at a time.",
    }


def record(text: str, created: datetime, *, facets: list[dict[str, Any]] | None = None) -> dict:
    body: dict[str, Any] = {
        "$type": "app.bsky.feed.post",
        "text": text,
        "createdAt": _iso(created),
        "langs": ["en"],
    }
    if facets:
        body["facets"] = facets
    return body


def post(
    n: int,
    text: str,
    *,
    author: dict[str, Any] | None = None,
    indexed: datetime | None = None,
    created: datetime | None = None,
) -> dict[str, Any]:
    """A PostView (app.bsky.feed.defs#postView) as searchPosts answers it."""
    author = author or profile()
    indexed = indexed or WHEN + timedelta(minutes=n)
    created = created or indexed - timedelta(seconds=1)
    basic = {
        k: author[k] for k in ("did", "handle", "displayName", "avatar", "labels", "createdAt")
    }
    return {
        "uri": f"at://{author['did']}/app.bsky.feed.post/{tid(n)}",
        "cid": cid(n),
        "author": basic,
        "record": record(text, created),
        "bookmarkCount": 0,
        "replyCount": 0,
        "repostCount": 0,
        "likeCount": 0,
        "quoteCount": 0,
        "indexedAt": _iso(indexed),
        "viewer": {"threadMuted": False, "embeddingDisabled": False},
        "labels": [],
    }


def notification(
    n: int, reason: str, text: str, *, author: dict[str, Any] | None = None
) -> dict[str, Any]:
    """An app.bsky.notification.listNotifications#notification."""
    author = author or profile("lee.bsky.social", "Lee", "did:plc:l3rouwludahu3ui3bt66mfvj")
    indexed = WHEN + timedelta(minutes=n)
    mention = f"@{ORG_HANDLE}"
    facets = [
        {
            "index": {"byteStart": 0, "byteEnd": len(mention.encode())},
            "features": [{"$type": "app.bsky.richtext.facet#mention", "did": ORG_DID}],
        }
    ]
    note = {
        "uri": f"at://{author['did']}/app.bsky.feed.post/{tid(500 + n)}",
        "cid": cid(500 + n),
        "author": author,
        "reason": reason,
        "record": record(text, indexed - timedelta(seconds=2), facets=facets),
        "isRead": False,
        "indexedAt": _iso(indexed),
        "labels": [],
    }
    if reason == "like":
        note["record"] = {
            "$type": "app.bsky.feed.like",
            "subject": {"uri": f"at://{ORG_DID}/app.bsky.feed.post/{tid(1)}", "cid": cid(1)},
            "createdAt": _iso(indexed),
        }
        note["reasonSubject"] = f"at://{ORG_DID}/app.bsky.feed.post/{tid(1)}"
    if reason == "reply":
        note["reasonSubject"] = f"at://{ORG_DID}/app.bsky.feed.post/{tid(2)}"
    return note


def _sort_at(entry: dict[str, Any]) -> str:
    """The AppView's sortAt: the earlier of createdAt and indexedAt."""
    return min(entry["record"]["createdAt"], entry["indexedAt"])


class Service:
    """The stand-in PDS + AppView: what it holds, the sessions it issued, how it answers."""

    def __init__(self, stand_in: StandIn) -> None:
        self.stand_in = stand_in
        self.posts: list[dict[str, Any]] = []
        self.notes: list[dict[str, Any]] = []
        self.access: set[str] = set()
        self.refresh: set[str] = set()
        self.access_lifetime = timedelta(hours=2)
        self.did_doc = True
        self.ignore_cursor = False
        self.search_needs_auth = False
        stand_in.route("/xrpc/com.atproto.server.createSession", self._create_session)
        stand_in.route("/xrpc/com.atproto.server.refreshSession", self._refresh_session)
        stand_in.route("/xrpc/app.bsky.feed.searchPosts", self._search)
        stand_in.route("/xrpc/app.bsky.notification.listNotifications", self._notifications)

    def _tokens(self) -> dict[str, Any]:
        now = int(datetime.now(UTC).timestamp())
        access = jwt(
            {
                "scope": "com.atproto.appPass",
                "sub": ORG_DID,
                "iat": now,
                "exp": now + int(self.access_lifetime.total_seconds()),
                "aud": "did:web:porcini.us-east.host.bsky.network",
            }
        )
        refresh = jwt(
            {
                "scope": "com.atproto.refresh",
                "sub": ORG_DID,
                "aud": "did:web:bsky.social",
                "jti": secrets.token_urlsafe(24),
                "iat": now,
                "exp": now + 90 * 24 * 3600,
            }
        )
        self.access.add(access)
        self.refresh.add(refresh)
        session: dict[str, Any] = {
            "accessJwt": access,
            "refreshJwt": refresh,
            "handle": ORG_HANDLE,
            "did": ORG_DID,
            "active": True,
        }
        if self.did_doc:
            session["didDoc"] = {
                "@context": [
                    "https://www.w3.org/ns/did/v1",
                    "https://w3id.org/security/multikey/v1",
                    "https://w3id.org/security/suites/secp256k1-2019/v1",
                ],
                "id": ORG_DID,
                "alsoKnownAs": [f"at://{ORG_HANDLE}"],
                "verificationMethod": [
                    {
                        "id": f"{ORG_DID}#atproto",
                        "type": "Multikey",
                        "controller": ORG_DID,
                        "publicKeyMultibase": "zQ3shXjHeiBuRCKmM36cuYnm7YEMzhGnCmCyW92sRJ9pribSF",
                    }
                ],
                "service": [
                    {
                        "id": "#atproto_pds",
                        "type": "AtprotoPersonalDataServer",
                        "serviceEndpoint": self.stand_in.url,
                    }
                ],
            }
        return session

    def _create_session(self, request: Request) -> Reply:
        body = json.loads(request.body or b"{}")
        if body.get("identifier") != ORG_HANDLE or body.get("password") != APP_PASSWORD:
            return Reply(
                401,
                {"error": "AuthenticationRequired", "message": "Invalid identifier or password"},
            )
        session = self._tokens()
        session.update({"email": "social@haulright.com", "emailConfirmed": True})
        return Reply(body=session)

    def _refresh_session(self, request: Request) -> Reply:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if token not in self.refresh:
            return Reply(400, {"error": "ExpiredToken", "message": "Token has been revoked"})
        self.refresh.discard(token)
        return Reply(body=self._tokens())

    def _auth(self, request: Request) -> Reply | None:
        header = request.headers.get("authorization", "")
        if not header:
            return Reply(
                401, {"error": "AuthenticationRequired", "message": "Authentication Required"}
            )
        if header.removeprefix("Bearer ") not in self.access:
            return Reply(400, {"error": "ExpiredToken", "message": "Token has expired"})
        return None

    def revoke(self) -> None:
        self.access.clear()
        self.refresh.clear()

    def _page(self, request: Request, rows: list[dict[str, Any]], limit: int) -> tuple[list, str]:
        wanted = int(request.arg("limit") or limit)
        start = 0 if self.ignore_cursor else int(request.arg("cursor") or 0)
        page = rows[start : start + wanted]
        more = start + wanted < len(rows)
        return page, str(start + wanted) if more else ""

    def _search(self, request: Request) -> Reply:
        if request.headers.get("authorization") or self.search_needs_auth:
            refused = self._auth(request)
            if refused is not None:
                return refused
        words = (request.arg("q") or "").lower()
        since = request.arg("since")
        # A "#tag" query finds the posts tagged so; words are found anywhere in the text.
        hits = [p for p in self.posts if words in p["record"]["text"].lower()]
        if since and not self.ignore_cursor:
            hits = [p for p in hits if _sort_at(p) >= since]
        hits.sort(key=_sort_at, reverse=True)
        page, cursor = self._page(request, hits, 25)
        body: dict[str, Any] = {"posts": page, "hitsTotal": len(hits)}
        if cursor:
            body["cursor"] = cursor
        return Reply(body=body)

    def _notifications(self, request: Request) -> Reply:
        refused = self._auth(request)
        if refused is not None:
            return refused
        reasons = request.query.get("reasons") or []
        notes = [n for n in self.notes if not reasons or n["reason"] in reasons]
        notes.sort(key=lambda n: n["indexedAt"], reverse=True)
        page, cursor = self._page(request, notes, 50)
        body: dict[str, Any] = {"notifications": page, "priority": False}
        if cursor:
            body["cursor"] = cursor
        return Reply(body=body)


@pytest.fixture(autouse=True)
def _no_kept_sessions() -> Iterator[None]:
    connector._SESSIONS.clear()
    yield
    connector._SESSIONS.clear()


@pytest.fixture
def service(stand_in: StandIn) -> Service:
    return Service(stand_in)


@pytest.fixture
def org(db: Any) -> Any:
    org = factories.make_org("Haulright Trucks", "haulright")
    term_add(organization=org, kind=TermKind.BRAND, term="Haulright")
    return org


@pytest.fixture
def password() -> str:
    return APP_PASSWORD


def make_source(org: Any, stand_in: StandIn, **values: Any) -> Source:
    fields: dict[str, Any] = {
        "name": "Bluesky",
        "kind": SourceKind.BLUESKY,
        "url": stand_in.url,
        "queries": "#haulright\nhaulright",
        "account": f"@{ORG_HANDLE}",
        "credential": APP_PASSWORD,
    }
    fields.update(values)
    return source_create(organization=org, **fields)


def public(org: Any, stand_in: StandIn, **values: Any) -> Source:
    """A search of the public AppView: no account, no password."""
    return make_source(org, stand_in, queries="haulright", account="", credential="", **values)


# Items in, mentions out ----------------------------------------------------------------------


@pytest.mark.django_db
def test_searched_posts_become_mentions(
    org: Any, stand_in: StandIn, service: Service, password: str
) -> None:
    tagged = post(1, "Booked a truck with #haulright for Saturday and nobody called to confirm.")
    plain = post(2, "Haulright van had a cracked mirror, nobody mentioned it at pickup")
    elsewhere = post(
        3, "Moving day tomorrow, wish me luck", author=profile("kim.bsky.social", "Kim")
    )
    service.posts = [tagged, plain, elsewhere]
    source = make_source(org, stand_in)

    result = source_poll(source=source)

    assert result.ok, result.error
    assert result.report.stored == 2
    mention = Mention.objects.get(source=source, external_id=tagged["uri"])
    assert mention.text == tagged["record"]["text"]
    assert mention.url == f"https://bsky.app/profile/dana.bsky.social/post/{tid(1)}"
    assert mention.author_name == "Dana Whitfield"
    assert mention.author_handle == "dana.bsky.social"
    assert mention.published_at == WHEN + timedelta(minutes=1) - timedelta(seconds=1)
    assert mention.matched_terms == ["Haulright"]
    assert Mention.objects.filter(source=source, external_id=plain["uri"]).exists()

    (signin,) = stand_in.calls("/xrpc/com.atproto.server.createSession")
    assert signin.method == "POST"
    assert json.loads(signin.body) == {"identifier": ORG_HANDLE, "password": APP_PASSWORD}
    searches = stand_in.calls("/xrpc/app.bsky.feed.searchPosts")
    assert [s.arg("q") for s in searches] == ["#haulright", "haulright"]
    for search in searches:
        assert (search.arg("limit"), search.arg("sort"), search.arg("since")) == (
            "100",
            "latest",
            None,
        )
        # Signed in, the search goes through the PDS the DID document names, with the session.
        assert search.headers["authorization"].startswith("Bearer ")
        assert search.headers["authorization"].removeprefix("Bearer ") in service.access
    source.refresh_from_db()
    assert source.cursor["search:haulright"] == plain["indexedAt"]
    assert source.cursor["search:#haulright"] == tagged["indexedAt"]
    assert source.items_total == 2 and source.healthy


@pytest.mark.django_db
def test_the_public_appview_is_searched_without_signing_in(
    org: Any, stand_in: StandIn, service: Service
) -> None:
    service.posts = [post(1, "haulright lost my deposit")]
    source = public(org, stand_in)

    assert source_poll(source=source).report.stored == 1
    assert not stand_in.calls("/xrpc/com.atproto.server.createSession")
    (search,) = stand_in.calls("/xrpc/app.bsky.feed.searchPosts")
    assert "authorization" not in search.headers


@pytest.mark.django_db
def test_the_author_becomes_a_prospect_with_a_bluesky_identity(
    org: Any, stand_in: StandIn, service: Service
) -> None:
    known = factories.make_customer(org, "Dana Whitfield", "dana@whitfield.example")
    identity_add(customer=known, kind=IdentityKind.BLUESKY, value="Dana.bsky.social")
    unverified = profile("handle.invalid", "", "did:plc:z72i7hdynmk6r22z27h6tvur")
    service.posts = [
        post(
            1,
            "Haulright's Saturday slots are gone already?",
            author=profile("mo.example.com", "Mo", "did:plc:4mo3xampl3c0mh4nd1e5x7yz"),
        ),
        post(2, "Haulright got my booking wrong again"),
        post(3, "Haulright, anyone else waiting on a refund?", author=unverified),
    ]
    source = public(org, stand_in)

    assert source_poll(source=source).report.stored == 3

    by_mo = Mention.objects.get(external_id=service.posts[0]["uri"])
    customer = by_mo.customer
    assert customer is not None and customer.is_prospect
    assert customer.display_name == "Mo"
    # The handle, and the DID that outlives a change of handle.
    assert set(Identity.objects.filter(customer=customer).values_list("kind", "value")) == {
        (IdentityKind.BLUESKY, "mo.example.com"),
        (IdentityKind.BLUESKY, "did:plc:4mo3xampl3c0mh4nd1e5x7yz"),
    }
    # A known handle is recognised.
    assert Mention.objects.get(external_id=service.posts[1]["uri"]).customer == known
    # A handle that does not verify is no identity: the author is known by their DID.
    by_unverified = Mention.objects.get(external_id=service.posts[2]["uri"])
    assert by_unverified.author_handle == "did:plc:z72i7hdynmk6r22z27h6tvur"
    assert by_unverified.url == (
        f"https://bsky.app/profile/did:plc:z72i7hdynmk6r22z27h6tvur/post/{tid(3)}"
    )
    assert by_unverified.customer is not None and by_unverified.customer.is_prospect
    assert not Identity.objects.filter(value="handle.invalid").exists()
    assert Customer.objects.filter(organization=org).count() == 3


@pytest.mark.django_db
def test_the_cursor_is_sent_on_the_next_poll_and_only_newer_items_are_stored(
    org: Any, stand_in: StandIn, service: Service
) -> None:
    service.posts = [post(1, "haulright lost my deposit"), post(2, "haulright was great")]
    source = public(org, stand_in)
    assert source_poll(source=source).report.stored == 2
    source.refresh_from_db()
    cursor = source.cursor["search:haulright"]
    assert cursor == _iso(WHEN + timedelta(minutes=2))

    newer = post(5, "haulright refunded me within a day")
    # Written before the cursor, indexed after it (a slow PDS): its sortAt is its createdAt.
    late = post(
        6,
        "haulright never called back",
        created=WHEN + timedelta(minutes=1, seconds=30),
        indexed=WHEN + timedelta(minutes=6),
    )
    service.posts += [newer, late]
    second = source_poll(source=source)

    assert second.ok, second.error
    search = stand_in.calls("/xrpc/app.bsky.feed.searchPosts")[-1]
    # Asked from a margin before the cursor, so the late post is found.
    assert search.arg("since") == _iso(WHEN + timedelta(minutes=2) - connector.LATE_INDEX_MARGIN)
    assert second.report.stored == 2
    assert second.report.fetched == 2  # what is already stored is not fetched as new
    assert set(Mention.objects.values_list("external_id", flat=True)) == {
        p["uri"] for p in service.posts
    }
    source.refresh_from_db()
    assert source.cursor["search:haulright"] == late["indexedAt"]

    third = source_poll(source=source)
    assert third.ok and third.report.stored == 0 and third.report.fetched == 0


@pytest.mark.django_db
def test_a_burst_larger_than_a_page_is_read_page_after_page(
    org: Any, stand_in: StandIn, service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(connector, "PAGE", 3)
    service.posts = [post(1, "haulright lost my deposit")]
    source = public(org, stand_in)
    assert source_poll(source=source).report.stored == 1

    service.posts += [post(n, f"haulright post number {n}") for n in range(30, 38)]
    second = source_poll(source=source)

    assert second.ok, second.error
    pages = stand_in.calls("/xrpc/app.bsky.feed.searchPosts")[1:]
    assert [p.arg("cursor") for p in pages] == [None, "3", "6"]
    assert {p.arg("limit") for p in pages} == {"3"}
    assert second.report.stored == 8
    assert Mention.objects.count() == 9


@pytest.mark.django_db
def test_mentions_of_the_account_are_kept_without_a_term(
    stand_in: StandIn, service: Service, password: str
) -> None:
    org = factories.make_org("Haulright Trucks", "haulright")  # no terms at all
    service.notes = [
        notification(1, "mention", f"@{ORG_HANDLE} my truck never arrived, who do I call?"),
        notification(2, "like", ""),
        notification(
            3,
            "reply",
            f"@{ORG_HANDLE} still waiting for the refund you promised",
            author=profile("sam.bsky.social", "Sam", "did:plc:s4mxkq3v7rjzd5n2bwy6tkfe"),
        ),
    ]
    source = make_source(org, stand_in, queries="")

    result = source_poll(source=source)

    assert result.ok, result.error
    assert result.report.stored == 2
    for note in (service.notes[0], service.notes[2]):
        mention = Mention.objects.get(source=source, external_id=note["uri"])
        assert mention.outcome == Outcome.OPENED
        assert mention.author_handle == note["author"]["handle"]
        message = Message.objects.get(external_id=note["uri"])
        assert message.channel == "bluesky"
        assert mention.message == message
    (call,) = stand_in.calls("/xrpc/app.bsky.notification.listNotifications")
    assert call.query["reasons"] == ["mention", "reply"]
    assert call.arg("limit") == "50"
    assert call.headers["authorization"].removeprefix("Bearer ") in service.access
    source.refresh_from_db()
    assert source.cursor["mentions"] == service.notes[2]["indexedAt"]

    service.notes.append(notification(9, "mention", f"@{ORG_HANDLE} hello again"))
    second = source_poll(source=source)
    assert second.report.stored == 1 and second.report.fetched == 1


@pytest.mark.django_db
def test_the_same_items_fetched_three_times_are_stored_once(
    org: Any, stand_in: StandIn, service: Service, password: str
) -> None:
    note = notification(
        4, "mention", f"@{ORG_HANDLE} spotted three Haulright trucks downtown today"
    )
    # The same post found by the search and as a mention of the account.
    as_found = post(4, note["record"]["text"], author=profile("lee.bsky.social", "Lee"))
    as_found["uri"] = note["uri"]
    service.posts = [as_found, post(5, "Haulright trucks are the best in town")]
    service.notes = [note]
    service.ignore_cursor = True  # every poll answers everything again
    source = make_source(org, stand_in)

    for _ in range(3):
        assert source_poll(source=source).ok

    assert Mention.objects.filter(source=source).count() == 2
    for uri in (note["uri"], service.posts[1]["uri"]):
        assert Mention.objects.filter(external_id=uri).count() == 1
        assert Message.objects.filter(external_id=uri).count() <= 1
    # Seen as a mention of the account, it is addressed to the organization: a case.
    assert Mention.objects.get(external_id=note["uri"]).outcome == Outcome.OPENED
    assert Message.objects.filter(external_id=note["uri"]).count() == 1


# The session --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_session_is_kept_between_polls(
    org: Any, stand_in: StandIn, service: Service, password: str
) -> None:
    service.notes = [notification(1, "mention", f"@{ORG_HANDLE} hi")]
    source = make_source(org, stand_in)

    for _ in range(3):
        assert source_poll(source=source).ok

    # Bluesky allows 30 sign-ins in 5 minutes, 300 a day: one is enough.
    assert len(stand_in.calls("/xrpc/com.atproto.server.createSession")) == 1
    assert len(stand_in.calls("/xrpc/app.bsky.notification.listNotifications")) == 3
    # Nor is the profile looked up on each sign-in.
    assert not stand_in.calls("/xrpc/app.bsky.actor.getProfile")


@pytest.mark.django_db
def test_a_session_the_service_no_longer_accepts_is_replaced(
    org: Any, stand_in: StandIn, service: Service, password: str
) -> None:
    source = make_source(org, stand_in)
    assert source_poll(source=source).ok
    service.revoke()
    service.notes = [notification(1, "mention", f"@{ORG_HANDLE} hi")]

    result = source_poll(source=source)

    assert result.ok, result.error
    assert result.report.stored == 1
    assert len(stand_in.calls("/xrpc/com.atproto.server.createSession")) == 2


@pytest.mark.django_db
def test_an_access_token_about_to_expire_is_refreshed(
    org: Any, stand_in: StandIn, service: Service, password: str
) -> None:
    service.access_lifetime = timedelta(minutes=10)  # the SDK refreshes 15 minutes early
    source = make_source(org, stand_in)

    assert source_poll(source=source).ok
    assert source_poll(source=source).ok

    assert len(stand_in.calls("/xrpc/com.atproto.server.createSession")) == 1
    assert len(stand_in.calls("/xrpc/com.atproto.server.refreshSession")) >= 2


@pytest.mark.django_db
def test_a_pds_without_a_did_document_is_used_as_given(
    org: Any, stand_in: StandIn, service: Service, password: str
) -> None:
    service.did_doc = False
    service.posts = [post(1, "haulright lost my deposit")]
    source = make_source(org, stand_in, queries="haulright")

    assert source_poll(source=source).report.stored == 1
    assert len(stand_in.calls("/xrpc/app.bsky.feed.searchPosts")) == 1


# Errors --------------------------------------------------------------------------------------

ERRORS = {
    "401": (
        Reply(401, {"error": "AuthenticationRequired", "message": "Authentication Required"}),
        "refused the credentials (HTTP 401). Check the app password entered for this source. "
        "It said: “Authentication Required”.",
    ),
    "403": (
        Reply(403, {"error": "Forbidden", "message": "Search is not available to this client"}),
        "denied access (HTTP 403). It said: “Search is not available to this client”.",
    ),
    "404": (
        Reply(
            404,
            "<html><body>Cannot GET /xrpc/app.bsky.feed.searchPosts</body></html>",
            {"Content-Type": "text/html"},
        ),
        "has nothing at this address (HTTP 404).",
    ),
    "500": (
        Reply(500, {"error": "InternalServerError", "message": "Internal Server Error"}),
        "failed on its side (HTTP 500); Sayso will retry.",
    ),
    "invalid-json": (
        Reply(200, '{"posts": [{"uri": ', {"Content-Type": "application/json; charset=utf-8"}),
        "answered with something that is not JSON (is this a Bluesky service?).",
    ),
    "html": (
        Reply(
            200,
            "<!DOCTYPE html><html><head><title>Parked domain</title></head></html>",
            {"Content-Type": "text/html; charset=utf-8"},
        ),
        "answered with something that is not JSON (is this a Bluesky service?).",
    ),
    "wrong-shape": (
        Reply(200, {"posts": [{"uri": "at://did:plc:x/app.bsky.feed.post/1"}]}),
        "answered in a shape Sayso does not understand (posts.0.author: Field required).",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(ERRORS))
def test_a_failed_fetch_is_recorded_and_stores_nothing(
    case: str, org: Any, stand_in: StandIn, service: Service
) -> None:
    reply, words = ERRORS[case]
    stand_in.route("/xrpc/app.bsky.feed.searchPosts", reply)
    source = public(org, stand_in)

    for failures in (1, 2, 3):
        result = source_poll(source=source)
        assert not result.ok
        assert source.last_error == result.error
        assert source.failure_count == failures
        assert source.healthy == (failures < 3)

    assert source.last_error.startswith("The Bluesky service ")
    assert words in source.last_error
    assert Mention.objects.count() == 0
    assert source.cursor == {}
    assert source.items_total == 0


@pytest.mark.django_db
def test_a_wrong_app_password_is_a_clear_error(
    org: Any, stand_in: StandIn, service: Service
) -> None:
    source = make_source(org, stand_in, credential="not-the-password")

    result = source_poll(source=source)

    assert not result.ok
    assert result.error == (
        "The Bluesky service refused the credentials (HTTP 401). Check the app password entered "
        "for this source. It said: “Invalid identifier or password”."
    )
    assert not stand_in.calls("/xrpc/app.bsky.feed.searchPosts")


@pytest.mark.django_db
def test_rate_limited_with_retry_after_waits_as_asked(
    org: Any, stand_in: StandIn, service: Service
) -> None:
    stand_in.route(
        "/xrpc/app.bsky.feed.searchPosts",
        Reply(
            429,
            {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
            {"Retry-After": "900"},
        ),
    )
    source = public(org, stand_in)
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    result = source_poll(source=source, now=now)

    assert not result.ok
    assert source.last_error == (
        "The Bluesky service is rate-limiting Sayso (HTTP 429). It asks to wait 900 seconds."
    )
    assert source.next_poll_at == now + timedelta(seconds=900)
    assert Mention.objects.count() == 0


@pytest.mark.django_db
def test_rate_limited_by_bluesky_waits_until_its_reset_time(
    org: Any, stand_in: StandIn, service: Service
) -> None:
    # Bluesky's own 429 carries RateLimit-* headers and no Retry-After.
    reset = datetime.now(UTC) + timedelta(minutes=20)
    stand_in.route(
        "/xrpc/app.bsky.feed.searchPosts",
        Reply(
            429,
            {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
            {
                "RateLimit-Limit": "3000",
                "RateLimit-Remaining": "0",
                "RateLimit-Reset": str(int(reset.timestamp())),
                "RateLimit-Policy": "3000;w=300",
            },
        ),
    )
    source = public(org, stand_in)
    now = datetime.now(UTC)

    result = source_poll(source=source, now=now)

    assert not result.ok
    assert source.next_poll_at is not None
    waited = (source.next_poll_at - now).total_seconds()
    assert 20 * 60 - 10 <= waited <= 20 * 60


@pytest.mark.django_db
def test_a_service_that_does_not_answer_in_time(
    org: Any, stand_in: StandIn, service: Service, settings: Any
) -> None:
    settings.SAYSO_LISTENING_TIMEOUT_SECONDS = 1
    stand_in.route(
        "/xrpc/app.bsky.feed.searchPosts",
        Reply(body={"posts": [post(1, "haulright lost my deposit")]}, delay=3),
    )
    source = public(org, stand_in)

    result = source_poll(source=source)

    assert not result.ok
    assert source.last_error == "The Bluesky service did not answer within 1 second."
    assert source.failure_count == 1
    assert Mention.objects.count() == 0


@pytest.mark.django_db
def test_a_password_the_key_cannot_open_is_a_clear_error(
    org: Any, stand_in: StandIn, service: Service, settings: Any
) -> None:
    source = make_source(org, stand_in)
    settings.SAYSO_ENCRYPTION_KEY = Fernet.generate_key().decode()  # the old key is gone

    result = source_poll(source=source)

    assert not result.ok
    assert source.last_error.startswith("The stored credential cannot be decrypted")
    assert source.failure_count == 1
    assert stand_in.requests == []


@pytest.mark.django_db
def test_an_account_without_a_password_is_a_clear_error(
    org: Any, stand_in: StandIn, service: Service
) -> None:
    source = make_source(org, stand_in, credential="")

    result = source_poll(source=source)

    assert not result.ok
    assert result.error == (
        f"Reading the mentions of @{ORG_HANDLE} needs an app password: enter it on the source's "
        "page."
    )
    assert stand_in.requests == []


@pytest.mark.django_db
def test_an_unexpected_library_failure_is_the_sources_error(
    org: Any, stand_in: StandIn, service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(connector, "_search", broken)
    source = public(org, stand_in)

    result = source_poll(source=source)

    assert not result.ok
    assert result.error == (
        "The Bluesky service could not be read (RecursionError: maximum recursion depth exceeded)."
    )


# Testing a source ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_source_test_returns_the_first_items_and_stores_nothing(
    org: Any, stand_in: StandIn, service: Service, password: str
) -> None:
    service.posts = [post(n, f"haulright post {n}") for n in range(1, 13)]
    source = make_source(org, stand_in, queries="haulright")
    Source.objects.filter(pk=source.pk).update(
        cursor={"search:haulright": service.posts[-1]["indexedAt"]}
    )
    source.refresh_from_db()

    test = source_test(source=source)

    assert test.ok and test.error == ""
    assert len(test.items) == 10
    # From the start, whatever the cursor says: the newest first.
    assert test.items[0].external_id == service.posts[-1]["uri"]
    assert test.items[0].author_value == "dana.bsky.social"
    assert stand_in.calls("/xrpc/app.bsky.feed.searchPosts")[0].arg("since") is None
    assert Mention.objects.count() == 0
    source.refresh_from_db()
    assert source.cursor == {"search:haulright": service.posts[-1]["indexedAt"]}


@pytest.mark.django_db
def test_source_test_returns_the_exact_error(org: Any, stand_in: StandIn, service: Service) -> None:
    source = make_source(org, stand_in, credential="not-the-password")

    test = source_test(source=source)

    assert not test.ok
    assert test.items == []
    assert test.error == (
        "The Bluesky service refused the credentials (HTTP 401). Check the app password entered "
        "for this source. It said: “Invalid identifier or password”."
    )
    source.refresh_from_db()
    assert source.failure_count == 0
