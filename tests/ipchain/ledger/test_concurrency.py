"""Many processes appending and integrating at once on PostgreSQL: one contiguous log."""

import json

import pytest

from ipchain.ledger import log
from ipchain.ledger.audit import audit_log
from ipchain.ledger.merkle import leaf_hash, root_from_leaf_hashes
from ipchain.ledger.models import LogEntry, SignedCheckpoint
from ipchain.ledger.notes import open_checkpoint

from .helpers import child_env, run_python

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WRITERS, PER_WRITER = 4, 300

# Each writer appends one by one and in small bulks, and every 50 records integrates too:
# sequencers race each other and the appends of the other writers. It prints the id it was
# given for each record.
WRITER = """
import json
from ipchain.ledger import log
given = {{}}
for n in range(0, {count}, 10):
    if n % 20:
        entries = log.append_many({{"type": "test", "writer": {writer}, "n": m}} for m in range(n, n + 10))
    else:
        entries = [log.append({{"type": "test", "writer": {writer}, "n": m}}) for m in range(n, n + 10)]
    given.update((e.pk, m) for e, m in zip(entries, range(n, n + 10)))
    if n % 50 == 0:
        log.integrate_pending(batch_size=37)
log.integrate_pending(batch_size=37)
print(json.dumps(given))
"""


def record(writer: int, n: int) -> bytes:
    return f'{{"n":{n},"type":"test","writer":{writer}}}'.encode()


def test_concurrent_writers_and_sequencers_make_one_contiguous_log(log_verifier):
    env = child_env()
    processes = [
        run_python(WRITER.format(count=PER_WRITER, writer=w), env, stdout=-1, text=True)
        for w in range(WRITERS)
    ]
    outputs = [p.communicate(timeout=300)[0] for p in processes]
    assert [p.returncode for p in processes] == [0] * WRITERS
    # The id each writer was given, and the record it was given for.
    accepted = {int(i): record(w, n) for w, out in enumerate(outputs) for i, n in json.loads(out).items()}
    log.integrate_pending()

    total = WRITERS * PER_WRITER
    rows = list(LogEntry.objects.order_by("leaf_index").values_list("id", "leaf_index", "body"))
    assert [index for _, index, _ in rows] == list(range(total)), "indexes contiguous, no gap, no duplicate"
    assert len(accepted) == total
    assert {entry_id: bytes(body) for entry_id, _, body in rows} == accepted, "every id holds its record"
    expected = {record(w, n) for w in range(WRITERS) for n in range(PER_WRITER)}
    assert {bytes(body) for _, _, body in rows} == expected, "every record exactly once"

    leaves = [leaf_hash(bytes(body)) for _, _, body in rows]
    checkpoints = list(SignedCheckpoint.objects.order_by("tree_size"))
    assert checkpoints[-1].tree_size == total
    for checkpoint in checkpoints:  # every checkpoint signed along the way is a prefix of the log
        opened = open_checkpoint(checkpoint.note, log_verifier)
        assert opened.root_hash == root_from_leaf_hashes(leaves[: opened.size])
    result = audit_log(verifier=log_verifier)
    assert result.ok, result.message
