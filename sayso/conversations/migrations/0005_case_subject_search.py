"""Full-text search over case subjects too: FTS5 on SQLite, a GIN index on PostgreSQL.

The inbox search matched subjects with ``subject LIKE '%text%'``, which no index can answer:
every search read every case of the organization, twice (the page and its count). With the
subjects in a full-text index as the bodies are (0003), a search reads only the matching
subjects and messages (docs/performance.md).
"""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS conversations_case_fts USING fts5("
    "subject, content='conversations_case', content_rowid='id', tokenize='unicode61')",
    "CREATE TRIGGER IF NOT EXISTS conversations_case_fts_ai AFTER INSERT ON "
    "conversations_case BEGIN INSERT INTO conversations_case_fts(rowid, subject) "
    "VALUES (new.id, new.subject); END",
    "CREATE TRIGGER IF NOT EXISTS conversations_case_fts_ad AFTER DELETE ON "
    "conversations_case BEGIN INSERT INTO conversations_case_fts"
    "(conversations_case_fts, rowid, subject) VALUES ('delete', old.id, old.subject); END",
    "CREATE TRIGGER IF NOT EXISTS conversations_case_fts_au AFTER UPDATE OF subject ON "
    "conversations_case BEGIN INSERT INTO conversations_case_fts"
    "(conversations_case_fts, rowid, subject) VALUES ('delete', old.id, old.subject); "
    "INSERT INTO conversations_case_fts(rowid, subject) VALUES (new.id, new.subject); END",
    "INSERT INTO conversations_case_fts(conversations_case_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS conversations_case_fts_ai",
    "DROP TRIGGER IF EXISTS conversations_case_fts_ad",
    "DROP TRIGGER IF EXISTS conversations_case_fts_au",
    "DROP TABLE IF EXISTS conversations_case_fts",
]
PG_FORWARD = [
    "CREATE INDEX IF NOT EXISTS conversations_case_subject_fts ON conversations_case "
    "USING GIN (to_tsvector('simple', subject))",
]
PG_BACKWARD = ["DROP INDEX IF EXISTS conversations_case_subject_fts"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("conversations", "0004_case_status_assignee_index")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": PG_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": PG_BACKWARD}),
        )
    ]
