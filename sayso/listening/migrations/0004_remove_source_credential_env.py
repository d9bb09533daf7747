from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("listening", "0003_source_credential_from_environment"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="source",
            name="credential_env",
        ),
    ]
