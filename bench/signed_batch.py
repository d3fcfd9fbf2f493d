"""`POST /api/v1/records/batch`: registrations signed with the holder's own key, 1,000 a
request, every record's and label's signature verified, all or nothing; against the same
records sent one a request (`POST /api/v1/records`) in the same run. On a dedicated
PostgreSQL database through Django's test client in this process; the records are signed
before the clock starts (the holder signs them on its own machine); integration into a
checkpoint is the worker's and not counted.

    python bench/signed_batch.py [--batches 5] [--singles 300] [--database-url …]
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchdb import bench_database_url, fresh_database, setup_django

TARGET = 2000


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
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from config import celery_app
    from ipchain.registry import keys, records
    from ipchain.registry.digital_link import label_message
    from ipchain.registry.signing import PrivateKey, b64url_encode, sign_record
    from tests import factories

    celery_app.conf.task_always_eager = False
    brand = factories.brand("byok", node_key=False)
    private = PrivateKey.generate()
    keys.register_holder_key(organisation=brand, public_key=private.public_key)
    product = factories.product(brand)
    client = Client()
    token = Token.objects.create(user=factories.brand_admin(brand))
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"

    def signed(serial: str) -> dict:
        record = records.item_registered_record(
            brand=brand.slug,
            gtin=product.gtin,
            serial=serial,
            label_sig=b64url_encode(private.sign(label_message(product.gtin, serial))),
            moment=timezone.now(),
        )
        return sign_record(record, private)

    singles = [signed(f"S{n}") for n in range(args.singles + 20)]
    for record in singles[:20]:  # warm: connections, caches
        assert client.post("/api/v1/records", record, content_type="application/json").status_code == 201
    started = time.perf_counter()
    for record in singles[20:]:
        answer = client.post("/api/v1/records", record, content_type="application/json")
        assert answer.status_code == 201, answer.content
    single_rate = args.singles / (time.perf_counter() - started)

    batches = [[signed(f"B{b}-{n}") for n in range(1000)] for b in range(args.batches)]
    times = []
    for batch in batches:
        started = time.perf_counter()
        answer = client.post("/api/v1/records/batch", {"records": batch}, content_type="application/json")
        times.append(time.perf_counter() - started)
        assert answer.status_code == 201, answer.content[:500]
    rate = 1000 * len(times) / sum(times)
    print(f"one signed record a request: {single_rate:,.0f} records/s ({args.singles} requests)")
    print(
        f"batches of 1,000 signed records: {rate:,.0f} records/s "
        f"({len(times)} batches, {min(times):.2f}-{max(times):.2f} s each), {rate / single_rate:.1f}x"
    )
    print(f"target >= {TARGET:,} records/s: {'met' if rate >= TARGET else 'NOT met'}")
    if args.profile:
        import cProfile
        import pstats

        batch = [signed(f"P-{n}") for n in range(1000)]
        profile = cProfile.Profile()
        profile.runcall(
            client.post, "/api/v1/records/batch", {"records": batch}, content_type="application/json"
        )
        pstats.Stats(profile).sort_stats("cumulative").print_stats(45)


if __name__ == "__main__":
    main()
