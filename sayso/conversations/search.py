"""Full-text search over case subjects and message bodies.

SQLite uses FTS5 indexes kept in step by triggers; PostgreSQL uses GIN indexes on
``to_tsvector('simple', …)``. Migration 0003 creates the message bodies' index, 0005 the case
subjects'; any other database falls back to a substring match.

Both full-text indexes drive the search: the matching subjects and messages give a set of case
ids, and the inbox's other filters and its order apply to those cases only. Nothing reads every
case or message of the organization (docs/performance.md).
"""

from __future__ import annotations

import re

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from sayso.conversations.models import Case
from sayso.core.models import Organization

_WORD_RE = re.compile(r"\w+", re.UNICODE)

# FTS5 first (CROSS JOIN keeps SQLite from turning the join around, which would run the
# full-text match once per message of the organization).
_SQLITE_MATCHING_CASE_IDS = (
    "SELECT rowid FROM conversations_case_fts WHERE conversations_case_fts MATCH %s "
    "UNION ALL "
    "SELECT m.case_id FROM conversations_message_fts f "
    "CROSS JOIN conversations_message m ON m.id = f.rowid "
    "WHERE conversations_message_fts MATCH %s AND m.organization_id = %s"
)
_POSTGRESQL_MATCHING_CASE_IDS = (
    "SELECT c.id FROM conversations_case c "
    "WHERE to_tsvector('simple', c.subject) @@ to_tsquery('simple', %s) "
    "AND c.organization_id = %s "
    "UNION ALL "
    "SELECT m.case_id FROM conversations_message m "
    "WHERE to_tsvector('simple', m.body) @@ to_tsquery('simple', %s) "
    "AND m.organization_id = %s"
)


def _fts5_query(text: str) -> str:
    words = _WORD_RE.findall(text)[:12]
    if not words:
        return ""
    quoted = [f'"{word}"' for word in words]
    quoted[-1] += "*"  # prefix match on the last word, as people type
    return " ".join(quoted)


def _tsquery(text: str) -> str:
    words = _WORD_RE.findall(text)[:12]
    if not words:
        return ""
    # Every word must match; the last one as a prefix, as people type.
    return " & ".join(words) + ":*"


def cases_matching(
    *, organization: Organization, cases: QuerySet[Case], text: str
) -> QuerySet[Case]:
    """The cases among ``cases`` whose subject or one of whose messages has every word of
    ``text`` (the last word as a prefix)."""
    text = text.strip()[:200]
    if not text:
        return cases
    subject_match = Q(subject__icontains=text)
    if connection.vendor == "sqlite":
        query = _fts5_query(text)
        if not query:
            return cases.filter(subject_match)
        # Constant SQL; the user's words are bound parameters.
        case_ids = RawSQL(_SQLITE_MATCHING_CASE_IDS, (query, query, organization.pk))  # noqa: S611
        return cases.filter(pk__in=case_ids)
    if connection.vendor == "postgresql":
        tsquery = _tsquery(text)
        if not tsquery:
            return cases.filter(subject_match)
        case_ids = RawSQL(  # noqa: S611 (constant SQL, bound parameters)
            _POSTGRESQL_MATCHING_CASE_IDS, (tsquery, organization.pk, tsquery, organization.pk)
        )
        return cases.filter(pk__in=case_ids)
    return cases.filter(subject_match | Q(messages__body__icontains=text)).distinct()
