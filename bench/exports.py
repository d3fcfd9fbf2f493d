"""CSV export throughput: GET /exports/scans.csv over many scans, streamed.

    .venv/bin/python bench/exports.py [--scans 500000]

On a dedicated PostgreSQL database (its name must contain 'bench'). Makes --scans scans
(bulk inserts, timed apart), then streams the whole export as an office administrator
through Django's test client and prints rows/s, bytes, and how much the process's peak
memory grew while streaming (a non-streaming export would grow with the row count).
"""

import argparse
import os
import resource
import time
from datetime import timedelta

from benchdb import DEFAULT_URL, fresh_database, make_brand, setup_django


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scans", type=int, default=500_000)
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL + "_exports")
    )
    args = parser.parse_args()
    fresh_database(args.database_url)
    setup_django(args.database_url)
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone

    from verifier.models import Scan

    make_brand()
    office_admin = get_user_model().objects.get(username="office-admin")
    started = time.perf_counter()
    now = timezone.now()
    verdicts = ["genuine", "genuine", "genuine", "unknown", "forged", "suspected_clone"]
    for offset in range(0, args.scans, 10_000):
        Scan.objects.bulk_create(
            Scan(
                created_at=now - timedelta(seconds=n),
                code=f"(01)09506000134352(21)TJ{n:09d}",
                gtin="09506000134352",
                serial=f"TJ{n:09d}",
                verdict=verdicts[n % len(verdicts)],
                customs_office="Rotterdam",
                reasons=["signature_ok"],
            )
            for n in range(offset, min(offset + 10_000, args.scans))
        )
    print(f"made {args.scans:,} scans in {time.perf_counter() - started:.1f} s")

    client = Client()
    client.force_login(office_admin)
    before = peak_rss_mb()
    started = time.perf_counter()
    response = client.get("/exports/scans.csv")
    size = lines = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\n")
    seconds = time.perf_counter() - started
    rows = lines - 1
    assert rows == args.scans, (rows, args.scans)
    print(
        f"streamed {rows:,} rows ({size / 2**20:.1f} MiB) in {seconds:.1f} s = {rows / seconds:,.0f} rows/s"
    )
    print(f"peak RSS {before:.0f} MiB before, {peak_rss_mb():.0f} MiB after streaming")


if __name__ == "__main__":
    main()
