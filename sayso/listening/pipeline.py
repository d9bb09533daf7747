"""The ingest pipeline: fetched items in; mentions, messages and cases out, each exactly once.

    report = items_ingest(source=source, items=result.items)

For a batch of items from one source:

1. **Listen**: keep items that mention one of the organization's terms (or are addressed to
   it: a mention of its account, the widget); drop the rest.
2. **Once**: drop items this source already stored (``Mention`` is unique on
   ``(source, external_id)``) and repeats inside the batch.
3. **Enrich**: one ``analyze()`` over the batch (sentiment, intents, spam, language,
   duplicates), embedding each text once.
4. Per item, in its own transaction: **link** the author to a customer through an identity
   (a new author becomes a new customer marked as a prospect); **match** the customer's open
   cases by meaning (the item joins the closest one above ``SAYSO_LISTENING_SAME_CASE``, shown
   as "same problem, new channel", and the case owner is alerted); otherwise **open** a case
   when the item calls for an answer (complaint, question, purchase intent, or addressed to the
   organization) and **route** it by the rules; otherwise keep it as a mention. Spam is kept
   as a mention, held, never a case.

A crash between items leaves the stored ones stored and the rest unstored; the caller saves
the source's cursor only after the whole batch, so the next poll fetches the rest again and
step 2 skips what is already there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from sayso.conversations.models import Case, CaseStatus, Channel, Visibility
from sayso.conversations.services import message_receive
from sayso.customers.models import Customer, Identity, IdentityKind
from sayso.customers.services import customer_get_or_create_by_identity
from sayso.intelligence.analysis.heads import model_version
from sayso.intelligence.analysis.pipeline import Analysis, Item, analyze
from sayso.intelligence.models import MessageAnalysis
from sayso.listening.connectors.base import FetchedItem, clip
from sayso.listening.models import Mention, Outcome, RoutingRule, Source, SourceKind, TermKind
from sayso.listening.routing import case_apply_rule, rule_for, rules_for
from sayso.listening.terms import Terms, terms_for
from sayso.notifications.models import AlertKind
from sayso.notifications.services import alert_send

# Intents that call for an answer: such an item opens a case.
ANSWER_INTENTS = frozenset({"complaint", "question", "purchase_intent"})
OPEN_STATUSES = (CaseStatus.OPEN, CaseStatus.PENDING)
# How many of a customer's open cases are compared with a new item.
MAX_OPEN_CASES = 20

CHANNEL_OF = {
    SourceKind.RSS: Channel.RSS,
    SourceKind.MASTODON: Channel.MASTODON,
    SourceKind.BLUESKY: Channel.BLUESKY,
    SourceKind.WIDGET: Channel.WIDGET,
}


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


def _identity(organization: Any, item: FetchedItem) -> tuple[Customer, Identity | None, bool]:
    """The customer behind the item's author, recognising any of their known identities
    first; a new author becomes a new customer (a prospect)."""
    candidates = [(item.author_kind, item.author_value), *item.alternates]
    candidates = [(k, v) for k, v in candidates if k and v]
    from sayso.customers.identities import normalize_identity

    for kind, value in candidates:
        try:
            normalized = normalize_identity(kind, value)
        except ValidationError:
            continue
        identity = (
            Identity.objects.select_related("customer")
            .filter(
                organization=organization,
                kind=kind,
                value=normalized,
                customer__merged_into__isnull=True,
            )
            .order_by("customer__created_at", "customer_id", "id")
            .first()
        )
        if identity is not None:
            return identity.customer, identity, False
    for kind, value in candidates:
        try:
            customer, identity, created = customer_get_or_create_by_identity(
                organization=organization, kind=kind, value=value, display_name=item.author_name
            )
        except ValidationError:
            continue
        return customer, identity, created
    customer = Customer.objects.create(
        organization=organization,
        display_name=(item.author_name or "Anonymous visitor")[:200],
        is_prospect=True,
    )
    return customer, None, True


def _case_texts(cases: list[Case]) -> list[str]:
    texts = []
    for case in cases:
        first = (
            case.messages.filter(direction="inbound")
            .order_by("sent_at", "id")
            .values_list("body", flat=True)
            .first()
        )
        texts.append("\n\n".join(p for p in (case.subject, (first or "")[:2000]) if p.strip()))
    return texts


def _same_problem(customer: Customer, vector: np.ndarray) -> tuple[Case | None, float]:
    """The customer's open case closest in meaning to the item, when close enough."""
    cases = list(
        Case.objects.filter(customer=customer, status__in=OPEN_STATUSES)
        .select_related("assignee", "team")
        .order_by("-last_message_at", "-id")[:MAX_OPEN_CASES]
    )
    if not cases:
        return None, 0.0
    from sayso.intelligence.embeddings import embed

    vectors = embed(_case_texts(cases))
    scores = vectors @ np.asarray(vector, dtype=np.float32)
    best = int(np.argmax(scores))
    score = float(scores[best])
    if score >= settings.SAYSO_LISTENING_SAME_CASE:
        return cases[best], score
    return None, score


def _analysis_row(message: Any, result: Analysis, version: str) -> None:
    MessageAnalysis.objects.update_or_create(
        message=message,
        defaults={
            "organization_id": message.organization_id,
            "sentiment": result.sentiment,
            "sentiment_score": result.sentiment_score,
            "intents": result.intents,
            "spam": result.spam,
            "is_spam": result.is_spam,
            "language": result.language or "",
            "duplicate_of_id": None,
            "duplicate_kind": "",
            "reasons": [r for r in result.reasons if "#" not in r],
            "model_version": version,
            "analyzed_at": timezone.now(),
        },
    )


def _alert_owner(case: Case, mention: Mention, source: Source) -> None:
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
                f"on {source.get_kind_display()} ({source.name})."
            ),
            dedupe_key=f"mention:{mention.pk}",
            case=case,
        )


def _store(
    *,
    source: Source,
    item: FetchedItem,
    found: list[str],
    terms: Terms,
    result: Analysis,
    vector: np.ndarray,
    rules: list[RoutingRule],
    version: str,
    report: IngestReport,
) -> None:
    organization = source.organization
    channel = CHANNEL_OF[SourceKind(source.kind)]
    now = timezone.now()
    published = item.published_at if item.published_at and item.published_at <= now else now
    if not item.url.startswith(("http://", "https://")):
        item.url = ""
    with transaction.atomic():
        customer, identity, created = _identity(organization, item)
        if created and not customer.is_prospect:
            customer.is_prospect = True
            customer.save(update_fields=["is_prospect", "updated_at"])
        mention = Mention(
            organization=organization,
            source=source,
            external_id=item.external_id,
            url=item.url,
            title=item.title,
            text=item.text,
            author_name=item.author_name,
            author_handle=item.author_value[:320],
            published_at=published,
            matched_terms=found,
            competitors=terms.of_kind(found, TermKind.COMPETITOR),
            sentiment=result.sentiment,
            sentiment_score=result.sentiment_score,
            intents=result.intents,
            spam=result.spam,
            is_spam=result.is_spam,
            language=result.language or "",
            reasons=[r for r in result.reasons if "#" not in r],
            customer=customer,
            outcome=Outcome.KEPT,
        )
        case: Case | None = None
        rule: RoutingRule | None = None
        score = 0.0
        if result.is_spam:
            mention.outcome = Outcome.SPAM
        else:
            case, score = _same_problem(customer, vector)
            if case is not None:
                mention.outcome = Outcome.JOINED
            elif item.direct or ANSWER_INTENTS & set(result.intents):
                mention.outcome = Outcome.OPENED
        if mention.outcome in {Outcome.JOINED, Outcome.OPENED}:
            headers = {
                "listening": {
                    "source": source.name,
                    "source_id": source.pk,
                    "url": item.url,
                    "same_problem": mention.outcome == Outcome.JOINED,
                    "similarity": round(score, 3),
                }
            }
            body = item.text if not item.title else f"{item.title}\n\n{item.text}"
            message, message_created = message_receive(
                organization=organization,
                customer=customer,
                channel=channel,
                body=clip(body, settings.SAYSO_MAX_MESSAGE_CHARS),
                external_id=item.external_id,
                subject=item.title or "",
                case=case,
                author_identity=identity,
                sent_at=published,
                visibility=Visibility.PRIVATE
                if source.kind == SourceKind.WIDGET or item.private
                else Visibility.PUBLIC,
                headers=headers,
            )
            mention.case = message.case
            if message_created:
                mention.message = message
                _analysis_row(message, result, version)
            if mention.outcome == Outcome.OPENED and message_created:
                rule = rule_for(
                    rules,
                    intents=result.intents,
                    sentiment=result.sentiment,
                    text=body,
                    source_id=source.pk,
                    channel=channel,
                )
                if rule is not None:
                    case_apply_rule(case=message.case, rule=rule)
                    mention.rule = rule
        mention.save()
        if mention.outcome == Outcome.JOINED and mention.case is not None:
            _alert_owner(mention.case, mention, source)
    report.stored += 1
    report.mention_ids.append(mention.pk)
    outcome_counter = {
        Outcome.JOINED: "joined",
        Outcome.OPENED: "opened",
        Outcome.KEPT: "kept",
        Outcome.SPAM: "spam",
    }[Outcome(mention.outcome)]
    setattr(report, outcome_counter, getattr(report, outcome_counter) + 1)


def items_ingest(*, source: Source, items: list[FetchedItem]) -> IngestReport:
    """Store what ``source`` delivered (see the module's docstring). Safe to call again with
    the same items: what is stored is skipped."""
    report = IngestReport(fetched=len(items))
    terms = terms_for(organization=source.organization)
    listened = _listened(items, terms)
    report.unmatched = len(items) - len(listened)
    fresh, report.known = _new_only(source, listened)
    if not fresh:
        return report
    from sayso.intelligence.embeddings import embed

    texts = [f"{item.title}\n\n{item.text}" if item.title else item.text for item, _ in fresh]
    vectors = embed([t[:2000] for t in texts])
    results = analyze(
        [
            Item(
                text=text,
                author=item.author_name,
                author_url=item.author_value if item.author_kind == IdentityKind.URL else "",
                created_at=item.published_at,
                author_id=f"{item.author_kind}:{item.author_value}" if item.author_value else "",
            )
            for text, (item, _) in zip(texts, fresh, strict=True)
        ],
        competitors=terms.competitors,
        embeddings=vectors,
        noun="item",
    )
    rules = rules_for(organization=source.organization)
    version = model_version()
    for (item, found), result, vector in zip(fresh, results, vectors, strict=True):
        try:
            _store(
                source=source,
                item=item,
                found=found,
                terms=terms,
                result=result,
                vector=vector,
                rules=rules,
                version=version,
                report=report,
            )
        except IntegrityError:
            # Another worker stored this item first.
            report.known += 1
        except ValidationError as exc:
            report.failed += 1
            report.errors.append(f"{item.external_id}: {'; '.join(exc.messages)}")
    if report.stored:
        Source.objects.filter(pk=source.pk).update(items_total=F("items_total") + report.stored)
    return report
