"""Full-text search over idea titles and bodies: FTS5 on SQLite, a GIN index on PostgreSQL."""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS community_idea_fts USING fts5("
    "title, body, content='community_idea', content_rowid='id', tokenize='unicode61')",
    "CREATE TRIGGER IF NOT EXISTS community_idea_fts_ai AFTER INSERT ON community_idea BEGIN "
    "INSERT INTO community_idea_fts(rowid, title, body) VALUES (new.id, new.title, new.body); "
    "END",
    "CREATE TRIGGER IF NOT EXISTS community_idea_fts_ad AFTER DELETE ON community_idea BEGIN "
    "INSERT INTO community_idea_fts(community_idea_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); END",
    "CREATE TRIGGER IF NOT EXISTS community_idea_fts_au AFTER UPDATE OF title, body ON "
    "community_idea BEGIN INSERT INTO community_idea_fts(community_idea_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); "
    "INSERT INTO community_idea_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "INSERT INTO community_idea_fts(community_idea_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS community_idea_fts_ai",
    "DROP TRIGGER IF EXISTS community_idea_fts_ad",
    "DROP TRIGGER IF EXISTS community_idea_fts_au",
    "DROP TABLE IF EXISTS community_idea_fts",
]
PG_FORWARD = [
    "CREATE INDEX IF NOT EXISTS community_idea_text_fts ON community_idea "
    "USING GIN (to_tsvector('simple', title || ' ' || body))",
]
PG_BACKWARD = ["DROP INDEX IF EXISTS community_idea_text_fts"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("community", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": PG_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": PG_BACKWARD}),
        )
    ]
