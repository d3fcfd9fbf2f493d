"""Run by test_replica.py in its own process, against a primary and a streaming replica of
its own (DATABASE_URL, DATABASE_REPLICA_URL): verifications and tiles read from the replica
while it keeps up, from the primary while it lags. Prints what it saw as JSON."""

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from ipchain import replicas  # noqa: E402
from ipchain.ledger.models import SignedCheckpoint  # noqa: E402
from ipchain.registry import items  # noqa: E402
from tests import factories  # noqa: E402
from verifier import lookup  # noqa: E402

MAX_LAG = float(os.environ["IPCHAIN_REPLICA_MAX_LAG_SECONDS"])


def wal(alias: str, function: str) -> int:
    with connections[alias].cursor() as cursor:
        cursor.execute(f"SELECT pg_wal_lsn_diff({function}, '0/0')")
        return int(cursor.fetchone()[0])


def caught_up() -> None:
    target = wal("default", "pg_current_wal_lsn()")
    for _ in range(200):
        if wal("replica", "pg_last_wal_replay_lsn()") >= target:
            return
        time.sleep(0.05)
    raise SystemExit("the replica did not catch up in 10 s")


# Which database each run of a scan's one query went to (it runs as a prepared statement,
# past Django's query log).
_item_reads: list[str] = []
_item_rows = lookup._item_rows


def _recorded_item_rows(params, alias):
    _item_reads.append("primary" if alias == "default" else alias)
    return _item_rows(params, alias)


lookup._item_rows = _recorded_item_rows


def verify(client: Client, item) -> dict:
    """The verdict, and which databases the item's query ran on."""
    _item_reads.clear()
    answer = client.post("/api/v1/verify", {"code": items.label_uri(item)}, content_type="application/json")
    assert answer.status_code == 200, answer.content
    return {"verdict": answer.json()["verdict"], "item_read_on": list(_item_reads)}


def tile(client: Client, *, watch_replica: bool = True) -> dict:
    """A tile of the latest size, and how many queries went to the replica for it (not
    counted when the replica is down: watching it would connect to it)."""
    size = SignedCheckpoint.objects.order_by("-tree_size").first().tree_size
    path = f"/log/tile/0/000.p/{size}" if size < 256 else "/log/tile/0/000"
    if not watch_replica:
        answer = client.get(path)
        return {"status": answer.status_code, "bytes": len(answer.content)}
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        answer = client.get(path)
    reads = [q for q in on_replica if "pg_wal_lsn_diff" not in q["sql"]]  # not the lag checks
    return {"status": answer.status_code, "replica_queries": len(reads), "bytes": len(answer.content)}


def main() -> None:
    client = Client()
    brand = factories.brand("replica-brand")
    product = factories.product(brand)
    admin = factories.brand_admin(brand)
    first = items.register_item(actor=admin, brand=brand, gtin=product.gtin, serial="R1")
    caught_up()
    time.sleep(MAX_LAG * 1.5)
    seen = {"replica_used": replicas.usable_replica() == replicas.REPLICA}
    seen["settled"] = verify(client, first)
    seen["tile"] = tile(client)

    # The replica stops replaying: a registration made now is not there.
    with connections["replica"].cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
    # The replica starts lagging just after a check found it up to date (deterministic here:
    # the check is not left to the clock).
    assert replicas.usable_replica() == replicas.REPLICA
    replicas._freshness.checked_at = time.monotonic()
    fresh = items.register_item(actor=admin, brand=brand, gtin=product.gtin, serial="R2")
    seen["fresh_at_once"] = verify(client, fresh)
    seen["new_tile_at_once"] = tile(client)  # of the size just integrated: the primary has it
    items.record_event(actor=admin, item=first, kind="recalled")
    time.sleep(MAX_LAG * 2.5)  # what the replica answers holds what is two intervals old
    seen["recalled_while_lagging"] = verify(client, first)
    seen["fresh_while_lagging"] = verify(client, fresh)
    seen["tile_while_lagging"] = tile(client)

    with connections["replica"].cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_resume()")
    caught_up()
    time.sleep(MAX_LAG * 1.5)
    seen["resumed"] = verify(client, first)
    print(json.dumps(seen))


def replica_down() -> None:
    """Run with the replica stopped: verifications and tiles answer from the primary."""
    client = Client()
    first = items.Item.objects.get(serial="R1")
    seen = {"replica_used": replicas.usable_replica() == replicas.REPLICA}
    seen["verify"] = verify(client, first)
    seen["tile"] = tile(client, watch_replica=False)
    print(json.dumps(seen))


if __name__ == "__main__":
    replica_down() if sys.argv[1:] == ["down"] else main()
