"""The world of bench/ingest.py: an organization that listens, and stand-in servers (Atom
feeds, a Mastodon instance, a Bluesky AppView) on 127.0.0.1 serving generated posts."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.listening.stand_in import Reply, Request, StandIn

BRAND = "Haulright"
COMPETITOR = "VanGo"
PEOPLE = ["Kim", "Lee", "Max", "Ana", "Raj", "Eva", "Tom", "Ida", "Bo", "Sam", "Noa", "Ola"]
THINGS = [
    "truck",
    "van",
    "trailer",
    "moving kit",
    "booking",
    "deposit",
    "pickup",
    "return",
    "invoice",
    "refund",
    "insurance",
    "dolly",
    "blankets",
    "mirror",
    "tow hitch",
]
CITIES = ["Denver", "Boulder", "Austin", "Reno", "Salt Lake City", "Tucson", "Omaha", "Boise"]
COMPLAINTS = [
    "{b} lost my {t} in {c} and nobody answers the phone. Day {n} of waiting.",
    "Really disappointed with {b}: the {t} was dirty and late in {c}, order {n}.",
    "{b} charged me twice for the {t}. Still no refund after {n} days. Awful service.",
]
QUESTIONS = [
    "Does {b} in {c} rent a {t} for one-way moves? Need it for {n} days.",
    "How do I change the {t} on my {b} booking {n}? Moving from {c}.",
    "Anyone know if {b} includes the {t} with a 16 ft truck in {c}?",
]
PRAISE = [
    "Big thanks to {b} {c}: the {t} was spotless and the staff were great (move #{n}).",
    "Moved across {c} with {b} today, {t} worked perfectly. Would rent again, {n}/10.",
]
PURCHASE = [
    "We want to buy the {b} {t} package for {n} employees relocating to {c}; who do I call?",
]
COMPETITION = [
    "Comparing {b} and {v} for my {t} in {c}: {v} is {n} dollars cheaper, hmm.",
    "Switched from {v} to {b} for the {t}; {c} branch was faster. Saved {n} dollars.",
]
OTHER = [
    "Packing day {n} in {c}. The {b} {t} is full of boxes, the cat is not impressed.",
    "Sunset over {c} tonight, {n} photos of the {t} loading into the {b} truck later.",
]
WEIGHTS = [
    (COMPLAINTS, 15),
    (QUESTIONS, 20),
    (PRAISE, 20),
    (PURCHASE, 5),
    (COMPETITION, 10),
    (OTHER, 30),
]


@dataclass
class Post:
    external_id: str
    text: str
    author: str
    handle: str
    created_at: datetime
    kept: bool


def _text(rng: random.Random, mention: bool) -> str:
    templates = rng.choices([t for t, _ in WEIGHTS], weights=[w for _, w in WEIGHTS])[0]
    text = rng.choice(templates).format(
        b=BRAND if mention else "the rental place",
        v=COMPETITOR,
        t=rng.choice(THINGS),
        c=rng.choice(CITIES),
        n=rng.randint(2, 999),
    )
    return text


class World:
    """Context manager: the organization, its sources, and the servers behind them."""

    def __init__(
        self, items: int, feed_size: int, rng: random.Random, slug: str = "bench-listen"
    ) -> None:
        self.slug = slug
        self.items = items
        self.feed_size = feed_size
        self.rng = rng
        self.competitors = [COMPETITOR]
        start = datetime(2026, 11, 1, tzinfo=UTC)
        authors = max(items // 8, 10)
        self.posts: list[Post] = []
        for n in range(items):
            mention = rng.random() < 0.9
            author = rng.randrange(authors)
            self.posts.append(
                Post(
                    external_id=str(n),
                    text=_text(rng, mention),
                    author=f"{rng.choice(PEOPLE)} {author}",
                    handle=f"user{author}",
                    created_at=start + timedelta(seconds=n * 20),
                    kept=mention,
                )
            )
        third = items // 5
        self.feed_posts = self.posts[: items - 2 * third]
        self.mastodon_posts = self.posts[items - 2 * third : items - third]
        self.bluesky_posts = self.posts[items - third :]
        self.server = StandIn()
        self.mastodon_released = 40
        self.bluesky_released = 100

    def describe(self) -> str:
        feeds = (len(self.feed_posts) + self.feed_size - 1) // self.feed_size
        return (
            f"{feeds} Atom feeds ({len(self.feed_posts):,}), Mastodon "
            f"({len(self.mastodon_posts):,}), Bluesky ({len(self.bluesky_posts):,})"
        )

    def analysis_items(self) -> list[dict[str, str]]:
        """The posts as ``analyze()`` reads them in the pipeline: text, author and time (the
        analysis compares an author's items within days by meaning, so who wrote what and when
        decides part of its work)."""
        return [
            {
                "text": p.text,
                "author": p.author,
                "author_id": f"handle:{p.handle}",
                "created_at": p.created_at.isoformat(),
            }
            for p in self.posts
        ]

    def texts(self, *, kept_only: bool = False) -> list[str]:
        """The posts' texts (as the pipeline reads them); ``kept_only``: those that mention a
        term the organization listens for, as the pipeline decides it."""
        if not kept_only:
            return [p.text for p in self.posts]
        from sayso.listening.terms import terms_for

        terms = terms_for(organization=self.organization)
        return [p.text for p in self.posts if terms.match(p.text)]

    # Posts "arrive" on Mastodon and Bluesky between polls: the first poll of a search takes
    # its newest page only, later polls read up to 5 pages (200 Mastodon posts, 500 Bluesky).
    def release_more(self) -> bool:
        """Let the next posts arrive; False when everything has arrived."""
        if self.mastodon_released >= len(self.mastodon_posts) and self.bluesky_released >= len(
            self.bluesky_posts
        ):
            return False
        self.mastodon_released = min(len(self.mastodon_posts), self.mastodon_released + 200)
        self.bluesky_released = min(len(self.bluesky_posts), self.bluesky_released + 500)
        return True

    # Servers ----------------------------------------------------------------------------------

    def _atom(self, posts: list[Post], number: int) -> bytes:
        from xml.sax.saxutils import escape

        parts = [
            '<?xml version="1.0" encoding="utf-8"?>',
            '<feed xmlns="http://www.w3.org/2005/Atom">',
            f"<title>Planet {number}</title><id>urn:planet:{number}</id>",
            f'<link href="https://planet{number}.example/"/>',
            "<updated>2026-11-30T00:00:00Z</updated>",
        ]
        for p in posts:
            stamp = p.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
            parts.append(
                f"<entry><id>urn:post:{p.external_id}</id><title>Post {p.external_id}</title>"
                f'<link href="https://{p.handle}.blog.example/{p.external_id}"/>'
                f"<published>{stamp}</published><updated>{stamp}</updated>"
                f"<author><name>{escape(p.author)}</name>"
                f"<uri>https://{p.handle}.blog.example/</uri></author>"
                f'<content type="html">{escape("<p>" + p.text + "</p>")}</content></entry>'
            )
        parts.append("</feed>")
        return "\n".join(parts).encode()

    @staticmethod
    def _feed(body: bytes, etag: str) -> Any:
        def serve(request: Request) -> Reply:
            if request.headers.get("if-none-match") == etag:
                return Reply(304)
            return Reply(body=body, headers={"Content-Type": "application/atom+xml", "ETag": etag})

        return serve

    def _status(self, p: Post, host: str) -> dict[str, Any]:
        return {
            "id": str(1000 + int(p.external_id)),
            "uri": f"https://{host}/users/{p.handle}/statuses/{p.external_id}",
            "url": f"https://{host}/@{p.handle}/{p.external_id}",
            "created_at": p.created_at.isoformat().replace("+00:00", "Z"),
            "content": f'<p>{p.text} <a href="https://{host}/tags/haulright">#haulright</a></p>',
            "spoiler_text": "",
            "visibility": "public",
            "sensitive": False,
            "reblog": None,
            "language": "en",
            "in_reply_to_id": None,
            "in_reply_to_account_id": None,
            "replies_count": 0,
            "reblogs_count": 0,
            "favourites_count": 0,
            "mentions": [],
            "tags": [],
            "emojis": [],
            "media_attachments": [],
            "account": {
                "id": str(p.handle),
                "username": p.handle,
                "acct": p.handle,
                "display_name": p.author,
                "url": f"https://{host}/@{p.handle}",
            },
        }

    def _mastodon(self, request: Request) -> Reply:
        posts = self.mastodon_posts[: self.mastodon_released]
        limit = int(request.arg("limit") or 20)
        min_id = request.arg("min_id")
        since_id = request.arg("since_id")
        after = int(min_id or since_id or 0)
        newer = [p for p in posts if 1000 + int(p.external_id) > after]
        page = newer[:limit] if min_id or not since_id else newer[-limit:]
        # Mastodon answers newest first, whichever way it pages.
        return Reply(body=[self._status(p, "mastodon.example") for p in reversed(page)])

    def _bluesky(self, request: Request) -> Reply:
        posts = self.bluesky_posts[: self.bluesky_released]
        limit = int(request.arg("limit") or 25)
        since = request.arg("since") or ""
        offset = int(request.arg("cursor") or 0)
        stamp = lambda p: p.created_at.strftime("%Y-%m-%dT%H:%M:%S.000Z")  # noqa: E731
        newest_first = [p for p in reversed(posts) if stamp(p) > since]
        page = newest_first[offset : offset + limit]
        body: dict[str, Any] = {
            "posts": [
                {
                    "uri": f"at://did:plc:{p.handle}/app.bsky.feed.post/{p.external_id}",
                    "cid": f"bafy{p.external_id}",
                    "author": {
                        "did": f"did:plc:{p.handle}",
                        "handle": f"{p.handle}.bsky.example",
                        "displayName": p.author,
                    },
                    "record": {
                        "$type": "app.bsky.feed.post",
                        "text": p.text,
                        "createdAt": stamp(p),
                    },
                    "indexedAt": stamp(p),
                    "replyCount": 0,
                    "repostCount": 0,
                    "likeCount": 0,
                    "quoteCount": 0,
                }
                for p in page
            ]
        }
        if offset + limit < len(newest_first):
            body["cursor"] = str(offset + limit)
        return Reply(body=body)

    def __enter__(self) -> World:
        from django.test.utils import override_settings

        from sayso.core.models import Organization
        from sayso.listening.services import rule_create, source_create, term_add

        # The stand-in servers are on 127.0.0.1, which Sayso fetches from only when allowed.
        self._outbound_allow = override_settings(SAYSO_OUTBOUND_ALLOW=["127.0.0.1/32"])
        self._outbound_allow.enable()
        self.server.__enter__()
        url = self.server.url
        self.organization = Organization.objects.create(name="Bench listening", slug=self.slug)
        for kind, term in (("brand", BRAND), ("competitor", COMPETITOR), ("product", "Moving Kit")):
            term_add(organization=self.organization, kind=kind, term=term)
        rule_create(
            organization=self.organization, name="Complaints", intent="complaint", priority="high"
        )
        for number, start in enumerate(range(0, len(self.feed_posts), self.feed_size)):
            body = self._atom(self.feed_posts[start : start + self.feed_size], number)
            self.server.route(f"/feeds/{number}.atom", self._feed(body, f'"feed-{number}"'))
            source_create(
                organization=self.organization,
                name=f"Planet {number}",
                kind="rss",
                url=f"{url}/feeds/{number}.atom",
            )
        self.server.route("/api/v1/timelines/tag/haulright", self._mastodon)
        self.server.route("/xrpc/app.bsky.feed.searchPosts", self._bluesky)
        source_create(
            organization=self.organization,
            name="Mastodon",
            kind="mastodon",
            url=url,
            queries="#haulright",
        )
        source_create(
            organization=self.organization,
            name="Bluesky",
            kind="bluesky",
            url=url,
            queries="haulright",
        )
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.__exit__(*exc)
        self._outbound_allow.disable()
