"""The incremental audit goes on from where the last good run left the tree: it checks only
what was added since, and catches a state or a new entry tampered with."""

import pytest
from django.core.management import call_command
from django.db import connection

from ipchain.ledger import log
from ipchain.ledger.audit import TreeState, audit_log
from ipchain.ledger.models import AuditRun, HashTile

pytestmark = pytest.mark.django_db


def grow(first: int, count: int, batch: int = 100) -> None:
    log.append_many({"type": "test", "n": n} for n in range(first, first + count))
    log.integrate_pending(batch_size=batch)


def tamper(sql: str, params=()):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE ledger_logentry DISABLE TRIGGER USER")
        cursor.execute(sql, params)


def test_an_incremental_run_checks_only_what_was_added(log_verifier):
    grow(0, 300)  # 3 checkpoints, and a partial tile at the edge
    full = audit_log(verifier=log_verifier)
    assert full.ok and (full.entries, full.checkpoints) == (300, 3)
    grow(300, 450)  # 5 more checkpoints, across a full tile
    step = audit_log(verifier=log_verifier, incremental=True)
    assert step.ok, step.message
    # The checkpoint it starts from is checked again: its root must be the restored tree's.
    assert (step.entries, step.checkpoints) == (450, 6)
    run = AuditRun.objects.latest("pk")
    assert (run.first_index, run.state["size"]) == (300, 750)
    # Nothing new: nothing to check, still good.
    again = audit_log(verifier=log_verifier, incremental=True)
    assert again.ok and again.entries == 0


def test_an_edit_among_the_new_entries_is_caught(log_verifier):
    grow(0, 300)
    assert audit_log(verifier=log_verifier).ok
    grow(300, 200)
    tamper("UPDATE ledger_logentry SET body = %s WHERE leaf_index = 420", [b'{"n":1,"type":"test"}'])
    step = audit_log(verifier=log_verifier, incremental=True)
    assert (step.ok, step.reason, step.first_bad_index) == (False, "leaf_hash_mismatch", 420)


def test_an_edit_before_the_last_good_run_needs_the_full_audit(log_verifier):
    grow(0, 300)
    assert audit_log(verifier=log_verifier).ok
    tamper("UPDATE ledger_logentry SET body = %s WHERE leaf_index = 5", [b'{"n":1,"type":"test"}'])
    assert audit_log(verifier=log_verifier, incremental=True).ok  # what it does not claim
    full = audit_log(verifier=log_verifier)
    assert (full.ok, full.first_bad_index) == (False, 5)


def test_a_state_written_into_the_database_is_refused(log_verifier):
    grow(0, 300)
    assert audit_log(verifier=log_verifier).ok
    run = AuditRun.objects.latest("pk")
    nodes = run.state["nodes"]
    run.state = run.state | {"nodes": [nodes[0][:-4] + "AAA=", *nodes[1:]]}  # no seal fits
    run.save()
    grow(300, 100)
    step = audit_log(verifier=log_verifier, incremental=True)
    assert (step.ok, step.reason) == (False, "bad_audit_state")
    # After a failed audit the next incremental one is a full one.
    again = audit_log(verifier=log_verifier, incremental=True)
    assert again.ok and again.entries == 400 and AuditRun.objects.latest("pk").first_index == 0


def test_a_sealed_state_must_still_have_the_signed_root(log_verifier):
    grow(0, 300)
    assert audit_log(verifier=log_verifier).ok
    run = AuditRun.objects.latest("pk")
    state = TreeState.from_json(run.state)
    state.nodes = [bytes(32), *state.nodes[1:]]  # sealed by this node, but not the tree
    run.state = state.to_json()
    run.save()
    step = audit_log(verifier=log_verifier, incremental=True)
    assert (step.ok, step.reason) == (False, "bad_audit_state")


def test_a_run_goes_on_only_from_one_that_checked_as_much(log_verifier):
    grow(0, 300)
    assert audit_log(verifier=log_verifier, check_canonical=False).ok  # hashes only
    grow(300, 100)
    step = audit_log(verifier=log_verifier, incremental=True)  # canonical checks too: from 0
    assert step.ok and step.entries == 400
    again = audit_log(verifier=log_verifier, incremental=True, check_canonical=False)
    assert again.ok and again.entries == 0


def test_without_a_good_run_the_incremental_audit_is_a_full_one(log_verifier):
    grow(0, 250)
    step = audit_log(verifier=log_verifier, incremental=True)
    assert step.ok and step.entries == 250 and AuditRun.objects.get().first_index == 0


def test_a_failed_run_leaves_no_state_to_go_on_from(log_verifier):
    grow(0, 200)
    tamper("UPDATE ledger_logentry SET body = %s WHERE leaf_index = 3", [b'{"n":1,"type":"test"}'])
    assert not audit_log(verifier=log_verifier).ok
    assert AuditRun.objects.get().state == {}


def test_the_command_runs_incrementally(log_verifier, capsys):
    grow(0, 300)
    call_command("ipchain_audit", "--skip-records")
    grow(300, 100)
    call_command("ipchain_audit", "--incremental", "--skip-records")
    assert "audit ok: 100 entries" in capsys.readouterr().out


def test_hashes_past_the_tree_in_an_edge_tile_are_caught(log_verifier):
    grow(0, 300)
    assert audit_log(verifier=log_verifier).ok
    grow(300, 100)  # the level-0 edge tile is 1, holding 400 - 256 = 144 hashes
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE ledger_hashtile DISABLE TRIGGER USER")
    tile = HashTile.objects.get(level=0, index=1)
    HashTile.objects.filter(pk=tile.pk).update(hashes=bytes(tile.hashes) + bytes(32))
    step = audit_log(verifier=log_verifier, incremental=True)
    assert (step.ok, step.reason) == (False, "tile_mismatch")
