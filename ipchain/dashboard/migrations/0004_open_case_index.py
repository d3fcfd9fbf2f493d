"""Open cases are a small share of all cases and the dashboard lists them on every render:
a partial index on verifier_case for them (created here for the same reason as 0002)."""

from django.db import migrations

SQL = "CREATE INDEX IF NOT EXISTS dashboard_case_open ON verifier_case (authority_id) WHERE closed_at IS NULL"


def create(apps, schema_editor):
    schema_editor.execute(SQL)


def drop(apps, schema_editor):
    schema_editor.execute("DROP INDEX IF EXISTS dashboard_case_open")


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0003_rollups_until_positions_products"),
        ("verifier", "0002_case_casephoto"),
    ]

    operations = [migrations.RunPython(create, drop)]
