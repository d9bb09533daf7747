"""Migration listening 0003: a source that named an environment variable keeps that variable's
value — sealed in its own column — only when the operator listed the name in
``SAYSO_CREDENTIAL_ENV_MIGRATE``; any other is paused with a message for its admin, and no
variable outside the list is read."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from sayso.core.encryption import unseal

BEFORE = [("listening", "0002_source_credential")]
AFTER = [("listening", "0004_remove_source_credential_env")]


@pytest.mark.django_db(transaction=True)
def test_only_allow_listed_variables_are_carried_over(
    migrator: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAYSO_MASTODON_TOKEN", "the-mastodon-token-1234")
    monkeypatch.setenv("DATABASE_URL", "postgres://sayso:hunter2@db/sayso")
    settings.SAYSO_CREDENTIAL_ENV_MIGRATE = ["SAYSO_MASTODON_TOKEN", "SAYSO_UNSET_TOKEN"]
    executor = migrator
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Organization = apps.get_model("core", "Organization")
    Source = apps.get_model("listening", "Source")
    org = Organization.objects.create(name="Haulright", slug="haulright-migration")
    common = {"organization": org, "kind": "mastodon", "url": "https://mastodon.example"}
    listed = Source.objects.create(name="Listed", credential_env="SAYSO_MASTODON_TOKEN", **common)
    probe = Source.objects.create(name="Probe", credential_env="DATABASE_URL", **common)
    unset = Source.objects.create(name="Unset", credential_env="SAYSO_UNSET_TOKEN", **common)
    public = Source.objects.create(name="Public", credential_env="", **common)

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)

    Source = executor.loader.project_state(AFTER).apps.get_model("listening", "Source")
    listed, probe, unset, public = (
        Source.objects.get(pk=s.pk) for s in (listed, probe, unset, public)
    )
    assert listed.enabled and unseal(listed.credential) == "the-mastodon-token-1234"
    assert "the-mastodon-token" not in listed.credential
    for paused in (probe, unset):
        assert not paused.enabled and paused.credential == ""
        assert "Enter the access token or app password" in paused.last_error
    assert "hunter2" not in probe.last_error
    assert public.enabled and public.credential == "" and public.last_error == ""
    columns = [
        c.name
        for c in connection.introspection.get_table_description(
            connection.cursor(), "listening_source"
        )
    ]
    assert "credential_env" not in columns
