"""Fixtures for the dashboard: a small world of scans with exact, known counts."""

from datetime import UTC, datetime, timedelta

import pytest

from ipchain.registry import items
from tests import factories
from verifier.models import Scan

# A fixed "now" for the selectors: noon UTC, so that "today" and "yesterday" are unambiguous.
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def scan(authority, verdict, at, *, office="", gtin="", item=None, lat=None, lon=None) -> Scan:
    return Scan.objects.create(
        created_at=at,
        authority=authority,
        customs_office=office,
        trusted=True,
        code="test",
        gtin=gtin,
        item=item,
        verdict=verdict,
        latitude=lat,
        longitude=lon,
    )


def register(brand, product, serials, at) -> list:
    rows = [items.check_item_row(gtin=product.gtin, serial=s) for s in serials]
    registered = items.register_rows(brand=brand, rows=rows)
    from ipchain.registry.models import Item

    if at is not None:
        Item.objects.filter(pk__in=[i.pk for i in registered]).update(registered_at=at)
    return registered


@pytest.fixture
def world():
    """Two authorities (NL, DE), one brand with two products, scans over three days.

    Suspected counterfeits: NL Rotterdam 3 (2 forged jacket, 1 clone jacket), NL Schiphol 1
    (revoked bag), DE Hamburg 2 (forged bag, forged unknown GTIN). Not suspects: 4 genuine,
    1 unknown, 1 stolen.
    """
    acme = factories.brand("acme")
    jacket = factories.product(acme, name="Jacket")
    bag = factories.product(acme, name="Bag")
    nl = factories.customs("nl")
    de = factories.customs("de")
    de.country = "DE"
    de.name = "Zoll"
    de.save()
    nl.name = "Douane"
    nl.save()
    today, yesterday, before = NOW - timedelta(hours=1), NOW - timedelta(days=1), NOW - timedelta(days=3)
    scan(nl, "forged", before, office="Rotterdam", gtin=jacket.gtin, lat=51.9, lon=4.0)
    scan(nl, "forged", yesterday, office="Rotterdam", gtin=jacket.gtin, lat=52.0, lon=4.1)
    scan(nl, "suspected_clone", today, office="Rotterdam", gtin=jacket.gtin)
    scan(nl, "revoked", yesterday, office="Schiphol", gtin=bag.gtin)
    scan(de, "forged", today, office="Hamburg", gtin=bag.gtin, lat=53.5, lon=9.9)
    scan(de, "forged", before, office="Hamburg", gtin="09506000999994")
    for at in (before, yesterday, today, today):
        scan(nl, "genuine", at, office="Rotterdam", gtin=jacket.gtin)
    scan(de, "unknown", yesterday, office="Hamburg", gtin="09506000999994")
    scan(de, "stolen", today, office="Hamburg", gtin=bag.gtin)
    # Outside the 90-day window: never counted.
    scan(nl, "forged", NOW - timedelta(days=120), office="Rotterdam", gtin=jacket.gtin)
    return {"acme": acme, "jacket": jacket, "bag": bag, "nl": nl, "de": de}
