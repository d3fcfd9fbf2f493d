"""Three offices on loopback, each a real node (its own SQLite database, its own port, a
`runserver` process), each witnessing and mirroring the other two.

The story: A registers items; B and C cosign A's checkpoint; C mirrors A and proves an
item registration there against A's cosigned checkpoint. A's office then registers a real
signed item, and C's verify API calls it genuine, naming A, on A's cosigned checkpoint
(each node demands two cosignatures; demanding three, it is not trusted). B's database is then rewritten
(a forked history); both witnesses refuse B's new checkpoint and both mirrors keep proven
split-view evidence. Finally C goes offline: A keeps working on its own log and flags C.
"""

import base64
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from ipchain.federation.tlog_cosignature import CosignatureVerifier, verify_cosignatures
from ipchain.ledger.merkle import leaf_hash, verify_inclusion
from ipchain.ledger.notes import Verifier, open_checkpoint

ROOT = Path(__file__).resolve().parents[3]
READY_TIMEOUT = 60
COMMAND_TIMEOUT = 120
GTIN = "09506000134352"

PRELUDE = "import django, json; django.setup()\nfrom django.core.management import call_command\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def post_json(url: str, data: dict) -> dict:
    request = urllib.request.Request(
        url, json.dumps(data).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


class Node:
    def __init__(self, name: str, root: Path):
        self.name = name
        self.dir = root / name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server: subprocess.Popen | None = None
        self.log_vkey = self.witness_vkey = ""

    @property
    def env(self) -> dict[str, str]:
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("IPCHAIN_", "DATABASE_URL", "CELERY_"))
        }
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings",
            PYTHONPATH=str(ROOT),
            IPCHAIN_VAR_DIR=str(self.dir),
            IPCHAIN_LOG_ORIGIN=f"node-{self.name}.test/log",
            IPCHAIN_WITNESS_NAME=f"node-{self.name}.test/witness",
            IPCHAIN_WITNESS_TIMEOUT="3",
            IPCHAIN_FEDERATION_TIMEOUT="10",
            # Each node trusts a checkpoint only when two witnesses (of the three) cosigned it.
            IPCHAIN_WITNESS_QUORUM="2",
        )
        return env

    def python(self, code: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-c", PRELUDE + code],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def start(self) -> None:
        log = (self.dir / "server.log").open("w")
        self.server = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "runserver",
                f"127.0.0.1:{self.port}",
                "--noreload",
                "--skip-checks",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            assert self.server.poll() is None, (self.dir / "server.log").read_text()
            try:
                get(f"{self.url}/witness/key")
                return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"node {self.name} did not start in {READY_TIMEOUT} s")

    def stop(self) -> None:
        if self.server and self.server.poll() is None:
            self.server.terminate()
            try:
                self.server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()

    def checkpoint(self) -> str:
        return get(f"{self.url}/log/checkpoint")


def finish(*processes: subprocess.Popen) -> list[str]:
    """Wait for processes (run in parallel) and return their stdout; fail with stderr on error."""
    outputs = []
    for process in processes:
        out, err = process.communicate(timeout=COMMAND_TIMEOUT)
        assert process.returncode == 0, f"{process.args[-1][-400:]}\n--- stderr:\n{err[-3000:]}"
        outputs.append(out)
    return outputs


def run_all(code_by_node: dict[Node, str]) -> dict[Node, str]:
    processes = {node: node.python(code) for node, code in code_by_node.items()}
    return dict(zip(processes, finish(*processes.values()), strict=True))


def append_items(prefix: str, count: int) -> str:
    return (
        "from ipchain.ledger import log\n"
        "log.append_many({'v': 1, 'type': 'item.registered', 'brand': 'acme', 'time': '2026-11-24T10:00:00Z',"
        f" 'gtin': '{GTIN}', 'serial': f'{prefix}{{n:05d}}'}} for n in range({count}))\n"
    )


def status_of(node: Node) -> dict[str, dict]:
    out = run_all({node: "call_command('ipchain_federation_status', json=True)"})[node]
    return {peer["name"]: peer for peer in json.loads(out)}


SYNC = """
from django.core.management.base import CommandError
try:
    call_command('ipchain_mirror_sync', *{names!r})
except CommandError as exc:
    print('sync failed:', exc)
"""


REGISTER_REAL_ITEM = """
from ipchain.registry import items
from tests import factories
brand = factories.brand('acme')
product = factories.product(brand)
item = items.register_item(actor=factories.brand_admin(brand), brand=brand, gtin=product.gtin, serial='REAL1')
print(json.dumps({'code': items.label_uri(item)}))
"""

OFFICER_SCAN = """
from ipchain.accounts.models import Role
from tests import factories
from verifier.verification import verify_code
officer = factories.user(factories.customs('nl-customs'), Role.CUSTOMS_OFFICER)
result = verify_code({code!r}, user=officer)
print(json.dumps({{'verdict': str(result.verdict)}}))
"""

# The officer detains the goods: a case on A's item, against A's rights holder made here.
DETAIN = """
from ipchain.ledger import log
from verifier import cases
from verifier.models import Scan
scan = Scan.objects.filter(serial='REAL1', officer__isnull=False).latest('pk')
officer = scan.officer
case = cases.open_case(actor=officer, goods='Jackets', quantity=5, scan=scan)
log.integrate_pending()
print(json.dumps([case.procedure, case.brand.home_office, case.brand.home_slug]))
"""

ALERTS = """
from verifier.models import Alert
print(json.dumps(sorted([a.brand.slug, a.kind, a.item.serial] for a in Alert.objects.all())))
"""

QUORUM_OF_THREE = """
from django.test import override_settings
from verifier.verification import verify_code
with override_settings(IPCHAIN_WITNESS_QUORUM=3):
    result = verify_code({code!r}, log=False)
print(json.dumps({{'verdict': str(result.verdict), 'trusted': result.evidence.trusted}}))
"""


@pytest.fixture
def offices(tmp_path):
    template = tmp_path / "template"
    template.mkdir()
    env = Node("template", tmp_path).env
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0", "--skip-checks"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=COMMAND_TIMEOUT,
    )
    nodes = [Node(name, tmp_path) for name in "abc"]
    for node in nodes:
        node.dir.mkdir()
        for file in template.glob("db.sqlite3*"):
            shutil.copy(file, node.dir / file.name)
    keys = run_all(
        {
            node: "call_command('ipchain_keygen')\ncall_command('ipchain_witness_key', generate=True)"
            for node in nodes
        }
    )
    for node, out in keys.items():
        lines = out.strip().splitlines()
        node.log_vkey, node.witness_vkey = lines[-2:]  # each command prints its verifier key alone
    run_all(
        {
            node: "".join(
                f"call_command('ipchain_peer_add', '{peer.name}', url='{peer.url}', log_vkey='{peer.log_vkey}', "
                f"witness_vkey='{peer.witness_vkey}', witness=True, mirror=True, cosigner=True)\n"
                for peer in nodes
                if peer is not node
            )
            for node in nodes
        }
    )
    try:
        for node in nodes:
            node.start()
        for node in nodes:
            node.wait_ready()
        yield nodes
    finally:
        for node in nodes:
            node.stop()


def test_three_offices_witness_and_mirror_each_other(offices):
    a, b, c = offices
    witness_keys = {node.name: CosignatureVerifier.from_vkey(node.witness_vkey) for node in offices}

    # A registers 300 items. Integration is followed by cosigning requests to B and C.
    run_all({a: append_items("A", 300)})
    note = a.checkpoint()
    assert open_checkpoint(note, Verifier.from_vkey(a.log_vkey)).size == 300
    cosigners = verify_cosignatures(note, witness_keys.values())
    assert sorted(c.witness.name for c in cosigners) == ["node-b.test/witness", "node-c.test/witness"]

    # C mirrors A and proves a registration there, against A's cosigned checkpoint.
    out = run_all(
        {
            c: SYNC.format(names=["a"])
            + """
from ipchain.federation import mirror, mirrored
from ipchain.federation.cosigning import checkpoint_trusted
from ipchain.ledger.notes import Verifier
[entry] = mirrored.item_registrations(gtin='09506000134352', serial='A00123')
proof = mirrored.mirrored_inclusion_proof(entry)
print(json.dumps({
    'office': entry.peer.name, 'origin': proof.origin, 'index': proof.leaf_index, 'size': proof.tree_size,
    'hashes': [h.hex() for h in proof.hashes], 'note': proof.checkpoint_note, 'body': bytes(entry.body).decode(),
    'trusted': checkpoint_trusted(proof.checkpoint_note, log=Verifier.from_vkey(entry.peer.log_vkey), quorum=2),
}))
"""
        }
    )[c]
    assert "a: advanced at size 300, 300 new entries" in out
    found = json.loads(out.strip().splitlines()[-1])
    assert (found["office"], found["origin"], found["index"], found["size"]) == (
        "a",
        "node-a.test/log",
        123,
        300,
    )
    assert json.loads(found["body"])["serial"] == "A00123"
    assert found["trusted"] is True  # cosigned by B and by C itself
    checkpoint = open_checkpoint(found["note"], Verifier.from_vkey(a.log_vkey))
    verify_inclusion(
        123,
        300,
        leaf_hash(found["body"].encode()),
        [bytes.fromhex(h) for h in found["hashes"]],
        checkpoint.root_hash,
    )

    # A's office registers a real item: office key, admitted brand, brand key, signed record.
    # C mirrors A again, and C's own verify API calls the item genuine, naming A as the office
    # that registered it; the evidence is A's cosigned checkpoint and a checked inclusion proof.
    out = run_all({a: REGISTER_REAL_ITEM})[a]
    code = json.loads(out.strip().splitlines()[-1])["code"]
    assert "advanced" in run_all({c: SYNC.format(names=["a"])})[c]
    verdict = post_json(f"{c.url}/api/v1/verify", {"code": code})
    assert verdict["verdict"] == "genuine", verdict
    assert verdict["registered_by"] == {"office": "a", "origin": "node-a.test/log", "url": a.url}
    assert verdict["peer_item"]["brand"] == "acme"
    evidence = verdict["evidence"]
    assert evidence["inclusion_proof_checked"] is True
    assert (evidence["trusted"], evidence["quorum"]) == (True, 2)
    assert evidence["cosigned_by"] == ["node-b.test/witness", "node-c.test/witness"]
    signed = open_checkpoint(evidence["checkpoint"], Verifier.from_vkey(a.log_vkey))
    verify_inclusion(
        evidence["ledger_index"],
        signed.size,
        base64.b64decode(evidence["leaf_hash"]),
        [base64.b64decode(h) for h in evidence["inclusion_proof"]],
        signed.root_hash,
    )
    page = get(f"{c.url}{urllib.parse.urlsplit(code).path}?{urllib.parse.urlsplit(code).query}")
    assert 'data-verdict="genuine"' in page and "registered at office a (node-a.test/log)" in page
    # A label signed by another key for the same item is forged, at C too.
    forged = code.rsplit("&s=", 1)[0] + "&s=" + "A" * 86
    assert post_json(f"{c.url}/api/v1/verify", {"code": forged})["verdict"] == "forged"
    # A customs officer at C finds the forged label: C's customs authority signs the sighting
    # into C's log, and A, mirroring C, alerts its rights holder (sightings.py).
    out = run_all({c: OFFICER_SCAN.format(code=forged)})[c]
    assert json.loads(out.strip().splitlines()[-1]) == {"verdict": "forged"}
    # C's officer detains the goods: ex officio, against A's holder as C now knows it; the
    # case's signed record tells A, which alerts its holder too (peer_holders.py).
    out = run_all({c: DETAIN})[c]
    assert json.loads(out.strip().splitlines()[-1]) == ["ex_officio", "node-a.test/log", "acme"]
    assert "advanced" in run_all({a: SYNC.format(names=["c"])})[a]
    alerts = json.loads(run_all({a: ALERTS})[a].strip().splitlines()[-1])
    assert alerts == [["acme", "detained", "REAL1"], ["acme", "forged", "REAL1"]]
    # Demanding three cosignatures (only two witnesses cosigned A): not trusted, not genuine.
    out = run_all({c: QUORUM_OF_THREE.format(code=code)})[c]
    assert json.loads(out.strip().splitlines()[-1]) == {"verdict": "unknown", "trusted": False}

    # B's log grows honestly: A and C cosign it and mirror it.
    run_all({b: append_items("B", 50)})
    assert len(verify_cosignatures(b.checkpoint(), witness_keys.values())) == 2
    synced = run_all({a: SYNC.format(names=["b"]), c: SYNC.format(names=["b"])})
    assert all("b: advanced at size 50" in out for out in synced.values())

    # B's database is rewritten: another history, signed with B's key, served to everyone.
    with sqlite3.connect(b.dir / "db.sqlite3") as db:
        db.executescript(
            "DELETE FROM federation_cosignature; DELETE FROM ledger_signedcheckpoint;"
            "DELETE FROM ledger_hashtile; DELETE FROM ledger_logentry;"
        )
    run_all({b: append_items("FORK", 80)})
    forked = b.checkpoint()
    assert open_checkpoint(forked, Verifier.from_vkey(b.log_vkey)).size == 80
    assert verify_cosignatures(forked, witness_keys.values()) == []  # both witnesses refused
    for witness in (a, c):  # the alert, in each witness's own log (whatever the line's prefix)
        alert = re.compile(r"ERROR ipchain\.federation\.split_views .*split view suspected: peer b ")
        assert alert.search((witness.dir / "server.log").read_text())
    b_status = status_of(b)
    assert all("HTTP 422" in " ".join(b_status[name]["errors"]) for name in ("a", "c"))

    synced = run_all({a: SYNC.format(names=["b"]), c: SYNC.format(names=["b"])})
    assert all("b: split_view" in out for out in synced.values())
    for node in (a, c):
        flagged = status_of(node)["b"]
        assert flagged["split_views"] == 2, flagged  # the witness's refusal and the mirror's proof
        assert flagged["proven_split_views"] == 1
        assert flagged["mirrored_size"] == 50  # the mirror kept the history it verified

    # C goes offline. A keeps working on its own log, with B's cosignature alone, and says so.
    size = open_checkpoint(a.checkpoint(), Verifier.from_vkey(a.log_vkey)).size
    c.stop()
    started = time.monotonic()
    run_all({a: append_items("A2-", 10)})
    assert time.monotonic() - started < 30
    note = a.checkpoint()
    assert open_checkpoint(note, Verifier.from_vkey(a.log_vkey)).size == size + 10
    assert [x.witness.name for x in verify_cosignatures(note, witness_keys.values())] == [
        "node-b.test/witness"
    ]
    out = run_all({a: SYNC.format(names=["c"])})[a]
    assert "c: unavailable" in out
    c_status = status_of(a)["c"]
    assert any(e.startswith("witness:") for e in c_status["errors"])
    assert any(e.startswith("mirror: unavailable") for e in c_status["errors"])
