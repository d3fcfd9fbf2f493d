"""Each peer brand's products, for the offline trust list; filled from the registrations
mirrored before (afterwards the mirror adds them as it stores entries)."""

import json

import django.db.models.deletion
from django.db import migrations, models


def fill_products(apps, schema_editor):
    entry = apps.get_model("federation", "MirroredEntry")
    product = apps.get_model("federation", "MirroredProduct")
    found = set()
    registrations = entry.objects.filter(kind="item.registered").exclude(gtin="")
    for peer_id, gtin, body in registrations.values_list("peer_id", "gtin", "body").iterator(chunk_size=2000):
        try:
            brand = json.loads(bytes(body)).get("brand")
        except (ValueError, AttributeError):
            continue
        if isinstance(brand, str) and 0 < len(brand) <= 64:
            found.add((peer_id, brand, gtin))
    product.objects.bulk_create(
        [product(peer_id=p, brand=b, gtin=g) for p, b, g in sorted(found)], ignore_conflicts=True
    )


class Migration(migrations.Migration):
    dependencies = [
        ("federation", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="MirroredProduct",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("brand", models.CharField(max_length=64)),
                ("gtin", models.CharField(max_length=14)),
                (
                    "peer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="mirrored_products",
                        to="federation.peer",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("peer", "brand", "gtin"), name="mirroredproduct_unique")
                ],
            },
        ),
        migrations.RunPython(fill_products, migrations.RunPython.noop),
    ]
