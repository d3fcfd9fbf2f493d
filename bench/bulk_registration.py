"""Bulk registration: 100,000 items signed by a node-held key and integrated, end to end.

Runs on a dedicated PostgreSQL database (it is wiped) with Redis as the Celery broker:
  .venv/bin/python bench/bulk_registration.py --rows 100000 \
      --database-url postgres://postgres@127.0.0.1:5432/ipchain_bulkbench

Two figures, measured in the same run:
  - in-process: one process validates, signs and stores every chunk (one core);
  - celery: the job fans its chunks out to a real worker with 2 processes while the
    sequencer integrates, as in production.
Each is timed from upload to "every row registered and integrated into the tree".
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))


def setup_django(database_url: str, broker: str | None) -> None:
    os.environ["DATABASE_URL"] = database_url
    if broker:
        os.environ["CELERY_BROKER_URL"] = broker
    else:
        os.environ.pop("CELERY_BROKER_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    if "IPCHAIN_LOG_KEY" not in os.environ:  # a throw-away log key, for the worker too
        from ipchain.ledger.notes import Signer

        origin = os.environ.setdefault("IPCHAIN_LOG_ORIGIN", "bench.ipchain.localhost/log")
        os.environ["IPCHAIN_LOG_KEY"] = Signer.generate(origin).skey
    import django

    django.setup()


def reset_database(database_url: str) -> None:
    name = database_url.rsplit("/", 1)[1]
    if "bench" not in name:
        sys.exit(f"refusing to wipe {name!r}: use a database whose name contains 'bench'")
    admin = database_url.rsplit("/", 1)[0] + "/postgres"
    import psycopg

    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    env = os.environ | {"DATABASE_URL": database_url}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)


def csv_bytes(gtin: str, rows: int, prefix: str) -> bytes:
    lines = ["gtin,serial,lot,production_date,origin"]
    lines += [f"{gtin},{prefix}{n:09d},L{n // 1000:04d},2026-01-15,VN" for n in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def wait_integrated(timeout: float) -> None:
    from ipchain.ledger.models import LogEntry

    deadline = time.monotonic() + timeout
    while LogEntry.objects.filter(leaf_index__isnull=True).exists():
        if time.monotonic() > deadline:
            sys.exit("timed out waiting for integration")
        time.sleep(0.2)


def run_in_process(brand, admin, product, rows: int) -> float:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ipchain.ledger import log
    from ipchain.registry import bulk
    from ipchain.registry.models import BulkJob

    upload = SimpleUploadedFile("bench.csv", csv_bytes(product.gtin, rows, "P"))
    started = time.perf_counter()
    job = BulkJob.objects.create(
        brand=brand, created_by=admin, upload=upload, file_name="bench.csv", file_format="csv"
    )
    bulk.run_job(job.pk, enqueue_chunk=bulk.register_chunk)
    log.integrate_pending()
    elapsed = time.perf_counter() - started
    job.refresh_from_db()
    assert job.state == BulkJob.State.DONE and job.registered_rows == rows, (
        job.state,
        job.registered_rows,
        job.message,
    )
    return elapsed


def run_with_celery(brand, admin, product, rows: int, database_url: str, broker: str) -> float:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ipchain.registry.models import BulkJob
    from ipchain.registry.tasks import run_bulk_job

    env = os.environ | {"DATABASE_URL": database_url, "CELERY_BROKER_URL": broker}
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--concurrency",
            "2",
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
            "--purge",
        ],
        cwd=ROOT,
        env=env,
    )
    sequencer = subprocess.Popen(
        [sys.executable, "manage.py", "ipchain_integrate", "--loop", "0.2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    try:
        time.sleep(4)  # let the worker connect
        upload = SimpleUploadedFile("bench.csv", csv_bytes(product.gtin, rows, "C"))
        started = time.perf_counter()
        job = BulkJob.objects.create(
            brand=brand, created_by=admin, upload=upload, file_name="bench.csv", file_format="csv"
        )
        run_bulk_job.delay(job.pk)
        deadline = time.monotonic() + 600
        while True:
            job.refresh_from_db()
            if job.finished:
                break
            if time.monotonic() > deadline:
                sys.exit("timed out")
            time.sleep(0.2)
        wait_integrated(600)
        elapsed = time.perf_counter() - started
        assert job.state == BulkJob.State.DONE and job.registered_rows == rows, (
            job.state,
            job.registered_rows,
            job.message,
        )
        return elapsed
    finally:
        for process in (worker, sequencer):
            process.terminate()
            process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ipchain_bulkbench"),
    )
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/7")
    parser.add_argument("--skip-in-process", action="store_true")
    args = parser.parse_args()

    reset_database(args.database_url)
    setup_django(args.database_url, args.broker)

    from benchdb import make_brand

    brand, admin, product = make_brand()
    print(f"bulk registration of {args.rows:,} items, node-held P-256 key, PostgreSQL")
    if not args.skip_in_process:
        from config import celery_app

        celery_app.conf.task_always_eager = True
        seconds = run_in_process(brand, admin, product, args.rows)
        print(f"  in-process (1 core):   {seconds:6.1f} s  {args.rows / seconds:8,.0f} items/s")
        celery_app.conf.task_always_eager = False
    seconds = run_with_celery(brand, admin, product, args.rows, args.database_url, args.broker)
    print(f"  celery worker (2 procs): {seconds:6.1f} s  {args.rows / seconds:8,.0f} items/s")
    if args.rows == 100_000:
        print(f"  target <= 60 s for 100,000 items: {'met' if seconds <= 60 else 'MISSED'}")


if __name__ == "__main__":
    main()
