"""Integration throughput: entries/s the sequencer adds to the tree, on PostgreSQL.

    .venv/bin/python bench/ledger_integration.py [--sizes 10000,100000,1000000] [--database-url URL]

For each size, on a fresh database: accept that many ~300-byte records (timed apart),
then integrate them all (batches of IPCHAIN_BATCH_SIZE, one signed checkpoint each).
Target on a 2-core machine: >= 5,000 entries/s.
"""

import argparse
import os
import time

from benchdb import DEFAULT_URL, accept, fresh_database, setup_django

TARGET = 5000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    setup_django(args.database_url)
    from django.conf import settings
    from django.db import connection

    from ipchain.ledger import log

    print(f"ledger integration on PostgreSQL, batch size {settings.IPCHAIN_BATCH_SIZE}")
    print(f"{'entries':>10} {'accept/s':>10} {'integrate/s':>12} {'vs target':>10}")
    for size in sizes:
        connection.close()
        fresh_database(args.database_url)
        started = time.perf_counter()
        accept(size)
        accepted = time.perf_counter() - started
        started = time.perf_counter()
        done = log.integrate_pending()
        integrated = time.perf_counter() - started
        assert done == size, (done, size)
        rate = size / integrated
        print(f"{size:>10,} {size / accepted:>10,.0f} {rate:>12,.0f} {rate / TARGET:>9.1f}x")


if __name__ == "__main__":
    main()
