import pytest

from ipchain.ledger import log, reads
from ipchain.ledger.merkle import verify_consistency, verify_inclusion
from ipchain.ledger.notes import open_checkpoint

pytestmark = pytest.mark.django_db


def test_appended_records_are_integrated_and_provable(log_verifier):
    for n in range(300):
        log.append({"type": "test", "n": n})
    log.integrate_pending()

    checkpoint = open_checkpoint(reads.latest_checkpoint_note(), log_verifier)
    assert checkpoint.size == 300
    proof = reads.inclusion_proof(257, 300)
    verify_inclusion(257, 300, proof.leaf_hash, proof.hashes, checkpoint.root_hash)
    consistency = reads.consistency_proof(17, 300)
    verify_consistency(17, 300, consistency.first_root, checkpoint.root_hash, consistency.hashes)
