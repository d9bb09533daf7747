"""Full-text search over message bodies: FTS5 on SQLite, a GIN index on PostgreSQL."""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS conversations_message_fts USING fts5("
    "body, content='conversations_message', content_rowid='id', tokenize='unicode61')",
    "CREATE TRIGGER IF NOT EXISTS conversations_message_fts_ai AFTER INSERT ON "
    "conversations_message BEGIN INSERT INTO conversations_message_fts(rowid, body) "
    "VALUES (new.id, new.body); END",
    "CREATE TRIGGER IF NOT EXISTS conversations_message_fts_ad AFTER DELETE ON "
    "conversations_message BEGIN INSERT INTO conversations_message_fts"
    "(conversations_message_fts, rowid, body) VALUES ('delete', old.id, old.body); END",
    "CREATE TRIGGER IF NOT EXISTS conversations_message_fts_au AFTER UPDATE OF body ON "
    "conversations_message BEGIN INSERT INTO conversations_message_fts"
    "(conversations_message_fts, rowid, body) VALUES ('delete', old.id, old.body); "
    "INSERT INTO conversations_message_fts(rowid, body) VALUES (new.id, new.body); END",
    "INSERT INTO conversations_message_fts(conversations_message_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS conversations_message_fts_ai",
    "DROP TRIGGER IF EXISTS conversations_message_fts_ad",
    "DROP TRIGGER IF EXISTS conversations_message_fts_au",
    "DROP TABLE IF EXISTS conversations_message_fts",
]
PG_FORWARD = [
    "CREATE INDEX IF NOT EXISTS conversations_message_body_fts ON conversations_message "
    "USING GIN (to_tsvector('simple', body))",
]
PG_BACKWARD = ["DROP INDEX IF EXISTS conversations_message_body_fts"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("conversations", "0002_case_message_relations")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": PG_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": PG_BACKWARD}),
        )
    ]
