"""Mirroring a peer's log through its tiles: catch-up, proofs, refusals and split views.

The peer is a PeerLog served over real HTTP on 127.0.0.1 (tests/ipchain/federation/peerlog.py).
"""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from ipchain.federation import mirror, mirrored
from ipchain.federation.models import MirroredCheckpoint, MirroredEntry, MirroredTile, Peer, SplitViewEvidence
from ipchain.federation.status import federation_status
from ipchain.ledger.merkle import ProofError, verify_inclusion
from ipchain.ledger.notes import split_note

from .conftest import TEST_WITNESS, add_peer
from .peerlog import PeerLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def log():
    peer_log = PeerLog()
    peer_log.append(700)
    return peer_log


@pytest.fixture
def served(log):
    with log.serve() as server:
        yield server


@pytest.fixture
def peer(log, served):
    return add_peer(log, url=served.url)


def sync(peer):
    return mirror.sync_peer(Peer.objects.get(pk=peer.pk))


def test_it_mirrors_a_peer_log_and_proves_its_entries_there(log, peer):
    result = sync(peer)
    assert (result.status, result.size, result.entries) == ("advanced", 700, 700)
    assert MirroredEntry.objects.filter(peer=peer).count() == 700
    entry = MirroredEntry.objects.get(peer=peer, leaf_index=650)
    assert bytes(entry.body) == log.entries[650]
    proof = mirrored.mirrored_inclusion_proof(entry)
    assert (proof.origin, proof.tree_size, proof.root_hash) == (log.origin, 700, log.root())
    verify_inclusion(650, 700, proof.leaf_hash, proof.hashes, log.root())  # by anyone, from the proof alone
    assert proof.checkpoint_note == log.checkpoint()
    stored = {(t.level, t.index): bytes(t.hashes) for t in MirroredTile.objects.filter(peer=peer)}
    assert stored == log.tiles()
    assert Peer.objects.get(pk=peer.pk).mirror_ok_at is not None


def test_it_follows_the_log_as_it_grows_fetching_only_new_bundles(log, peer, served):
    sync(peer)
    log.append(100)
    served.requests.clear()
    result = sync(peer)
    assert (result.status, result.size, result.entries) == ("advanced", 800, 100)
    # bundles are fetched a few at a time, so they arrive in any order
    bundles = sorted(path for path in served.requests if "/entries/" in path)
    assert bundles == ["/log/tile/entries/002", "/log/tile/entries/003.p/32"]
    assert [
        bytes(e.body) for e in MirroredEntry.objects.filter(peer=peer).order_by("leaf_index")
    ] == log.entries
    assert sync(peer).status == "up_to_date"
    assert MirroredCheckpoint.objects.filter(peer=peer).count() == 2


def test_a_large_catch_up_goes_in_steps_each_proven_against_the_signed_checkpoint(log, peer, settings):
    settings.IPCHAIN_MIRROR_STEP = 256
    assert sync(peer).status == "advanced"
    steps = list(
        MirroredCheckpoint.objects.filter(peer=peer)
        .order_by("tree_size")
        .values_list("tree_size", "signed_size")
    )
    assert steps == [(256, 700), (512, 700), (700, 700)]
    assert (
        mirrored.mirrored_inclusion_proof(MirroredEntry.objects.get(peer=peer, leaf_index=3)).tree_size == 700
    )


def test_an_interrupted_catch_up_resumes_where_it_stopped(log, peer, settings):
    settings.IPCHAIN_MIRROR_STEP = 256
    sync(peer)
    MirroredCheckpoint.objects.filter(peer=peer, tree_size=700).delete()
    MirroredEntry.objects.filter(peer=peer, leaf_index__gte=512).delete()
    MirroredTile.objects.filter(peer=peer, level=0, index=2).delete()
    result = sync(peer)
    assert (result.status, result.size, result.entries) == ("advanced", 700, 188)
    assert MirroredEntry.objects.filter(peer=peer).count() == 700


def test_a_later_copy_with_more_cosignatures_replaces_the_note(log, peer):
    sync(peer)
    text, _ = split_note(log.checkpoint())
    log.extra_signature_lines = TEST_WITNESS.cosign(text, int(time.time()))
    assert sync(peer).status == "up_to_date"
    state = MirroredCheckpoint.objects.get(peer=peer, tree_size=700)
    assert state.cosignatures == 1 and state.note.endswith(log.extra_signature_lines)


def test_a_second_root_at_the_same_size_is_a_proven_split_view(log, peer):
    sync(peer)
    first = log.checkpoint()
    log.fork(keep=600, count=100)
    result = sync(peer)
    assert result.status == "split_view"
    evidence = SplitViewEvidence.objects.get(peer=peer)
    assert (evidence.seen_by, evidence.reason, evidence.proven) == ("mirror", "root_mismatch", True)
    assert (evidence.first_note, evidence.second_note) == (first, log.checkpoint())
    assert bytes(MirroredEntry.objects.get(peer=peer, leaf_index=650).body) != log.entries[650]  # kept ours
    assert "split view" in Peer.objects.get(pk=peer.pk).mirror_error.replace("_", " ")


def test_a_checkpoint_that_does_not_extend_the_mirrored_one_is_a_proven_split_view(log, peer):
    sync(peer)
    log.fork(keep=500, count=400)  # size 900, but its first 700 are not ours
    result = sync(peer)
    assert result.status == "split_view"
    evidence = SplitViewEvidence.objects.get(peer=peer)
    assert (evidence.reason, evidence.proven, evidence.first_size, evidence.second_size) == (
        "inconsistent",
        True,
        700,
        900,
    )
    assert evidence.proof.strip(), "the failing proof is kept"
    assert MirroredEntry.objects.filter(peer=peer).count() == 700
    [status] = federation_status()
    assert (status.split_views, status.proven_split_views) == (1, 1)
    # The fork again is the same evidence.
    sync(peer)
    assert SplitViewEvidence.objects.count() == 1


def test_an_older_checkpoint_that_is_a_prefix_is_only_behind(log, peer):
    sync(peer)
    log.served_size = 300
    result = sync(peer)
    assert result.status == "behind"
    assert not SplitViewEvidence.objects.exists()


def test_an_older_checkpoint_with_another_history_is_a_split_view(log, peer):
    sync(peer)
    log.fork(keep=100, count=600)
    log.served_size = 300
    assert sync(peer).status == "split_view"
    assert SplitViewEvidence.objects.get().reason == "older_root_mismatch"


def test_a_checkpoint_with_a_bad_signature_is_refused(log, peer):
    Peer.objects.filter(pk=peer.pk).update(log_vkey=PeerLog(origin=log.origin).vkey)
    result = sync(peer)
    assert (result.status, result.size) == ("refused", 0)
    assert "bad_checkpoint" in result.message
    assert not MirroredEntry.objects.exists()


def test_entries_that_do_not_hash_to_the_tiles_are_refused_and_named(log, peer):
    log.tampered_entries[650] = b'{"n":650,"type":"forged"}'
    result = sync(peer)
    assert result.status == "refused"
    assert "entry 650 does not hash to the peer's level-0 tile" in result.message
    assert not MirroredEntry.objects.exists()
    assert not SplitViewEvidence.objects.exists()  # nothing signed conflicts


def test_tiles_that_do_not_hash_to_the_signed_root_are_refused(log, peer):
    log.tampered_tiles[(1, 0)] = bytes(64)
    result = sync(peer)
    assert result.status == "refused" and "tiles_mismatch" in result.message


def test_an_unreachable_peer_is_recorded_and_flagged_stale_after_a_while(log, peer, served, settings):
    sync(peer)
    served.__exit__()
    result = sync(peer)
    assert result.status == "unavailable"
    assert Peer.objects.get(pk=peer.pk).mirror_error.startswith("unavailable")
    [status] = federation_status()
    assert not status.stale and status.errors
    Peer.objects.filter(pk=peer.pk).update(
        mirror_ok_at=timezone.now() - timedelta(seconds=settings.IPCHAIN_PEER_STALE_AFTER + 1)
    )
    [status] = federation_status()
    assert status.stale and status.mirrored_size == 700


def test_a_tampered_mirror_table_gives_a_proof_error_not_a_wrong_answer(log, peer):
    sync(peer)
    entry = MirroredEntry.objects.get(peer=peer, leaf_index=10)
    entry.body = b'{"n":10,"type":"edited"}'
    entry.save()
    with pytest.raises(ProofError):
        mirrored.mirrored_inclusion_proof(entry)


def test_items_and_keys_registered_at_a_peer_are_found_in_the_mirror(served, log):
    log.append_records(
        [
            {"v": 1, "type": "key.registered", "org": "acme", "key": {"kid": "k1"}},
            {"v": 1, "type": "item.registered", "brand": "acme", "gtin": "09506000134352", "serial": "SN1"},
            {"v": 1, "type": "item.event", "event": "shipped", "gtin": "09506000134352", "serial": "SN1"},
            {
                "v": 1,
                "type": "item.registered",
                "brand": "acme",
                "gtin": "09506000134352",
                "serial": "S" * 21,
            },
        ]
    )
    peer = add_peer(log, url=served.url)
    sync(peer)
    [found] = mirrored.item_registrations(gtin="09506000134352", serial="SN1")
    assert (found.peer, found.leaf_index) == (peer, 701)
    assert mirrored.item_registered_at(peer=peer, gtin="09506000134352", serial="SN1") == found
    assert mirrored.item_registered_at(peer=peer, gtin="09506000134352", serial="SN2") is None
    assert [e.leaf_index for e in mirrored.mirrored_records(kind="key.registered", peer=peer)] == [700]
    assert mirrored.mirrored_inclusion_proof(found).leaf_index == 701
