"""Full-text search over case subjects and message bodies.

SQLite uses an FTS5 index kept in step by triggers; PostgreSQL uses a GIN index on
``to_tsvector('simple', body)``. Both are created by migration 0002; any other database falls
back to a substring match.
"""

from __future__ import annotations

import re

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from sayso.conversations.models import Case
from sayso.core.models import Organization

_WORD_RE = re.compile(r"\w+", re.UNICODE)


def _fts5_query(text: str) -> str:
    words = _WORD_RE.findall(text)[:12]
    if not words:
        return ""
    quoted = [f'"{word}"' for word in words]
    quoted[-1] += "*"  # prefix match on the last word, as people type
    return " ".join(quoted)


def cases_matching(
    *, organization: Organization, cases: QuerySet[Case], text: str
) -> QuerySet[Case]:
    text = text.strip()[:200]
    if not text:
        return cases
    subject_match = Q(subject__icontains=text)
    if connection.vendor == "sqlite":
        query = _fts5_query(text)
        if not query:
            return cases.filter(subject_match)
        body_case_ids = RawSQL(
            "SELECT m.case_id FROM conversations_message m "
            "JOIN conversations_message_fts f ON f.rowid = m.id "
            "WHERE conversations_message_fts MATCH %s AND m.organization_id = %s",
            (query, organization.pk),
        )
        return cases.filter(subject_match | Q(pk__in=body_case_ids))
    if connection.vendor == "postgresql":
        words = _WORD_RE.findall(text)[:12]
        if not words:
            return cases.filter(subject_match)
        # Every word must match; the last one as a prefix, as people type.
        tsquery = " & ".join(words) + ":*"
        body_case_ids = RawSQL(
            "SELECT m.case_id FROM conversations_message m "
            "WHERE to_tsvector('simple', m.body) @@ to_tsquery('simple', %s) "
            "AND m.organization_id = %s",
            (tsquery, organization.pk),
        )
        return cases.filter(subject_match | Q(pk__in=body_case_ids))
    return cases.filter(subject_match | Q(messages__body__icontains=text)).distinct()
