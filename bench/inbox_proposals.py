"""The inbox benchmark with the changes that docs/performance.md proposes for ``sayso/``
applied as patches, so that their effect is measured the same way as the code as it is.

    .venv/bin/python bench/inbox.py --load-only                  # prints where the data is
    .venv/bin/python bench/inbox.py --reuse DATABASE             # the code as it is
    .venv/bin/python bench/inbox_proposals.py --reuse DATABASE   # with the proposals

Takes every option of bench/inbox.py, plus ``--proposals search,case-page`` to apply only some.
Results go to bench/results/inbox-<vendor>-proposals.json. The schema changes a proposal needs
are made on the benchmark's database only (and are idempotent), never on a real one.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

import inbox

CASE_PAGE_MESSAGES = 50  # the newest messages the case page shows; older ones on demand

SQLITE_SUBJECT_FTS = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS conversations_case_fts USING fts5("
    "subject, content='conversations_case', content_rowid='id', tokenize='unicode61')",
    "CREATE TRIGGER IF NOT EXISTS conversations_case_fts_ai AFTER INSERT ON conversations_case "
    "BEGIN INSERT INTO conversations_case_fts(rowid, subject) VALUES (new.id, new.subject); END",
    "CREATE TRIGGER IF NOT EXISTS conversations_case_fts_ad AFTER DELETE ON conversations_case "
    "BEGIN INSERT INTO conversations_case_fts(conversations_case_fts, rowid, subject) "
    "VALUES ('delete', old.id, old.subject); END",
    "CREATE TRIGGER IF NOT EXISTS conversations_case_fts_au AFTER UPDATE OF subject ON "
    "conversations_case BEGIN INSERT INTO conversations_case_fts(conversations_case_fts, rowid, "
    "subject) VALUES ('delete', old.id, old.subject); INSERT INTO conversations_case_fts(rowid, "
    "subject) VALUES (new.id, new.subject); END",
    "INSERT INTO conversations_case_fts(conversations_case_fts) VALUES ('rebuild')",
]
PG_SUBJECT_FTS = [
    "CREATE INDEX IF NOT EXISTS conversations_case_subject_fts ON conversations_case "
    "USING GIN (to_tsvector('simple', subject))",
    "ANALYZE conversations_case",
]

# Subject and body matches, each found through its full-text index, as one set of case ids.
SQLITE_MATCHING_IDS = (
    "SELECT rowid FROM conversations_case_fts WHERE conversations_case_fts MATCH %s "
    "UNION SELECT m.case_id FROM conversations_message_fts f "
    "CROSS JOIN conversations_message m ON m.id = f.rowid "  # the FTS index drives the join
    "WHERE conversations_message_fts MATCH %s AND m.organization_id = %s"
)
PG_MATCHING_IDS = (
    "SELECT c.id FROM conversations_case c WHERE c.organization_id = %s "
    "AND to_tsvector('simple', c.subject) @@ websearch_to_tsquery('simple', %s) "
    "UNION SELECT m.case_id FROM conversations_message m WHERE m.organization_id = %s "
    "AND to_tsvector('simple', m.body) @@ websearch_to_tsquery('simple', %s)"
)


def propose_search() -> None:
    """Search subjects through a full-text index too, and both through one ``pk IN (…)``
    instead of ``subject LIKE … OR pk IN (…)`` over every case of the organization."""
    from django.db import connection
    from django.db.models import QuerySet
    from django.db.models.expressions import RawSQL

    from sayso.conversations import search, selectors
    from sayso.conversations.models import Case
    from sayso.core.models import Organization

    statements = SQLITE_SUBJECT_FTS if connection.vendor == "sqlite" else PG_SUBJECT_FTS
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)

    def cases_matching(
        *, organization: Organization, cases: QuerySet[Case], text: str
    ) -> QuerySet[Case]:
        text = text.strip()[:200]
        if not text:
            return cases
        if connection.vendor == "sqlite":
            query = search._fts5_query(text)
            if not query:
                return cases.filter(subject__icontains=text)
            ids = RawSQL(SQLITE_MATCHING_IDS, (query, query, organization.pk))  # noqa: S611
        else:
            ids = RawSQL(PG_MATCHING_IDS, (organization.pk, text, organization.pk, text))  # noqa: S611
        return cases.filter(pk__in=ids)

    search.cases_matching = cases_matching
    selectors.cases_matching = cases_matching  # selectors imported the name


def propose_case_page() -> None:
    """Show the newest ``CASE_PAGE_MESSAGES`` messages of a case, older ones on demand."""
    from sayso.conversations import selectors
    from sayso.conversations.models import Case, Message

    every_message = selectors.case_messages

    def case_messages(*, case: Case, for_customer: bool = False) -> list[Message]:
        messages = every_message(case=case, for_customer=for_customer)
        newest = list(messages.order_by("-sent_at", "-id")[:CASE_PAGE_MESSAGES])
        newest.reverse()
        return newest

    selectors.case_messages = case_messages  # type: ignore[assignment]


PROPOSALS: dict[str, Callable[[], None]] = {
    "search": propose_search,
    "case-page": propose_case_page,
}


def main() -> int:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--proposals", default=",".join(PROPOSALS))
    ours, rest = parser.parse_known_args()
    chosen = [name.strip() for name in ours.proposals.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(PROPOSALS))
    if unknown:
        parser.error(f"unknown proposals: {', '.join(unknown)} (known: {', '.join(PROPOSALS)})")

    def prepare() -> None:
        for name in chosen:
            PROPOSALS[name]()
        print(f"applied proposals: {', '.join(chosen)}", file=sys.stderr)

    return inbox.main(rest, prepare=prepare, label="proposals")


if __name__ == "__main__":
    sys.exit(main())
