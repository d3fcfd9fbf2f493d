"""Verify requests/s and latency under load, as a ratio to a bare DRF endpoint.

    .venv/bin/python bench/verify.py [--requests 4000] [--clients 4]

gunicorn with 2 sync workers on loopback and PostgreSQL; a bounded Python load generator
(keep-alive connections, one thread per client) sends POST /api/v1/verify with real label
URIs of random items, as a signed-in officer (token: a trusted sighting, with clone checks
and the scan logged), and the same number of requests to the baseline, a DRF endpoint doing
one primary-key lookup (bench/bench_urls.py). The two alternate in rounds, so that the
load other programs put on the machine falls on both alike. Target: verify >= 0.7 x the
baseline's req/s.
"""

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from benchdb import DEFAULT_URL, fresh_database, make_brand, percentile, setup_django

HERE = Path(__file__).resolve().parent
PORT = 8765


def load(path: str, bodies: list[bytes], clients: int, headers: dict) -> tuple[float, list[float]]:
    latencies: list[float] = []
    lock = threading.Lock()
    chunks = [bodies[i::clients] for i in range(clients)]

    def client(mine: list[bytes]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        local = []
        for body in mine:
            started = time.perf_counter()
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            assert response.status == 200, response.status
            local.append((time.perf_counter() - started) * 1000)
        conn.close()
        with lock:
            latencies.extend(local)

    threads = [threading.Thread(target=client, args=(chunk,)) for chunk in chunks]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(bodies) / (time.perf_counter() - started), latencies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--items", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL.replace("bench", "bench_verify")),
    )
    args = parser.parse_args()
    fresh_database(args.database_url)
    setup_django(args.database_url)
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from ipchain.accounts.models import Organisation, Role
    from ipchain.accounts.roles import assign_role
    from ipchain.ledger import log
    from ipchain.ledger.logkey import log_signer
    from ipchain.registry import items
    from verifier.models import Scan

    brand, _, product = make_brand()
    users = get_user_model().objects
    rows = [items.check_item_row(gtin=product.gtin, serial=f"V{n:07d}") for n in range(args.items)]
    registered = items.register_rows(brand=brand, rows=rows)
    log.integrate_pending()
    customs = Organisation.objects.create(
        kind="customs", slug="nl", name="Customs", country="NL", status="admitted"
    )
    officer = users.create_user("officer")
    assign_role(
        officer, customs, Role.CUSTOMS_OFFICER, customs_office="Rotterdam", latitude=51.95, longitude=4.03
    )
    token = Token.objects.create(user=officer).key

    env = os.environ | {
        "DATABASE_URL": args.database_url,
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "PYTHONPATH": f"{HERE}:{HERE.parent}",
        "IPCHAIN_LOG_KEY": log_signer().skey,
        "IPCHAIN_INTEGRATE_SYNC": "0",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
            "--env",
            "DJANGO_SETTINGS_MODULE=bench_settings",
        ],
        cwd=HERE.parent,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", PORT, timeout=1).request("GET", "/log/checkpoint")
                break
            except OSError:
                time.sleep(0.1)
        rng = random.Random(1)
        uris = [items.label_uri(item) for item in registered]
        verify_bodies = [json.dumps({"code": rng.choice(uris)}).encode() for _ in range(args.requests)]
        baseline_bodies = [
            json.dumps({"id": rng.choice(registered).pk}).encode() for _ in range(args.requests)
        ]
        headers = {"Content-Type": "application/json", "Authorization": f"Token {token}"}
        load("/api/v1/verify", verify_bodies[:200], args.clients, headers)  # warm up both
        load("/bench/baseline", baseline_bodies[:200], args.clients, headers)
        per_round = args.requests // args.rounds
        runs: dict[str, list[tuple[float, list[float]]]] = {"baseline": [], "verify": []}
        for r in range(args.rounds):
            part = slice(r * per_round, (r + 1) * per_round)
            runs["baseline"].append(load("/bench/baseline", baseline_bodies[part], args.clients, headers))
            runs["verify"].append(load("/api/v1/verify", verify_bodies[part], args.clients, headers))
    finally:
        server.terminate()
        server.wait(timeout=30)
    scans = Scan.objects.count()  # the workers write what they still hold as they exit
    print(
        f"verify under load: gunicorn 2 workers, {args.clients} clients, {args.items} items, "
        f"{args.rounds} alternating rounds of {per_round} requests each, PostgreSQL"
    )
    print(f"{'endpoint':<34}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}")
    rates = {}
    for name, label in (
        ("baseline", "baseline (DRF, one pk lookup)"),
        ("verify", "POST /api/v1/verify (officer)"),
    ):
        latencies = [ms for _, round_latencies in runs[name] for ms in round_latencies]
        rates[name] = len(latencies) / sum(len(lat) / rate for rate, lat in runs[name])
        p50, p99 = statistics.median(latencies), percentile(latencies, 99)
        print(f"{label:<34}{rates[name]:>8,.0f}{p50:>9.2f}{p99:>9.2f}")
    each = [v[0] / b[0] for v, b in zip(runs["verify"], runs["baseline"], strict=True)]
    ratio = rates["verify"] / rates["baseline"]
    print(f"ratio per round: {', '.join(f'{r:.2f}' for r in each)}")
    print(f"ratio {ratio:.2f} (target >= 0.7): {'met' if ratio >= 0.7 else 'MISSED'}")
    print(f"scans logged: {scans} of {per_round * args.rounds + 200} verify requests")


if __name__ == "__main__":
    main()
