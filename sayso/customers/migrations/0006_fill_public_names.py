"""Every existing customer gets a public name (issue 20): derived from a person's name
("Dana W.") or, when the name is an address, a phone number, a handle or no person's name, a
pseudonym stable for the customer's id; never from an address."""

from typing import Any

from django.db import migrations

from sayso.customers.public_names import public_name_for

UNVERIFIED_SUFFIX = " (unverified)"


def fill(apps: Any, schema_editor: Any) -> None:
    Customer = apps.get_model("customers", "Customer")
    batch = []
    for customer in Customer.objects.only("pk", "display_name").iterator(chunk_size=500):
        name = customer.display_name.removesuffix(UNVERIFIED_SUFFIX)
        customer.public_name = public_name_for(name, seed=customer.pk)
        batch.append(customer)
        if len(batch) >= 500:
            Customer.objects.bulk_update(batch, ["public_name"])
            batch = []
    if batch:
        Customer.objects.bulk_update(batch, ["public_name"])


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0005_customer_public_name"),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
