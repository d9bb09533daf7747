"""Migration customers 0006: every existing customer gets a public name derived from a
person's name ("Dana W."), or a pseudonym stable for their id when their name is an address,
a phone number, a handle or no person's name; never the address."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from sayso.customers.public_names import pseudonym

BEFORE = [("customers", "0004_identity_claims")]
AFTER = [("customers", "0006_fill_public_names")]


@pytest.mark.django_db(transaction=True)
def test_existing_customers_get_a_public_name_never_from_their_address(migrator: Any) -> None:
    executor = migrator
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Organization = apps.get_model("core", "Organization")
    Customer = apps.get_model("customers", "Customer")
    org = Organization.objects.create(name="Haulright", slug="haulright-public-names")
    names = {
        "Dana Whitfield": "Dana W.",
        "Mo": "Mo",
        "omar.h@example.org": None,
        "+13035550142": None,
        "@marcus@mastodon.social": None,
        "cam@example.org (unverified)": None,
        "Mail Delivery Subsystem <MAILER-DAEMON@example.org>": "Mail S.",
    }
    created = {
        name: Customer.objects.create(organization=org, display_name=name).pk for name in names
    }

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)

    Customer = executor.loader.project_state(AFTER).apps.get_model("customers", "Customer")
    for name, expected in names.items():
        customer = Customer.objects.get(pk=created[name])
        assert customer.display_name == name  # the staff keep the real name
        assert customer.public_name == (expected or pseudonym(customer.pk)), name
        assert "@" not in customer.public_name and "555" not in customer.public_name
        assert customer.public_name_chosen_at is None
