"""Proofs served from kept tiles and roots (reads.py) equal those computed from the leaves
alone, as the log grows past full tiles and between sizes asked in any order."""

import random

import pytest

from ipchain.ledger import log, reads
from ipchain.ledger.merkle import root_from_leaf_hashes, verify_consistency, verify_inclusion
from ipchain.ledger.models import LogEntry

pytestmark = pytest.mark.django_db


def test_proofs_from_kept_tiles_and_roots_match_the_leaves():
    rng = random.Random(7)
    leaves: list[bytes] = []
    for step in (300, 257, 511, 70):  # across full tiles at level 0, then a partial edge
        log.append_many({"type": "test", "n": len(leaves) + n} for n in range(step))
        log.integrate_pending(batch_size=128)
        leaves = [
            bytes(h) for h in LogEntry.objects.order_by("leaf_index").values_list("leaf_hash", flat=True)
        ]
        size = len(leaves)
        for _ in range(40):
            first, index = rng.randrange(1, size + 1), rng.randrange(size)
            proof = reads.consistency_proof(first, size)
            assert proof.first_root == root_from_leaf_hashes(leaves[:first])
            assert proof.second_root == root_from_leaf_hashes(leaves)
            verify_consistency(first, size, proof.first_root, proof.second_root, proof.hashes)
            inclusion = reads.inclusion_proof(index, first if index < first else size)
            assert inclusion.root_hash == root_from_leaf_hashes(leaves[: inclusion.tree_size])
            verify_inclusion(index, inclusion.tree_size, leaves[index], inclusion.hashes, inclusion.root_hash)
