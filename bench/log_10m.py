"""A 10,000,000-entry log on PostgreSQL: built with COPY, then measured as issue 17 asks.

    .venv/bin/python bench/log_10m.py [--entries 10000000] [--checkpoint-every 500]
        [--appended 200000] [--proofs 2000] [--reuse] [--json out.json]

Build (skipped with --reuse when the bench database already holds the log): entries shaped
like item registrations (about 330 bytes), their leaf hashes, the tiles and one signed
checkpoint every `--checkpoint-every` entries (500: a node integrating every second at 500
registrations a second) are computed here, then written with COPY into a database whose
indexes are dropped first and built afterwards, as a restore would. Then, at that size:

- bytes on disk per entry: the entries table, its indexes, the tiles, the checkpoints;
- inclusion and consistency proofs through the JSON API (Django's test client, the full
  request path): median and p99; one full tile served, with its caching;
- the full audit (canonical re-check off; it is bench/ledger_audit.py's subject), with the
  checkpoint signature checks timed apart;
- integration: `--appended` new entries accepted, then integrated (entries/s);
- the incremental audit of those from where the full one left the tree (entries/s).

Needs about 6 GB of disk at 10M entries (the database, 518 bytes an entry, and its WAL;
`df` is printed) and 2 GB of memory. On this 2-core machine the whole run takes about 5
minutes: 70 s to build, 90 s for the full audit, the rest proofs and integration.
"""

import argparse
import hashlib
import json
import os
import random
import shutil
import statistics
import sys
import time
from base64 import urlsafe_b64encode
from pathlib import Path

from benchdb import DEFAULT_URL, accept, fresh_database, percentile, setup_django

CHUNK = 65_536  # leaves hashed and tiled at a time


def body(n: int) -> bytes:
    """RFC 8785 JSON of a record shaped like an item registration (keys in order, ASCII)."""
    sig = urlsafe_b64encode(hashlib.sha512(n.to_bytes(8, "big")).digest()).decode()[:86]
    return (
        f'{{"brand":"acme-outdoor","gtin":"09506000134352","kid":"AbCdEfGhIjK","lot":"L{n // 1000:05d}",'
        f'"origin":"VN","production_date":"2026-10-01","serial":"TJ{n:012d}","sig":"{sig}",'
        f'"time":"2026-11-24T10:00:00Z","type":"bench.registered","v":1}}'
    ).encode()


def build(entries: int, every: int, url: str) -> None:
    import psycopg
    from django.utils import timezone

    from ipchain.ledger.logkey import log_signer
    from ipchain.ledger.merkle import CompactRange, leaf_hash
    from ipchain.ledger.notes import Checkpoint
    from ipchain.ledger.tiles import TILE_BYTES, extend_tiles

    signer = log_signer()
    now = timezone.now()
    started = time.perf_counter()
    entry_columns = "leaf_index, body, leaf_hash, kind, submitted_at, integrated_at"
    with psycopg.connect(url, autocommit=True) as conn:
        dropped = _drop_indexes(conn, "ledger_logentry") + _drop_indexes(conn, "ledger_hashtile")
        tree, edge, tiles, checkpoints = CompactRange(), {}, {}, []
        with conn.cursor() as cur:
            with cur.copy(f"COPY ledger_logentry ({entry_columns}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(["int8", "bytea", "bytea", "varchar", "timestamptz", "timestamptz"])
                for first in range(0, entries, CHUNK):
                    leaves = []
                    for n in range(first, min(first + CHUNK, entries)):
                        data = body(n)
                        h = leaf_hash(data)
                        copy.write_row((n, data, h, "bench.registered", now, now))
                        leaves.append(h)
                        tree.append(h)
                        if tree.size % every == 0 or tree.size == entries:
                            text = Checkpoint(signer.name, tree.size, tree.root()).text()
                            checkpoints.append((tree.size, tree.root(), signer.sign(text)))
                    changed = extend_tiles(first, edge, leaves)
                    tiles.update(changed)
                    edge = {level: tiles[level, index] for level, index in _edge_keys(changed)}
                    edge = {level: data for level, data in edge.items() if len(data) < TILE_BYTES}
            with cur.copy("COPY ledger_hashtile (level, index, hashes) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(["int2", "int8", "bytea"])
                for (level, index), data in sorted(tiles.items()):
                    copy.write_row((level, index, data))
            columns = "tree_size, root_hash, note, published_at"
            with cur.copy(f"COPY ledger_signedcheckpoint ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(["int8", "bytea", "text", "timestamptz"])
                for size, root, note in checkpoints:
                    copy.write_row((size, root, note, now))
        seconds = time.perf_counter() - started
        print(
            f"  {entries:,} entries, {len(tiles):,} tiles, {len(checkpoints):,} checkpoints: {seconds:.0f} s"
        )
        started = time.perf_counter()
        for statement in dropped:
            conn.execute(statement)
        conn.execute("ANALYZE ledger_logentry")
        conn.execute("ANALYZE ledger_hashtile")
        print(f"  indexes built and tables analysed in {time.perf_counter() - started:.0f} s")


def _edge_keys(changed: dict) -> list[tuple[int, int]]:
    """The last tile touched at each level: the right edge after this chunk."""
    last: dict[int, int] = {}
    for level, index in changed:
        last[level] = max(last.get(level, -1), index)
    return [(level, index) for level, index in last.items()]


def _drop_indexes(conn, table: str) -> list[str]:
    """Drop the table's indexes but its primary key; returns the statements that rebuild them."""
    rebuild = []
    for name, definition in conn.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = %s::regclass AND contype = 'u'",
        [table],
    ).fetchall():
        conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        rebuild.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    for name, definition in conn.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT LIKE '%%pkey'",
        [table],
    ).fetchall():
        conn.execute(f'DROP INDEX "{name}"')
        rebuild.append(definition)
    return rebuild


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=10_000_000)
    parser.add_argument("--checkpoint-every", type=int, default=500)
    parser.add_argument("--appended", type=int, default=200_000)
    parser.add_argument("--proofs", type=int, default=2000)
    parser.add_argument("--reuse", action="store_true", help="keep a bench log already built at that size")
    parser.add_argument("--json", help="also write the figures to this file (bench/plots.py reads it)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL.replace("bench", "bench_10m")),
    )
    args = parser.parse_args()
    if not args.reuse:
        fresh_database(args.database_url)
    setup_django(args.database_url)
    from django.db import connection
    from django.test import Client

    from ipchain.ledger import audit, log, reads
    from ipchain.ledger.logkey import log_verifier
    from ipchain.ledger.models import AuditRun, LogEntry

    size = reads.current_tree_size()
    if size != args.entries:
        if size:
            sys.exit(f"the bench log holds {size:,} entries, not {args.entries:,}: run without --reuse")
        print(f"building a log of {args.entries:,} entries with COPY ...")
        build(args.entries, args.checkpoint_every, args.database_url)
        size = reads.current_tree_size()
        assert size == args.entries, size
    figures: dict = {"entries": size}

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_relation_size('ledger_logentry'), pg_indexes_size('ledger_logentry'),"
            " pg_total_relation_size('ledger_logentry') - pg_relation_size('ledger_logentry')"
            " - pg_indexes_size('ledger_logentry'),"
            " pg_total_relation_size('ledger_hashtile'), pg_total_relation_size('ledger_signedcheckpoint')"
        )
        table, indexes, toast, tiles, checkpoints = cursor.fetchone()
    per = {
        "table": table / size,
        "indexes": indexes / size,
        "toast": toast / size,
        "tiles": tiles / size,
        "checkpoints": checkpoints / size,
    }
    figures["bytes_per_entry"] = per
    print(f"log of {size:,} entries; disk: {shutil.disk_usage('/').free / 1e9:.0f} GB free")
    print(
        "bytes on disk per entry: "
        + ", ".join(f"{name} {value:.1f}" for name, value in per.items())
        + f"; total {sum(per.values()):.1f} (body itself {len(body(0))})"
    )

    from django.conf import settings

    settings.IPCHAIN_THROTTLE_RATES = {}  # one client asking thousands of proofs: no rate limit
    rng = random.Random(1)
    client = Client()

    def timed(path_for, n: int) -> list[float]:
        samples = []
        for _ in range(n):
            path = path_for()
            started = time.perf_counter()
            response = client.get(path)
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (path, response.content[:200])
        return samples

    def inclusion() -> str:
        return f"/api/v1/log/proof/inclusion?index={rng.randrange(size)}&tree_size={size}"

    def consistency() -> str:
        return f"/api/v1/log/proof/consistency?first={rng.randrange(1, size)}&second={size}"

    timed(inclusion, 50)
    figures["proofs"] = {}
    print(f"{'through the JSON API':<28}{'median ms':>10}{'p99 ms':>9}  (target p99 <= 5 ms)")
    for name, path_for in (("inclusion", inclusion), ("consistency", consistency)):
        samples = timed(path_for, args.proofs)
        figures["proofs"][name] = {"p50": statistics.median(samples), "p99": percentile(samples, 99)}
        print(f"{name:<28}{statistics.median(samples):>10.2f}{percentile(samples, 99):>9.2f}")
    from ipchain.ledger.tiles import tile_path

    tile = client.get(f"/log/{tile_path(0, size // 256 // 2)}")  # a full tile mid-log
    print(
        f"a full tile: {tile.status_code}, {len(tile.content)} bytes, Cache-Control: {tile['Cache-Control']}"
    )

    started = time.perf_counter()
    checked = audit._verified_checkpoints(audit.AuditResult(), log_verifier(), 0)
    signatures = time.perf_counter() - started
    AuditRun.objects.all().delete()
    started = time.perf_counter()
    full = audit.audit_log(verifier=log_verifier(), check_canonical=False)
    full_seconds = time.perf_counter() - started
    assert full.ok, full.message
    figures["full_audit"] = {"seconds": full_seconds, "rate": size / full_seconds, "signatures": signatures}
    print(
        f"full audit: {size / full_seconds:,.0f} entries/s ({full_seconds:.0f} s), of which "
        f"{len(checked):,} checkpoint signatures {signatures:.1f} s"
    )

    started = time.perf_counter()
    accept(args.appended, start=size)
    accepted = time.perf_counter() - started
    started = time.perf_counter()
    done = log.integrate_pending()
    integrated = time.perf_counter() - started
    assert done == args.appended and not LogEntry.objects.filter(leaf_index__isnull=True).exists()
    figures["integration"] = {"accept": args.appended / accepted, "integrate": done / integrated}
    print(
        f"at {size:,}: {args.appended:,} entries accepted at {args.appended / accepted:,.0f}/s, "
        f"integrated at {done / integrated:,.0f}/s (target >= 10,000/s)"
    )

    started = time.perf_counter()
    step = audit.audit_log(verifier=log_verifier(), check_canonical=False, incremental=True)
    step_seconds = time.perf_counter() - started
    assert step.ok and step.entries == done, (step.message, step.entries)
    figures["incremental_audit"] = {"entries": step.entries, "rate": step.entries / step_seconds}
    print(
        f"incremental audit of the {step.entries:,} new entries: {step.entries / step_seconds:,.0f} "
        f"entries/s ({step_seconds:.1f} s; target >= 100,000/s)"
    )
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
