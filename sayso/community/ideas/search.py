"""Full-text search over idea titles and bodies: FTS5 on SQLite, a GIN index on PostgreSQL
(migration 0002); any other database falls back to a substring match."""

from __future__ import annotations

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from sayso.community.models import Idea
from sayso.conversations.search import fts5_query, pg_tsquery

_SQLITE = "SELECT rowid FROM community_idea_fts WHERE community_idea_fts MATCH %s"
_POSTGRESQL = (
    "SELECT id FROM community_idea WHERE organization_id = %s AND "
    "to_tsvector('simple', title || ' ' || body) @@ to_tsquery('simple', %s)"
)


def ideas_matching(*, ideas: QuerySet[Idea], organization_id: int, text: str) -> QuerySet[Idea]:
    """The ideas among ``ideas`` with every word of ``text`` (the last one as a prefix) in
    their title or body."""
    text = text.strip()[:200]
    if not text:
        return ideas
    plain = Q(title__icontains=text) | Q(body__icontains=text)
    if connection.vendor == "sqlite":
        query = fts5_query(text)
        if not query:
            return ideas.filter(plain)
        return ideas.filter(pk__in=RawSQL(_SQLITE, (query,)))  # noqa: S611 (bound parameters)
    if connection.vendor == "postgresql":
        tsquery = pg_tsquery(text)
        if not tsquery:
            return ideas.filter(plain)
        ids = RawSQL(_POSTGRESQL, (organization_id, tsquery))  # noqa: S611 (bound parameters)
        return ideas.filter(pk__in=ids)
    return ideas.filter(plain)
