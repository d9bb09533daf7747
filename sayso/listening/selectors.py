"""Reads of the listening app, shared by the staff pages, the API and the CLI."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from sayso.core.models import Organization
from sayso.intelligence.models import INTENT_LABELS
from sayso.listening.models import ListenTerm, Mention, RoutingRule, Source, TermKind

SPAM_CHOICES = ("hide", "only", "all")


@dataclass(frozen=True)
class MentionFilters:
    source: int | None = None
    intent: str = ""
    sentiment: str = ""
    competitor: str = ""
    spam: str = "hide"
    outcome: str = ""
    query: str = ""

    @classmethod
    def from_params(cls, params: Any) -> MentionFilters:
        def text(name: str, limit: int = 120) -> str:
            return str(params.get(name) or "").strip()[:limit]

        source = text("source")
        spam = text("spam") or "hide"
        return cls(
            source=int(source) if source.isdigit() else None,
            intent=text("intent") if text("intent") in INTENT_LABELS else "",
            sentiment=text("sentiment")
            if text("sentiment") in {"positive", "neutral", "negative"}
            else "",
            competitor=text("competitor"),
            spam=spam if spam in SPAM_CHOICES else "hide",
            outcome=text("outcome"),
            query=text("q", 200),
        )

    def as_query(self) -> dict[str, str]:
        values = {
            "source": str(self.source or ""),
            "intent": self.intent,
            "sentiment": self.sentiment,
            "competitor": self.competitor,
            "spam": self.spam if self.spam != "hide" else "",
            "outcome": self.outcome,
            "q": self.query,
        }
        return {k: v for k, v in values.items() if v}


def _json_has(field: str, value: str) -> dict[str, str]:
    # JSON list membership that works alike on SQLite and PostgreSQL: the stored text holds
    # the value in quotes.
    return {f"{field}__icontains": f'"{value}"'}


def mention_list(*, organization: Organization, filters: MentionFilters) -> QuerySet[Mention]:
    mentions = Mention.objects.filter(organization=organization)
    if filters.source:
        mentions = mentions.filter(source_id=filters.source)
    if filters.intent:
        mentions = mentions.filter(**_json_has("intents", filters.intent))
    if filters.sentiment:
        mentions = mentions.filter(sentiment=filters.sentiment)
    if filters.competitor:
        mentions = mentions.filter(**_json_has("competitors", filters.competitor))
    if filters.spam == "hide":
        mentions = mentions.filter(is_spam=False)
    elif filters.spam == "only":
        mentions = mentions.filter(is_spam=True)
    if filters.outcome:
        mentions = mentions.filter(outcome=filters.outcome)
    if filters.query:
        mentions = mentions.filter(text__icontains=filters.query)
    return mentions.select_related("source", "customer", "case").order_by("-published_at", "-id")


def mention_get(*, organization: Organization, pk: int) -> Mention | None:
    return (
        Mention.objects.filter(organization=organization, pk=pk)
        .select_related("source", "customer", "case")
        .first()
    )


def _days(since: date, until: date) -> list[date]:
    return [since + timedelta(days=n) for n in range((until - since).days + 1)]


def mention_charts(
    *, organization: Organization, filters: MentionFilters, days: int = 30
) -> dict[str, Any]:
    """Daily series for the charts: volume by source, by intent, and by sentiment."""
    until = timezone.localdate()
    since = until - timedelta(days=days - 1)
    start = timezone.make_aware(datetime.combine(since, time.min))
    mentions = mention_list(organization=organization, filters=filters).filter(
        published_at__gte=start
    )
    labels = _days(since, until)
    index = {day: i for i, day in enumerate(labels)}

    by_source: dict[str, list[int]] = defaultdict(lambda: [0] * len(labels))
    rows = (
        mentions.annotate(day=TruncDate("published_at"))
        .values("day", "source__name")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        if row["day"] in index:
            by_source[row["source__name"]][index[row["day"]]] += row["n"]

    by_intent: dict[str, list[int]] = defaultdict(lambda: [0] * len(labels))
    by_sentiment: dict[str, list[int]] = {
        s: [0] * len(labels) for s in ("positive", "neutral", "negative")
    }
    for published, intents, sentiment in (
        mentions.values_list("published_at", "intents", "sentiment")
        .order_by()
        .iterator(chunk_size=5000)
    ):
        day = timezone.localtime(published).date()
        if day not in index:
            continue
        for intent in intents or []:
            if intent in INTENT_LABELS:
                by_intent[INTENT_LABELS[intent]][index[day]] += 1
        if sentiment in by_sentiment:
            by_sentiment[sentiment][index[day]] += 1
    return {
        "labels": [day.isoformat() for day in labels],
        "by_source": dict(sorted(by_source.items())),
        "by_intent": dict(sorted(by_intent.items())),
        "by_sentiment": by_sentiment,
    }


def source_list(*, organization: Organization) -> QuerySet[Source]:
    return Source.objects.filter(organization=organization).order_by("name", "id")


def source_get(*, organization: Organization, pk: int) -> Source | None:
    return Source.objects.filter(organization=organization, pk=pk).first()


def term_list(*, organization: Organization) -> QuerySet[ListenTerm]:
    return ListenTerm.objects.filter(organization=organization).order_by("kind", "term")


def term_get(*, organization: Organization, pk: int) -> ListenTerm | None:
    return ListenTerm.objects.filter(organization=organization, pk=pk).first()


def competitor_names(*, organization: Organization) -> list[str]:
    return list(
        term_list(organization=organization)
        .filter(kind=TermKind.COMPETITOR)
        .values_list("term", flat=True)
    )


def competitor_names_by_id(organization_id: int) -> list[str]:
    return list(
        ListenTerm.objects.filter(
            organization_id=organization_id, kind=TermKind.COMPETITOR
        ).values_list("term", flat=True)
    )


def rule_list(*, organization: Organization) -> QuerySet[RoutingRule]:
    return RoutingRule.objects.filter(organization=organization).select_related("team", "source")


def rule_get(*, organization: Organization, pk: int) -> RoutingRule | None:
    return rule_list(organization=organization).filter(pk=pk).first()
