"""Sources that named an environment variable for their credential (``credential_env``).

Sayso no longer reads credentials from environment variables an admin names (any variable of
the server could be sent out that way). A source keeps its credential — the variable's value,
now sealed in its own ``credential`` column — only when the operator lists the variable's name
in ``SAYSO_CREDENTIAL_ENV_MIGRATE`` and the variable is set while migrating; any other is
paused, with a message telling the admin to enter the credential again.
"""

import os

from django.conf import settings
from django.db import migrations
from django.utils import timezone

PAUSED = (
    "Sayso no longer reads credentials from environment variables (this source named {name}). "
    "Enter the access token or app password on this source's page, then enable it again."
)


def credentials_from_environment(apps, schema_editor):
    from sayso.core.encryption import seal

    Source = apps.get_model("listening", "Source")
    allowed = set(getattr(settings, "SAYSO_CREDENTIAL_ENV_MIGRATE", []) or [])
    now = timezone.now()
    for source in Source.objects.exclude(credential_env="").order_by("pk"):
        name = source.credential_env
        value = os.environ.get(name, "") if name in allowed else ""
        if value:
            source.credential = seal(value)
        else:
            source.enabled = False
            source.last_error = PAUSED.format(name=name)[:1000]
            source.last_error_at = now
        source.credential_env = ""
        source.save(
            update_fields=["credential", "credential_env", "enabled", "last_error", "last_error_at"]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("listening", "0002_source_credential"),
    ]

    operations = [
        migrations.RunPython(credentials_from_environment, migrations.RunPython.noop),
    ]
