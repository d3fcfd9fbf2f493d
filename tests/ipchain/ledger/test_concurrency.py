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

# Each writer appends one by one and, every 50 appends, integrates too: sequencers race each
# other and the appends of the other writers.
WRITER = """
import sys
from ipchain.ledger import log
ids = []
for n in range({count}):
    ids.append(log.append({{"type": "test", "writer": {writer}, "n": n}}).pk)
    if n % 50 == 0:
        log.integrate_pending(batch_size=37)
log.integrate_pending(batch_size=37)
print(",".join(map(str, ids)))
"""


def test_concurrent_writers_and_sequencers_make_one_contiguous_log(log_verifier):
    env = child_env()
    processes = [
        run_python(WRITER.format(count=PER_WRITER, writer=w), env, stdout=-1, text=True)
        for w in range(WRITERS)
    ]
    outputs = [p.communicate(timeout=300)[0] for p in processes]
    assert [p.returncode for p in processes] == [0] * WRITERS
    accepted = {int(i) for out in outputs for i in out.strip().split(",")}
    log.integrate_pending()

    total = WRITERS * PER_WRITER
    rows = list(LogEntry.objects.order_by("leaf_index").values_list("id", "leaf_index", "body"))
    assert [index for _, index, _ in rows] == list(range(total)), "indexes contiguous, no gap, no duplicate"
    assert {entry_id for entry_id, _, _ in rows} == accepted and len(accepted) == total
    expected = {
        f'{{"n":{n},"type":"test","writer":{w}}}'.encode() for w in range(WRITERS) for n in range(PER_WRITER)
    }
    assert {bytes(body) for _, _, body in rows} == expected, "every record exactly once"

    leaves = [leaf_hash(bytes(body)) for _, _, body in rows]
    checkpoints = list(SignedCheckpoint.objects.order_by("tree_size"))
    assert checkpoints[-1].tree_size == total
    for checkpoint in checkpoints:  # every checkpoint signed along the way is a prefix of the log
        opened = open_checkpoint(checkpoint.note, log_verifier)
        assert opened.root_hash == root_from_leaf_hashes(leaves[: opened.size])
    result = audit_log(verifier=log_verifier)
    assert result.ok, result.message
