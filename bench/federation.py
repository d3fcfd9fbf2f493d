"""Federation figures: cosigning round-trip latency and mirror catch-up speed, on loopback.

    .venv/bin/python bench/federation.py [--entries 100000] [--rounds 200] [--profile]

Two nodes, each a real node on its own PostgreSQL database (wiped and migrated):
- A (`ipchain_bench_federation_a`): a log of `--entries` entries, built with
  log.append_many and integrated; served by gunicorn (2 sync workers) on a free port.
- C (`ipchain_bench_federation_c`): witnesses A's log and mirrors it; its witness is served
  by gunicorn (2 sync workers) on another free port.

Cosigning: A appends one entry, integrates it (a new checkpoint, not timed), then asks C's
live witness to cosign (cosigning.collect_cosignatures: the consistency proof from the size
C cosigned last, the HTTP POST, C's checks and conditional UPDATE, C's cosignature, A's
check of it and its row). Median and p99 over `--rounds`; the first request (old size 0,
the whole log) is reported apart.

Catch-up: C mirrors A's whole log from nothing (mirror.sync_peer: A's checkpoint, the tiles
for its root, every entry bundle, leaf hashes, our own tiles, the root check, the rows
stored), timed from the first request to the last commit: entries/s. `--profile` prints
the top of a cProfile of that sync.

Each step runs in its own process (one database per process, as nodes run); the figures
come back as JSON on stdout.
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from benchdb import fresh_database, median, percentile  # noqa: E402

BASE = "postgres://postgres@127.0.0.1:5432/"
DB_A, DB_C = BASE + "ipchain_bench_federation_a", BASE + "ipchain_bench_federation_c"
ORIGIN_A, ORIGIN_C = "bench-a.example/log", "bench-c.example/log"
WITNESS_C = "bench-c.example/witness"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- Steps, each run in a child process on one node's database ----------------------------


def _django() -> None:
    import django

    django.setup()


def step_build_a(entries: int) -> dict:
    """A's log: `entries` records accepted with append_many, then integrated."""
    _django()
    from benchdb import accept

    from ipchain.ledger import log

    started = time.perf_counter()
    accept(entries)
    accepted = time.perf_counter()
    log.integrate_pending()
    done = time.perf_counter()
    return {"accept_s": accepted - started, "integrate_s": done - accepted}


def step_peer(name: str, **fields) -> dict:
    _django()
    from ipchain.federation.peer_setup import peer_configure

    peer_configure(name=name, **fields)
    return {}


def step_cosign_a(rounds: int) -> dict:
    """A asks C's witness to cosign: once for the whole log, then `rounds` times one entry more."""
    _django()
    from benchdb import queue_integration_only, record

    from ipchain.federation import cosigning
    from ipchain.ledger import log

    queue_integration_only()  # the signal's own cosigning task goes to a broker nobody reads

    def one() -> float:
        started = time.perf_counter()
        [outcome] = cosigning.collect_cosignatures()
        elapsed = time.perf_counter() - started
        if not outcome.ok:
            raise SystemExit(f"witness refused: {outcome.message}")
        return elapsed

    first = one()
    times = []
    for n in range(rounds):
        log.append_many([record(10_000_000 + n)])
        log.integrate_pending()
        times.append(one())
    return {"first_s": first, "times_s": times}


def step_mirror_c(profile: bool) -> dict:
    """C mirrors A's log from nothing."""
    _django()
    from ipchain.federation import mirror
    from ipchain.federation.models import MirroredEntry, Peer

    peer = Peer.objects.get(name="a")
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started = time.perf_counter()
    result = mirror.sync_peer(peer)
    elapsed = time.perf_counter() - started
    if profiler is not None:
        import io
        import pstats

        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
        print(out.getvalue(), file=sys.stderr)
    if result.status != "advanced":
        raise SystemExit(f"mirror did not advance: {result}")
    return {"entries": result.entries, "seconds": elapsed, "stored": MirroredEntry.objects.count()}


STEPS = {"build-a": step_build_a, "peer": step_peer, "cosign-a": step_cosign_a, "mirror-c": step_mirror_c}


# --- The orchestration ----------------------------------------------------------------------


def node_env(database: str, origin: str, log_key: str, witness_name: str, witness_key: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IPCHAIN_", "CELERY_", "CACHE_URL"))}
    return env | {
        "DATABASE_URL": database,
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "PYTHONPATH": f"{HERE}:{ROOT}",
        "IPCHAIN_LOG_ORIGIN": origin,
        "IPCHAIN_LOG_KEY": log_key,
        "IPCHAIN_WITNESS_NAME": witness_name,
        "IPCHAIN_WITNESS_KEY": witness_key,
        "CELERY_TASK_ALWAYS_EAGER": "0",  # appends wait for the explicit integration
        "IPCHAIN_WITNESS_TIMEOUT": "10",
        "IPCHAIN_FEDERATION_TIMEOUT": "30",
    }


def run_step(env: dict, step: str, **kwargs) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--step", step, "--step-args", json.dumps(kwargs)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def serve(env: dict, port: int) -> subprocess.Popen:
    command = ["gunicorn", "config.wsgi", "--workers", "2", "--bind", f"127.0.0.1:{port}"]
    log = (HERE / "out" / f"federation-{port}.log").open("w")  # the nodes' own logs, kept apart
    server = subprocess.Popen(
        [sys.executable, "-m", *command, "--log-level", "warning", "--timeout", "120"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/log/key", timeout=2):
                return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise SystemExit(f"gunicorn on port {port} did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--profile", action="store_true", help="cProfile the mirror's catch-up")
    parser.add_argument("--step", choices=STEPS, help=argparse.SUPPRESS)
    parser.add_argument("--step-args", default="{}", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(STEPS[args.step](**json.loads(args.step_args))))
        return

    sys.path.insert(0, str(ROOT))
    from ipchain.federation.tlog_cosignature import CosignatureSigner
    from ipchain.ledger.notes import Signer

    log_a, log_c = Signer.generate(ORIGIN_A), Signer.generate(ORIGIN_C)
    witness_a = CosignatureSigner.generate("bench-a.example/witness")
    witness_c = CosignatureSigner.generate(WITNESS_C)
    env_a = node_env(DB_A, ORIGIN_A, log_a.skey, witness_a.name, witness_a.skey)
    env_c = node_env(DB_C, ORIGIN_C, log_c.skey, witness_c.name, witness_c.skey)
    port_a, port_c = free_port(), free_port()

    for url in (DB_A, DB_C):
        fresh_database(url)
    built = run_step(env_a, "build-a", entries=args.entries)
    print(
        f"A's log: {args.entries:,} entries accepted in {built['accept_s']:.1f} s, "
        f"integrated in {built['integrate_s']:.1f} s"
    )
    run_step(
        env_a,
        "peer",
        name="c",
        url=f"http://127.0.0.1:{port_c}",
        log_vkey=log_c.verifier.vkey,
        witness_vkey=witness_c.verifier.vkey,
        cosigns_our_log=True,
    )
    run_step(
        env_c,
        "peer",
        name="a",
        url=f"http://127.0.0.1:{port_a}",
        log_vkey=log_a.verifier.vkey,
        witness_vkey=witness_a.verifier.vkey,
        witness_its_log=True,
        mirror_its_log=True,
    )
    servers = [serve(env_a, port_a), serve(env_c, port_c)]
    try:
        cosigned = run_step(env_a, "cosign-a", rounds=args.rounds)
        mirrored = run_step(env_c, "mirror-c", profile=args.profile)
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)

    times_ms = [t * 1000 for t in cosigned["times_s"]]
    print(
        f"cosigning round trip (A -> C's witness on loopback, log of {args.entries:,}+): "
        f"first (old size 0) {cosigned['first_s'] * 1000:.1f} ms; then {len(times_ms)} rounds of one entry: "
        f"median {median(times_ms):.1f} ms, p99 {percentile(times_ms, 99):.1f} ms, max {max(times_ms):.1f} ms"
    )
    rate = mirrored["entries"] / mirrored["seconds"]
    print(
        f"mirror catch-up (C from nothing, tiles over HTTP on loopback): {mirrored['entries']:,} entries "
        f"in {mirrored['seconds']:.1f} s = {rate:,.0f} entries/s (target >= 5,000/s: {rate / 5000:.1f}x)"
    )


if __name__ == "__main__":
    main()
