"""Verification reads on a real PostgreSQL streaming replica (ipchain/replicas.py).

A primary and a replica of their own on this machine, made with Debian's PostgreSQL tools as
docs/deploy.md describes for a busy office: `initdb`, then `pg_basebackup -R` streaming from
the primary. The node migrates the primary; replica_probe.py, in its own process, registers
and verifies against both while the replica keeps up, while its replay is paused (lag), and
after it resumes."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from ipchain.ledger.notes import Signer

ROOT = Path(__file__).resolve().parents[2]
PRIMARY_PORT, REPLICA_PORT = 5441, 5442
DATABASE = "ipchain_replica_test"

pytestmark = pytest.mark.postgres


def pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_basebackup"))
    return found[-1].parent if found else None


def as_postgres(*command: str, **kwargs) -> subprocess.CompletedProcess:
    """Run a PostgreSQL server tool as the postgres user (the server refuses root)."""
    if os.geteuid() == 0:
        command = ("runuser", "-u", "postgres", "--", *command)
    return subprocess.run(command, check=True, capture_output=True, text=True, timeout=120, **kwargs)


@pytest.fixture(scope="module")
def clusters():
    tools = pg_bin()
    if tools is None or (os.geteuid() == 0 and shutil.which("runuser") is None):
        if os.environ.get("IPCHAIN_REQUIRE_POSTGRES") == "1":
            pytest.fail("the replica test needs Debian's PostgreSQL server tools")
        pytest.skip("needs Debian's PostgreSQL server tools (initdb, pg_basebackup)")
    base = Path(tempfile.mkdtemp(prefix="ipchain-replica-"))
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    primary, replica = base / "primary", base / "replica"
    started = []
    try:
        as_postgres(str(tools / "initdb"), "-D", str(primary), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        with open(primary / "postgresql.conf", "a") as conf:
            conf.write(
                f"port = {PRIMARY_PORT}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{base}'\n"
                "wal_level = replica\nmax_wal_senders = 4\nfsync = off\nshared_buffers = 32MB\n"
            )
        with open(primary / "pg_hba.conf", "a") as hba:
            hba.write("host replication postgres 127.0.0.1/32 trust\n")
        pg_ctl = str(tools / "pg_ctl")
        as_postgres(pg_ctl, "-D", str(primary), "-l", str(base / "primary.log"), "-w", "start")
        started.append(primary)
        as_postgres(
            str(tools / "pg_basebackup"),
            *("-h", "127.0.0.1", "-p", str(PRIMARY_PORT), "-U", "postgres"),
            *("-D", str(replica), "-R", "-X", "stream"),
        )
        with open(replica / "postgresql.auto.conf", "a") as conf:
            conf.write(f"port = {REPLICA_PORT}\n")
        as_postgres(pg_ctl, "-D", str(replica), "-l", str(base / "replica.log"), "-w", "start")
        started.append(replica)
        subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-p",
                str(PRIMARY_PORT),
                "-U",
                "postgres",
                "-c",
                f"CREATE DATABASE {DATABASE}",
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        yield {
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{PRIMARY_PORT}/{DATABASE}",
            "DATABASE_REPLICA_URL": f"postgres://postgres@127.0.0.1:{REPLICA_PORT}/{DATABASE}",
            "stop_replica": lambda: (
                as_postgres(str(tools / "pg_ctl"), "-D", str(replica), "-m", "immediate", "stop"),
                started.remove(replica),
            ),
        }
    finally:
        for data in reversed(started):
            as_postgres(str(tools / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(base, ignore_errors=True)


def node_environment(urls: dict) -> dict:
    signer = Signer.generate("replica.test/log")
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE", "CELERY_", "IPCHAIN_"))}
    return {
        **keep,
        **urls,
        "IPCHAIN_LOG_ORIGIN": "replica.test/log",
        "IPCHAIN_LOG_KEY": signer.skey,
        "IPCHAIN_REPLICA_MAX_LAG_SECONDS": "0.5",
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "IPCHAIN_EMBEDDED_WORKER": "0",
    }


def run_probe(env: dict, *args: str) -> dict:
    probe = subprocess.run(
        [sys.executable, "tests/deploy/replica_probe.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert probe.returncode == 0, probe.stderr[-3000:]
    return json.loads(probe.stdout.strip().splitlines()[-1])


def test_verifications_read_the_replica_while_it_keeps_up_and_the_primary_while_it_lags(clusters):
    env = node_environment({k: v for k, v in clusters.items() if k.startswith("DATABASE")})
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert migrate.returncode == 0, migrate.stderr[-3000:]
    seen = run_probe(env)

    assert seen["replica_used"]
    # Settled: the scan's one query ran on the replica alone, and so did the tile.
    assert seen["settled"] == {"verdict": "genuine", "item_read_on": ["replica"]}
    assert seen["tile"]["status"] == 200 and seen["tile"]["replica_queries"] >= 1
    # Replay paused: an item registered a moment ago is not on the replica; the primary has it.
    assert seen["fresh_at_once"] == {"verdict": "genuine", "item_read_on": ["replica", "primary"]}
    # A tile of the checkpoint just signed: asked of the replica first, answered by the primary.
    assert seen["new_tile_at_once"]["status"] == 200 and seen["new_tile_at_once"]["replica_queries"] >= 1
    # Past the lag allowed, the replica serves nothing: a recall made meanwhile is seen.
    assert seen["recalled_while_lagging"] == {"verdict": "recalled", "item_read_on": ["primary"]}
    assert seen["fresh_while_lagging"] == {"verdict": "genuine", "item_read_on": ["primary"]}
    assert seen["tile_while_lagging"]["status"] == 200 and seen["tile_while_lagging"]["replica_queries"] == 0
    # Caught up again: back on the replica, with the recall replayed.
    assert seen["resumed"] == {"verdict": "recalled", "item_read_on": ["replica"]}

    # The replica stopped: every read answered by the primary, no error.
    clusters["stop_replica"]()
    down = run_probe(env, "down")
    assert down["replica_used"] is False
    assert down["verify"] == {"verdict": "recalled", "item_read_on": ["primary"]}
    assert down["tile"]["status"] == 200
