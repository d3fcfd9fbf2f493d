"""The brand each mirrored item registration names, for the peer brands' GTINs in the trust list."""

import json

from django.db import migrations, models


def fill_brands(apps, schema_editor):
    """Entries mirrored before this migration: read the brand from each registration's body."""
    entry = apps.get_model("federation", "MirroredEntry")
    registrations = entry.objects.filter(kind="item.registered").exclude(gtin="").only("pk", "body")
    batch = []
    for row in registrations.iterator(chunk_size=2000):
        try:
            brand = json.loads(bytes(row.body)).get("brand")
        except (ValueError, AttributeError):
            continue
        if isinstance(brand, str) and len(brand) <= 64:
            row.brand = brand
            batch.append(row)
        if len(batch) >= 2000:
            entry.objects.bulk_update(batch, ["brand"])
            batch = []
    entry.objects.bulk_update(batch, ["brand"])


class Migration(migrations.Migration):
    dependencies = [
        ("federation", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="mirroredentry",
            name="brand",
            field=models.CharField(
                blank=True, help_text="The brand an item registration names", max_length=64
            ),
        ),
        migrations.RunPython(fill_brands, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="mirroredentry",
            index=models.Index(
                condition=models.Q(("kind", "item.registered")),
                fields=["peer", "brand", "gtin"],
                name="mirroredentry_brand_gtin",
            ),
        ),
    ]
