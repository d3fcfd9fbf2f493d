"""An index for the clone rules' sightings of codes naming no local item (peer offices' items).

On PostgreSQL it is built CONCURRENTLY: the scans table is the node's largest and busiest,
and a plain CREATE INDEX would hold its writes (the scan log, alerts) for the whole build."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class AddIndexConcurrentlyOnPostgres(AddIndexConcurrently):
    """CREATE INDEX CONCURRENTLY on PostgreSQL; a plain CREATE INDEX elsewhere (SQLite)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("verifier", "0005_scan_offline_verdict"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="scan",
            index=models.Index(
                condition=models.Q(item__isnull=True),
                fields=["gtin", "serial", "-created_at"],
                name="scan_unlinked_code",
            ),
        ),
    ]
