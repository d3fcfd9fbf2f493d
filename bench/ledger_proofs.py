"""Inclusion and consistency proof latency at 1,000,000 entries on PostgreSQL.

    .venv/bin/python bench/ledger_proofs.py [--entries 1000000] [--proofs 2000] [--reuse]

Builds a real log (accepted, integrated, signed) unless --reuse finds one, then times
random proofs at the service level and through the JSON API (Django test client: no
network, the full request path). Also counts the tile rows one proof reads: it must stay
O(log n), a handful, not the whole log. Target: p99 <= 5 ms at 1M entries.
"""

import argparse
import os
import random
import statistics
import time

from benchdb import DEFAULT_URL, accept, fresh_database, percentile, setup_django

TARGET_P99_MS = 5.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--proofs", type=int, default=2000)
    parser.add_argument("--reuse", action="store_true", help="keep an existing bench log of that size")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL.replace("bench", "bench_proofs")),
    )
    args = parser.parse_args()
    if not args.reuse:
        fresh_database(args.database_url)
    setup_django(args.database_url)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from ipchain.ledger import log, reads
    from ipchain.ledger.models import LogEntry

    size = reads.current_tree_size()
    if size < args.entries:
        print(f"building a log of {args.entries:,} entries ...")
        started = time.perf_counter()
        accept(args.entries - LogEntry.objects.count())
        log.integrate_pending()
        print(f"  built in {time.perf_counter() - started:.0f} s")
        size = reads.current_tree_size()
    rng = random.Random(1)

    def timed(call, n):
        samples = []
        for _ in range(n):
            started = time.perf_counter()
            call()
            samples.append((time.perf_counter() - started) * 1000)
        return samples

    def inclusion():
        reads.inclusion_proof(rng.randrange(size), size)

    def consistency():
        reads.consistency_proof(rng.randrange(1, size), size)

    client = Client()

    def http_inclusion():
        response = client.get(f"/api/v1/log/proof/inclusion?index={rng.randrange(size)}&tree_size={size}")
        assert response.status_code == 200

    for warm in (inclusion, http_inclusion):
        timed(warm, 50)
    with CaptureQueriesContext(connection) as queries:
        reads.inclusion_proof(123_457, size)
    print(f"tree size {size:,}; one inclusion proof runs {len(queries)} queries (tiles fetched in one query)")
    print(f"{'':<28}{'median ms':>10}{'p99 ms':>9}{'p99 vs target':>15}")
    for name, call, n in (
        ("inclusion (service)", inclusion, args.proofs),
        ("consistency (service)", consistency, args.proofs),
        ("inclusion (HTTP JSON API)", http_inclusion, args.proofs // 2),
    ):
        samples = timed(call, n)
        p99 = percentile(samples, 99)
        print(f"{name:<28}{statistics.median(samples):>10.2f}{p99:>9.2f}{TARGET_P99_MS / p99:>14.1f}x")


if __name__ == "__main__":
    main()
