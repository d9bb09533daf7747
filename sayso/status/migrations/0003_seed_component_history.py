"""Each existing component's history starts at its creation, operational, and takes its
current status at its last change (the only moment of it recorded before)."""

from django.db import migrations


def seed(apps, schema_editor):
    Component = apps.get_model("status", "Component")
    Change = apps.get_model("status", "ComponentStatusChange")
    rows = []
    for component in Component.objects.all().iterator():
        rows.append(
            Change(
                organization_id=component.organization_id,
                component_id=component.pk,
                status="operational",
                changed_at=component.created_at,
            )
        )
        if component.status != "operational":
            rows.append(
                Change(
                    organization_id=component.organization_id,
                    component_id=component.pk,
                    status=component.status,
                    changed_at=component.updated_at,
                )
            )
    Change.objects.bulk_create(rows, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("status", "0002_groups_maintenance_uptime")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
