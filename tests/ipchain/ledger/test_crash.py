"""The sequencer killed in the middle of a run loses nothing and repeats nothing (PostgreSQL)."""

import signal
import subprocess
import time

import pytest

from ipchain.ledger import log
from ipchain.ledger.audit import audit_log
from ipchain.ledger.merkle import root_from_leaf_hashes
from ipchain.ledger.models import LogEntry, SignedCheckpoint

from .helpers import child_env, manage

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def integrated() -> int:
    return LogEntry.objects.filter(leaf_index__isnull=False).count()


def test_a_killed_sequencer_restarts_and_every_entry_is_integrated_exactly_once(log_verifier):
    total = 15000
    # Accepted but not integrated: only the sequencer processes below integrate them.
    accepted = LogEntry.objects.bulk_create(
        [log.prepare_entry({"type": "test", "n": n}) for n in range(total)]
    )
    env = child_env()
    # (batch size, how many more entries to let it integrate before SIGKILL): early, in the
    # middle, and with large batches so that the kill is likely to land inside a transaction.
    moments = [(100, 1), (1000, 2000), (3000, 1)]
    kills = 0
    for batch_size, progress in moments:
        before = integrated()
        sequencer = manage(
            "ipchain_integrate", "--batch-size", str(batch_size), env=env, stdout=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 60
        while integrated() < before + progress and sequencer.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        if sequencer.poll() is None:
            sequencer.send_signal(signal.SIGKILL)
            kills += 1
        sequencer.wait(timeout=60)
        # Whatever moment it died at, the log holds whole batches only.
        assert (integrated() - before) % batch_size == 0 or integrated() == total
    assert kills == len(moments), "the sequencer finished before it could be killed: use more entries"
    assert 0 < integrated() < total

    done = manage("ipchain_integrate", "--batch-size", "1000", env=env, stdout=subprocess.DEVNULL)
    assert done.wait(timeout=300) == 0

    rows = list(LogEntry.objects.order_by("leaf_index").values_list("id", "leaf_index", "leaf_hash"))
    assert [index for _, index, _ in rows] == list(range(total)), "contiguous, none twice, none pending"
    assert [entry_id for entry_id, _, _ in rows] == [e.pk for e in accepted], "in acceptance order"
    latest = SignedCheckpoint.objects.latest()
    assert latest.tree_size == total
    assert bytes(latest.root_hash) == root_from_leaf_hashes([bytes(h) for _, _, h in rows])
    result = audit_log(verifier=log_verifier)
    assert result.ok, result.message
