"""Full-text search over case subjects and message bodies, in the inbox's order.

A case matches when its subject, or one of its messages, holds every word of the search (the
last word as a prefix, as people type). Results come in the inbox's order — newest activity
first — and are read a page at a time (``CaseSearch``).

The indexes: on SQLite, FTS5 tables over message bodies (migration 0003) and case subjects
(0005), kept in step by triggers. On PostgreSQL, each case carries one ``search_vector``: the
words of its subject and of all its messages, kept by triggers (0006), under a GIN index. Any
other database falls back to a substring match.

Why pages are read this way (docs/performance.md, "The inbox search"): a word that people
type is often in tens of thousands of messages, and building the whole set of matching cases
to sort it by activity cost 100 to 300 ms at a million messages. So a page is first looked for
among the ``SEARCH_WINDOW`` most recently active cases, walking them newest first and
stopping at a full page: those cases are the head of the inbox's order, so a page found there
is exactly the page the whole set would give. Only when the window holds too few matches (a
rare word, or a deep page) is the whole set built — and for a rare word it is small. The
count for the pager stops at the cap the inbox shows ("more than 1,000").
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, overload

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from sayso.conversations.models import Case
from sayso.core.models import Organization

# The most recently active cases a page is looked for among first, per database: testing a
# case costs about 0.7 µs on SQLite (its messages' ids against the matches), 4 µs on
# PostgreSQL (its search vector), where reading every match through the GIN index is cheaper.
SEARCH_WINDOW = {"sqlite": 20_000, "postgresql": 2_000}
# SQLite: a search whose words are in fewer index entries than this is answered from the
# whole set of matching cases (about 10 µs each to join to its case), read once for the page
# and its count.
FEW_HITS = 1000
INBOX_ORDER = ("-last_message_at", "-id")

_WORD_RE = re.compile(r"\w+", re.UNICODE)

# SQLite. The messages' matches are read once per statement (an uncorrelated IN list); the
# unary ``+`` keeps SQLite from looking each of them up per case, so each case's few messages
# are checked against the list instead.
_SQLITE_MESSAGE_HITS = (
    "SELECT rowid FROM conversations_message_fts WHERE conversations_message_fts MATCH %s"
)
_SQLITE_SUBJECT_HITS = (
    "SELECT rowid FROM conversations_case_fts WHERE conversations_case_fts MATCH %s"
)
# Every piece below is constant SQL put together from the constants above; the user's words
# are always bound parameters.
_SQLITE_HIT_COUNTS = (
    "SELECT (SELECT count(*) FROM (" + _SQLITE_MESSAGE_HITS + " LIMIT %s)), "  # noqa: S608
    "(SELECT count(*) FROM (" + _SQLITE_SUBJECT_HITS + " LIMIT %s))"
)
_SQLITE_CASE_HAS_MATCHING_MESSAGE = (
    "EXISTS (SELECT 1 FROM conversations_message m WHERE m.case_id = conversations_case.id "  # noqa: S608
    "AND +m.id IN (" + _SQLITE_MESSAGE_HITS + "))"
)
# A matching message's case, read from a small index (migration 0007) rather than the row
# among the bodies: SQLite takes it only when told.
_SQLITE_MESSAGE_CASE_INDEX = "conversations_message_id_case"
# FTS5 first (CROSS JOIN keeps SQLite from turning the join around, which would run the
# full-text match once per message of the organization).
_SQLITE_MATCHING_CASE_IDS = (
    _SQLITE_SUBJECT_HITS + " UNION ALL "  # noqa: S608
    "SELECT m.case_id FROM conversations_message_fts f "
    f"CROSS JOIN conversations_message m INDEXED BY {_SQLITE_MESSAGE_CASE_INDEX} "
    "ON m.id = f.rowid "
    "WHERE conversations_message_fts MATCH %s AND m.organization_id = %s"
)

# PostgreSQL: one vector per case (subject and messages). A search of several words also
# checks that one message, or the subject, holds them all, as on SQLite.
_PG_VECTOR_MATCH = "conversations_case.search_vector @@ to_tsquery('simple', %s)"
_PG_SAME_MESSAGE = (
    "(to_tsvector('simple', conversations_case.subject) @@ to_tsquery('simple', %s) "
    "OR EXISTS (SELECT 1 FROM conversations_message m WHERE m.case_id = conversations_case.id "
    "AND to_tsvector('simple', m.body) @@ to_tsquery('simple', %s)))"
)


def _words(text: str) -> list[str]:
    return _WORD_RE.findall(text)[:12]


def fts5_query(text: str) -> str:
    """An FTS5 query for every word of ``text`` ("" when it has none); community search too."""
    words = _words(text)
    if not words:
        return ""
    quoted = [f'"{word}"' for word in words]
    quoted[-1] += "*"  # prefix match on the last word, as people type
    return " ".join(quoted)


def pg_tsquery(text: str) -> str:
    """A tsquery for every word of ``text`` ("" when it has none); community search too."""
    words = _words(text)
    if not words:
        return ""
    # Every word must match; the last one as a prefix, as people type.
    return " & ".join(words) + ":*"


def _condition(sql: str, params: tuple[Any, ...]) -> Q:
    # Constant SQL; the user's words are bound parameters.
    return Q(RawSQL(sql, params, output_field=BooleanField()))  # noqa: S611


class CaseSearch:
    """The cases among ``cases`` (a filtered inbox queryset, in the inbox's order) that match
    ``text``. Slice it for a page (``search[25:50]``), ``count(up_to=…)`` for the pager;
    ``len()`` and iteration read the whole set."""

    def __init__(self, *, organization: Organization, cases: QuerySet[Case], text: str) -> None:
        self._organization = organization
        self._cases = cases.order_by(*INBOX_ORDER)
        self._text = text.strip()[:200]
        self._words = _words(self._text)
        self._window: tuple[bool, datetime | None] | None = None  # (fits, boundary)
        self._few: list[int] | None = None
        self._few_read = False
        self._total: int | None = None  # every match counted, when a page read them all

    def only(self, *fields: str) -> CaseSearch:
        clone = CaseSearch(organization=self._organization, cases=self._cases, text=self._text)
        clone._cases = self._cases.only(*fields)
        return clone

    # --- what "matches" is, per database ---------------------------------------------------

    def _match(self) -> Q:
        """The condition on one case, cheap enough to test while walking cases in order."""
        vendor = connection.vendor
        if not self._words:
            return Q(subject__icontains=self._text)
        if vendor == "sqlite":
            query = fts5_query(self._text)
            return Q(pk__in=RawSQL(_SQLITE_SUBJECT_HITS, (query,))) | _condition(  # noqa: S611
                _SQLITE_CASE_HAS_MATCHING_MESSAGE, (query,)
            )
        if vendor == "postgresql":
            tsquery = pg_tsquery(self._text)
            match = _condition(_PG_VECTOR_MATCH, (tsquery,))
            if len(self._words) > 1:
                match &= _condition(_PG_SAME_MESSAGE, (tsquery, tsquery))
            return match
        return Q(subject__icontains=self._text) | Q(messages__body__icontains=self._text)

    def _all_matches(self) -> QuerySet[Case]:
        """Every matching case, from the full-text index (SQLite) or the walk's condition."""
        if connection.vendor == "sqlite" and self._words:
            query = fts5_query(self._text)
            ids = RawSQL(  # noqa: S611 (constant SQL, bound parameters)
                _SQLITE_MATCHING_CASE_IDS, (query, query, self._organization.pk)
            )
            return self._cases.filter(pk__in=ids)
        if connection.vendor in {"sqlite", "postgresql"}:
            return self._cases.filter(self._match())
        return self._cases.filter(self._match()).distinct()

    # --- pages ----------------------------------------------------------------------------

    def _window_bounds(self) -> tuple[bool, datetime | None]:
        """(whether all the filtered cases fit in the window, and if not the activity time of
        its last case, or ``None`` when the window is no head of the order)."""
        if self._window is None:
            size = SEARCH_WINDOW.get(connection.vendor, 2_000)
            last = list(self._cases.values_list("last_message_at", flat=True)[size - 1 : size])
            if not last:
                self._window = (True, None)
            elif last[0] is None or self._cases.filter(last_message_at__isnull=True).exists():
                # Cases without activity sort first on PostgreSQL and last on SQLite: the
                # window would not be the head of the order. The services always set it.
                self._window = (False, None)
            else:
                self._window = (False, last[0])
        return self._window

    def _page(self, start: int, stop: int) -> list[Case]:
        if stop <= start:
            return []
        few = self._few_ids()
        if few is not None:
            return self._page_of(few, start, stop)
        fits, boundary = self._window_bounds()
        if fits:  # at most SEARCH_WINDOW cases to walk
            return list(self._cases.filter(self._match())[start:stop])
        if boundary is not None:
            # Every case active at or after the window's last one: a head of the order.
            head = self._cases.filter(self._match(), last_message_at__gte=boundary)
            rows = list(head[start:stop])
            if len(rows) == stop - start:
                return rows
        return self._from_every_match(start, stop)

    def _from_every_match(self, start: int, stop: int) -> list[Case]:
        if connection.vendor != "postgresql" or not self._words:
            return list(self._all_matches()[start:stop])
        # PostgreSQL would walk the activity index here too, expecting matches soon; for a
        # rare word that reads every case. Sorting the matches themselves is bounded by how
        # many there are: the subquery (OFFSET 0 keeps it apart) reads them through the GIN
        # index, then the page is sorted out of them.
        inner = self._cases.filter(self._match()).order_by().values("id", "last_message_at")
        sql, params = inner.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                # With how many there are: the count for the pager, in the same pass.
                f"SELECT s.id, count(*) OVER () FROM ({sql} OFFSET 0) s "  # noqa: S608
                "ORDER BY s.last_message_at DESC, s.id DESC LIMIT %s OFFSET %s",
                (*params, stop - start, start),
            )
            found = cursor.fetchall()
        if found:
            self._total = int(found[0][1])
        return self._rows_in_order([row[0] for row in found])

    def _rows_in_order(self, ids: list[int]) -> list[Case]:
        """The inbox rows of these cases, in the order of ``ids`` (a page sorted in SQL)."""
        by_id = {case.pk: case for case in self._cases.filter(pk__in=ids)}
        return [by_id[pk] for pk in ids if pk in by_id]

    @overload
    def __getitem__(self, key: int) -> Case: ...

    @overload
    def __getitem__(self, key: slice) -> list[Case]: ...

    def __getitem__(self, key: int | slice) -> Case | list[Case]:
        if isinstance(key, int):
            rows = self._page(key, key + 1)
            if not rows:
                raise IndexError(key)
            return rows[0]
        if key.step not in (None, 1) or (key.start or 0) < 0 or (key.stop or 0) < 0:
            raise ValueError("CaseSearch takes plain forward slices.")
        start = key.start or 0
        if key.stop is None:
            return list(self._all_matches()[start:])
        return self._page(start, key.stop)

    def __iter__(self) -> Iterator[Case]:
        return iter(self._all_matches())

    def __len__(self) -> int:
        return self._all_matches().order_by().values("pk").count()

    # --- the pager's count ----------------------------------------------------------------

    def count(self, *, up_to: int) -> int:
        """How many cases match, counted no further than ``up_to``."""
        few = self._few_ids()
        if few is not None:
            return min(len(few), up_to)
        if self._total is not None:
            return min(self._total, up_to)
        fits, _ = self._window_bounds()
        if fits:
            return min(self._cases.filter(self._match()).order_by().values("pk").count(), up_to)
        if connection.vendor == "sqlite" and self._words:
            return min(len(self._sqlite_case_ids(limit=up_to)), up_to)
        # Only the ids: the inbox's annotations (an overdue promise) would be read per case.
        return self._cases.filter(self._match()).order_by().values("pk")[:up_to].count()

    # --- SQLite: the matching cases read from the full-text indexes -------------------------

    def _few_ids(self) -> list[int] | None:
        """SQLite: the ids of every matching case when the search's words are in fewer than
        ``FEW_HITS`` entries of each full-text index (one cheap look first), else ``None``."""
        if not self._few_read:
            self._few_read = True
            if connection.vendor == "sqlite" and self._words:
                query = fts5_query(self._text)
                with connection.cursor() as cursor:
                    cursor.execute(_SQLITE_HIT_COUNTS, (query, FEW_HITS, query, FEW_HITS))
                    messages, subjects = cursor.fetchone()
                if messages < FEW_HITS and subjects < FEW_HITS:
                    self._few = sorted(self._sqlite_case_ids(limit=None))
        return self._few

    def _page_of(self, ids: list[int], start: int, stop: int) -> list[Case]:
        """A page of these cases in the inbox's order. The ``+`` keeps SQLite from ordering
        by the activity index, walking it until it met enough of them: the few are sorted."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM conversations_case WHERE id IN (SELECT value FROM json_each(%s)) "
                "ORDER BY +last_message_at DESC, id DESC LIMIT %s OFFSET %s",
                (json.dumps(ids), stop - start, start),
            )
            return self._rows_in_order([row[0] for row in cursor.fetchall()])

    def _sqlite_case_ids(self, *, limit: int | None) -> set[int]:
        """The ids of the matching cases that pass the inbox's filters: the matching messages
        in the full-text index's order, each joined to its case, until ``limit`` different
        cases are found — a few thousand index entries for a common word, not all of them —,
        and the matching subjects the same way."""
        query = fts5_query(self._text)
        bare = self._cases.order_by().values("pk")
        compiler = bare.query.get_compiler(using=bare.db)
        where, params = compiler.compile(bare.query.where)  # the filters, on the case table
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT DISTINCT m.case_id FROM conversations_message_fts f "  # noqa: S608
                f"CROSS JOIN conversations_message m INDEXED BY {_SQLITE_MESSAGE_CASE_INDEX} "
                "ON m.id = f.rowid "
                "CROSS JOIN conversations_case ON conversations_case.id = m.case_id "
                f"WHERE conversations_message_fts MATCH %s AND ({where}) LIMIT %s",
                (query, *params, -1 if limit is None else limit),
            )
            found = {row[0] for row in cursor.fetchall()}
        if limit is None or len(found) < limit:
            subject = RawSQL(_SQLITE_SUBJECT_HITS, (query,))  # noqa: S611
            subjects = bare.filter(pk__in=subject).values_list("pk", flat=True)
            found.update(subjects if limit is None else subjects[:limit])
        return found


# PostgreSQL: every case's vector from its subject and messages, in one pass (as migration
# 0006 first filled them).
_PG_REBUILD_VECTORS = (
    "UPDATE conversations_case c SET search_vector = strip("
    "to_tsvector('simple', coalesce(c.subject, '')) || coalesce(v.words, ''::tsvector)) "
    "FROM conversations_case c2 LEFT JOIN (SELECT case_id, to_tsvector('simple', "
    "string_agg(body, ' ' ORDER BY id)) AS words FROM conversations_message GROUP BY case_id) v "
    "ON v.case_id = c2.id WHERE c2.id = c.id"
)
_PG_MESSAGE_INSERT_TRIGGER = "conversations_message_search_ai"


def search_vectors_rebuild() -> None:
    """PostgreSQL: rebuild every case's search vector, after a bulk load of messages made
    with ``search_vectors_paused()``. Nothing to do on other databases."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_PG_REBUILD_VECTORS)


@contextmanager
def search_vectors_paused() -> Iterator[None]:
    """PostgreSQL: a bulk load of messages without updating each case's search vector per
    message (one UPDATE of the case per message); ``search_vectors_rebuild()`` afterwards."""
    _message_insert_trigger("DISABLE")
    try:
        yield
    finally:
        _message_insert_trigger("ENABLE")


def _message_insert_trigger(action: str) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"ALTER TABLE conversations_message {action} TRIGGER {_PG_MESSAGE_INSERT_TRIGGER}"
            )


def cases_matching(
    *, organization: Organization, cases: QuerySet[Case], text: str
) -> QuerySet[Case] | CaseSearch:
    """The cases among ``cases`` whose subject or one of whose messages has every word of
    ``text`` (the last word as a prefix), read a page at a time; ``cases`` itself when
    ``text`` is blank."""
    if not text.strip():
        return cases
    return CaseSearch(organization=organization, cases=cases, text=text)
