"""The data of bench/board.py: one organization's idea board with many ideas, votes and
comments, loaded in bulk (COPY on PostgreSQL, executemany on SQLite) with the counters the
services keep (vote and comment counts, trending scores), and the ideas in the similar-item
index.

Titles come from a pool of distinct topics; each topic is embedded once with the real encoder
and its ideas get that vector plus a little noise, which keeps the load to minutes while the
index holds as many items as ideas (the lookup's cost depends on their number, not on how
their vectors were made).
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from django.db import connection, transaction
from django.utils import timezone
from inbox_data import _batches, insert_rows
from tqdm import tqdm

from sayso.community import trending
from sayso.community.models import Category, Comment, Idea, IdeaStatus, Vote
from sayso.core import services as core
from sayso.core.markup import render_markdown
from sayso.core.models import Organization
from sayso.customers.models import Customer

ORG_SLUG = "bench"
ACTIONS = [
    "Show", "Let me change", "Export", "Email me", "Add", "Remind me about", "Let me share",
    "Allow cancelling", "Speed up", "Let me pay for", "Offer discounts on", "Track",
]  # fmt: skip
OBJECTS = [
    "the truck's fuel level", "my booking history", "invoices as PDF", "the pickup time",
    "a one-way rental", "a tail-lift truck", "the return checklist", "moving boxes",
    "the damage report", "a second driver", "the deposit", "weekend pickups",
    "the mileage", "after-hours returns", "a furniture dolly", "the insurance options",
    "my receipts", "a trailer hitch", "the depot's opening hours", "loyalty points",
]  # fmt: skip
PLACES = [
    "in the app", "on the website", "by SMS", "at the depot", "in my account",
    "before pickup", "after the return", "for business accounts", "for students", "in Spanish",
]  # fmt: skip
WORDS = [
    "please",
    "would",
    "really",
    "help",
    "when",
    "moving",
    "on",
    "weekends",
    "our",
    "team",
    "rents",
    "trucks",
    "every",
    "month",
    "it",
    "takes",
    "too",
    "long",
    "to",
    "call",
    "the",
    "depot",
    "and",
    "wait",
    "on",
    "hold",
    "the",
    "drivers",
    "need",
    "this",
    "the",
    "app",
    "should",
    "remember",
    "my",
    "details",
    "last",
    "time",
    "the",
    "form",
    "lost",
    "everything",
    "I",
    "typed",
]
STATUS_WEIGHTS = [
    (IdeaStatus.OPEN, 70),
    (IdeaStatus.UNDER_REVIEW, 10),
    (IdeaStatus.PLANNED, 8),
    (IdeaStatus.IN_PROGRESS, 4),
    (IdeaStatus.SHIPPED, 5),
    (IdeaStatus.DECLINED, 3),
]


@dataclass(frozen=True)
class Board:
    organization: Organization
    ideas: int
    votes: int
    comments: int
    categories: list[str]
    busy_numbers: list[int]  # ideas among the most discussed 5 %
    typed: list[str]  # what people type into the title field


def topics() -> list[str]:
    return [f"{a} {o} {p}" for a in ACTIONS for o in OBJECTS for p in PLACES]


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def _zipf_counts(rng: random.Random, items: int, total: int, cap: int, s: float) -> list[int]:
    weights = [1.0 / (rank + 1) ** s for rank in range(items)]
    scale = total / sum(weights)
    counts = [min(cap, int(w * scale)) for w in weights]
    shortfall = total - sum(counts)
    while shortfall > 0:
        i = rng.randrange(items)
        if counts[i] < cap:
            counts[i] += 1
            shortfall -= 1
    rng.shuffle(counts)
    return counts


def load_board(*, ideas: int, votes: int, comments: int, seed: int, batch: int = 20_000) -> None:
    from sayso.intelligence.embeddings import embed
    from sayso.intelligence.index.services import IndexInput, index_persist, items_index

    rng = random.Random(seed)
    now = timezone.now()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")
    organization = core.organization_create(name="Bench Truck Rental", slug=ORG_SLUG)
    categories = [
        Category.objects.create(organization=organization, name=name, slug=name.lower())
        for name in ("Booking", "App", "Fleet", "Billing", "Depots", "Accounts")
    ]
    people = max(20_000, votes // 40)
    customer_ids = list(range(1, people + 1))
    customer_rows = [
        Customer(
            id=pk,
            organization=organization,
            display_name=f"Customer {pk}",
            created_at=now - timedelta(days=rng.uniform(30, 1000)),
        )
        for pk in customer_ids
    ]
    for chunk in tqdm(list(_batches(customer_rows, batch)), desc="Customers", leave=False):
        with transaction.atomic():
            insert_rows(Customer, chunk)

    pool = topics()
    statuses = [s for s, w in STATUS_WEIGHTS for _ in range(w)]
    vote_counts = _zipf_counts(rng, ideas, votes, cap=people, s=0.8)
    comment_counts = _zipf_counts(rng, ideas, comments, cap=comments, s=0.9)
    idea_rows: list[Idea] = []
    vote_rows: list[Vote] = []
    comment_rows: list[Comment] = []
    topic_of: list[int] = []
    vote_id = comment_id = 0

    def flush() -> None:
        with transaction.atomic():
            insert_rows(Idea, idea_rows)
            insert_rows(Vote, vote_rows)
            insert_rows(Comment, comment_rows)
        idea_rows.clear()
        vote_rows.clear()
        comment_rows.clear()

    with tqdm(total=ideas, desc="Ideas, votes and comments", unit="idea", leave=False) as bar:
        for number in range(1, ideas + 1):
            topic = rng.randrange(len(pool))
            topic_of.append(topic)
            created = now - timedelta(days=rng.uniform(0, 720))
            score = trending.exponent(created)
            stamps: list[datetime] = []
            for customer_id in rng.sample(customer_ids, vote_counts[number - 1]):
                at = created + (now - created) * rng.random()
                vote_id += 1
                vote_rows.append(
                    Vote(
                        id=vote_id,
                        organization=organization,
                        idea_id=number,
                        customer_id=customer_id,
                        created_at=at,
                    )
                )
                stamps.append(at)
            for _ in range(comment_counts[number - 1]):
                at = created + (now - created) * rng.random()
                comment_id += 1
                body = _sentence(rng, rng.randint(6, 30))
                comment_rows.append(
                    Comment(
                        id=comment_id,
                        organization=organization,
                        idea_id=number,
                        author_id=rng.choice(customer_ids),
                        body=body,
                        body_html=str(render_markdown(body)),  # as the services store it
                        body_digest=hashlib.sha256(body.encode()).hexdigest(),
                        created_at=at,
                    )
                )
                score = trending.added(score, at, trending.COMMENT_WEIGHT)
            for at in stamps:
                score = trending.added(score, at)
            idea_rows.append(
                Idea(
                    id=number,
                    organization=organization,
                    number=number,
                    title=f"{pool[topic]} (#{number})",
                    body=" ".join(_sentence(rng, rng.randint(8, 20)) for _ in range(2)),
                    category=rng.choice(categories),
                    author_id=rng.choice(customer_ids),
                    status=rng.choice(statuses),
                    vote_count=len(stamps),
                    comment_count=comment_counts[number - 1],
                    trending=score,
                    created_at=created,
                )
            )
            if len(vote_rows) + len(comment_rows) >= batch or len(idea_rows) >= batch:
                bar.update(len(idea_rows))
                flush()
        bar.update(len(idea_rows))
        flush()

    with connection.cursor() as cursor:
        from django.core.management.color import no_style

        for statement in connection.ops.sequence_reset_sql(
            no_style(), [Customer, Idea, Vote, Comment]
        ):
            cursor.execute(statement)
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")

    vectors = embed(pool)
    noise = np.random.default_rng(seed)
    with tqdm(total=ideas, desc="Similar-item index", unit="idea", leave=False) as bar:
        for start in range(0, ideas, 5000):
            ids = range(start + 1, min(ideas, start + 5000) + 1)
            chunk = vectors[[topic_of[i - 1] for i in ids]]
            chunk = chunk + noise.normal(0, 0.02, chunk.shape).astype(np.float32)
            chunk /= np.linalg.norm(chunk, axis=1, keepdims=True)
            items_index(
                organization=organization,
                kind="idea",
                items=[
                    IndexInput(object_id=i, vector=v, metadata={"status": "open"})
                    for i, v in zip(ids, chunk, strict=True)
                ],
            )
            bar.update(len(ids))
    index_persist(organization=organization, kind="idea", full=True)


def describe_board(seed: int) -> Board:
    rng = random.Random(seed)
    organization = Organization.objects.get(slug=ORG_SLUG)
    ideas = Idea.objects.filter(organization=organization)
    count = ideas.count()
    busy = list(
        ideas.order_by("-comment_count").values_list("number", flat=True)[: max(1, count // 20)]
    )
    pool = topics()
    typed = [rng.choice(pool)[: rng.randint(12, 40)] for _ in range(200)]
    return Board(
        organization=organization,
        ideas=count,
        votes=Vote.objects.filter(organization=organization).count(),
        comments=Comment.objects.filter(organization=organization).count(),
        categories=list(
            Category.objects.filter(organization=organization).values_list("slug", flat=True)
        ),
        busy_numbers=busy,
        typed=typed,
    )
