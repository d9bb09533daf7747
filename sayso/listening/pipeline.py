"""The ingest pipeline: fetched items in; mentions, messages and cases out, each exactly once.

    report = items_ingest(source=source, items=result.items)

For a batch of items from one source:

1. **Listen**: keep items that mention one of the organization's terms (or are addressed to
   it: a mention of its account, the widget); drop the rest.
2. **Once**: drop items this source already stored (``Mention`` is unique on
   ``(source, external_id)``) and repeats inside the batch.
3. **Enrich**: ``analyze()`` over chunks of ``CHUNK`` items (sentiment, intents, spam,
   language, duplicates across the whole batch), embedding each text once, in a helper thread
   while the chunk before is stored.
4. Per item, in transactions of ``GROUP`` items (item by item when a group fails): **link**
   the author to a customer through an identity
   (a new author becomes a new customer marked as a prospect); **match** the customer's open
   cases by meaning (the item joins the closest one above ``SAYSO_LISTENING_SAME_CASE``, shown
   as "same problem, new channel", and the case owner is alerted); otherwise **open** a case
   when the item calls for an answer (complaint, question, purchase intent, or addressed to the
   organization) and **route** it by the rules; otherwise keep it as a mention. Spam is kept
   as a mention, held, never a case.

The authors' identities, their open cases and those cases' vectors are read once per batch
(``batch.Batch``). New messages, and the cases they open, are indexed for similar-item search with
the vectors computed in step 3 (no second embedding).

A crash leaves the committed groups stored and the rest unstored; the caller saves the
source's cursor only after the whole batch, so the next poll fetches the rest again and step 2
skips what is already there.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from sayso.conversations.indexing import (
    case_index_metadata,
    case_index_text,
    message_index_metadata,
    message_index_text,
)
from sayso.conversations.models import Case, Channel, Message, Priority, Visibility
from sayso.conversations.selectors import (
    messages_by_external_id,
)
from sayso.conversations.services import Inbound, NewCase, channel_id, messages_receive_many
from sayso.core.errors import errors_text
from sayso.customers.models import Customer, Identity, IdentityKind
from sayso.intelligence.analysis.duplicates import DuplicateIndex
from sayso.intelligence.analysis.heads import model_version
from sayso.intelligence.analysis.pipeline import Analysis, Item, analyze, embed_later
from sayso.intelligence.analysis.spam_filter import analysis_screen
from sayso.intelligence.index.services import (
    IndexInput,
    index_coalesced,
    index_written,
    items_index,
)
from sayso.intelligence.models import MessageAnalysis
from sayso.listening.batch import Batch
from sayso.listening.connectors.base import FetchedItem, clip
from sayso.listening.models import Mention, Outcome, RoutingRule, Source, SourceKind, TermKind
from sayso.listening.routing import rule_for, rules_for
from sayso.listening.terms import Terms, terms_for
from sayso.notifications.models import AlertKind
from sayso.notifications.services import alert_send
from sayso.webhooks.sources import mentions_received

# Intents that call for an answer: such an item opens a case.
ANSWER_INTENTS = frozenset({"complaint", "question", "purchase_intent"})
# Items stored in one transaction.
GROUP = 50
# Items analyzed at once, while the chunk before is stored (smaller chunks, to shorten the
# first chunk's wait, made the analysis itself slower: measured in docs/performance.md).
CHUNK = 200

OUTCOME_COUNTER = {
    Outcome.JOINED: "joined",
    Outcome.OPENED: "opened",
    Outcome.KEPT: "kept",
    Outcome.SPAM: "spam",
}

CHANNEL_OF = {
    SourceKind.RSS: Channel.RSS,
    SourceKind.MASTODON: Channel.MASTODON,
    SourceKind.BLUESKY: Channel.BLUESKY,
    SourceKind.WIDGET: Channel.WIDGET,
}


# A chunk's items with the terms each matched; a chunk's analyses and vectors.
Chunk = list[tuple[FetchedItem, list[str]]]
Enriched = tuple[list[Analysis], np.ndarray]


@dataclass
class IngestReport:
    fetched: int = 0
    unmatched: int = 0
    known: int = 0
    stored: int = 0
    joined: int = 0
    opened: int = 0
    kept: int = 0
    spam: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    mention_ids: list[int] = field(default_factory=list)

    def add(self, other: IngestReport) -> None:
        for name in (
            "fetched",
            "unmatched",
            "known",
            "stored",
            "joined",
            "opened",
            "kept",
            "spam",
            "failed",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors += other.errors
        self.mention_ids += other.mention_ids


def heard_text(title: str, text: str) -> str:
    """An item's words as Sayso reads and stores them: the title, when there is one, first."""
    return f"{title}\n\n{text}" if title else text


def heard_headers(source: Source, url: str, **details: Any) -> dict[str, Any]:
    """The ``headers`` of a message heard on a source (the case page shows where, with a link
    to the original, and whether it joined as the same problem)."""
    return {"listening": {"source": source.name, "source_id": source.pk, "url": url, **details}}


def _listened(items: list[FetchedItem], terms: Terms) -> list[tuple[FetchedItem, list[str]]]:
    kept = []
    for item in items:
        found = terms.match(f"{item.title}\n{item.text}")
        if found or item.direct:
            kept.append((item, found))
    return kept


def _new_only(
    source: Source, items: list[tuple[FetchedItem, list[str]]]
) -> tuple[list[tuple[FetchedItem, list[str]]], int]:
    seen: set[str] = set()
    unique = []
    for item, found in items:
        if item.external_id and item.external_id not in seen:
            seen.add(item.external_id)
            unique.append((item, found))
    known: set[str] = set()
    ids = [item.external_id for item, _ in unique]
    for start in range(0, len(ids), 500):
        known.update(
            Mention.objects.filter(
                source=source, external_id__in=ids[start : start + 500]
            ).values_list("external_id", flat=True)
        )
    fresh = [(item, found) for item, found in unique if item.external_id not in known]
    return fresh, len(items) - len(fresh)


def _parents_first(
    items: list[tuple[FetchedItem, list[str]]],
) -> list[tuple[FetchedItem, list[str]]]:
    """``items`` with each reply after the item of the batch it answers (services list the
    newest first, so a reply would otherwise be stored before its parent and could not join
    its case); the order is otherwise kept."""
    ids = {item.native_id for item, _ in items if item.native_id}
    if not any(item.reply_to in ids for item, _ in items):
        return items
    replies: dict[str, list[tuple[FetchedItem, list[str]]]] = {}
    ordered: list[tuple[FetchedItem, list[str]]] = []
    for pair in items:
        item = pair[0]
        if item.reply_to in ids and item.reply_to != item.native_id:
            replies.setdefault(item.reply_to, []).append(pair)
        else:
            ordered.append(pair)
    done = 0
    while done < len(ordered) or replies:
        if done == len(ordered):  # a cycle of replies (not seen in the wild): as they came
            ordered += replies.pop(next(iter(replies)))
            continue
        ordered += replies.pop(ordered[done][0].native_id, [])
        done += 1
    return ordered


def _labels(result: Analysis) -> dict[str, Any]:
    """The analysis as a mention and a message's analysis both store it."""
    return {**result.labels(), "reasons": [r for r in result.reasons if "#" not in r]}


def _analysis(message: Message, result: Analysis, version: str) -> MessageAnalysis:
    # The message was created just now, in this transaction: nothing to update.
    return MessageAnalysis(
        message=message,
        organization_id=message.organization_id,
        duplicate_of_id=None,
        duplicate_kind="",
        model_version=version,
        **_labels(result),
        analyzed_at=timezone.now(),
    )


def _alert_owner(case: Case, mention: Mention, source: Source) -> None:
    same_problem_alert(
        case=case,
        channel_label=f"{source.get_kind_display()} ({source.name})",
        dedupe_key=f"mention:{mention.pk}",
    )


@dataclass
class _Plan:
    """What storing one item does, decided before anything is written."""

    mention: Mention
    result: Analysis
    vector: np.ndarray
    # The message to write (None: spam, kept as a mention only, or stored already).
    inbound: Inbound | None = None
    rule: RoutingRule | None = None


def _plan(
    *,
    source: Source,
    item: FetchedItem,
    found: list[str],
    terms: Terms,
    result: Analysis,
    vector: np.ndarray,
    rules: list[RoutingRule],
    batch: Batch,
    customer: Customer | None,
    identity: Identity | None,
) -> _Plan:
    """Decide an item's outcome (spam; joins the customer's open case about the same problem;
    opens a case, routed by the rules; or kept as a mention) and build its records. An item
    without an author (``customer`` None) is kept as an anonymous mention of its source, joins
    no case (two people nobody named are not one customer), and a case it opens belongs to the
    source's contact (``Batch.source_contact``)."""
    channel = CHANNEL_OF[SourceKind(source.kind)]
    # What the organization's moderators taught its spam filter (intelligence.analysis.spam_filter).
    result = analysis_screen(
        organization_id=source.organization_id,
        result=result,
        text=heard_text(item.title, item.text),
        author=item.author_name,
        vector=vector,
    )
    now = timezone.now()
    published = item.published_at if item.published_at and item.published_at <= now else now
    url = item.url if item.url.startswith(("http://", "https://")) else ""
    mention = Mention(
        organization=source.organization,
        source=source,
        external_id=item.external_id,
        url=url,
        title=item.title,
        text=item.text,
        author_name=item.author_name,
        author_handle=item.author_value[:320],
        published_at=published,
        matched_terms=found,
        competitors=terms.of_kind(found, TermKind.COMPETITOR),
        customer=customer,
        outcome=Outcome.KEPT,
        **_labels(result),
    )
    plan = _Plan(mention=mention, result=result, vector=vector)
    case: Case | NewCase | None = None
    score = 0.0
    if result.is_spam:
        mention.outcome = Outcome.SPAM
        return plan
    answered = None
    if customer is not None:
        answered = batch.answered_case(customer, item, channel)
        case, score = (answered, 0.0) if answered else batch.same_problem(customer, vector)
    if case is not None:
        mention.outcome = Outcome.JOINED
    elif item.direct or ANSWER_INTENTS & set(result.intents):
        mention.outcome = Outcome.OPENED
    else:
        return plan
    stored = batch.stored.get(channel_id(item.external_id))
    if stored is not None:  # another source of the channel delivered it first
        mention.case = stored.case
        return plan
    body = heard_text(item.title, item.text)
    if case is None:
        plan.rule = rule_for(
            rules,
            intents=result.intents,
            sentiment=result.sentiment,
            text=body,
            source_id=source.pk,
            channel=channel,
        )
        case = NewCase(customer=customer or batch.source_contact(source))
        if plan.rule is not None:
            case.team = plan.rule.team
            case.priority = plan.rule.priority or Priority.NORMAL
            case.routed_by = f"routing rule “{plan.rule.name}”"
        if customer is not None:
            batch.case_opened(case, vector)
    plan.inbound = Inbound(
        case=case,
        body=clip(body, settings.SAYSO_MAX_MESSAGE_CHARS),
        external_id=item.external_id,
        subject=item.title or "",
        author_identity=identity,
        sent_at=published,
        visibility=Visibility.PRIVATE
        if source.kind == SourceKind.WIDGET or item.private
        else Visibility.PUBLIC,
        headers=heard_headers(
            source,
            url,
            same_problem=mention.outcome == Outcome.JOINED and answered is None,
            similarity=round(score, 3),
            **({"native_id": item.native_id} if item.native_id else {}),
            **({"in_reply_to": item.reply_to} if answered is not None else {}),
        ),
    )
    if customer is not None:
        batch.item_stored(item, case)
    return plan


def _store_many(
    *,
    source: Source,
    items: list[tuple[tuple[FetchedItem, list[str]], Analysis, np.ndarray]],
    terms: Terms,
    rules: list[RoutingRule],
    version: str,
    report: IngestReport,
    batch: Batch,
) -> None:
    """Store a group of items in one transaction with a statement or two per kind of record
    (customers, identities, cases, messages, timeline entries, analyses, mentions), not a dozen
    per item. Items of the group build on each other as if stored one by one: an author's
    second item finds the customer their first one created, and joins the case it opened."""
    people = batch.identify([item for (item, _), _, _ in items])
    plans = [
        _plan(
            source=source,
            item=item,
            found=found,
            terms=terms,
            result=result,
            vector=vector,
            rules=rules,
            batch=batch,
            customer=customer,
            identity=identity,
        )
        for ((item, found), result, vector), (customer, identity) in zip(items, people, strict=True)
    ]
    writing = [plan for plan in plans if plan.inbound is not None]
    messages = messages_receive_many(
        organization=source.organization,
        channel=CHANNEL_OF[SourceKind(source.kind)],
        inbound=[plan.inbound for plan in writing if plan.inbound is not None],
        analyzed=True,
    )
    batch.settle()
    for plan, message in zip(writing, messages, strict=True):
        opened = plan.mention.outcome == Outcome.OPENED
        plan.mention.case = message.case
        plan.mention.message = message
        plan.mention.rule = plan.rule if opened else None
        batch.written.append((message, plan.vector, opened))
    MessageAnalysis.objects.bulk_create(
        [
            _analysis(message, plan.result, version)
            for plan, message in zip(writing, messages, strict=True)
        ]
    )
    Mention.objects.bulk_create([plan.mention for plan in plans])
    mentions_received([plan.mention for plan in plans])  # webhooks: mention.received
    for plan in plans:
        mention = plan.mention
        if mention.outcome == Outcome.JOINED and mention.case is not None:
            _alert_owner(mention.case, mention, source)
        report.stored += 1
        report.mention_ids.append(mention.pk)
        counter = OUTCOME_COUNTER[Outcome(mention.outcome)]
        setattr(report, counter, getattr(report, counter) + 1)


def _enrich(chunk: Chunk, terms: Terms, history: DuplicateIndex, offset: int) -> Enriched:
    """Embed and analyze one chunk (no database: runs beside the storing thread); the words
    are read while the encoder runs, as in ``analyze``, and the vectors kept."""
    texts = [heard_text(item.title, item.text) for item, _ in chunk]
    encoding = embed_later(texts)
    results = analyze(
        [
            Item(
                text=text,
                author=item.author_name,
                author_url=item.author_value if item.author_kind == IdentityKind.URL else "",
                created_at=item.published_at,
                author_id=f"{item.author_kind}:{item.author_value}" if item.author_value else "",
            )
            for text, (item, _) in zip(texts, chunk, strict=True)
        ],
        competitors=terms.competitors,
        encoding=encoding,
        history=history,
        keys=list(range(offset, offset + len(chunk))),
        noun="item",
    )
    vectors = encoding.result().vectors
    assert vectors is not None
    return results, vectors


def _index_written(batch: Batch) -> None:
    """Index the group's new messages, and the cases they opened, with the vectors the
    analysis computed, instead of queuing a task that would embed them all again. A message's
    vector is its body's; an opened case is indexed with its first message's vector (the case's
    text is its subject and that message, and the subject is the message's title or first
    line)."""
    if not batch.written:
        return
    organization = batch.organization
    messages = [
        IndexInput(
            object_id=m.pk,
            text=message_index_text(m.body),
            vector=vector,
            metadata=message_index_metadata(
                case_id=m.case_id, channel=m.channel, direction=m.direction
            ),
        )
        for m, vector, _ in batch.written
    ]
    cases = [
        IndexInput(
            object_id=m.case_id,
            text=case_index_text(m.case.subject, m.body),
            vector=vector,
            metadata=case_index_metadata(status=m.case.status, customer_id=m.case.customer_id),
        )
        for m, vector, opened in batch.written
        if opened
    ]
    for kind, inputs in (("message", messages), ("case", cases)):
        if inputs:
            items_index(organization=organization, kind=kind, items=inputs)
            index_written(
                organization=organization, kind=kind, object_ids=[i.object_id for i in inputs]
            )
    batch.written = []


def _read_stored(batch: Batch, source: Source, items: list[FetchedItem]) -> None:
    """Which of these items' channel ids already have a message (one query for the group,
    instead of one per item inside ``message_receive``)."""
    ids = {channel_id(item.external_id) for item in items} - {""}
    batch.stored = {
        message.external_id: message
        for message in messages_by_external_id(
            organization=batch.organization,
            channel=CHANNEL_OF[SourceKind(source.kind)],
            external_ids=ids,
        ).select_related("case")
    }


def _store_group(
    rows: list[tuple[tuple[FetchedItem, list[str]], Analysis, np.ndarray]],
    *,
    context: dict[str, Any],
    report: IngestReport,
) -> None:
    """Store ``rows`` in one transaction; when that fails, item by item (the batch's state is
    read again from the database after each failure: what it held was rolled back)."""

    def reread() -> None:
        context["batch"] = Batch(context["source"].organization, [i for (i, _), _, _ in rows])

    try:
        with transaction.atomic(), index_coalesced():
            partial = IngestReport()
            context["batch"].written = []
            _read_stored(context["batch"], context["source"], [item for (item, _), _, _ in rows])
            _store_many(items=rows, report=partial, **context)
            _index_written(context["batch"])
    except (IntegrityError, ValidationError):
        reread()
        for row in rows:
            item = row[0][0]
            try:
                # This item alone: its error, or another worker's race, is told apart.
                with transaction.atomic():
                    _read_stored(context["batch"], context["source"], [item])
                    _store_many(items=[row], report=report, **context)
            except IntegrityError:
                # Another worker stored this item first.
                report.known += 1
                reread()
            except ValidationError as exc:
                report.failed += 1
                report.errors.append(f"{item.external_id}: {errors_text(exc)}")
                reread()
    else:
        report.add(partial)


@dataclass
class Intake:
    """A batch's first steps, done before it is stored: the items that match a term and are
    not stored yet (steps 1 and 2), cut into chunks, and the first chunk's analysis — started
    in ``helper`` when one is given, so that it can run while another source's last chunk is
    stored (``sources_poll``)."""

    report: IngestReport
    terms: Terms
    chunks: list[Chunk]
    history: DuplicateIndex
    first: Future[Enriched] | None = None


def items_intake(
    *, source: Source, items: list[FetchedItem], helper: Executor | None = None
) -> Intake:
    """Steps 1 and 2 for ``items`` (a read of the source's stored ids), and the first chunk's
    analysis submitted to ``helper`` (no database work there)."""
    report = IngestReport(fetched=len(items))
    terms = terms_for(organization=source.organization)
    listened = _listened(items, terms)
    report.unmatched = len(items) - len(listened)
    fresh, report.known = _new_only(source, listened)
    fresh = _parents_first(fresh)
    history = DuplicateIndex(capacity=len(fresh) + 1)
    chunks = [fresh[start : start + CHUNK] for start in range(0, len(fresh), CHUNK)]
    intake = Intake(report, terms, chunks, history)
    if chunks and helper is not None:
        intake.first = helper.submit(_enrich, chunks[0], terms, history, 0)
    return intake


def items_ingest(
    *,
    source: Source,
    items: list[FetchedItem],
    intake: Intake | None = None,
    helper: Executor | None = None,
    ahead: Callable[[], None] | None = None,
) -> IngestReport:
    """Store what ``source`` delivered (see the module's docstring). Safe to call again with
    the same items: what is stored is skipped.

    Enrichment and storage overlap: while one chunk of items is stored (database work, in this
    thread), the next is embedded and analyzed in a helper thread (ONNX Runtime releases the
    GIL), so a large batch costs about the longer of the two, not their sum.

    For a caller that stores several sources in a row (``sources_poll``): ``intake``, this
    batch's first steps done already (``items_intake``, for these ``items``); ``helper``, the
    thread that analyzes, shared across the sources; ``ahead``, called once the last chunk's
    analysis is done, before that chunk is stored — the moment to start the next source's
    first chunk in ``helper``, which would otherwise wait alone for the encoder."""
    if intake is None:
        intake = items_intake(source=source, items=items)
    report, terms, chunks, history = intake.report, intake.terms, intake.chunks, intake.history
    if not chunks:
        return report
    # Without a started first chunk, it is analyzed here, before the helper starts: it loads
    # the model once.
    if intake.first is not None:
        analyzed = intake.first.result()
    else:
        analyzed = _enrich(chunks[0], terms, history, 0)
    context: dict[str, Any] = {
        "source": source,
        "terms": terms,
        "rules": rules_for(organization=source.organization),
        "version": model_version(),
        "batch": Batch(source.organization, [item for chunk in chunks for item, _ in chunk]),
    }
    offset = 0
    with ExitStack() as stack:
        if helper is None:
            helper = stack.enter_context(
                ThreadPoolExecutor(max_workers=1, thread_name_prefix="sayso-enrich")
            )
        for number, chunk in enumerate(chunks):
            results, vectors = analyzed
            offset += len(chunk)
            upcoming = None
            if number + 1 < len(chunks):
                upcoming = helper.submit(_enrich, chunks[number + 1], terms, history, offset)
            elif ahead is not None:
                ahead()
            rows = list(zip(chunk, results, vectors, strict=True))
            for start in range(0, len(rows), GROUP):
                _store_group(rows[start : start + GROUP], context=context, report=report)
            if upcoming is not None:
                analyzed = upcoming.result()
    if report.stored:
        Source.objects.filter(pk=source.pk).update(items_total=F("items_total") + report.stored)
    return report


def open_case_for(
    *, organization: Any, customer: Customer, vector: np.ndarray
) -> tuple[Case | None, float]:
    """The customer's open case about the same problem as the text embedded in ``vector`` (by
    meaning, at ``SAYSO_LISTENING_SAME_CASE`` or closer), for channels that arrive one item at
    a time (a new email that replies to nothing)."""
    batch = Batch(organization)
    batch.load_cases({customer.pk})
    case, score = batch.same_problem(customer, vector)
    return (case if isinstance(case, Case) else None), score


def same_problem_alert(*, case: Case, channel_label: str, dedupe_key: str) -> None:
    """Tell the case's owner (else its team's lead) that the customer wrote about the same
    problem through another channel."""
    recipients = [case.assignee] if case.assignee_id else []
    if not recipients and case.team_id and case.team and case.team.lead_id:
        recipients = [case.team.lead]
    for user in recipients:
        alert_send(
            organization=case.organization,
            recipient=user,
            kind=AlertKind.CASE_MESSAGE,
            text=(
                f"Case #{case.number}: {case.customer.display_name} wrote about the same problem "
                f"on {channel_label}."
            ),
            dedupe_key=dedupe_key,
            case=case,
        )
