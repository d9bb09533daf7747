"""An index for the inbox's counts: active cases per organization, by assignee.

``inbox_counts`` (open + pending cases: all, mine, unassigned) runs on every inbox page. With
only (organization, assignee, status) and (organization, status, last_message_at) to choose
from, SQLite read the whole first index of the organization (every case it ever had, 264,539
in bench/inbox.py's data) to count 39,107 active ones: ~45-125 ms. This index answers it from
the active cases' entries alone, covering: ~5-20 ms (docs/performance.md).

Case.Meta.indexes needs the same entry, so that makemigrations stays quiet:
    models.Index(fields=["organization", "status", "assignee"], name="case_org_status_assignee")
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("conversations", "0003_message_search")]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["organization", "status", "assignee"], name="case_org_status_assignee"
            ),
        ),
    ]
