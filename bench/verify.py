"""Verify requests/s and latency under load, as a ratio to a bare DRF endpoint.

    .venv/bin/python bench/verify.py [--seconds 10] [--rounds 4] [--connections 8]

gunicorn (2 sync workers, the same for both endpoints) on loopback and PostgreSQL. The
load generator is wrk (Debian's package, C and LuaJIT: installed with apt-get when missing
and this runs as root; `--client python` uses a threaded Python client instead, which
competes with the server for the same cores). It sends POST /api/v1/verify with real label
URIs of random items, as a signed-in customs officer (token: a trusted sighting, with clone
checks, and the scan logged), and, in alternating rounds of equal length, POST
/bench/baseline: a bare DRF endpoint doing one primary-key lookup (bench/bench_urls.py),
authenticated with the same officer token through DRF's stock TokenAuthentication.
Alternating rounds make the load other programs put on the machine fall on both alike.

Besides req/s and latency, the script reads the CPU time the gunicorn workers, their
PostgreSQL backends and the load generator spent in each round (/proc), so the cost of a
request can be compared even when the machine is busy. At the end, the workers are stopped
normally (SIGTERM) and every verify request must have its row in the scan log.

Target: verify >= 0.7 x the baseline's req/s.
"""

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchdb import DEFAULT_URL, fresh_database, make_brand, percentile, setup_django

HERE = Path(__file__).resolve().parent
PORT = 8765
TICKS = os.sysconf("SC_CLK_TCK")

# wrk: each connection walks its own part of the bodies file; done() prints one JSON line.
WRK_SCRIPT = """
local bodies = {}
local counter = 0
local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function init(args)
  for line in io.lines(args[1]) do bodies[#bodies + 1] = line end
  counter = id * 7919
end
function request()
  counter = counter + 1
  return wrk.format("POST", nil, nil, bodies[counter % #bodies + 1])
end
function done(summary, latency, requests)
  io.write(string.format(
    '{"requests": %d, "us": %d, "status_errors": %d, "socket_errors": %d, "p50": %d, "p99": %d}\\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds of each of these processes still running (Linux /proc)."""
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime
    return found


def cpu_spent(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU spent between two readings; a process started in between counts from 0 (the
    scan log's timer opens its connection when it writes), one gone is not counted."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


class Round:
    def __init__(self, requests: int, seconds: float, p50: float, p99: float, cpu: dict, errors: int):
        self.requests, self.seconds, self.p50, self.p99 = requests, seconds, p50, p99
        self.cpu, self.errors = cpu, errors

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def run_wrk(path: str, bodies_file: Path, seconds: float, connections: int, headers: dict) -> dict:
    script = bodies_file.with_suffix(".lua")
    script.write_text(WRK_SCRIPT)
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "30s", "-s", str(script)]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command += [f"http://127.0.0.1:{PORT}{path}", "--", str(bodies_file)]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("{"))
    return json.loads(line)


def run_python(path: str, bodies: list[bytes], seconds: float, connections: int, headers: dict) -> dict:
    """The fallback load generator: keep-alive connections, one thread each, for `seconds`."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        local, n = [], offset
        while time.perf_counter() < deadline:
            n += 1
            started = time.perf_counter()
            conn.request("POST", path, body=bodies[n % len(bodies)], headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                errors[0] += 1
            local.append((time.perf_counter() - started) * 1e6)
        conn.close()
        with lock:
            latencies.extend(local)

    threads = [threading.Thread(target=client, args=(i * 7919,)) for i in range(connections)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {
        "requests": len(latencies),
        "us": (time.perf_counter() - started) * 1e6,
        "status_errors": errors[0],
        "socket_errors": 0,
        "p50": statistics.median(latencies),
        "p99": percentile(latencies, 99),
    }


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    if os.geteuid() == 0:
        for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "wrk"]):
            subprocess.run(command, check=False, capture_output=True)
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk (Debian), or run with --client python")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=8, help="length of each round")
    parser.add_argument("--rounds", type=int, default=6, help="rounds of each endpoint, alternating")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--items", type=int, default=10000)
    parser.add_argument("--client", choices=["wrk", "python"], default="wrk")
    parser.add_argument(
        "--stock-auth",
        action="store_true",
        help="verify with DRF's TokenAuthentication, as the baseline (no remembered tokens)",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL.replace("bench", "bench_verify")),
    )
    args = parser.parse_args()
    if args.client == "wrk":
        ensure_wrk()
    fresh_database(args.database_url)
    setup_django(args.database_url)
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Count
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
    database = settings.DATABASES["default"]["NAME"]
    connection.close()

    env = os.environ | {
        "DATABASE_URL": args.database_url,
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "PYTHONPATH": f"{HERE}:{HERE.parent}",
        "IPCHAIN_LOG_KEY": log_signer().skey,
        # Rates counted (the throttle's cost is part of a request's) but never reached.
        "IPCHAIN_THROTTLE_VERIFY_USER": "1000000000/min",
        "IPCHAIN_THROTTLE_API_USER": "1000000000/min",
    }
    env.pop("CACHE_URL", None)  # the process-local cache, as a single node runs
    if args.stock_auth:
        env["BENCH_STOCK_AUTH"] = "1"  # read by bench_urls.py
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--workers",
            str(args.workers),
            "--bind",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
        ],
        cwd=HERE.parent,
        env=env,
    )
    workdir = Path(tempfile.mkdtemp(prefix="bench-verify-"))
    rng = random.Random(1)
    uris = [items.label_uri(item) for item in registered]
    pks = [item.pk for item in registered]
    headers = {"Content-Type": "application/json", "Authorization": f"Token {token}"}
    paths = {"baseline": "/bench/baseline", "verify": "/api/v1/verify"}

    def bodies(name: str, count: int) -> list[bytes]:
        if name == "verify":
            return [json.dumps({"code": rng.choice(uris)}).encode() for _ in range(count)]
        return [json.dumps({"id": rng.choice(pks)}).encode() for _ in range(count)]

    def postgres_backends() -> list[int]:
        import psycopg

        with psycopg.connect(args.database_url, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [database],
            ).fetchall()
        return [pid for (pid,) in rows]

    def one_round(name: str, seconds: float) -> Round:
        lines = bodies(name, 20000)
        workers = children(server.pid)
        before = (cpu_seconds(workers), cpu_seconds(postgres_backends()), os.times())
        if args.client == "wrk":
            file = workdir / f"{name}.txt"
            file.write_bytes(b"\n".join(lines) + b"\n")
            out = run_wrk(paths[name], file, seconds, args.connections, headers)
        else:
            out = run_python(paths[name], lines, seconds, args.connections, headers)
        after = (cpu_seconds(workers), cpu_seconds(postgres_backends()), os.times())
        if args.client == "wrk":
            generator = (after[2].children_user + after[2].children_system) - (
                before[2].children_user + before[2].children_system
            )
        else:
            generator = (after[2].user + after[2].system) - (before[2].user + before[2].system)
        cpu = {
            "app": cpu_spent(before[0], after[0]),
            "db": cpu_spent(before[1], after[1]),
            "client": generator,
        }
        return Round(
            out["requests"],
            out["us"] / 1e6,
            out["p50"] / 1000,
            out["p99"] / 1000,
            cpu,
            out["status_errors"] + out["socket_errors"],
        )

    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", PORT, timeout=1).request("GET", "/log/checkpoint")
                break
            except OSError:
                time.sleep(0.1)
        time.sleep(1)
        # The work measured is the full one: a genuine verdict with its inclusion proof.
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        conn.request("POST", paths["verify"], body=bodies("verify", 1)[0], headers=headers)
        first = json.loads(conn.getresponse().read())
        assert first["verdict"] == "genuine" and first["evidence"]["inclusion_proof_checked"], first
        warm_up = one_round("verify", 2)  # warm up both: imports, caches, connections
        one_round("baseline", 2)
        runs: dict[str, list[Round]] = {"baseline": [], "verify": []}
        for _ in range(args.rounds):
            for name in ("baseline", "verify"):
                runs[name].append(one_round(name, args.seconds))
    finally:
        server.send_signal(signal.SIGTERM)  # a normal shutdown: workers write what they hold
        server.wait(timeout=60)
        shutil.rmtree(workdir, ignore_errors=True)
    answered = 1 + warm_up.requests + sum(r.requests for r in runs["verify"])
    scans = Scan.objects.count()
    verdicts = Scan.objects.values_list("verdict").annotate(n=Count("id")).order_by("-n")
    load = os.getloadavg()
    print(
        f"verify under load: gunicorn {args.workers} sync workers, {args.client} with "
        f"{args.connections} connections, {args.items} items, {args.rounds} alternating rounds "
        f"of {args.seconds:g} s, PostgreSQL, verify authenticated by "
        f"{'DRF TokenAuthentication' if args.stock_auth else 'remembered tokens'}; "
        f"load average at the end {load[0]:.2f} on {os.cpu_count()} cores"
    )
    print(
        f"{'endpoint':<32}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}"
        f"{'app ms':>8}{'db ms':>7}{'gen ms':>8}  (CPU per request)"
    )
    rates, cpu_total = {}, {}
    for name, label in (
        ("baseline", "baseline (DRF, one pk lookup)"),
        ("verify", "POST /api/v1/verify (officer)"),
    ):
        rounds = runs[name]
        count = sum(r.requests for r in rounds)
        rates[name] = count / sum(r.seconds for r in rounds)
        cpu_total[name] = sum(r.cpu["app"] + r.cpu["db"] for r in rounds) / count
        p50 = statistics.median(r.p50 for r in rounds)
        p99 = max(r.p99 for r in rounds)
        cpu = {k: sum(r.cpu[k] for r in rounds) / count * 1000 for k in ("app", "db", "client")}
        errors = sum(r.errors for r in rounds)
        print(
            f"{label:<32}{rates[name]:>8,.0f}{p50:>8.2f}{p99:>8.2f}"
            f"{cpu['app']:>8.2f}{cpu['db']:>7.2f}{cpu['client']:>8.2f}"
            + (f"  {errors} ERRORS" if errors else "")
        )
        print("  per round req/s: " + ", ".join(f"{r.rate:.0f}" for r in rounds))
    each = [v.rate / b.rate for v, b in zip(runs["verify"], runs["baseline"], strict=True)]
    ratio = rates["verify"] / rates["baseline"]
    print(
        f"ratio per round: {', '.join(f'{r:.2f}' for r in each)} "
        f"(median {statistics.median(each):.2f}, min {min(each):.2f}, max {max(each):.2f})"
    )
    print(f"ratio {ratio:.2f} (target >= 0.7): {'met' if ratio >= 0.7 else 'MISSED'}")
    # Where the server is saturated, req/s is cores / CPU per request: the ratio of the CPU
    # the two spend per request (app + database) is what a quiet machine would show, and
    # moves little when other programs take turns on the cores.
    print(
        f"CPU per request (gunicorn + PostgreSQL): baseline {cpu_total['baseline'] * 1000:.2f} ms, "
        f"verify {cpu_total['verify'] * 1000:.2f} ms: ratio {cpu_total['baseline'] / cpu_total['verify']:.2f}"
    )
    # A round ends with up to one request per connection in flight: the server may have
    # answered (and logged) it after the load generator stopped counting.
    in_flight = args.connections * (args.rounds + 1)
    logged = answered <= scans <= answered + in_flight
    print(
        f"scans logged after a normal shutdown: {scans} for {answered} verify responses counted "
        f"(+ at most {in_flight} in flight at the ends of rounds): {'all' if logged else 'SCANS LOST'}"
    )
    print("verdicts logged: " + ", ".join(f"{verdict} {n}" for verdict, n in verdicts))


if __name__ == "__main__":
    main()
