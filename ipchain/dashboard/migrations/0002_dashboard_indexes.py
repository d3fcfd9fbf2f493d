"""Indexes the dashboard's reads need on tables other apps own (verifier_scan,
verifier_alert, registry_item). Created here, IF NOT EXISTS, so the owning apps' migrations
stay theirs; dropped again when this migration is reversed.

- Suspected counterfeits are a small share of scans: a partial index on their time, covering
  what the dashboard groups them by, lets PostgreSQL answer from the index alone (after
  VACUUM) instead of reading a million scan rows.
- Registrations per day are recounted by day: an index on the registration time.
- Recent alerts are the newest few: an index on their time.
The verdict list matches aggregates.SUSPECT_VERDICTS: a query must name the same verdicts
for PostgreSQL to use the partial index.
"""

from django.db import migrations

INDEXES = [
    (
        "dashboard_scan_suspect",
        "CREATE INDEX IF NOT EXISTS dashboard_scan_suspect ON verifier_scan (created_at) "
        "INCLUDE (gtin, authority_id, customs_office, latitude, longitude) "
        "WHERE verdict IN ('forged', 'revoked', 'suspected_clone')",
        "CREATE INDEX IF NOT EXISTS dashboard_scan_suspect ON verifier_scan (created_at) "
        "WHERE verdict IN ('forged', 'revoked', 'suspected_clone')",
    ),
    (
        "dashboard_item_registered",
        "CREATE INDEX IF NOT EXISTS dashboard_item_registered ON registry_item (registered_at)",
        "CREATE INDEX IF NOT EXISTS dashboard_item_registered ON registry_item (registered_at)",
    ),
    (
        "dashboard_alert_created",
        "CREATE INDEX IF NOT EXISTS dashboard_alert_created ON verifier_alert (created_at)",
        "CREATE INDEX IF NOT EXISTS dashboard_alert_created ON verifier_alert (created_at)",
    ),
]


def create(apps, schema_editor):
    # INCLUDE is PostgreSQL's (11+); SQLite, the embedded default, gets the plain partial index.
    postgres = schema_editor.connection.vendor == "postgresql"
    for _name, on_postgres, elsewhere in INDEXES:
        schema_editor.execute(on_postgres if postgres else elsewhere)


def drop(apps, schema_editor):
    for name, *_ in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0001_initial"),
        ("verifier", "0001_initial"),
        ("registry", "0001_initial"),
    ]

    operations = [migrations.RunPython(create, drop)]
