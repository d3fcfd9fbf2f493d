import logging

import pytest

from ipchain.ledger import log, logkey, reads
from ipchain.ledger.canonical import RecordError
from ipchain.ledger.logkey import LogKeyMissing, log_signer
from ipchain.ledger.merkle import leaf_hash, root_from_leaf_hashes, verify_consistency, verify_inclusion
from ipchain.ledger.models import LogEntry, SignedCheckpoint
from ipchain.ledger.notes import open_checkpoint
from tests.conftest import TEST_SIGNER

pytestmark = pytest.mark.django_db


def test_an_appended_record_is_pending_with_a_stable_id_until_integrated():
    entry = log.append({"type": "test", "b": 2, "a": 1})
    assert entry.pk and entry.is_pending
    assert bytes(entry.body) == b'{"a":1,"b":2,"type":"test"}'
    assert bytes(entry.leaf_hash) == leaf_hash(bytes(entry.body))

    assert log.integrate_pending() == 1
    integrated = LogEntry.objects.get(pk=entry.pk)  # the id given at acceptance still finds it
    assert integrated.leaf_index == 0 and integrated.integrated_at is not None
    assert bytes(integrated.body) == bytes(entry.body)


def test_appends_in_one_transaction_are_integrated_after_commit_under_one_checkpoint(
    django_capture_on_commit_callbacks, log_verifier
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = log.append({"n": 1})
        second = log.append({"n": 2})
        assert LogEntry.objects.filter(leaf_index__isnull=True).count() == 2  # nothing before commit
    assert callbacks
    assert [e.leaf_index for e in LogEntry.objects.filter(pk__in=[first.pk, second.pk]).order_by("pk")] == [
        0,
        1,
    ]
    assert SignedCheckpoint.objects.count() == 1
    assert open_checkpoint(SignedCheckpoint.objects.get().note, log_verifier).size == 2


def test_each_integration_signs_one_checkpoint_that_the_node_verifier_opens():
    for n in range(3):
        log.append({"n": n})
        log.integrate_pending()
    notes = list(SignedCheckpoint.objects.order_by("tree_size").values_list("tree_size", "note"))
    assert [size for size, _ in notes] == [1, 2, 3]
    for size, note in notes:
        assert open_checkpoint(note, logkey.log_verifier()).size == size


def test_a_record_that_is_not_an_object_is_refused():
    with pytest.raises(RecordError) as exc:
        log.append(["not", "an", "object"])
    assert exc.value.reason == "not_an_object"


def test_the_log_key_never_reaches_the_logs(caplog, settings):
    caplog.set_level(logging.DEBUG)
    log.append_many({"n": n} for n in range(5))
    log.integrate_pending(batch_size=2)
    settings.IPCHAIN_LOG_KEY = TEST_SIGNER.skey[:-4] + "AAA="  # unusable: the error must not echo it
    logkey.log_signer.cache_clear()
    with pytest.raises(LogKeyMissing) as exc:
        logkey.log_signer()
    # The fifth field: the base64 of the seed may itself hold "+" (once a flake: rsplit took
    # only the short run after the last one).
    seed = TEST_SIGNER.skey.split("+", 4)[4]
    assert seed[:20] not in str(exc.value)
    assert seed[:20] not in caplog.text and "PRIVATE" not in caplog.text


def test_integration_gives_contiguous_indexes_in_acceptance_order_in_batches(log_verifier):
    entries = log.append_many({"n": n} for n in range(700))
    assert log.integrate_pending(batch_size=256) == 700
    indexes = list(LogEntry.objects.order_by("id").values_list("leaf_index", flat=True))
    assert indexes == list(range(700))
    assert [e.pk for e in entries] == list(
        LogEntry.objects.order_by("leaf_index").values_list("id", flat=True)
    )
    # One signed checkpoint per batch, each over the tree of its size.
    assert list(SignedCheckpoint.objects.order_by("tree_size").values_list("tree_size", flat=True)) == [
        256,
        512,
        700,
    ]
    hashes = [bytes(h) for h in LogEntry.objects.order_by("leaf_index").values_list("leaf_hash", flat=True)]
    for checkpoint in SignedCheckpoint.objects.all():
        opened = open_checkpoint(checkpoint.note, log_verifier)
        assert opened.root_hash == root_from_leaf_hashes(hashes[: checkpoint.tree_size])


def test_integrating_with_nothing_pending_publishes_nothing():
    assert log.integrate_pending() == 0
    assert not SignedCheckpoint.objects.exists()


def test_proofs_from_stored_tiles_verify_against_the_signed_checkpoint(log_verifier):
    log.append_many({"n": n} for n in range(1000))
    log.integrate_pending(batch_size=300)
    checkpoint = open_checkpoint(reads.latest_checkpoint_note(), log_verifier)
    for index in (0, 255, 256, 999):
        proof = reads.inclusion_proof(index, 1000)
        verify_inclusion(index, 1000, proof.leaf_hash, proof.hashes, checkpoint.root_hash)
    older = SignedCheckpoint.objects.get(tree_size=600)
    consistency = reads.consistency_proof(600, 1000)
    verify_consistency(600, 1000, bytes(older.root_hash), checkpoint.root_hash, consistency.hashes)


def test_an_empty_log_serves_a_signed_checkpoint_of_size_zero(log_verifier):
    checkpoint = open_checkpoint(reads.latest_checkpoint_note(), log_verifier)
    assert checkpoint.size == 0


def test_a_record_over_the_size_limit_is_refused(settings):
    settings.IPCHAIN_MAX_ENTRY_BYTES = 100
    with pytest.raises(RecordError) as exc:
        log.append({"text": "x" * 200})
    assert exc.value.reason == "record_too_large"
    assert not LogEntry.objects.exists()


def test_no_setting_lets_in_a_record_an_entry_bundle_cannot_frame(settings):
    settings.IPCHAIN_MAX_ENTRY_BYTES = 1_000_000
    with pytest.raises(RecordError, match="the limit is 65535") as exc:
        log.append({"text": "x" * 70_000})
    assert exc.value.reason == "record_too_large"


def test_a_missing_log_key_is_a_clear_error_and_entries_stay_pending(settings, tmp_path):
    log.append({"n": 1})
    settings.IPCHAIN_LOG_KEY = ""
    settings.IPCHAIN_LOG_KEY_FILE = tmp_path / "absent.key"
    log_signer.cache_clear()
    with pytest.raises(LogKeyMissing, match="ipchain_keygen"):
        log.integrate_pending()
    assert LogEntry.objects.filter(leaf_index__isnull=True).count() == 1


def test_a_log_key_for_another_origin_is_refused(settings):
    settings.IPCHAIN_LOG_ORIGIN = "other.example/log"
    log_signer.cache_clear()
    with pytest.raises(LogKeyMissing, match="IPCHAIN_LOG_ORIGIN"):
        log_signer()
