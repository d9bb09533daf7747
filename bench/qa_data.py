"""The data of bench/qa.py: one organization's community Q&A with many questions, answers,
answer votes and "me too"s, loaded in bulk (COPY on PostgreSQL, executemany on SQLite) with
what the services keep (``sayso.community.qa``): each body's rendered HTML beside it; a
question's answer count is its visible answers, its accepted count and ``solved_at`` come from
its accepted answers, its "me too" count from its ``MeToo`` rows, its last activity from its
latest visible answer; an answer's votes and score from its ``AnswerVote`` rows; a profile's
reputation from its author's answers (15 per accepted answer, 10 per up vote, -2 per down).

Titles come from a pool of distinct topics; each topic is embedded once with the real encoder
and its questions get that vector plus a little noise (as bench/board_data.py does for ideas),
which keeps the load to minutes while the index holds one vector per public question. A small
idea board (a fiftieth as many ideas, in the index too) gives the as-you-type lookup its
similar ideas.
"""

from __future__ import annotations

import hashlib
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from board_data import STATUS_WEIGHTS, WORDS, _zipf_counts
from board_data import topics as idea_topics
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone
from inbox_data import _batches, insert_rows
from tqdm import tqdm

from sayso.community.models import (
    Answer,
    AnswerVote,
    CommentState,
    CommunityProfile,
    Idea,
    MeToo,
    Product,
    Question,
    QuestionState,
    Tag,
)
from sayso.core import services as core
from sayso.core.markup import render_markdown
from sayso.core.models import Organization, Role
from sayso.customers.models import Customer

ORG_SLUG = "bench"
SPAN_DAYS = 730  # questions are spread over two years, numbered in the order asked
STARTS = [
    "How do I", "Why can't I", "Is it possible to", "What happens if I", "Can I",
    "Where do I go to", "Who do I ask to", "How long does it take to", "Why does the app fail to",
    "Is there a fee to", "Unable to", "What is the best way to", "Do I need an account to",
    "How much does it cost to", "When can I",
]  # fmt: skip
TASKS = [
    "cancel a one-way rental", "change the pickup time", "add a second driver",
    "get my deposit back", "download invoices as PDF", "report damage to the truck",
    "extend my booking", "return the truck after hours", "book a tail-lift truck",
    "pay with a business card", "use my loyalty points", "reserve a furniture dolly",
    "update my driving licence", "see the mileage allowance", "tow a trailer",
    "move across the state line", "refuel before the return", "split the bill",
    "get the insurance excess waived", "reschedule a weekend pickup",
]  # fmt: skip
CONTEXTS = [
    "in the app", "on the website", "at the depot", "with a student discount",
    "for a business account", "without a credit card", "on a public holiday", "from abroad",
    "after the booking started", "in Denver",
]  # fmt: skip
TAGS = [
    "booking", "billing", "app", "website", "depots", "trucks", "trailers", "insurance",
    "deposit", "invoices", "loyalty", "accounts", "drivers", "one-way", "pickup", "returns",
    "damage", "mileage", "fuel", "discounts", "business", "students", "payments", "licence",
    "holidays", "abroad", "equipment", "moving", "refunds", "notifications", "sms", "email",
    "login", "privacy", "accessibility", "pricing", "availability", "weekend", "after-hours",
    "cancellations",
]  # fmt: skip
PRODUCTS = ["Cargo van", "10 ft truck", "15 ft truck", "20 ft truck", "26 ft truck", "Trailer"]
UNANSWERED_SHARE = 0.12  # questions nobody answered
SOLVED_SHARE = 0.45  # of the questions with a visible answer: one (or two) accepted
STAFF_SHARE = 0.06  # official answers
VISIBLE_SHARE = 0.10  # customers who chose to be seen among the people with a problem
MAX_ANSWERS = 3000  # the busiest question's


@dataclass(frozen=True)
class Community:
    organization: Organization
    questions: int
    answers: int
    answer_votes: int
    me_toos: int
    ideas: int
    busy_numbers: list[int]  # public questions among the 5 % with the most answers
    busy_answers: tuple[int, int]  # the fewest and most answers among them
    numbers: list[int]  # public questions at random
    typed: list[str]  # what people type into the title field


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choices(WORDS, k=words))
    return text[0].upper() + text[1:] + "."


def _text(rng: random.Random, sentences: int, shortest: int, longest: int) -> str:
    return " ".join(_sentence(rng, rng.randint(shortest, longest)) for _ in range(sentences))


def topics() -> list[str]:
    return [f"{s} {t} {c}" for s in STARTS for t in TASKS for c in CONTEXTS]


def _answer_counts(rng: random.Random, questions: int, answers: int) -> list[int]:
    """Answers per question: none for some, a long tail for the rest (a few hold thousands)."""
    answered = max(1, round(questions * (1 - UNANSWERED_SHARE)))
    counts = _zipf_counts(rng, answered, answers, cap=MAX_ANSWERS, s=0.7)
    counts += [0] * (questions - answered)
    rng.shuffle(counts)
    return counts


def _tune_for_loading() -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-262144")  # 256 MiB for this connection
            cursor.execute("PRAGMA temp_store=MEMORY")


def _staff(organization: Organization, count: int = 8) -> list[int]:
    user_model = get_user_model()
    password = make_password("bench-password-1")
    ids = []
    for index in range(count):
        user = user_model.objects.create(
            username=f"qa-staff{index}",
            first_name="Support",
            last_name=f"Agent {index + 1}",
            email=f"qa-staff{index}@bench.example",
            password=password,
        )
        core.membership_add(organization=organization, user=user, role=Role.AGENT)
        ids.append(user.pk)
    return ids


def _customers(organization: Organization, people: int, rng: random.Random, batch: int) -> None:
    now = timezone.now()
    rows = (
        Customer(
            id=pk,
            organization=organization,
            display_name=f"Customer {pk}",
            created_at=now - timedelta(days=rng.uniform(30, 1000)),
        )
        for pk in range(1, people + 1)
    )
    with tqdm(total=people, desc="Customers", leave=False) as bar:
        for chunk in _batches(rows, batch):
            with transaction.atomic():
                insert_rows(Customer, chunk)
            bar.update(len(chunk))


class _Loader:
    """Builds questions with their answers, votes, tags and "me too"s, keeping the counters,
    and writes them in batches."""

    def __init__(
        self,
        organization: Organization,
        rng: random.Random,
        people: int,
        staff: list[int],
        tags: list[Tag],
        products: list[Product],
        batch: int,
    ) -> None:
        self.organization = organization
        self.rng = rng
        self.people = people
        self.customer_ids = range(1, people + 1)
        self.staff = staff
        self.tags = tags
        self.products = products
        self.batch = batch
        self.now = timezone.now()
        self.pool = topics()
        self.through = Question.tags.through
        self.questions: list[Question] = []
        self.links: list[object] = []
        self.answers: list[Answer] = []
        self.votes: list[AnswerVote] = []
        self.me_toos: list[MeToo] = []
        self.ids = {"link": 0, "answer": 0, "vote": 0, "me_too": 0}
        # customer -> [accepted, up votes, down votes] on visible answers to public questions
        self.reputation: dict[int, list[int]] = {}
        self.topic_of: dict[int, int] = {}  # public question id -> topic
        self.solved: dict[int, bool] = {}
        self.product_of: dict[int, int | None] = {}

    def _author(self) -> int:
        # A long tail of answerers: a few people write a large share of the answers.
        return 1 + int(self.people * self.rng.random() ** 2.5)

    def _at(self, start: datetime, spread: float = 1.0) -> datetime:
        """A moment between ``start`` and now, early ones likelier (``spread`` < 1)."""
        return start + (self.now - start) * self.rng.random() ** (1 / spread)

    def question(self, number: int, questions: int, answers: int, me_toos: int) -> None:
        rng, now = self.rng, self.now
        start = now - timedelta(days=SPAN_DAYS)
        created = start + timedelta(days=SPAN_DAYS * (number - rng.random()) / questions)
        topic = rng.randrange(len(self.pool))
        author = rng.choice(self.customer_ids)
        roll = rng.random()
        hidden_at = created + timedelta(hours=1) if roll < 0.01 else None
        deleted_at = created + timedelta(days=1) if 0.01 <= roll < 0.013 else None
        public = hidden_at is None and deleted_at is None
        closed = rng.random() < 0.03
        product = rng.choice(self.products) if rng.random() < 0.35 else None
        body = _text(rng, rng.randint(1, 4), 8, 24)
        for tag in rng.sample(self.tags, rng.randint(1, 3)):
            self.ids["link"] += 1
            self.links.append(self.through(id=self.ids["link"], question_id=number, tag_id=tag.pk))

        answer_rows = self._answers(number, created, answers, public)
        visible = [
            a for a in answer_rows if a.state == CommentState.VISIBLE and a.deleted_at is None
        ]
        accepted: list[Answer] = []
        if visible and rng.random() < SOLVED_SHARE:
            accepted = rng.sample(visible, 2 if len(visible) > 1 and rng.random() < 0.08 else 1)
        for answer in accepted:
            answer.accepted_at = min(
                now, answer.created_at + timedelta(hours=rng.expovariate(1 / 30))
            )
            if rng.random() < 0.75:
                answer.accepted_by_asker = True
            else:
                answer.accepted_by_id = rng.choice(self.staff)
            if public and answer.author_id is not None:
                self.reputation.setdefault(answer.author_id, [0, 0, 0])[0] += 1
        self.answers.extend(answer_rows)

        me_too_count = 0
        for customer_id in rng.sample(self.customer_ids, me_toos):
            if customer_id == author:
                continue
            me_too_count += 1
            self.ids["me_too"] += 1
            self.me_toos.append(
                MeToo(
                    id=self.ids["me_too"],
                    organization_id=self.organization.pk,
                    question_id=number,
                    customer_id=customer_id,
                    created_at=self._at(created, 0.3),
                )
            )
        self.questions.append(
            Question(
                id=number,
                organization_id=self.organization.pk,
                number=number,
                title=f"{self.pool[topic]}? (#{number})",
                body=body,
                body_html=str(render_markdown(body)),
                product_id=product.pk if product is not None else None,
                author_id=author,
                state=QuestionState.CLOSED if closed else QuestionState.OPEN,
                closed_reason="Answered in the help centre." if closed else "",
                closed_at=self._at(created, 0.5) if closed else None,
                hidden_at=hidden_at,
                deleted_at=deleted_at,
                answer_count=len(visible),
                accepted_count=len(accepted),
                me_too_count=me_too_count,
                solved_at=min((a.accepted_at for a in accepted), default=None),
                last_activity_at=max((a.created_at for a in visible), default=created),
                created_at=created,
            )
        )
        if public:
            self.topic_of[number] = topic
            self.solved[number] = bool(accepted)
            self.product_of[number] = product.pk if product is not None else None

    def _answers(
        self, question_id: int, created: datetime, count: int, public: bool
    ) -> list[Answer]:
        rng = self.rng
        rows = []
        for _ in range(count):
            self.ids["answer"] += 1
            answer_id = self.ids["answer"]
            official = rng.random() < STAFF_SHARE
            author = None if official else self._author()
            roll = rng.random()
            state = (
                CommentState.SPAM
                if roll < 0.015
                else CommentState.HIDDEN
                if roll < 0.02
                else CommentState.VISIBLE
            )
            at = self._at(created, 0.25)
            deleted_at = self._at(at) if rng.random() < 0.01 and not official else None
            body = _text(rng, rng.randint(1, 4), 8, 30)
            up = down = 0
            if state == CommentState.VISIBLE:
                voters = min(300, int(rng.paretovariate(2.5)) - 1)
                for customer_id in rng.sample(self.customer_ids, voters):
                    if customer_id == author:
                        continue
                    value = 1 if rng.random() < 0.9 else -1
                    up, down = up + (value == 1), down + (value == -1)
                    self.ids["vote"] += 1
                    self.votes.append(
                        AnswerVote(
                            id=self.ids["vote"],
                            organization_id=self.organization.pk,
                            answer_id=answer_id,
                            customer_id=customer_id,
                            value=value,
                            created_at=self._at(at, 0.3),
                        )
                    )
                if public and deleted_at is None and author is not None:
                    points = self.reputation.setdefault(author, [0, 0, 0])
                    points[1] += up
                    points[2] += down
            rows.append(
                Answer(
                    id=answer_id,
                    organization_id=self.organization.pk,
                    question_id=question_id,
                    author_id=author,
                    author_user_id=rng.choice(self.staff) if official else None,
                    body=body,
                    body_html=str(render_markdown(body)),
                    body_digest=hashlib.sha256(body.encode()).hexdigest(),
                    state=state,
                    state_reason="Held by the spam filter: links" if state == "spam" else "",
                    deleted_at=deleted_at,
                    up_votes=up,
                    down_votes=down,
                    score=up - down,
                    created_at=at,
                )
            )
        return rows

    def pending(self) -> int:
        return len(self.answers) + len(self.votes) + len(self.me_toos) + len(self.questions)

    def flush(self) -> None:
        with transaction.atomic():
            insert_rows(Question, self.questions)
            insert_rows(self.through, self.links)
            insert_rows(Answer, self.answers)
            insert_rows(AnswerVote, self.votes)
            insert_rows(MeToo, self.me_toos)
        for rows in (self.questions, self.links, self.answers, self.votes, self.me_toos):
            rows.clear()

    def profiles(self) -> None:
        """A profile for everyone with reputation, and for those who chose to be visible."""
        rng = random.Random(self.rng.random())
        visible = {pk for pk in self.customer_ids if rng.random() < VISIBLE_SHARE}
        rows = []
        for pk in sorted(visible | set(self.reputation)):
            accepted, up, down = self.reputation.get(pk, (0, 0, 0))
            rows.append(
                CommunityProfile(
                    id=len(rows) + 1,
                    organization_id=self.organization.pk,
                    customer_id=pk,
                    visible=pk in visible,
                    reputation=max(0, 15 * accepted + 10 * up - 2 * down),
                    created_at=self.now,
                )
            )
        for chunk in _batches(rows, self.batch):
            with transaction.atomic():
                insert_rows(CommunityProfile, chunk)


def _ideas(organization: Organization, count: int, rng: random.Random, batch: int) -> list[int]:
    """A small idea board (no votes or comments): what the lookup's similar ideas come from.
    Returns each idea's topic in the board's pool."""
    now = timezone.now()
    pool = idea_topics()
    statuses = [s for s, w in STATUS_WEIGHTS for _ in range(w)]
    topic_of = [rng.randrange(len(pool)) for _ in range(count)]
    rows = [
        Idea(
            id=number,
            organization=organization,
            number=number,
            title=f"{pool[topic_of[number - 1]]} (#{number})",
            body=_sentence(rng, rng.randint(8, 20)),
            author_id=rng.randint(1, 1000),
            status=rng.choice(statuses),
            created_at=now - timedelta(days=rng.uniform(0, SPAN_DAYS)),
        )
        for number in range(1, count + 1)
    ]
    for chunk in _batches(rows, batch):
        with transaction.atomic():
            insert_rows(Idea, chunk)
    return topic_of


def _index(
    organization: Organization,
    kind: str,
    texts: list[str],
    items: list[tuple[int, int, dict[str, object]]],
    seed: int,
) -> None:
    """Index ``items`` (object id, topic, metadata): the topic's vector plus a little noise.

    On PostgreSQL the kind's HNSW index (pgvector) is dropped first and built once at the end,
    as one would after a bulk load: inserting 500,000 vectors one by one into the graph takes
    several times longer on two CPUs, and the built graph answers queries the same way."""
    from sayso.intelligence.embeddings import embed
    from sayso.intelligence.index import vector_pg
    from sayso.intelligence.index.services import IndexInput, index_persist, items_index

    hnsw = f"{vector_pg.TABLE}_hnsw_{kind}"
    create = [s for s in vector_pg.SCHEMA_STATEMENTS if f" {hnsw} " in s]
    if vector_pg.column_present() and create:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP INDEX IF EXISTS {hnsw}")
    vectors = embed(texts)
    noise = np.random.default_rng(seed)
    with tqdm(total=len(items), desc=f"Similar-item index ({kind})", leave=False) as bar:
        for chunk in _batches(items, 5000):
            block = vectors[[topic for _, topic, _ in chunk]]
            block = block + noise.normal(0, 0.02, block.shape).astype(np.float32)
            block /= np.linalg.norm(block, axis=1, keepdims=True)
            items_index(
                organization=organization,
                kind=kind,
                items=[
                    IndexInput(object_id=pk, vector=vector, metadata=metadata)
                    for (pk, _, metadata), vector in zip(chunk, block, strict=True)
                ],
            )
            bar.update(len(chunk))
    if vector_pg.column_present() and create:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '2GB'")  # the graph fits: a fast build
            cursor.execute(create[0])
            cursor.execute("RESET maintenance_work_mem")
            cursor.execute(f"ANALYZE {vector_pg.TABLE}")
        print(f"Built the HNSW index {hnsw} in {time.perf_counter() - started:.0f} s.")
    index_persist(organization=organization, kind=kind, full=True)


def load_community(*, questions: int, answers: int, seed: int, batch: int = 20_000) -> None:
    rng = random.Random(seed)
    _tune_for_loading()
    organization = core.organization_create(name="Bench Truck Rental", slug=ORG_SLUG)
    staff = _staff(organization)
    people = max(20_000, answers // 20)
    _customers(organization, people, rng, batch)
    tags = [Tag.objects.create(organization=organization, name=name, slug=name) for name in TAGS]
    products = [
        Product.objects.create(
            organization=organization, name=name, slug=name.lower().replace(" ", "-")
        )
        for name in PRODUCTS
    ]
    loader = _Loader(organization, rng, people, staff, tags, products, batch)
    answer_counts = _answer_counts(rng, questions, answers)
    me_too_counts = _zipf_counts(rng, questions, questions, cap=people // 10, s=0.8)
    with tqdm(
        total=questions, desc="Questions, answers, votes", unit="question", leave=False
    ) as bar:
        for number in range(1, questions + 1):
            loader.question(number, questions, answer_counts[number - 1], me_too_counts[number - 1])
            if loader.pending() >= batch:
                bar.update(len(loader.questions))
                loader.flush()
        bar.update(len(loader.questions))
        loader.flush()
    loader.profiles()
    ideas = max(1000, questions // 50)
    idea_topic = _ideas(organization, ideas, rng, batch)

    models = [Customer, Question, Question.tags.through, Answer, AnswerVote, MeToo]
    models += [CommunityProfile, Idea]
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")  # what autovacuum does soon after a bulk load
        else:
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("ANALYZE")

    _index(
        organization,
        "question",
        [f"{topic}?" for topic in loader.pool],
        [
            (pk, topic, {"solved": loader.solved[pk], "product_id": loader.product_of[pk]})
            for pk, topic in loader.topic_of.items()
        ],
        seed,
    )
    statuses = dict(Idea.objects.filter(organization=organization).values_list("id", "status"))
    _index(
        organization,
        "idea",
        idea_topics(),
        [
            (pk, topic, {"status": statuses[pk], "category_id": None})
            for pk, topic in enumerate(idea_topic, start=1)
        ],
        seed + 1,
    )


def describe_community(seed: int) -> Community:
    rng = random.Random(seed)
    organization = Organization.objects.get(slug=ORG_SLUG)
    public = Question.objects.filter(
        organization=organization, hidden_at__isnull=True, deleted_at__isnull=True
    )
    count = Question.objects.filter(organization=organization).count()
    busy = list(
        public.order_by("-answer_count", "-id").values_list("number", "answer_count")[
            : max(1, count // 20)
        ]
    )
    numbers = list(public.values_list("number", flat=True))
    pool = topics()
    return Community(
        organization=organization,
        questions=count,
        answers=Answer.objects.filter(organization=organization).count(),
        answer_votes=AnswerVote.objects.filter(organization=organization).count(),
        me_toos=MeToo.objects.filter(organization=organization).count(),
        ideas=Idea.objects.filter(organization=organization).count(),
        busy_numbers=[number for number, _ in busy],
        busy_answers=(busy[-1][1], busy[0][1]),
        numbers=rng.sample(numbers, min(len(numbers), 5000)),
        typed=[rng.choice(pool)[: rng.randint(12, 40)] for _ in range(200)],
    )
