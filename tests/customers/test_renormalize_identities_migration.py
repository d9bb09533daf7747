"""Migration customers 0007: handles and web addresses stored before the normalizer knew IDN
hosts, profile URLs and DIDs are rewritten in today's form, so the account is recognised
again (email domains too); values it cannot read and phones are left as they are."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from sayso.customers.identities import normalize_identity

BEFORE = [("customers", "0006_fill_public_names")]
AFTER = [("customers", "0007_renormalize_identities")]


@pytest.mark.django_db(transaction=True)
def test_stored_handles_and_addresses_take_todays_form(migrator: Any) -> None:
    executor = migrator
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Organization = apps.get_model("core", "Organization")
    Customer = apps.get_model("customers", "Customer")
    Identity = apps.get_model("customers", "Identity")
    org = Organization.objects.create(name="Haulright", slug="haulright-renormalize")
    customer = Customer.objects.create(organization=org, display_name="Kim", public_name="Kim")
    stored = {
        ("url", "пример.рф/blog"): None,
        ("mastodon", "https://mastodon.social/@Kim"): None,
        ("mastodon", "not a handle at all"): "not a handle at all",
        ("email", "kim@example.org"): "kim@example.org",
        ("email", "kim@пример.рф"): "kim@xn--e1afmkfd.xn--p1ai",
        ("other", "listening-source:3"): "listening-source:3",
    }
    ids = {
        key: Identity.objects.create(
            organization=org, customer=customer, kind=key[0], value=key[1]
        ).pk
        for key in stored
    }

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)

    Identity = executor.loader.project_state(AFTER).apps.get_model("customers", "Identity")
    for (kind, value), expected in stored.items():
        now = Identity.objects.get(pk=ids[(kind, value)]).value
        assert now == (expected or normalize_identity(kind, value)), (kind, value)
    assert Identity.objects.get(pk=ids[("url", "пример.рф/blog")]).value.startswith("xn--")
    assert Identity.objects.get(pk=ids[("mastodon", "https://mastodon.social/@Kim")]).value == (
        normalize_identity("mastodon", "@kim@mastodon.social")
    )
