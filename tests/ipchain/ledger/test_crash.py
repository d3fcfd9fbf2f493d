"""The sequencer killed in the middle of a batch loses nothing and repeats nothing."""

import signal
import subprocess
import time

import pytest

from ipchain.ledger import log
from ipchain.ledger.audit import audit_log
from ipchain.ledger.models import LogEntry

from .helpers import child_env, manage

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def integrated() -> int:
    return LogEntry.objects.filter(leaf_index__isnull=False).count()


def test_a_killed_sequencer_restarts_and_every_entry_is_integrated_exactly_once(log_verifier):
    total = 30000
    # Accepted but not integrated: only the sequencer processes below integrate them.
    LogEntry.objects.bulk_create([log.prepare_entry({"type": "test", "n": n}) for n in range(total)])
    env = child_env()
    kills = 0
    for _ in range(3):
        before = integrated()
        sequencer = manage("ipchain_integrate", "--batch-size", "100", env=env, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        # Kill it mid-run: once it has committed some batches, while more are pending.
        while integrated() < before + 2000 and sequencer.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        if sequencer.poll() is None:
            sequencer.send_signal(signal.SIGKILL)
            kills += 1
        sequencer.wait(timeout=60)
    assert kills >= 2, "the sequencer finished before it could be killed: use more entries"
    assert 0 < integrated() < total
    done = manage("ipchain_integrate", "--batch-size", "1000", env=env, stdout=subprocess.DEVNULL)
    assert done.wait(timeout=300) == 0

    indexes = list(LogEntry.objects.order_by("leaf_index").values_list("leaf_index", flat=True))
    assert indexes == list(range(total))
    assert audit_log(verifier=log_verifier).ok
