"""The batched scan log (verifier/scanlog.py) writes every scan: by count at the end of a
request, by age from its timer thread, at a normal process exit (also of real gunicorn
workers stopped with SIGTERM); only SIGKILL loses what a process still holds."""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from ipchain.accounts.models import Role
from ipchain.ledger import log
from ipchain.registry import items
from tests import factories
from tests.conftest import TEST_ORIGIN, TEST_SIGNER
from verifier import scanlog
from verifier.models import Alert, Scan

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def world():
    brand = factories.brand("acme")
    product = factories.product(brand)
    admin = factories.brand_admin(brand)
    item = items.register_item(actor=admin, brand=brand, gtin=product.gtin, serial="S1")
    log.integrate_pending()
    officer = factories.user(factories.customs("nl-customs"), Role.CUSTOMS_OFFICER)
    return {"brand": brand, "item": item, "officer": officer, "uri": items.label_uri(item)}


def verify(uri: str, client=None):
    response = (client or APIClient()).post("/api/v1/verify", {"code": uri}, format="json")
    assert response.status_code == 200
    return response.json()


@pytest.mark.django_db
@pytest.mark.postgres
def test_copy_writes_every_field_as_the_model_would(world):
    """The COPY path against the model: every value round-trips, fields a scan does not
    give take the model's defaults, and a scan with an alert gets its alert linked."""
    now = timezone.now()
    plain = {
        "ref": uuid.uuid4(),
        "created_at": now,
        "offline": False,
        "received_at": None,
        "officer_id": world["officer"].pk,
        "authority_id": world["officer"].membership.organisation_id,
        "customs_office": "Rotterdam",
        "trusted": True,
        "latitude": 51.95,
        "longitude": -4.03,
        "code": "https://x.example/01/1/21/S1?a=\t\\N\n'\"",  # COPY's special characters
        "gtin": world["item"].product.gtin,
        "serial": "S1",
        "item_id": world["item"].pk,
        "verdict": "genuine",
        "reasons": ["signature_matches", "in_ledger"],
    }
    alerting = plain | {"ref": uuid.uuid4(), "verdict": "forged", "reasons": ["signature_mismatch"]}
    alert = {
        "brand_id": world["brand"].pk,
        "item": world["item"],
        "kind": "forged",
        "message": "m",
        "created_at": now,
    }
    scanlog.write([(plain, None), (alerting, alert)])
    row = Scan.objects.get(ref=plain["ref"])
    for name, value in plain.items():
        assert getattr(row, name) == value, name
    assert row.offline_verdict == ""  # not given: the model's default
    assert Alert.objects.get().scan == Scan.objects.get(ref=alerting["ref"])


@pytest.mark.django_db
def test_a_batch_goes_when_it_is_full(world, settings):
    settings.IPCHAIN_SCAN_LOG = {"batch": 3, "seconds": 3600}
    client = APIClient()
    client.force_authenticate(world["officer"])
    refs = [verify(world["uri"], client)["scan"] for _ in range(2)]
    assert Scan.objects.count() == 0 and scanlog.pending() == 2  # answered before logged
    refs.append(verify(world["uri"], client)["scan"])
    assert scanlog.pending() == 0
    assert sorted(str(ref) for ref in Scan.objects.values_list("ref", flat=True)) == sorted(refs)


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_an_idle_process_writes_its_batch_when_it_is_old_enough(world, settings):
    settings.IPCHAIN_SCAN_LOG = {"batch": 100, "seconds": 0.3}
    ref = verify(world["uri"])["scan"]
    assert scanlog.pending() == 1  # no more requests come: the timer thread must write it
    deadline = time.monotonic() + 10
    while not Scan.objects.filter(ref=ref).exists():
        assert time.monotonic() < deadline, "the timer thread did not write the scan"
        time.sleep(0.05)
    assert scanlog.pending() == 0


def run_python(code: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, env=env, capture_output=True, text=True
    )


def node_env() -> dict:
    """This test database, seen from another process, with scans held for an hour."""
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = os.environ | {
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "IPCHAIN_LOG_ORIGIN": TEST_ORIGIN,
        "IPCHAIN_LOG_KEY": TEST_SIGNER.skey,
        "IPCHAIN_SCAN_LOG_BATCH": "100",
        "IPCHAIN_SCAN_LOG_SECONDS": "3600",
    }
    env.pop("CACHE_URL", None)
    return env


QUEUE_THREE = """
    import django, os, signal
    django.setup()
    from verifier import scanlog, verification
    for _ in range(3):
        verification.verify_code({uri!r})
    assert scanlog.pending() == 3, scanlog.pending()
    {end}
"""


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_a_process_that_exits_normally_writes_what_it_holds(world):
    done = run_python(QUEUE_THREE.format(uri=world["uri"], end="print('exiting')"), node_env())
    assert done.returncode == 0, done.stderr
    assert Scan.objects.filter(item=world["item"]).count() == 3


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_sigkill_loses_what_the_process_held(world):
    """The documented loss: no code runs on SIGKILL, so the held scans are gone (at most a
    batch less one, none older than IPCHAIN_SCAN_LOG["seconds"])."""
    end = "os.kill(os.getpid(), signal.SIGKILL)"
    done = run_python(QUEUE_THREE.format(uri=world["uri"], end=end), node_env())
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert Scan.objects.count() == 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_gunicorn_workers_stopped_with_sigterm_write_every_scan(world):
    """A normal stop of the production server: 2 sync workers, each holding scans (the
    batch is far from full and an hour from due), then SIGTERM to the master."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "config.wsgi", "--workers", "2", "--log-level", "warning"]
    server = subprocess.Popen([*command, "--bind", f"127.0.0.1:{port}"], cwd=ROOT, env=node_env())
    body = json.dumps({"code": world["uri"]})
    refs = []
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request(
                    "POST", "/api/v1/verify", body=body, headers={"Content-Type": "application/json"}
                )
                response = conn.getresponse()
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        refs.append(json.loads(response.read())["scan"])
        for _ in range(9):  # sync workers close each connection: new ones spread over both
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("POST", "/api/v1/verify", body=body, headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            assert response.status == 200
            refs.append(json.loads(response.read())["scan"])
        assert Scan.objects.count() == 0  # all still held by the workers
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=60) == 0
    assert sorted(str(ref) for ref in Scan.objects.values_list("ref", flat=True)) == sorted(refs)


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_the_flush_at_exit_waits_for_a_batch_still_being_written(monkeypatch, settings):
    """The timer thread may be writing a batch when the process exits: the atexit flush
    returns only once that batch is written too (daemon threads stop after atexit)."""
    settings.IPCHAIN_SCAN_LOG = {"batch": 100, "seconds": 3600}
    real_write = scanlog.write

    def slow_write(batch):
        time.sleep(0.5)
        real_write(batch)

    def scan() -> dict:
        return {"ref": uuid.uuid4(), "created_at": timezone.now(), "code": "x", "verdict": "unknown"}

    scanlog.queue(scan())
    monkeypatch.setattr(scanlog, "write", slow_write)
    timer = threading.Thread(target=lambda: (scanlog.flush(), connection.close()))
    timer.start()
    time.sleep(0.1)  # the timer's batch is being written
    scanlog.queue(scan())
    monkeypatch.setattr(scanlog, "write", real_write)
    scanlog.flush()  # as atexit would
    assert Scan.objects.count() == 2
    timer.join()
