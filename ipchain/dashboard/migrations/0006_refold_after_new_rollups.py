"""The office-wide sums (0005) start empty: forget the last fold, so that the next page view
(or beat's next fold) recounts the whole window into every rollup."""

from django.db import migrations


def forget_last_fold(apps, schema_editor):
    apps.get_model("dashboard", "RollupState").objects.update(folded_until=None, folded_at=None)


class Migration(migrations.Migration):
    dependencies = [("dashboard", "0005_node_totals")]

    operations = [migrations.RunPython(forget_last_fold, migrations.RunPython.noop)]
