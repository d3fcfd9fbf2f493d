"""Time to integrate: from an append answered to its entry in a signed checkpoint, under a
steady write load, with no beat running (each append's own nudge, with its trailing edge,
must get it integrated within IPCHAIN_INTEGRATE_INTERVAL).

    .venv/bin/python bench/integration_latency.py [--rate 200] [--seconds 20]

A real Celery worker (Redis broker) integrates; this process appends records at `rate` a
second, each in its own transaction as a request would, for `seconds`. Each entry's time to
integrate is its `integrated_at` (set by the sequencer in the transaction that signs the
checkpoint) minus its `submitted_at` (set when it was accepted), both from the database.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from benchdb import fresh_database, percentile  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ipchain_bench_integrate"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate", type=float, default=200, help="appends a second")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/7")
    args = parser.parse_args()

    fresh_database(args.database_url)
    os.environ["CELERY_BROKER_URL"] = args.broker
    from benchdb import setup_django

    setup_django(args.database_url)
    os.environ["CELERY_BROKER_URL"] = args.broker  # setup_django takes it out
    from django.conf import settings
    from django.db import transaction

    from config import celery_app
    from ipchain.ledger import log
    from ipchain.ledger.logkey import log_signer
    from ipchain.ledger.models import LogEntry

    celery_app.conf.broker_url = args.broker
    celery_app.conf.task_always_eager = False
    env = os.environ | {
        "DATABASE_URL": args.database_url,
        "CELERY_BROKER_URL": args.broker,
        "IPCHAIN_LOG_KEY": log_signer().skey,
        "IPCHAIN_LOG_ORIGIN": settings.IPCHAIN_LOG_ORIGIN,
    }
    quiet = ["--loglevel", "WARNING", "--without-gossip", "--without-mingle", "--purge"]
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency", "1", *quiet],
        cwd=ROOT,
        env=env,
    )
    try:
        time.sleep(5)  # let the worker connect
        interval = 1 / args.rate
        count = int(args.rate * args.seconds)
        started = time.monotonic()
        for n in range(count):
            due = started + n * interval
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            with transaction.atomic():
                log.append({"type": "bench", "n": n})
        load_seconds = time.monotonic() - started
        deadline = time.monotonic() + 60
        while LogEntry.objects.filter(leaf_index__isnull=True).exists():
            if time.monotonic() > deadline:
                sys.exit("entries still pending after 60 s")
            time.sleep(0.05)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    delays = [
        (integrated - submitted).total_seconds()
        for submitted, integrated in LogEntry.objects.values_list("submitted_at", "integrated_at")
    ]
    delays.sort()
    print(
        f"time to integrate, {count:,} appends at {count / load_seconds:,.0f}/s for {load_seconds:.1f} s, "
        f"a Celery worker on Redis, no beat (IPCHAIN_INTEGRATE_INTERVAL "
        f"{settings.IPCHAIN_INTEGRATE_INTERVAL} s):"
    )
    print(
        f"  p50 {statistics.median(delays):.3f} s  p99 {percentile(delays, 99):.3f} s  max {delays[-1]:.3f} s"
    )


if __name__ == "__main__":
    main()
