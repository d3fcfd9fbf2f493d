"""Single-record registration under load: `POST /api/v1/items`, one item a request, as a
production line sends them, against the bare DRF endpoint of bench/verify.py (one primary-key
lookup) in alternating rounds of the same run.

    .venv/bin/python bench/registration_load.py [--seconds 8] [--rounds 3] [--connections 1,4,8]

gunicorn (2 sync workers) on loopback, PostgreSQL, Redis as the broker and one Celery worker
integrating, all on this machine, as issue 17 asks. wrk (one thread) posts unique serials
with a brand operator's API token, at each number of connections in turn. Besides req/s and
latency it reads the CPU time the gunicorn workers, their PostgreSQL backends and the Celery
worker spent (/proc), so the cost of a registration can be read on a busy machine. At the end
every registration answered must be an item with its log entry, and in a signed checkpoint.
"""

import argparse
import http.client
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchdb import DEFAULT_URL, fresh_database, make_brand, setup_django
from verify import PORT, children, cpu_seconds, cpu_spent, ensure_wrk, run_wrk

HERE = Path(__file__).resolve().parent
BROKER = "redis://127.0.0.1:6379/7"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", default="1,4,8")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--batches",
        default="",
        help="also POST /api/v1/items/batch (1,000 items a request) at these numbers of connections",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL.replace("bench", "bench_register")),
    )
    args = parser.parse_args()
    ensure_wrk()
    fresh_database(args.database_url)
    setup_django(args.database_url)
    from django.conf import settings
    from django.db import connection
    from rest_framework.authtoken.models import Token

    from ipchain.ledger import log
    from ipchain.ledger.logkey import log_signer
    from ipchain.ledger.models import LogEntry
    from ipchain.registry.models import Item

    _brand, operator, product = make_brand()
    token = Token.objects.create(user=operator).key
    database = settings.DATABASES["default"]["NAME"]
    connection.close()

    env = os.environ | {
        "DATABASE_URL": args.database_url,
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "PYTHONPATH": f"{HERE}:{HERE.parent}",
        "IPCHAIN_LOG_KEY": log_signer().skey,
        "IPCHAIN_LOG_ORIGIN": settings.IPCHAIN_LOG_ORIGIN,
        "CELERY_BROKER_URL": BROKER,
        "IPCHAIN_THROTTLE_API_USER": "1000000000/min",
    }
    env.pop("CACHE_URL", None)
    quiet = ["--loglevel", "WARNING", "--without-gossip", "--without-mingle", "--purge"]
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency", "1", *quiet],
        cwd=HERE.parent,
        env=env,
    )
    serve = ["--bind", f"127.0.0.1:{PORT}", "--log-level", "warning"]
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--workers", str(args.workers), *serve],
        cwd=HERE.parent,
        env=env,
    )
    workdir = Path(tempfile.mkdtemp(prefix="bench-register-"))
    headers = {"Content-Type": "application/json", "Authorization": f"Token {token}"}
    serials = iter(range(10**9))

    def postgres_backends() -> list[int]:
        import psycopg

        with psycopg.connect(args.database_url, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [database]
            ).fetchall()
        return [pid for (pid,) in rows]

    def one_round(name: str, connections: int, seconds: float) -> dict:
        if name == "register":
            # More unique serials than a round can use: wrk walks them in order.
            lines = [json.dumps({"gtin": product.gtin, "serial": f"L{next(serials)}"}) for _ in range(40000)]
            path = "/api/v1/items"
        elif name == "batch":
            lines = [
                json.dumps(
                    {"items": [{"gtin": product.gtin, "serial": f"L{next(serials)}"} for _ in range(1000)]}
                )
                for _ in range(int(seconds * 20))
            ]
            path = "/api/v1/items/batch"
        else:
            lines = [json.dumps({"id": 1})] * 100
            path = "/bench/baseline"
        file = workdir / f"{name}.txt"
        file.write_text("\n".join(lines) + "\n")
        pids = [*children(server.pid), worker.pid, *children(worker.pid)]
        before = (cpu_seconds(pids), cpu_seconds(postgres_backends()))
        out = run_wrk(path, file, seconds, connections, headers)
        after = (cpu_seconds(pids), cpu_seconds(postgres_backends()))
        requests = out["requests"]
        return {
            "rate": requests / (out["us"] / 1e6),
            "requests": requests,
            "p50": out["p50"] / 1000,
            "p99": out["p99"] / 1000,
            "errors": out["status_errors"] + out["socket_errors"],
            "app_ms": cpu_spent(before[0], after[0]) / max(requests, 1) * 1000,
            "db_ms": cpu_spent(before[1], after[1]) / max(requests, 1) * 1000,
        }

    results: dict[tuple[str, int], list[dict]] = {}
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", PORT, timeout=1).request("GET", "/log/checkpoint")
                break
            except OSError:
                time.sleep(0.1)
        time.sleep(3)  # the worker connects
        for name in ("register", "baseline"):
            one_round(name, 2, 2)  # warm: imports, caches, connections
        for connections in [int(c) for c in args.batches.split(",") if c]:
            results.setdefault(("batch", connections), []).append(
                one_round("batch", connections, args.seconds)
            )
        for connections in [int(c) for c in args.connections.split(",")]:
            for _ in range(args.rounds):
                for name in ("register", "baseline"):
                    results.setdefault((name, connections), []).append(
                        one_round(name, connections, args.seconds)
                    )
        deadline = time.monotonic() + 120
        while LogEntry.objects.filter(leaf_index__isnull=True).exists() and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        worker.terminate()
        worker.wait(timeout=60)
        shutil.rmtree(workdir, ignore_errors=True)

    load = os.getloadavg()
    print(
        f"single-record registration: gunicorn {args.workers} sync workers, one Celery worker on Redis, "
        f"PostgreSQL, wrk; {args.rounds} alternating rounds of {args.seconds:g} s per load; "
        f"load average at the end {load[0]:.2f} on {os.cpu_count()} cores"
    )
    print(f"{'endpoint':<30}{'conns':>6}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'app ms':>8}{'db ms':>7}")
    summary = {}
    for (name, connections), rounds in results.items():
        count = sum(r["requests"] for r in rounds)
        rate = statistics.median(r["rate"] for r in rounds)
        app = sum(r["app_ms"] * r["requests"] for r in rounds) / count
        db = sum(r["db_ms"] * r["requests"] for r in rounds) / count
        errors = sum(r["errors"] for r in rounds)
        label = {
            "register": "POST /api/v1/items",
            "batch": "POST /api/v1/items/batch",
            "baseline": "baseline (DRF, pk lookup)",
        }[name]
        summary[name, connections] = {"rate": rate, "p50": statistics.median(r["p50"] for r in rounds)}
        summary[name, connections] |= {"p99": max(r["p99"] for r in rounds), "cpu_ms": app + db}
        print(
            f"{label:<30}{connections:>6}{rate:>8,.0f}{summary[name, connections]['p50']:>8.1f}"
            f"{summary[name, connections]['p99']:>8.1f}{app:>8.2f}{db:>7.2f}"
            + (f"  {errors} ERRORS" if errors else "")
        )
    for (name, connections), figures in summary.items():
        if name == "batch":
            print(f"  batches at {connections} connections: {figures['rate'] * 1000:,.0f} items/s")
    for connections in sorted({c for n, c in results if n == "register"}):
        ratio = summary["register", connections]["rate"] / summary["baseline", connections]["rate"]
        print(f"  {connections} connections: registration {ratio:.2f}x the bare DRF lookup's req/s")
    items = Item.objects.count()
    pending = LogEntry.objects.filter(leaf_index__isnull=True).count()
    print(f"items registered {items:,}; log entries not yet in a checkpoint {pending}")
    best = max((v["rate"] for (n, _), v in summary.items() if n == "register"), default=0)
    print(f"best registration rate {best:,.0f}/s; target 1,000/s: {'met' if best >= 1000 else 'NOT met'}")
    if os.environ.get("BENCH_JSON"):
        Path(os.environ["BENCH_JSON"]).write_text(
            json.dumps([{"endpoint": n, "connections": c, **v} for (n, c), v in summary.items()])
        )
    log.integrate_pending()


if __name__ == "__main__":
    main()
