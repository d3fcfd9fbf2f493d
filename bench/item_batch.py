"""`POST /api/v1/items/batch`: items a second registered through the API in batches of 1,000
(each item checked, its label and record signed, appended to the log, all or nothing; the
integration into a checkpoint is the worker's and not counted), on a dedicated PostgreSQL
database, through Django's test client in this process. The baseline, in the same run: items
one request each (`POST /api/v1/items`).

    python bench/item_batch.py [--batches 5] [--singles 300] [--profile] [--database-url …]
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchdb import bench_database_url, fresh_database, setup_django


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument("--singles", type=int, default=300)
    parser.add_argument("--database-url")
    parser.add_argument("--profile", action="store_true", help="then one more batch under cProfile")
    args = parser.parse_args()
    url = bench_database_url(args.database_url)
    fresh_database(url)
    setup_django(url)
    from django.test import Client

    from config import celery_app

    # Integration is the worker's, for both paths alike: requests only append (no broker here,
    # so the nudges wait in the outbox); the log's own throughput is bench/ledger_integration.py.
    celery_app.conf.task_always_eager = False

    from tests import factories

    brand = factories.brand("acme")
    product = factories.product(brand)
    client = Client()
    client.force_login(factories.brand_admin(brand))

    started = time.perf_counter()
    for n in range(args.singles):
        answer = client.post(
            "/api/v1/items", {"gtin": product.gtin, "serial": f"S{n}"}, content_type="application/json"
        )
        assert answer.status_code == 201, answer.content
    single_rate = args.singles / (time.perf_counter() - started)

    times = []
    for b in range(args.batches):
        batch = [{"gtin": product.gtin, "serial": f"B{b}-{n}"} for n in range(1000)]
        started = time.perf_counter()
        answer = client.post("/api/v1/items/batch", {"items": batch}, content_type="application/json")
        times.append(time.perf_counter() - started)
        assert answer.status_code == 201, answer.content[:500]
    batch_rate = 1000 * len(times) / sum(times)
    print(f"one item a request: {single_rate:,.0f} items/s ({args.singles} requests)")
    spread = f"{min(times):.2f}-{max(times):.2f} s each"
    print(f"batches of 1,000: {batch_rate:,.0f} items/s ({len(times)} batches, {spread})")
    print(
        f"ratio {batch_rate / single_rate:.1f}x one a request; target >= 5,000 items/s: "
        f"{'met' if batch_rate >= 5000 else 'NOT met'}"
    )
    if args.profile:
        import cProfile
        import pstats

        batch = [{"gtin": product.gtin, "serial": f"P-{n}"} for n in range(1000)]
        profile = cProfile.Profile()
        profile.runcall(client.post, "/api/v1/items/batch", {"items": batch}, content_type="application/json")
        pstats.Stats(profile).sort_stats("cumulative").print_stats(35)


if __name__ == "__main__":
    main()
