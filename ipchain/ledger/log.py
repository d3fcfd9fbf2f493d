"""Append, integrate and publish: the only code that writes the log.

Appending stores a canonical record as a pending entry and returns at once. The
sequencer integrates pending entries in batches: under one lock it gives them the next
leaf indexes, extends the hash tiles and signs a checkpoint, all in one transaction, so
a crash at any point leaves either the whole batch integrated or none of it.
"""

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import connection, connections, router, transaction
from django.utils import timezone

from ipchain.outbox.enqueue import nudge

from .canonical import RecordError, canonicalize
from .content import check_record_content
from .logkey import log_signer
from .merkle import leaf_hash
from .models import HashTile, LogEntry, SignedCheckpoint
from .notes import Checkpoint
from .tiles import TiledTree, TileKey, edge_tiles, extend_tiles, overlaid

logger = logging.getLogger(__name__)

# Any constant: the PostgreSQL advisory lock that makes integration single-writer.
SEQUENCER_LOCK_ID = 0x1C4A1_5E0
# Entry bundles frame each entry with a 2-byte length (C2SP tlog-tiles): a hard ceiling.
MAX_ENTRY_BYTES = 0xFFFF


def prepare_entry(record: dict[str, Any], *, now=None) -> LogEntry:
    """Check a record's content rules, canonicalize and size-check it, without saving it."""
    if not isinstance(record, dict):
        raise RecordError("not_an_object", "a record must be a JSON object")
    check_record_content(record, now=now or timezone.now())
    body = canonicalize(record)
    limit = min(settings.IPCHAIN_MAX_ENTRY_BYTES, MAX_ENTRY_BYTES)
    if len(body) > limit:
        raise RecordError("record_too_large", f"record is {len(body)} bytes; the limit is {limit}")
    kind = record.get("type", "")
    return LogEntry(body=body, leaf_hash=leaf_hash(body), kind=kind[:64] if isinstance(kind, str) else "")


def append(record: dict[str, Any]) -> LogEntry:
    """Accept one record durably as a pending entry; integration follows after commit."""
    entry = prepare_entry(record)
    entry.save()
    request_integration()
    return entry


def append_many(records: Iterable[dict[str, Any]], *, chunk: int = 5000) -> list[LogEntry]:
    """Accept many records in one go. Ids come back on PostgreSQL and SQLite alike."""
    now = timezone.now()
    entries = [prepare_entry(r, now=now) for r in records]
    if connection.vendor == "postgresql":
        with transaction.atomic(savepoint=False):
            for offset in range(0, len(entries), chunk):
                _insert_pending(entries[offset : offset + chunk])
    else:
        LogEntry.objects.bulk_create(entries, batch_size=chunk)
    request_integration()
    return entries


def _insert_pending(entries: list[LogEntry]) -> None:
    """INSERT the entries from four arrays: Django's bulk_create would send a VALUES list
    of four parameters a row, and parsing it cost more than storing the rows."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {LogEntry._meta.db_table} (body, leaf_hash, kind, submitted_at) "  # noqa: S608
            "SELECT * FROM unnest(%s::bytea[], %s::bytea[], %s::varchar[], %s::timestamptz[]) "
            "RETURNING id",
            [
                [e.body for e in entries],
                [e.leaf_hash for e in entries],
                [e.kind for e in entries],
                [e.submitted_at for e in entries],
            ],
        )
        # Ids come from a sequence in row order; RETURNING promises no order, so sort them.
        ids = sorted(entry_id for (entry_id,) in cursor.fetchall())
    for entry, entry_id in zip(entries, ids, strict=True):
        entry.pk = entry_id
        entry._state.adding = False
        entry._state.db = connection.alias


def request_integration() -> None:
    """Integrate after the commit: in this process in the embedded mode, else by a worker, asked
    at most twice per IPCHAIN_INTEGRATE_INTERVAL, so every append is integrated within about
    that interval even when beat is not running (the trailing edge: outbox/enqueue.py)."""
    nudge("ipchain.ledger.tasks.integrate_pending", every=settings.IPCHAIN_INTEGRATE_INTERVAL)


def current_tree_size() -> int:
    latest = SignedCheckpoint.objects.order_by("-tree_size").values_list("tree_size", flat=True).first()
    return latest or 0


def tree_size_at_least(size: int) -> bool:
    """Whether the log has reached `size`. Sizes only grow, so a size seen once is remembered
    and most proof requests need no query for it."""
    global _largest_seen
    if size <= _largest_seen:
        return True
    _largest_seen = max(_largest_seen, current_tree_size())
    return size <= _largest_seen


_largest_seen = 0


def integrate_pending(*, batch_size: int | None = None) -> int:
    """Integrate every pending entry, batch by batch; returns how many were integrated."""
    batch_size = batch_size or settings.IPCHAIN_BATCH_SIZE
    total = 0
    while True:
        done = integrate_batch(batch_size=batch_size)
        total += done
        if done < batch_size:
            return total


def integrate_batch(*, batch_size: int) -> int:
    signer = log_signer()  # fail before taking the lock if the key is missing
    with transaction.atomic():
        _take_sequencer_lock()
        size = current_tree_size()
        pending = _pending_batch(batch_size)
        if not pending:
            return 0
        now = timezone.now()
        _assign_indexes([entry_id for entry_id, _ in pending], first_index=size, now=now)
        changed = _extend_stored_tiles(size, [h for _, h in pending])
        new_size = size + len(pending)
        root = TiledTree(new_size, overlaid(changed, read_tiles)).root()
        note = signer.sign(Checkpoint(signer.name, new_size, root).text())
        SignedCheckpoint.objects.create(tree_size=new_size, root_hash=root, note=note, published_at=now)
    logger.debug("integrated %d entries, tree size %d", len(pending), new_size)
    return len(pending)


def _take_sequencer_lock() -> None:
    # SQLite needs nothing more: IMMEDIATE transactions already hold the write lock.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEQUENCER_LOCK_ID])


def _pending_batch(batch_size: int) -> list[tuple[int, bytes]]:
    """The oldest pending entries, (id, leaf hash) in acceptance order."""
    query = LogEntry.objects.filter(leaf_index__isnull=True).order_by("id").values_list("id", "leaf_hash")
    if connection.vendor != "postgresql":
        return [(entry_id, bytes(h)) for entry_id, h in query[:batch_size]]
    # Right after a large upload the planner's statistics still say almost nothing is
    # pending, so it reads and sorts every pending row for each batch (quadratic over a
    # 1M-entry upload) instead of walking the partial index `logentry_pending` in id
    # order and stopping after one batch. Without sorting, only the index walk is left.
    # SET LOCAL ends with the transaction, even when the query fails.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")
        pending = [(entry_id, bytes(h)) for entry_id, h in query[:batch_size]]
        cursor.execute("SET LOCAL enable_sort = on")
    return pending


def _assign_indexes(ids: list[int], *, first_index: int, now) -> None:
    table = LogEntry._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {table} AS e SET leaf_index = %s + v.n - 1, integrated_at = %s "  # noqa: S608
                "FROM unnest(%s::bigint[]) WITH ORDINALITY AS v(id, n) "
                "WHERE e.id = v.id AND e.leaf_index IS NULL",
                [first_index, now, ids],
            )
        else:
            cursor.executemany(
                f"UPDATE {table} SET leaf_index = %s, integrated_at = %s "  # noqa: S608
                "WHERE id = %s AND leaf_index IS NULL",
                [(first_index + n, now, entry_id) for n, entry_id in enumerate(ids)],
            )
        updated = cursor.rowcount
    if updated != len(ids):
        raise RuntimeError(f"sequencer assigned {updated} indexes for {len(ids)} entries")


def read_tiles(keys: Iterable[TileKey]) -> dict[TileKey, bytes]:
    """Stored tiles by (level, index), in one query (raw SQL: this is the proofs' hot path)."""
    keys = list(keys)
    if not keys:
        return {}
    condition = " OR ".join(['(level = %s AND "index" = %s)'] * len(keys))
    # Where the ORM would read (a replica inside a replica-first view: ipchain/replicas.py).
    with connections[router.db_for_read(HashTile)].cursor() as cursor:
        cursor.execute(
            f'SELECT level, "index", hashes FROM {HashTile._meta.db_table} WHERE {condition}',  # noqa: S608
            [part for key in keys for part in key],
        )
        return {(level, index): bytes(hashes) for level, index, hashes in cursor.fetchall()}


def _extend_stored_tiles(size: int, hashes: list[bytes]) -> dict[TileKey, bytes]:
    edges = edge_tiles(size)
    stored = read_tiles((level, index) for level, (index, _) in edges.items())
    edge = {level: stored[(level, index)][: width * 32] for level, (index, width) in edges.items()}
    changed = extend_tiles(size, edge, hashes)
    HashTile.objects.bulk_create(
        [HashTile(level=level, index=index, hashes=data) for (level, index), data in changed.items()],
        update_conflicts=True,
        unique_fields=["level", "index"],
        update_fields=["hashes"],
    )
    return changed
