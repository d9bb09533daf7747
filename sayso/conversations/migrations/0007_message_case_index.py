"""SQLite: a small index from each message to its organization and case.

The inbox search joins each matching message (a full-text index entry) to its case. Read from
the messages table, each of those joins lands on a row among the bodies — a random page of a
table of gigabytes at a million messages, about 10 µs each; this index holds only the three
numbers, so the same joins stay within a few megabytes (``sayso/conversations/search.py``
names it with ``INDEXED BY``: SQLite would not choose it over the table's own key). PostgreSQL
keeps each case's words on the case itself (0006) and needs no such join.
"""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE INDEX IF NOT EXISTS conversations_message_id_case ON conversations_message "
    "(id, organization_id, case_id)",
]
SQLITE_BACKWARD = ["DROP INDEX IF EXISTS conversations_message_id_case"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("conversations", "0006_case_search_vector")]

    operations = [migrations.RunPython(_run(SQLITE_FORWARD), _run(SQLITE_BACKWARD))]
