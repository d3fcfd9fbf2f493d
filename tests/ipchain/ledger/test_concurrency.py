"""Many processes appending and integrating at once on PostgreSQL: one contiguous log."""

import pytest

from ipchain.ledger import log
from ipchain.ledger.audit import audit_log
from ipchain.ledger.merkle import leaf_hash, root_from_leaf_hashes
from ipchain.ledger.models import LogEntry, SignedCheckpoint
from ipchain.ledger.notes import open_checkpoint

from .helpers import child_env, run_python

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WRITERS, PER_WRITER = 4, 300

WRITER = """
from ipchain.ledger import log
for n in range({count}):
    log.append({{"type": "test", "writer": {writer}, "n": n}})
    if n % 50 == 0:
        log.integrate_pending(batch_size=37)
log.integrate_pending(batch_size=37)
"""


def test_concurrent_writers_and_sequencers_make_one_contiguous_log(log_verifier):
    env = child_env()
    processes = [run_python(WRITER.format(count=PER_WRITER, writer=w), env) for w in range(WRITERS)]
    assert [p.wait(timeout=300) for p in processes] == [0] * WRITERS
    log.integrate_pending()

    total = WRITERS * PER_WRITER
    rows = list(LogEntry.objects.order_by("leaf_index").values_list("leaf_index", "body", "leaf_hash"))
    assert len(rows) == total
    assert [index for index, _, _ in rows] == list(range(total)), "indexes contiguous, no gap, no duplicate"
    assert len({bytes(body) for _, body, _ in rows}) == total, "every record exactly once"
    latest = SignedCheckpoint.objects.latest()
    checkpoint = open_checkpoint(latest.note, log_verifier)
    assert checkpoint.size == total
    assert checkpoint.root_hash == root_from_leaf_hashes([leaf_hash(bytes(body)) for _, body, _ in rows])
    assert audit_log(verifier=log_verifier).ok
