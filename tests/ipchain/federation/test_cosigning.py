"""Our log asking witnesses to cosign each checkpoint, serving the cosigned checkpoint, and
trusting checkpoints by cosignatures.

The witness here is this very node served by live_server (it witnesses its own log), so the
whole path is real: HTTP, the witness's checks and storage, the cosignature's verification.
"""

import socket
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import Client

from ipchain.dashboard.health import ledger_health
from ipchain.federation.cosigning import checkpoint_trusted, collect_cosignatures
from ipchain.federation.models import Cosignature, Peer, WitnessedHead
from ipchain.federation.peer_setup import peer_configure
from ipchain.federation.tlog_cosignature import CosignatureSigner
from ipchain.ledger import log
from ipchain.ledger.models import SignedCheckpoint
from ipchain.ledger.notes import Signer, split_note
from tests.conftest import TEST_SIGNER

from .conftest import TEST_WITNESS


def append(n: int, start: int = 0) -> None:
    log.append_many({"type": "test", "n": i} for i in range(start, start + n))


def self_witness(url: str) -> Peer:
    peer, _ = peer_configure(
        name="self",
        url=url,
        log_vkey=TEST_SIGNER.verifier.vkey,
        witness_vkey=TEST_WITNESS.verifier.vkey,
        witness_its_log=True,
        cosigns_our_log=True,
    )
    return peer


class StubWitness:
    """A witness that answers what it is told to, after `delay` seconds (an outside system)."""

    def __init__(self, status=200, body=b"", delay=0.0):
        self.status, self.body, self.delay = status, body, delay
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                time.sleep(stub.delay)
                self.send_response(stub.status)
                self.send_header("Content-Length", str(len(stub.body)))
                self.end_headers()
                self.wfile.write(stub.body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


@pytest.mark.django_db(transaction=True)
def test_each_checkpoint_is_cosigned_and_served_with_its_cosignature(live_server):
    peer = self_witness(live_server.url)
    append(300)  # integration, then (after its commit) the request to the witness
    checkpoint = SignedCheckpoint.objects.get()
    cosignature = Cosignature.objects.get(checkpoint=checkpoint)
    assert cosignature.witness == peer
    served = Client().get("/log/checkpoint").content.decode()
    assert served == checkpoint.note + cosignature.line
    assert checkpoint_trusted(served, quorum=1)
    assert not checkpoint_trusted(served, quorum=2)
    assert not checkpoint_trusted(checkpoint.note, quorum=1)  # the bare note has no cosignature

    append(200, start=300)  # the next request carries a consistency proof from 300
    assert Cosignature.objects.filter(checkpoint__tree_size=500).exists()
    assert WitnessedHead.objects.get(peer=peer).tree_size == 500
    assert Peer.objects.get(pk=peer.pk).cosigned_size == 500


@pytest.mark.django_db(transaction=True)
def test_a_witness_that_holds_another_size_is_asked_again_from_that_size(live_server):
    peer = self_witness(live_server.url)
    append(300)
    Peer.objects.filter(pk=peer.pk).update(cosigned_size=0)  # we forgot what it cosigned
    append(10, start=300)
    outcome = Cosignature.objects.filter(checkpoint__tree_size=310)
    assert outcome.exists()
    assert Peer.objects.get(pk=peer.pk).cosigned_size == 310


@pytest.mark.django_db
def test_a_dead_witness_does_not_hold_up_integration(settings):
    settings.IPCHAIN_WITNESS_TIMEOUT = 1
    peer_configure(
        name="dead",
        url=closed_port_url(),
        log_vkey=Signer.generate("dead.example/log").verifier.vkey,
        witness_vkey=CosignatureSigner.generate("dead.example/witness").verifier.vkey,
        cosigns_our_log=True,
    )
    append(5)
    log.integrate_pending()
    started = time.perf_counter()
    [outcome] = collect_cosignatures(retry_failed=False)
    assert time.perf_counter() - started < 1
    assert not outcome.ok and "dead" in outcome.witness
    peer = Peer.objects.get(name="dead")
    assert peer.cosign_error and peer.cosign_error_at
    # Just failed: the path right after integration leaves it to the periodic retry.
    append(5, start=5)
    log.integrate_pending()
    assert collect_cosignatures(retry_failed=False) == []
    assert len(collect_cosignatures(retry_failed=True)) == 1


@pytest.mark.django_db
def test_a_hung_witness_costs_at_most_the_timeout(settings):
    settings.IPCHAIN_WITNESS_TIMEOUT = 0.5
    stub = StubWitness(delay=5)
    try:
        peer_configure(
            name="slow",
            url=stub.url,
            log_vkey=Signer.generate("slow.example/log").verifier.vkey,
            witness_vkey=CosignatureSigner.generate("slow.example/witness").verifier.vkey,
            cosigns_our_log=True,
        )
        append(5)
        log.integrate_pending()
        started = time.perf_counter()
        [outcome] = collect_cosignatures()
        assert time.perf_counter() - started < 2
        assert not outcome.ok and "timed out" in outcome.message
    finally:
        stub.close()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (200, b"\xe2\x80\x94 slow.example/witness AAAA\n", "no valid cosignature"),  # garbage line
        (200, b"", "no cosignature"),
        (422, b'{"error": {"reason": "inconsistent_proof"}}', "HTTP 422"),
        (409, b"not a size\n", "HTTP 409"),
    ],
)
def test_a_bad_answer_is_recorded_and_nothing_stored(status, body, expected):
    stub = StubWitness(status=status, body=body)
    try:
        peer_configure(
            name="odd",
            url=stub.url,
            log_vkey=Signer.generate("odd.example/log").verifier.vkey,
            witness_vkey=CosignatureSigner.generate("odd.example/witness").verifier.vkey,
            cosigns_our_log=True,
        )
        append(5)
        log.integrate_pending()
        [outcome] = collect_cosignatures()
        assert not outcome.ok and expected in outcome.message
        assert not Cosignature.objects.exists()
        assert Peer.objects.get(name="odd").cosigned_size == 0
    finally:
        stub.close()


@pytest.mark.django_db
def test_a_cosignature_by_another_key_than_the_configured_one_is_not_stored():
    impostor = CosignatureSigner.generate("odd.example/witness")
    append(5)
    log.integrate_pending()
    text, _ = split_note(SignedCheckpoint.objects.get().note)
    stub = StubWitness(body=impostor.cosign(text, int(time.time())).encode())
    try:
        peer_configure(
            name="odd",
            url=stub.url,
            log_vkey=Signer.generate("odd.example/log").verifier.vkey,
            witness_vkey=CosignatureSigner.generate("odd.example/witness").verifier.vkey,
            cosigns_our_log=True,
        )
        [outcome] = collect_cosignatures()
        assert not outcome.ok
        assert not Cosignature.objects.exists()
    finally:
        stub.close()


@pytest.mark.django_db
class TestCheckpointTrusted:
    @pytest.fixture
    def witnesses(self):
        others = [CosignatureSigner.generate(f"w{n}.example/witness") for n in range(3)]
        for n, other in enumerate(others):
            peer_configure(
                name=f"w{n}",
                url=f"http://w{n}.example",
                log_vkey=Signer.generate(f"w{n}.example/log").verifier.vkey,
                witness_vkey=other.verifier.vkey,
            )
        return others

    @pytest.fixture
    def note(self):
        append(3)
        log.integrate_pending()
        return SignedCheckpoint.objects.get().note

    def cosign(self, note, *signers, at=None):
        text, _ = split_note(note)
        return note + "".join(s.cosign(text, at or int(time.time())) for s in signers)

    def test_k_of_n_witnesses(self, witnesses, note, settings):
        settings.IPCHAIN_WITNESS_QUORUM = 2
        assert not checkpoint_trusted(self.cosign(note, witnesses[0]))
        assert checkpoint_trusted(self.cosign(note, witnesses[0], witnesses[2]))
        assert not checkpoint_trusted(self.cosign(note, witnesses[0], witnesses[0]))  # one witness twice
        assert checkpoint_trusted(self.cosign(note, witnesses[0], TEST_WITNESS))  # our own witness counts

    def test_only_named_witnesses_count_when_names_are_set(self, witnesses, note, settings):
        settings.IPCHAIN_WITNESS_QUORUM = 2
        settings.IPCHAIN_TRUSTED_WITNESSES = ["w1.example/witness", "w2.example/witness"]
        assert not checkpoint_trusted(self.cosign(note, witnesses[0], witnesses[1]))
        assert checkpoint_trusted(self.cosign(note, witnesses[1], witnesses[2]))

    def test_unknown_witnesses_do_not_count(self, witnesses, note):
        stranger = CosignatureSigner.generate("stranger.example/witness")
        assert not checkpoint_trusted(self.cosign(note, stranger), quorum=1)

    def test_a_bad_cosignature_or_a_bad_log_signature_is_untrusted(self, witnesses, note):
        good = self.cosign(note, witnesses[0], witnesses[1])
        assert checkpoint_trusted(good, quorum=2)
        text, _ = split_note(note)
        forged = note + witnesses[0].cosign(text.replace("\n3\n", "\n4\n"), int(time.time()))
        assert not checkpoint_trusted(forged, quorum=0)
        other_log = Signer.generate(TEST_SIGNER.name)
        assert not checkpoint_trusted(self.cosign(other_log.sign(text), witnesses[0], witnesses[1]), quorum=2)
        assert not checkpoint_trusted(self.cosign(note, witnesses[0], at=int(time.time()) + 3600), quorum=1)

    def test_a_peer_log_checkpoint_is_checked_against_that_log_key(self, witnesses):
        peer_log = Signer.generate("peer.example/log")
        note = peer_log.sign("peer.example/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n")
        assert checkpoint_trusted(self.cosign(note, witnesses[0]), log=peer_log.verifier, quorum=1)
        assert not checkpoint_trusted(self.cosign(note, witnesses[0]), quorum=1)  # not our log


@pytest.mark.django_db(transaction=True)
def test_a_log_that_stopped_growing_gets_fresh_cosignatures(live_server, settings):
    settings.IPCHAIN_COSIGN_REFRESH_SECONDS = 600
    self_witness(live_server.url)
    append(10)
    first = Cosignature.objects.get()
    assert collect_cosignatures() == []  # fresh enough: nobody is asked
    # Ten minutes later (the timestamp aged): the same checkpoint again, with an empty proof.
    Cosignature.objects.filter(pk=first.pk).update(timestamp=first.timestamp - 601)
    [outcome] = collect_cosignatures()
    assert outcome.ok
    renewed = Cosignature.objects.get()  # still one line for the witness on that checkpoint
    # Replaced by a fresh one (the aged timestamp was first's - 601).
    assert renewed.checkpoint_id == first.checkpoint_id and renewed.timestamp >= first.timestamp
    served = Client().get("/log/checkpoint").content.decode()
    assert served.endswith(renewed.line) and checkpoint_trusted(served, quorum=1)
    assert SignedCheckpoint.objects.count() == 1  # no new checkpoint was made for it
    # The office dashboard shows who cosigned the latest checkpoint, and how recently.
    health = ledger_health()
    assert health.cosigners == ["self"]
    assert health.cosigned_at == datetime.fromtimestamp(renewed.timestamp, UTC)

    settings.IPCHAIN_COSIGN_REFRESH_SECONDS = 0  # off: a cosignature never ages
    Cosignature.objects.update(timestamp=first.timestamp - 10**6)
    assert collect_cosignatures() == []
