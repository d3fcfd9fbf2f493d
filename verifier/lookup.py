"""The item a scanned code names, and where it was seen: the verifier's reads.

A verification costs one query: the item with its registration entry and its recent
sightings (plus its events, only when it has any, verification.py), on the replica when one
keeps up (ipchain/replicas.py), and again on the primary when the replica has no such item.
Products and keys are remembered briefly by each process (ipchain/remembered.py): a key's
revocation is seen within IPCHAIN_VERIFY_CACHE_SECONDS, a product's guide within 30 times
that, a change made in this process at once.
"""

from datetime import UTC, datetime, timedelta

import psycopg
from django.conf import settings
from django.db import DatabaseError, connections
from django.db.models.signals import post_delete, post_save

from ipchain import replicas
from ipchain.ledger.models import LogEntry
from ipchain.registry.digital_link import ScannedCode, label_message
from ipchain.registry.models import Item, Licence, OrgKey, Product
from ipchain.registry.signing import PublicKey
from ipchain.remembered import Remembered

from .models import Scan
from .verdicts import Sighting

SIGHTINGS_READ = 200  # the most recent sightings the clone rules look at

# The one query of every scan, in SQL: the item, its registration entry and its recent
# sightings (a row per sighting, at least one). Django's query compiler and model loading
# cost about 1.5 ms a query here, five times what the database takes, and each round trip
# to the database counts on a busy machine (bench/verify.py).
# Table names come from our own models; every value is a parameter.
_ITEM_SQL = (
    "SELECT i.id, i.lot, i.origin_country, i.status, i.key_id, i.label_sig, i.head_hash,"  # noqa: S608
    " i.registered_at, i.registration_entry_id, e.leaf_index, e.leaf_hash, e.submitted_at, e.body,"
    " i.right_standing, i.licence_id,"
    " s.latitude, s.longitude, s.created_at, s.trusted, s.customs_office"
    f" FROM {Item._meta.db_table} i JOIN {LogEntry._meta.db_table} e ON e.id = i.registration_entry_id"
    f" LEFT JOIN {Scan._meta.db_table} s ON s.item_id = i.id AND s.created_at >= %s"
    " WHERE i.product_id = %s AND i.serial = %s"
    f" ORDER BY s.created_at DESC LIMIT {SIGHTINGS_READ}"
)

_keys = Remembered(factor=1)
_licences = Remembered(factor=1)
_products = Remembered(factor=30)


def clone_window_start(now: datetime) -> datetime:
    return now - timedelta(seconds=settings.IPCHAIN_CLONE_RULES["window_seconds"])


def find_item(code: ScannedCode, now: datetime) -> tuple[Item | None, tuple[Sighting, ...]]:
    """The item a code names, and where it was seen within the clone rules' window."""
    product = _products.get(code.gtin, _product)
    if product is None:
        return None, ()
    params = [clone_window_start(now), product.pk, code.serial]
    rows = []
    if replica := replicas.usable_replica():
        try:
            rows = _item_rows(params, replica)
        except DatabaseError as exc:
            replicas.replica_failed(exc)
    if not rows:  # no replica, or it failed, or the item was registered a moment ago
        rows = _item_rows(params, "default")
    if not rows:
        return None, ()
    pk, lot, origin, status, key_id, label_sig, head_hash, registered_at, entry_id, *rest = rows[0]
    leaf_index, leaf_hash, submitted_at, body, right_standing, licence_id = rest[:6]
    item = Item(
        pk=pk,
        product=product,
        serial=code.serial,
        lot=lot,
        origin_country=origin,
        status=status,
        key=_keys.get(key_id, lambda pk: OrgKey.objects.get(pk=pk)),
        label_sig=bytes(label_sig),
        head_hash=bytes(head_hash),
        registered_at=_aware(registered_at),
        right_standing=right_standing,
        licence=_licences.get(licence_id, _licence) if licence_id else None,
        registration_entry=LogEntry(
            pk=entry_id,
            leaf_index=leaf_index,
            leaf_hash=bytes(leaf_hash),
            submitted_at=_aware(submitted_at),
            body=bytes(body),  # an officer's verdict carries it in its tlog-proof (evidence.py)
        ),
    )
    item._state.adding, item._state.db = False, "default"
    sightings = tuple(
        Sighting(lat, lon, abs((now - _aware(at)).total_seconds()), bool(trusted), office)
        for *_, lat, lon, at, trusted, office in rows
        if at is not None
    )
    return item, sightings


def unlinked_sightings(code: ScannedCode, now: datetime) -> tuple[Sighting, ...]:
    """Where a code naming no local item was seen within the clone rules' window: for an item
    another source vouches for (a peer office's), whose scans are logged with its GTIN and
    serial but no local item."""
    rows = (
        Scan.objects.filter(
            item__isnull=True, gtin=code.gtin, serial=code.serial, created_at__gte=clone_window_start(now)
        )
        .order_by("-created_at")
        .values_list("latitude", "longitude", "created_at", "trusted", "customs_office")[:SIGHTINGS_READ]
    )
    return tuple(
        Sighting(lat, lon, abs((now - at).total_seconds()), trusted, office)
        for lat, lon, at, trusted, office in rows
    )


def signed_by_known_key(code: ScannedCode) -> bool:
    """Only for codes naming no registered item: the one path that checks ECDSA online."""
    key = OrgKey.objects.filter(kid=code.kid).only("public_pem").first()
    return key is not None and PublicKey.from_pem(key.public_pem).verify(
        label_message(code.gtin, code.serial), code.sig
    )


def _item_rows(params: list, alias: str) -> list[tuple]:
    connection = connections[alias]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql" or not settings.IPCHAIN_VERIFY_PREPARED:
            cursor.execute(_ITEM_SQL, params)
            return cursor.fetchall()
        # Django binds values on the client, so PostgreSQL would plan this join afresh for
        # every scan: about half the database's CPU for a verification (bench/README.md).
        # As a prepared statement (psycopg's, on this connection; Django leaves the
        # connection's threshold unset, which turns them off) it gets a generic plan after
        # five runs. Only this cursor prepares: Django's own cursors bind on the client.
        raw = cursor.cursor.connection
        if raw.prepare_threshold is None:
            raw.prepare_threshold = 5
        with connection.wrap_database_errors, psycopg.Cursor(raw) as prepared:
            prepared.execute(_ITEM_SQL, params, prepare=True)
            return prepared.fetchall()


def _aware(moment: datetime) -> datetime:
    """SQLite hands raw queries naive datetimes; they are UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _product(gtin: str) -> Product | None:
    return Product.objects.select_related("brand").defer("description").filter(gtin=gtin).first()


def _licence(pk: int) -> Licence:
    return Licence.objects.select_related("licensor").get(pk=pk)


def forget() -> None:
    """Drop everything remembered (tests; a restored database)."""
    _keys.clear()
    _licences.clear()
    _products.clear()


for _model, _remembered in ((Product, _products), (OrgKey, _keys), (Licence, _licences)):
    post_save.connect(_remembered.clear, sender=_model, weak=False)
    post_delete.connect(_remembered.clear, sender=_model, weak=False)
