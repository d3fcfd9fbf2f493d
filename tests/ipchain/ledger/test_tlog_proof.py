"""Entries as C2SP tlog-proof files: served for any checkpointed entry, checked here by code
written from the specs in this file (pyca cryptography, hashlib; nothing of ipchain's), and by
the node's own offline checker `python -m ipchain.verify_proof`."""

import base64
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ipchain.federation.models import Cosignature, Peer
from ipchain.federation.tlog_cosignature import CosignatureSigner
from ipchain.ledger import log
from ipchain.ledger.models import SignedCheckpoint

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]


# --- An independent checker, from C2SP tlog-proof, signed-note, tlog-checkpoint, tlog-cosignature
# and RFC 6962 2.1.1. It shares no code with ipchain.


def independent_check(text: str, log_vkey: str, witness_vkeys: list[str]) -> dict:
    head, _, note = text.partition("\n\n")
    lines = head.split("\n")
    assert lines[0] == "c2sp.org/tlog-proof@v1"
    extra = base64.b64decode(lines[1].removeprefix("extra "), validate=True)
    assert lines[2].startswith("index ")
    index = int(lines[2].removeprefix("index "))
    proof = [base64.b64decode(line, validate=True) for line in lines[3:]]
    body, _, signature_block = note.rpartition("\n\n")
    body += "\n"
    origin, size, root_b64 = body.rstrip("\n").split("\n")[:3]
    size, root = int(size), base64.b64decode(root_b64)

    def key(vkey: str, alg: int) -> tuple[str, bytes, Ed25519PublicKey]:
        name, key_hash, key_b64 = vkey.split("+", 2)
        raw = base64.b64decode(key_b64)
        assert raw[0] == alg
        assert hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4].hex() == key_hash
        return name, bytes.fromhex(key_hash), Ed25519PublicKey.from_public_bytes(raw[1:])

    log_name, log_id, log_key = key(log_vkey, 0x01)
    witnesses = {(n, i): k for n, i, k in (key(v, 0x04) for v in witness_vkeys)}
    log_signed, cosigned = False, []
    for line in signature_block.rstrip("\n").split("\n"):
        name, b64 = line.removeprefix("— ").split(" ")
        raw = base64.b64decode(b64)
        if (name, raw[:4]) == (log_name, log_id):
            log_key.verify(raw[4:], body.encode())  # raises InvalidSignature
            log_signed = True
        elif (name, raw[:4]) in witnesses:
            timestamp = int.from_bytes(raw[4:12], "big")
            message = f"cosignature/v1\ntime {timestamp}\n{body}".encode()
            witnesses[(name, raw[:4])].verify(raw[12:], message)
            cosigned.append(name)
    assert log_signed and origin == log_name

    def node(left: bytes, right: bytes) -> bytes:
        return hashlib.sha256(b"\x01" + left + right).digest()

    # RFC 9162 2.1.3.2: the root from the leaf, its index and the proof.
    fn, sn, r = index, size - 1, hashlib.sha256(b"\x00" + extra).digest()
    for p in proof:
        if sn == 0:
            raise AssertionError("proof too long")
        if fn % 2 == 1 or fn == sn:
            r = node(p, r)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node(r, p)
        fn, sn = fn >> 1, sn >> 1
    assert sn == 0 and r == root, "inclusion proof does not reach the signed root"
    return {"index": index, "size": size, "record": json.loads(extra), "cosigned": cosigned}


@pytest.fixture
def logged(client, log_verifier):
    entries = log.append_many({"v": 1, "type": "test", "n": n} for n in range(13))
    log.integrate_pending()
    checkpoint = SignedCheckpoint.objects.latest("tree_size")
    witness = CosignatureSigner.generate("witness.example/w")
    text = checkpoint.note.partition("\n\n")[0] + "\n"
    peer = Peer.objects.create(
        name="w", origin="w.example/log", log_vkey="w.example/log+00000000+AA", url="https://w.example"
    )
    Cosignature.objects.create(
        checkpoint=checkpoint, witness=peer, line=witness.cosign(text, 1_700_000_000), timestamp=1_700_000_000
    )
    return entries, witness


@pytest.mark.parametrize("index", [0, 5, 12])
def test_a_served_proof_holds_by_code_written_from_the_specs(client, logged, log_verifier, index):
    _entries, witness = logged
    answer = client.get(f"/api/v1/log/proof/tlog?index={index}")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "text/plain; charset=utf-8"
    assert answer["Content-Disposition"] == f'attachment; filename="ipchain-entry-{index}.tlog-proof"'
    shown = independent_check(answer.content.decode(), log_verifier.vkey, [witness.verifier.vkey])
    assert shown == {
        "index": index,
        "size": 13,
        "record": {"v": 1, "type": "test", "n": index},
        "cosigned": ["witness.example/w"],
    }


def test_a_tampered_proof_fails_the_independent_check(client, logged, log_verifier):
    text = client.get("/api/v1/log/proof/tlog?index=3").content.decode()
    other_record = base64.b64encode(b'{"n":4,"type":"test","v":1}').decode()
    tampered = text.replace(text.split("\n")[1], "extra " + other_record)
    with pytest.raises(AssertionError, match="does not reach the signed root"):
        independent_check(tampered, log_verifier.vkey, [])
    forged_root = text.replace(text.split("\n\n")[1].split("\n")[2], base64.b64encode(b"\x00" * 32).decode())
    with pytest.raises(InvalidSignature):
        independent_check(forged_root, log_verifier.vkey, [])


def run_checker(tmp_path, text: str, *args: str) -> subprocess.CompletedProcess:
    proof = tmp_path / "entry.tlog-proof"
    proof.write_text(text)
    return subprocess.run(
        [sys.executable, "-m", "ipchain.verify_proof", str(proof), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_offline_checker_says_what_a_proof_shows(client, logged, log_verifier, tmp_path):
    _entries, witness = logged
    text = client.get("/api/v1/log/proof/tlog?index=7").content.decode()
    done = run_checker(
        tmp_path,
        text,
        "--log-key",
        log_verifier.vkey,
        "--witness-key",
        witness.verifier.vkey,
        "--quorum",
        "1",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PROVEN: entry 7 of the log test.ipchain.example/log" in done.stdout
    assert "cosigned by the witness witness.example/w at 2023-11-14 22:13:20 UTC" in done.stdout
    assert '"n":7' in done.stdout

    trust = tmp_path / "trust.txt"
    trust.write_text(f"# offices' keys\n{log_verifier.vkey}\n{witness.verifier.vkey}\n")
    assert run_checker(tmp_path, text, "--trust", str(trust), "--quorum", "1").returncode == 0
    short = run_checker(tmp_path, text, "--log-key", log_verifier.vkey, "--quorum", "1")
    assert short.returncode == 1 and "NOT ENOUGH WITNESSES" in short.stdout
    tampered = text.replace(text.split("\n")[1], "extra " + base64.b64encode(b"{}").decode())
    bad = run_checker(tmp_path, tampered, "--log-key", log_verifier.vkey)
    assert bad.returncode == 1 and "NOT PROVEN" in bad.stdout
    other_log = "other.example/log+01234567+AdZ+4Bq8d4vxUxJ/4Lb2uLdVBy21t1QEh3ZRjZgNPDx0"
    assert run_checker(tmp_path, text, "--log-key", other_log).returncode in (1, 2)
    garbage = run_checker(tmp_path, "not a proof\n\nx", "--log-key", log_verifier.vkey)
    assert garbage.returncode == 2 and "cannot read" in garbage.stderr


@pytest.mark.parametrize(
    "query, status, reason",
    [("index=99", 404, "no_such_entry"), ("index=x", 400, "bad_parameter"), ("", 400, "missing_parameter")],
)
def test_a_proof_of_nothing_is_refused(client, logged, query, status, reason):
    answer = client.get(f"/api/v1/log/proof/tlog?{query}")
    assert (answer.status_code, answer.json()["error"]["reason"]) == (status, reason)


def test_an_entry_waiting_for_integration_has_no_proof_yet(client, logged):
    log.append_many([{"v": 1, "type": "test", "n": 99}])  # pending: no index, no checkpoint yet
    answer = client.get("/api/v1/log/proof/tlog?index=13")
    assert (answer.status_code, answer.json()["error"]["reason"]) == (404, "no_such_entry")
