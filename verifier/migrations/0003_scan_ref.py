import uuid

from django.db import migrations, models


def give_each_scan_a_ref(apps, schema_editor):
    Scan = apps.get_model("verifier", "Scan")
    for scan in Scan.objects.filter(ref__isnull=True).only("pk").iterator():
        Scan.objects.filter(pk=scan.pk).update(ref=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [("verifier", "0002_case_casephoto")]

    operations = [
        migrations.AddField(
            model_name="scan",
            name="ref",
            field=models.UUIDField(null=True, editable=False),
        ),
        migrations.RunPython(give_each_scan_a_ref, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="scan",
            name="ref",
            field=models.UUIDField(
                default=uuid.uuid4, unique=True, editable=False, help_text="Public reference"
            ),
        ),
        migrations.AddField(
            model_name="scan",
            name="received_at",
            field=models.DateTimeField(
                null=True, blank=True, help_text="When an offline scan reached the node"
            ),
        ),
        migrations.AlterField(
            model_name="scan",
            name="reasons",
            field=models.JSONField(default=list, help_text="Reason codes (verifier/verdicts.py)"),
        ),
    ]
