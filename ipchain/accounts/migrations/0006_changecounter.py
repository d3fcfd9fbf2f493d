from django.db import migrations, models


def first_row(apps, schema_editor):
    apps.get_model("accounts", "ChangeCounter").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_peer_holders")]

    operations = [
        migrations.CreateModel(
            name="ChangeCounter",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("value", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(first_row, migrations.RunPython.noop),
    ]
