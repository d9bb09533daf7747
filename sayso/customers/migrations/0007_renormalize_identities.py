"""Stored addresses, handles and web addresses in the forms the normalizer now gives (issue 20):
IDN hosts and email domains in punycode, Mastodon handles and profile URLs, Bluesky handles and
DIDs, so that an account heard again is recognised as the customer it already is. A value the normalizer now refuses is
kept as it is; customers that now share an identity appear among the merge suggestions."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import migrations

from sayso.customers.identities import normalize_identity

KINDS = ("email", "email_claimed", "mastodon", "bluesky", "url")


def renormalize(apps: Any, schema_editor: Any) -> None:
    Identity = apps.get_model("customers", "Identity")
    changed = []
    for identity in (
        Identity.objects.filter(kind__in=KINDS)
        .only("pk", "kind", "value")
        .iterator(chunk_size=1000)
    ):
        try:
            value = normalize_identity(identity.kind, identity.value)
        except ValidationError:
            continue
        if value != identity.value:
            identity.value = value
            changed.append(identity)
        if len(changed) >= 500:
            Identity.objects.bulk_update(changed, ["value"])
            changed = []
    if changed:
        Identity.objects.bulk_update(changed, ["value"])


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0006_fill_public_names"),
    ]

    operations = [
        migrations.RunPython(renormalize, migrations.RunPython.noop),
    ]
