"""PostgreSQL: one search vector per case (its subject and every message), kept by triggers.

The inbox search walks the most recently active cases and tests each one (docs/performance.md,
"The inbox search"). Testing a case through its messages' GIN index meant reading every
matching message first — 70,000 heap rows for a common word, 300 ms —, so each case now
carries the words of its subject and messages in ``search_vector`` (positions stripped: no
phrase search or ranking uses them), under a GIN index for rare words. The column is not a
model field: nothing but the search reads it, and no ORM query should carry it.

Triggers keep it exact: a new message appends its words; a message whose body or case
changes, or that is deleted, rebuilds the vectors of the cases concerned; a new case or a
changed subject rebuilds its own. A vector past PostgreSQL's size limit (1 MB of distinct
words) keeps its earlier words rather than refusing the message.

The messages' own GIN index (0003) served only the inbox search and is dropped: every message
stored updated it. SQLite keeps its FTS5 tables (0003, 0005) unchanged.
"""

from django.db import migrations

DOCUMENT = (
    "strip(to_tsvector('simple', coalesce({subject}, '')) || coalesce((SELECT "
    "to_tsvector('simple', string_agg(m.body, ' ' ORDER BY m.id)) FROM conversations_message m "
    "WHERE m.case_id = {case_id}), ''::tsvector))"
)

PG_FORWARD = [
    "ALTER TABLE conversations_case ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "NOT NULL DEFAULT ''::tsvector",
    # Existing cases, in one pass over the messages.
    "UPDATE conversations_case c SET search_vector = strip("
    "to_tsvector('simple', coalesce(c.subject, '')) || coalesce(v.words, ''::tsvector)) "
    "FROM conversations_case c2 LEFT JOIN (SELECT case_id, to_tsvector('simple', "
    "string_agg(body, ' ' ORDER BY id)) AS words FROM conversations_message GROUP BY case_id) v "
    "ON v.case_id = c2.id WHERE c2.id = c.id",
    "CREATE INDEX IF NOT EXISTS conversations_case_search_vector ON conversations_case "
    "USING GIN (search_vector)",
    f"""
    CREATE OR REPLACE FUNCTION conversations_case_search_refresh(target bigint)
    RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE conversations_case c
         SET search_vector = {DOCUMENT.format(subject="c.subject", case_id="c.id")}
       WHERE c.id = target;
    EXCEPTION WHEN program_limit_exceeded THEN
      RAISE WARNING 'case % is too large for its search vector: its newest words are not '
                    'searchable', target;
    END $$
    """,
    """
    CREATE OR REPLACE FUNCTION conversations_message_search_insert() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      BEGIN
        UPDATE conversations_case
           SET search_vector = strip(search_vector || to_tsvector('simple', NEW.body))
         WHERE id = NEW.case_id;
      EXCEPTION WHEN program_limit_exceeded THEN
        RAISE WARNING 'case % is too large for its search vector: its newest words are not '
                      'searchable', NEW.case_id;
      END;
      RETURN NULL;
    END $$
    """,
    """
    CREATE OR REPLACE FUNCTION conversations_message_search_update() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM conversations_case_search_refresh(NEW.case_id);
      IF OLD.case_id IS DISTINCT FROM NEW.case_id THEN
        PERFORM conversations_case_search_refresh(OLD.case_id);
      END IF;
      RETURN NULL;
    END $$
    """,
    """
    CREATE OR REPLACE FUNCTION conversations_message_search_delete() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM conversations_case_search_refresh(d.case_id)
         FROM (SELECT DISTINCT case_id FROM deleted_messages) d;
      RETURN NULL;
    END $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION conversations_case_search_subject() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      BEGIN
        NEW.search_vector := {DOCUMENT.format(subject="NEW.subject", case_id="NEW.id")};
      EXCEPTION WHEN program_limit_exceeded THEN
        NEW.search_vector := strip(to_tsvector('simple', coalesce(NEW.subject, '')));
      END;
      RETURN NEW;
    END $$
    """,
    "CREATE TRIGGER conversations_message_search_ai AFTER INSERT ON conversations_message "
    "FOR EACH ROW EXECUTE FUNCTION conversations_message_search_insert()",
    "CREATE TRIGGER conversations_message_search_au AFTER UPDATE OF body, case_id ON "
    "conversations_message FOR EACH ROW WHEN (OLD.body IS DISTINCT FROM NEW.body OR "
    "OLD.case_id IS DISTINCT FROM NEW.case_id) "
    "EXECUTE FUNCTION conversations_message_search_update()",
    "CREATE TRIGGER conversations_message_search_ad AFTER DELETE ON conversations_message "
    "REFERENCING OLD TABLE AS deleted_messages FOR EACH STATEMENT "
    "EXECUTE FUNCTION conversations_message_search_delete()",
    "CREATE TRIGGER conversations_case_search_bi BEFORE INSERT ON conversations_case "
    "FOR EACH ROW EXECUTE FUNCTION conversations_case_search_subject()",
    "CREATE TRIGGER conversations_case_search_bu BEFORE UPDATE OF subject ON "
    "conversations_case FOR EACH ROW WHEN (OLD.subject IS DISTINCT FROM NEW.subject) "
    "EXECUTE FUNCTION conversations_case_search_subject()",
    "DROP INDEX IF EXISTS conversations_message_body_fts",
]
PG_BACKWARD = [
    "CREATE INDEX IF NOT EXISTS conversations_message_body_fts ON conversations_message "
    "USING GIN (to_tsvector('simple', body))",
    "DROP TRIGGER IF EXISTS conversations_case_search_bu ON conversations_case",
    "DROP TRIGGER IF EXISTS conversations_case_search_bi ON conversations_case",
    "DROP TRIGGER IF EXISTS conversations_message_search_ad ON conversations_message",
    "DROP TRIGGER IF EXISTS conversations_message_search_au ON conversations_message",
    "DROP TRIGGER IF EXISTS conversations_message_search_ai ON conversations_message",
    "DROP FUNCTION IF EXISTS conversations_case_search_subject()",
    "DROP FUNCTION IF EXISTS conversations_message_search_delete()",
    "DROP FUNCTION IF EXISTS conversations_message_search_update()",
    "DROP FUNCTION IF EXISTS conversations_message_search_insert()",
    "DROP FUNCTION IF EXISTS conversations_case_search_refresh(bigint)",
    "DROP INDEX IF EXISTS conversations_case_search_vector",
    "ALTER TABLE conversations_case DROP COLUMN IF EXISTS search_vector",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("conversations", "0005_case_subject_search")]

    operations = [migrations.RunPython(_run(PG_FORWARD), _run(PG_BACKWARD))]
