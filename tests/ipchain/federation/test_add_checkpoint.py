"""POST /witness/add-checkpoint: this node witnessing a peer's log, every answer of tlog-witness."""

import threading

import pytest
from django.db import connection
from django.test import Client

from ipchain.federation import witnessing
from ipchain.federation.models import SplitViewEvidence, WitnessedHead
from ipchain.federation.tlog_cosignature import verify_cosignatures
from ipchain.federation.tlog_witness import TreeHead, WitnessRefusal, format_request
from ipchain.ledger.notes import Signer

from .conftest import TEST_WITNESS, add_peer
from .peerlog import PeerLog

pytestmark = pytest.mark.django_db
URL = "/witness/add-checkpoint"


@pytest.fixture
def log():
    peer_log = PeerLog()
    peer_log.append(300)
    return peer_log


@pytest.fixture
def peer(log):
    return add_peer(log)


def post(client: Client, old: int, proof, note: str):
    return client.post(URL, format_request(old, proof, note), content_type="text/plain")


def witness_from(client, log, size: int):
    """Have the witness cosign `log` at `size`, from scratch."""
    response = post(client, 0, [], log.checkpoint(size))
    assert response.status_code == 200, response.content


def test_it_cosigns_the_first_checkpoint_of_a_log(client, log, peer):
    note = log.checkpoint(5)
    response = post(client, 0, [], note)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    assert body.startswith("— test.ipchain.example/witness ") and body.count("\n") == 1
    [cosignature] = verify_cosignatures(note + body, [TEST_WITNESS.verifier])
    assert cosignature.witness == TEST_WITNESS.verifier
    head = WitnessedHead.objects.get(peer=peer)
    assert (head.tree_size, bytes(head.root_hash), head.note) == (5, log.root(5), note)


def test_it_cosigns_a_checkpoint_that_extends_the_last_one(client, log, peer):
    witness_from(client, log, 5)
    response = post(client, 5, log.consistency(5, 300), log.checkpoint(300))
    assert response.status_code == 200
    assert WitnessedHead.objects.get(peer=peer).tree_size == 300
    # The same checkpoint once more is cosigned again (a fresher timestamp, same statement).
    assert post(client, 300, [], log.checkpoint(300)).status_code == 200


def test_it_ignores_signatures_by_unknown_keys(client, log, peer):
    stranger = Signer.generate("someone.example/log")
    note = log.checkpoint(5) + stranger.signature_line(log.checkpoint(5).split("\n\n")[0] + "\n")
    assert post(client, 0, [], note).status_code == 200


def test_an_unknown_origin_is_404(client, log):
    response = post(client, 0, [], log.checkpoint(5))
    assert response.status_code == 404
    assert response.json()["error"]["reason"] == "unknown_origin"


def test_a_peer_we_do_not_witness_is_404(client, log):
    add_peer(log, witness_its_log=False)
    assert post(client, 0, [], log.checkpoint(5)).status_code == 404


def test_a_checkpoint_not_signed_by_the_peer_log_key_is_403(client, log, peer):
    impostor = PeerLog(origin=log.origin)
    impostor.append(5)
    response = post(client, 0, [], impostor.checkpoint())
    assert response.status_code == 403
    assert response.json()["error"]["reason"] == "bad_signature"
    assert not WitnessedHead.objects.exists()


def test_an_old_size_past_the_checkpoint_is_400(client, log, peer):
    witness_from(client, log, 10)
    response = post(client, 10, [], log.checkpoint(5))
    assert response.status_code == 400
    assert response.json()["error"]["reason"] == "old_size_too_large"


def test_an_old_size_that_is_not_the_last_cosigned_is_409_with_the_size(client, log, peer):
    witness_from(client, log, 5)
    response = post(client, 0, [], log.checkpoint(300))
    assert response.status_code == 409
    assert response["Content-Type"] == "text/x.tlog.size"
    assert response.content == b"5\n"
    assert WitnessedHead.objects.get(peer=peer).tree_size == 5


def test_a_second_root_for_the_same_size_is_409_and_kept_as_proven_evidence(client, log, peer):
    witness_from(client, log, 300)
    first = log.checkpoint(300)
    log.fork(keep=200, count=100)
    response = post(client, 300, [], log.checkpoint(300))
    assert response.status_code == 409
    assert response.content == b"300\n"
    evidence = SplitViewEvidence.objects.get()
    assert (evidence.peer, evidence.seen_by, evidence.reason, evidence.proven) == (
        peer,
        "witness",
        "root_mismatch",
        True,
    )
    assert (evidence.first_note, evidence.second_note) == (first, log.checkpoint(300))


def test_a_proof_that_does_not_verify_is_422_and_kept_as_evidence(client, log, peer):
    witness_from(client, log, 100)
    cosigned = log.checkpoint(100)
    log.fork(keep=50, count=250)  # the forked log's own proof from 100 leads elsewhere
    proof = log.consistency(100, 300)
    response = post(client, 100, proof, log.checkpoint(300))
    assert response.status_code == 422
    assert response.json()["error"]["reason"] == "inconsistent_proof"
    assert WitnessedHead.objects.get(peer=peer).tree_size == 100
    evidence = SplitViewEvidence.objects.get()
    assert (evidence.seen_by, evidence.reason, evidence.proven) == ("witness", "inconsistent_proof", False)
    assert evidence.first_note == cosigned and evidence.second_note == log.checkpoint(300)
    assert evidence.proof.count("\n") == len(proof)
    # The forked log retrying is the same evidence, kept once.
    assert post(client, 100, proof, log.checkpoint(300)).status_code == 422
    assert SplitViewEvidence.objects.count() == 1


def test_a_split_view_is_alerted_in_the_log_at_error(client, log, peer, caplog):
    witness_from(client, log, 100)
    log.fork(keep=50, count=50)
    with caplog.at_level("ERROR", logger="ipchain.federation.split_views"):
        post(client, 100, [], log.checkpoint(100))
    assert "split view PROVEN" in caplog.text and log.origin in caplog.text


@pytest.mark.parametrize("body", [b"", b"old 1\nnot base64\n\nx\n", b"old 00\n\n"])
def test_a_malformed_request_is_400(client, peer, body):
    response = client.post(URL, body, content_type="text/plain")
    assert response.status_code == 400
    assert response.json()["error"]["reason"] == "malformed_request"


def test_a_signed_note_that_is_not_a_checkpoint_is_400(client, log, peer):
    note = log.signer.sign(f"{log.origin}\n05\n{'A' * 43}=\n")  # a leading zero in the size
    response = post(client, 0, [], note)
    assert response.status_code == 400
    assert response.json()["error"]["reason"] == "malformed_checkpoint"


def test_get_is_405(client):
    assert client.get(URL).status_code == 405


def test_a_huge_request_is_413(client, peer):
    assert client.post(URL, b"x" * 70_000, content_type="text/plain").status_code == 413


def test_a_node_without_a_witness_key_says_so(client, log, peer, settings):
    from ipchain.federation.witnesskey import witness_signer

    settings.IPCHAIN_WITNESS_KEY = ""
    settings.IPCHAIN_WITNESS_KEY_FILE = "/nonexistent/witness.key"
    witness_signer.cache_clear()
    response = post(client, 0, [], log.checkpoint(5))
    assert response.status_code == 503
    assert client.get("/witness/key").status_code == 404


def test_the_witness_key_is_published(client):
    response = client.get("/witness/key")
    assert response.status_code == 200
    assert response.content.decode() == TEST_WITNESS.verifier.vkey + "\n"


def test_the_head_never_moves_back_when_a_slower_request_lands_later(log, peer):
    """tlog-witness's race: A (to 10) and B (to 300) both checked against size 5; B stores
    first; A's store must fail with 409 instead of rolling the head back to 10."""
    witnessing._advance(peer, None, size=5, root=log.root(5), note=log.checkpoint(5))
    checked_against = TreeHead(5, log.root(5))
    witnessing._advance(peer, checked_against, size=300, root=log.root(300), note=log.checkpoint(300))
    with pytest.raises(WitnessRefusal) as caught:
        witnessing._advance(peer, checked_against, size=10, root=log.root(10), note=log.checkpoint(10))
    assert (caught.value.status, caught.value.known_size) == (409, 300)
    assert WitnessedHead.objects.get(peer=peer).tree_size == 300


def test_two_first_checkpoints_at_once_store_one(log, peer):
    witnessing._advance(peer, None, size=5, root=log.root(5), note=log.checkpoint(5))
    with pytest.raises(WitnessRefusal) as caught:
        witnessing._advance(peer, None, size=7, root=log.root(7), note=log.checkpoint(7))
    assert caught.value.known_size == 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_from_one_old_size_cosign_exactly_one(log):
    """Eight requests from size 5 to different sizes, released together: one wins, seven get 409."""
    add_peer(log)
    assert post(Client(), 0, [], log.checkpoint(5)).status_code == 200
    sizes = [20 + 30 * n for n in range(8)]
    bodies = {size: format_request(5, log.consistency(5, size), log.checkpoint(size)) for size in sizes}
    start = threading.Barrier(len(sizes))
    statuses = {}

    def submit(size):
        try:
            start.wait()
            statuses[size] = Client().post(URL, bodies[size], content_type="text/plain").status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(size,)) for size in sizes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses.values()) == [200] + [409] * 7
    winner = next(size for size, status in statuses.items() if status == 200)
    assert WitnessedHead.objects.get().tree_size == winner


def test_an_older_tree_after_a_newer_one_is_never_cosigned(client, log, peer):
    """A log rolled back to an earlier size: whatever old size it claims, no cosignature."""
    witness_from(client, log, 300)
    older = log.checkpoint(100)
    claims_nothing = post(client, 0, [], older)
    assert (claims_nothing.status_code, claims_nothing.content) == (409, b"300\n")
    claims_the_truth = post(client, 300, [], older)
    assert claims_the_truth.status_code == 400
    assert claims_the_truth.json()["error"]["reason"] == "old_size_too_large"
    claims_older = post(client, 50, log.consistency(50, 100), older)
    assert (claims_older.status_code, claims_older.content) == (409, b"300\n")
    head = WitnessedHead.objects.get(peer=peer)
    assert (head.tree_size, bytes(head.root_hash)) == (300, log.root(300))
