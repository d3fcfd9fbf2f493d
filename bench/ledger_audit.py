"""Audit throughput (entries/s) on PostgreSQL, and its hashing part alone.

    .venv/bin/python bench/ledger_audit.py [--entries 1000000]

Uses the log bench/ledger_proofs.py builds (same database; builds it when missing).
Prints: the whole audit (database reads, leaf re-derivation, tiles, checkpoints), with and
without the RFC 8785 re-check of every body; and the hashing part alone on bodies already
in memory (leaf hashes, the rebuilt tree and tiles). Target: >= 20,000 entries/s hashing.
"""

import argparse
import os
import time

from benchdb import DEFAULT_URL, accept, fresh_database, setup_django

TARGET = 20000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL.replace("bench", "bench_proofs")),
    )
    parser.add_argument("--fresh", action="store_true")
    args = parser.parse_args()
    if args.fresh:
        fresh_database(args.database_url)
    setup_django(args.database_url)
    from ipchain.ledger import log, reads
    from ipchain.ledger.audit import audit_log
    from ipchain.ledger.logkey import log_signer
    from ipchain.ledger.merkle import CompactRange, leaf_hash
    from ipchain.ledger.models import LogEntry, SignedCheckpoint
    from ipchain.ledger.notes import open_checkpoint
    from ipchain.ledger.tiles import edge_tiles, extend_tiles

    if reads.current_tree_size() < args.entries:
        if reads.current_tree_size():
            raise SystemExit("the bench log was signed with a key from another run: use --fresh")
        accept(args.entries - LogEntry.objects.count())
        log.integrate_pending()
    verifier = log_signer().verifier
    size = reads.current_tree_size()
    checkpoints = SignedCheckpoint.objects.count()
    print(f"log of {size:,} entries, {checkpoints:,} signed checkpoints")

    for canonical in (False, True):
        started = time.perf_counter()
        result = audit_log(verifier=verifier, check_canonical=canonical, record=False)
        elapsed = time.perf_counter() - started
        assert result.ok, result.message
        label = "whole audit, canonical re-check" if canonical else "whole audit"
        print(f"{label:<36}{size / elapsed:>10,.0f} entries/s  ({elapsed:.1f} s)")

    bodies = [
        bytes(b)
        for b in LogEntry.objects.order_by("leaf_index")
        .values_list("body", flat=True)
        .iterator(chunk_size=20000)
    ]
    started = time.perf_counter()
    tree, edge, chunk = CompactRange(), {}, 10000
    for offset in range(0, len(bodies), chunk):
        hashes = [leaf_hash(body) for body in bodies[offset : offset + chunk]]
        for h in hashes:
            tree.append(h)
        tiles = extend_tiles(offset, edge, hashes)
        edge = {
            lvl: tiles.get((lvl, idx), edge.get(lvl, b""))[: w * 32]
            for lvl, (idx, w) in edge_tiles(offset + len(hashes)).items()
        }
    tree.root()
    elapsed = time.perf_counter() - started
    rate = len(bodies) / elapsed
    print(f"{'hashing part (leaves, tree, tiles)':<36}{rate:>10,.0f} entries/s  {rate / TARGET:.1f}x target")
    started = time.perf_counter()
    for note in SignedCheckpoint.objects.values_list("note", flat=True)[:500]:
        open_checkpoint(note, verifier)
    per = (time.perf_counter() - started) / min(500, checkpoints)
    print(f"checkpoint signature checks: {1 / per:,.0f}/s with python-ecdsa Ed25519")


if __name__ == "__main__":
    main()
