"""The offline trust list: GET /verify/trust-list.json built afresh against served from the cache.

    .venv/bin/python bench/trust_list.py [--brands 50] [--products 200] [--requests 30]

On a dedicated PostgreSQL database (its name must contain 'bench') and Redis as the cache
(db 3, flushed), as in production. Makes --brands rights holders, each with a node-held key
and --products products, then times the endpoint through Django's test client with the
cache emptied before each request (the list built: every key and product read, RFC 8785,
one P-256 signature) and with the cache kept (the baseline of this run is the cold path).
"""

import argparse
import os
import time

from benchdb import DEFAULT_URL, fresh_database, make_brand, median, percentile, setup_django


def gtin_with_check_digit(body13: str) -> str:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body13)))
    return body13 + str((10 - total % 10) % 10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--brands", type=int, default=50)
    parser.add_argument("--products", type=int, default=200)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL + "_trustlist")
    )
    parser.add_argument("--cache-url", default="redis://127.0.0.1:6379/3")
    args = parser.parse_args()
    os.environ["CACHE_URL"] = args.cache_url
    fresh_database(args.database_url)
    setup_django(args.database_url)
    from django.core.cache import cache
    from django.test import Client

    from ipchain.accounts.models import Organisation
    from ipchain.registry import keys
    from ipchain.registry.models import Product
    from verifier.trustlist import CACHE_KEY

    cache.clear()
    first, _admin, _product = make_brand()
    brands = [first]
    for n in range(1, args.brands):
        brand = Organisation.objects.create(
            kind="brand", slug=f"bench-brand-{n}", name=f"Bench brand {n}", country="DE", status="admitted"
        )
        keys.create_node_key(organisation=brand)
        brands.append(brand)
    Product.objects.bulk_create(
        Product(brand=brand, gtin=gtin_with_check_digit(f"1{b:06d}{p:06d}"), name=f"Product {p}")
        for b, brand in enumerate(brands)
        for p in range(args.products)
    )
    print(f"{len(brands)} rights holders, {Product.objects.count():,} products, cache {args.cache_url}")

    client = Client()

    def timed(cold: bool) -> tuple[float, int]:
        if cold:
            cache.delete(CACHE_KEY)
        started = time.perf_counter()
        response = client.get("/verify/trust-list.json")
        elapsed = time.perf_counter() - started
        assert response.status_code == 200
        return elapsed, len(response.content)

    timed(True)  # warm-up: imports, connections
    cold = [timed(True) for _ in range(args.requests)]
    warm = [timed(False) for _ in range(args.requests)]
    size = cold[0][1]
    cold_ms = [t * 1000 for t, _ in cold]
    warm_ms = [t * 1000 for t, _ in warm]
    print(f"response {size / 1024:.0f} KiB")
    print(f"built (cache emptied)  median {median(cold_ms):7.2f} ms  p95 {percentile(cold_ms, 95):7.2f} ms")
    print(f"cached                 median {median(warm_ms):7.2f} ms  p95 {percentile(warm_ms, 95):7.2f} ms")
    print(f"cached / built: {median(warm_ms) / median(cold_ms):.2f}x the time")
    cache.clear()


if __name__ == "__main__":
    main()
