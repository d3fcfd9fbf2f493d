"""The scan log (verifier/scanlog.py) commits every scan before its verdict is answered: a
gunicorn worker killed the next moment (SIGKILL) loses no scan it answered."""

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
def test_the_insert_writes_every_field_as_the_model_would(world):
    """The prepared INSERT against the model: every value round-trips, fields a scan does not
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
        "code": "https://x.example/01/1/21/S1?a=\t\\N\n'\"",  # quoting's special characters
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
    scanlog.write(plain)
    scanlog.write(alerting, alert)
    row = Scan.objects.get(ref=plain["ref"])
    for name, value in plain.items():
        assert getattr(row, name) == value, name
    assert row.offline_verdict == ""  # not given: the model's default
    assert Alert.objects.get().scan == Scan.objects.get(ref=alerting["ref"])


@pytest.mark.django_db
def test_every_scan_is_in_the_log_when_its_verdict_is_answered(world):
    client = APIClient()
    client.force_authenticate(world["officer"])
    for n in range(3):
        ref = verify(world["uri"], client)["scan"]
        assert Scan.objects.filter(ref=ref).exists()
        assert Scan.objects.count() == n + 1


def post_verify(port: int, body: bytes) -> str | None:
    """One verification; the scan's reference when it was answered 200, else None."""
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("POST", "/api/v1/verify", body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        data = response.read()
    except (OSError, http.client.HTTPException):
        return None
    return json.loads(data)["scan"] if response.status == 200 else None


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_sigkilled_gunicorn_workers_lose_no_answered_scan(world):
    """Real gunicorn, 2 sync workers, 4 clients verifying as fast as they can while the workers
    are killed with SIGKILL again and again: every verdict answered has its scan in the log."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "config.wsgi", "--workers", "2", "--log-level", "error"]
    server = subprocess.Popen([*command, "--bind", f"127.0.0.1:{port}"], cwd=ROOT, env=node_env())
    body = json.dumps({"code": world["uri"]}).encode()
    answered: list[str] = []
    stop = threading.Event()

    def client():
        while not stop.is_set():
            ref = post_verify(port, body)
            if ref:
                answered.append(ref)

    try:
        deadline = time.monotonic() + 60
        while post_verify(port, body) is None:
            assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
        clients = [threading.Thread(target=client) for _ in range(4)]
        for thread in clients:
            thread.start()
        kills = 0
        for _ in range(6):
            time.sleep(0.7)
            for pid in worker_pids(server.pid):
                os.kill(pid, signal.SIGKILL)
                kills += 1
        time.sleep(1.0)
        stop.set()
        for thread in clients:
            thread.join(timeout=30)
    finally:
        stop.set()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    assert kills >= 6 and len(answered) > 50, (kills, len(answered))
    logged = {str(ref) for ref in Scan.objects.values_list("ref", flat=True)}
    assert set(answered) <= logged, f"{len(set(answered) - logged)} answered scans not logged"


def run_python(code: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, env=env, capture_output=True, text=True
    )


def node_env() -> dict:
    """This test database, seen from another process."""
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = os.environ | {
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "IPCHAIN_LOG_ORIGIN": TEST_ORIGIN,
        "IPCHAIN_LOG_KEY": TEST_SIGNER.skey,
    }
    env.pop("CACHE_URL", None)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
