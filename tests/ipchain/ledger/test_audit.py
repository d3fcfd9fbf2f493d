"""Every kind of edit to the stored log is caught by the audit, which names where."""

import subprocess

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from ipchain.ledger import log
from ipchain.ledger.audit import audit_log
from ipchain.ledger.merkle import leaf_hash
from ipchain.ledger.models import AuditRun, HashTile, LogEntry, SignedCheckpoint
from ipchain.ledger.notes import Checkpoint, Signer
from tests.conftest import TEST_SIGNER

from .helpers import child_env, manage

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger():
    log.append_many({"type": "test", "n": n} for n in range(600))
    log.integrate_pending(batch_size=200)


def tamper(table: str, sql: str, params=()):
    """Edit rows behind the ledger's back, as someone with database access could.
    On PostgreSQL the immutability triggers are switched off first (inside the test's
    transaction, so they come back when it rolls back)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cursor.execute(sql, params)


def audit(verifier):
    return audit_log(verifier=verifier)


def test_an_untouched_log_passes_and_the_run_is_recorded(ledger, log_verifier):
    result = audit(log_verifier)
    assert result.ok, result.message
    assert (result.entries, result.checkpoints) == (600, 3)
    run = AuditRun.objects.get()
    assert run.ok and run.entries_checked == 600 and run.finished_at


def test_an_edited_body_is_caught_at_its_index(ledger, log_verifier):
    tamper(
        "ledger_logentry",
        "UPDATE ledger_logentry SET body = %s WHERE leaf_index = 17",
        [b'{"n":999,"type":"test"}'],
    )
    result = audit(log_verifier)
    assert (result.ok, result.reason, result.first_bad_index) == (False, "leaf_hash_mismatch", 17)


def test_an_edited_leaf_hash_is_caught_at_its_index(ledger, log_verifier):
    tamper(
        "ledger_logentry",
        "UPDATE ledger_logentry SET leaf_hash = %s WHERE leaf_index = 321",
        [leaf_hash(b"something else")],
    )
    result = audit(log_verifier)
    assert (result.reason, result.first_bad_index) == ("leaf_hash_mismatch", 321)


def test_an_edited_body_with_a_matching_leaf_hash_is_caught_by_the_tiles(ledger, log_verifier):
    body = b'{"n":999,"type":"test"}'
    tamper(
        "ledger_logentry",
        "UPDATE ledger_logentry SET body = %s, leaf_hash = %s WHERE leaf_index = 17",
        [body, leaf_hash(body)],
    )
    result = audit(log_verifier)
    assert (result.reason, result.first_bad_index) == ("tile_mismatch", 17)


def test_an_edit_covered_up_in_the_tiles_too_is_caught_by_the_signed_root(ledger, log_verifier):
    body = b'{"n":999,"type":"test"}'
    tamper(
        "ledger_logentry",
        "UPDATE ledger_logentry SET body = %s, leaf_hash = %s WHERE leaf_index = 17",
        [body, leaf_hash(body)],
    )
    tile = HashTile.objects.get(level=0, index=0)
    hashes = bytes(tile.hashes)
    tamper(
        "ledger_hashtile",
        "UPDATE ledger_hashtile SET hashes = %s WHERE id = %s",
        [hashes[: 17 * 32] + leaf_hash(body) + hashes[18 * 32 :], tile.id],
    )
    result = audit(log_verifier)
    assert not result.ok
    # The signed root of the first checkpoint (size 200) no longer matches: the range is named.
    assert (result.reason, result.first_bad_index) == ("root_mismatch", 0)
    assert "from 0 to 199" in result.message


def test_a_deleted_entry_is_caught(ledger, log_verifier):
    tamper("ledger_logentry", "DELETE FROM ledger_logentry WHERE leaf_index = 40")
    result = audit(log_verifier)
    assert (result.reason, result.first_bad_index) == ("index_gap", 40)


def test_an_inserted_entry_is_caught(ledger, log_verifier):
    body = b'{"n":"forged","type":"test"}'
    tamper(
        "ledger_logentry",
        "INSERT INTO ledger_logentry (body, leaf_hash, kind, submitted_at, leaf_index) VALUES (%s, %s, 'test', CURRENT_TIMESTAMP, 600)",
        [body, leaf_hash(body)],
    )
    result = audit(log_verifier)
    assert (result.ok, result.reason, result.first_bad_index) == (False, "unsigned_entry", 600)


def test_an_entry_inserted_in_the_middle_is_caught_where_it_went_in(ledger, log_verifier):
    # Make room at 40 in two steps, so that no step breaks the unique index.
    tamper(
        "ledger_logentry", "UPDATE ledger_logentry SET leaf_index = -leaf_index - 1 WHERE leaf_index >= 40"
    )
    tamper("ledger_logentry", "UPDATE ledger_logentry SET leaf_index = -leaf_index WHERE leaf_index < 0")
    body = b'{"n":"forged","type":"test"}'
    tamper(
        "ledger_logentry",
        "INSERT INTO ledger_logentry (body, leaf_hash, kind, submitted_at, leaf_index) VALUES (%s, %s, 'test', CURRENT_TIMESTAMP, 40)",
        [body, leaf_hash(body)],
    )
    assert LogEntry.objects.filter(leaf_index__isnull=False).count() == 601
    result = audit(log_verifier)
    assert (result.reason, result.first_bad_index) == ("tile_mismatch", 40)


def test_two_swapped_entries_are_caught_at_the_first(ledger, log_verifier):
    tamper("ledger_logentry", "UPDATE ledger_logentry SET leaf_index = -1 WHERE leaf_index = 17")
    tamper("ledger_logentry", "UPDATE ledger_logentry SET leaf_index = 17 WHERE leaf_index = 18")
    tamper("ledger_logentry", "UPDATE ledger_logentry SET leaf_index = 18 WHERE leaf_index = -1")
    result = audit(log_verifier)
    assert (result.reason, result.first_bad_index) == ("tile_mismatch", 17)


def test_an_edited_checkpoint_root_is_caught(ledger, log_verifier):
    tamper(
        "ledger_signedcheckpoint",
        "UPDATE ledger_signedcheckpoint SET root_hash = %s WHERE tree_size = 400",
        [b"\x00" * 32],
    )
    result = audit(log_verifier)
    assert result.reason == "bad_checkpoint"


def test_an_edited_checkpoint_note_is_caught(ledger, log_verifier):
    checkpoint = SignedCheckpoint.objects.get(tree_size=400)
    edited = checkpoint.note.replace("\n400\n", "\n401\n", 1)
    assert edited != checkpoint.note
    tamper(
        "ledger_signedcheckpoint",
        "UPDATE ledger_signedcheckpoint SET note = %s WHERE id = %s",
        [edited, checkpoint.id],
    )
    result = audit(log_verifier)
    assert result.reason == "bad_checkpoint" and "size 400" in result.message


def test_a_deleted_latest_checkpoint_leaves_entries_unsigned(ledger, log_verifier):
    tamper("ledger_signedcheckpoint", "DELETE FROM ledger_signedcheckpoint WHERE tree_size = 600")
    result = audit(log_verifier)
    assert (result.reason, result.first_bad_index) == ("unsigned_entry", 400)


def test_a_checkpoint_signed_by_another_key_is_caught(ledger, log_verifier):
    checkpoint = SignedCheckpoint.objects.get(tree_size=400)
    forger = Signer.generate(log_verifier.name)
    forged = forger.sign(Checkpoint(log_verifier.name, 400, bytes(checkpoint.root_hash)).text())
    tamper(
        "ledger_signedcheckpoint",
        "UPDATE ledger_signedcheckpoint SET note = %s WHERE tree_size = 400",
        [forged],
    )
    result = audit(log_verifier)
    assert result.reason == "bad_checkpoint"


@pytest.mark.parametrize(("level", "index", "position", "bad_leaf"), [(0, 1, 7, 263), (1, 0, 1, 256)])
def test_an_edited_tile_hash_is_caught_at_the_first_leaf_it_covers(
    ledger, log_verifier, level, index, position, bad_leaf
):
    tile = HashTile.objects.get(level=level, index=index)
    hashes = bytearray(tile.hashes)
    hashes[position * 32] ^= 1
    tamper(
        "ledger_hashtile", "UPDATE ledger_hashtile SET hashes = %s WHERE id = %s", [bytes(hashes), tile.id]
    )
    result = audit(log_verifier)
    assert (result.reason, result.first_bad_index) == ("tile_mismatch", bad_leaf)


def test_extra_hashes_in_a_tile_are_caught(ledger, log_verifier):
    tile = HashTile.objects.get(level=0, index=2)
    tamper(
        "ledger_hashtile",
        "UPDATE ledger_hashtile SET hashes = %s WHERE id = %s",
        [bytes(tile.hashes) + b"\x01" * 32, tile.id],
    )
    result = audit(log_verifier)
    assert result.reason == "tile_mismatch"


def test_the_command_exits_non_zero_naming_the_first_bad_index(ledger):
    tamper("ledger_logentry", "UPDATE ledger_logentry SET body = %s WHERE leaf_index = 123", [b'{"n":1}'])
    with pytest.raises(CommandError, match="at index 123"):
        call_command("ipchain_audit")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_command_in_its_own_process_exits_1_naming_the_index():
    log.append_many({"type": "test", "n": n} for n in range(300))
    log.integrate_pending()

    def run_audit():
        process = manage(
            "ipchain_audit", env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        out, err = process.communicate(timeout=120)
        assert TEST_SIGNER.skey.split("+", 4)[4] not in out + err
        return process.returncode, out + err

    assert run_audit()[0] == 0
    with connection.cursor() as cursor:  # committed: the audit runs in another process
        cursor.execute("ALTER TABLE ledger_logentry DISABLE TRIGGER USER")
        try:
            cursor.execute("UPDATE ledger_logentry SET body = %s WHERE leaf_index = 123", [b'{"n":1}'])
        finally:
            cursor.execute("ALTER TABLE ledger_logentry ENABLE TRIGGER USER")
    code, output = run_audit()
    assert code == 1
    assert "audit FAILED at index 123: leaf_hash_mismatch" in output


def test_the_command_reports_ok(ledger, capsys):
    call_command("ipchain_audit")
    assert "audit ok: 600 entries and 3 checkpoints" in capsys.readouterr().out


def test_pending_entries_are_not_audited_as_integrated(ledger, log_verifier):
    LogEntry.objects.create(body=b'{"n":1}', leaf_hash=leaf_hash(b'{"n":1}'))
    assert audit(log_verifier).ok


def test_the_audit_lists_every_bad_index_and_does_not_stop_at_the_first(ledger, log_verifier):
    for index in (17, 250, 590):
        tamper(
            "ledger_logentry",
            "UPDATE ledger_logentry SET body = %s WHERE leaf_index = %s",
            [b'{"n":1}', index],
        )
    result = audit(log_verifier)
    assert [(p.kind, p.index, p.reason) for p in result.problems] == [
        ("integrity", 17, "leaf_hash_mismatch"),
        ("integrity", 250, "leaf_hash_mismatch"),
        ("integrity", 590, "leaf_hash_mismatch"),
    ]
    assert result.entries == 600 and result.checkpoints == 3  # it went through the whole log
    run = AuditRun.objects.get()
    assert (run.integrity_problems, run.content_problems, run.first_bad_index) == (3, 0, 17)
    assert [p["index"] for p in run.problems] == [17, 250, 590]


def test_a_record_that_slipped_past_the_door_is_a_content_problem_not_an_edit(log_verifier):
    """Such a record (a number outside I-JSON, taken before the rule existed) is reported as a
    broken content rule, and the audit goes on to find a real edit after it."""
    log.append_many({"type": "test", "n": n} for n in range(10))
    body = b'{"n":100000000000000000,"type":"note"}'
    LogEntry.objects.create(body=body, leaf_hash=leaf_hash(body))
    LogEntry.objects.create(
        body=b'{"time":"0001-01-01T00:00:00Z"}', leaf_hash=leaf_hash(b'{"time":"0001-01-01T00:00:00Z"}')
    )
    log.append({"type": "test", "n": 11})
    log.integrate_pending()
    tamper("ledger_logentry", "UPDATE ledger_logentry SET body = %s WHERE leaf_index = 12", [b'{"n":2}'])
    result = audit(log_verifier)
    assert [(p.kind, p.index, p.reason) for p in result.problems] == [
        ("content", 10, "not_canonical"),
        ("content", 11, "bad_time"),
        ("integrity", 12, "leaf_hash_mismatch"),
    ]


def test_the_command_lists_each_problem_with_its_kind(ledger, capsys):
    for index in (5, 6):
        tamper(
            "ledger_logentry",
            "UPDATE ledger_logentry SET body = %s WHERE leaf_index = %s",
            [b'{"n":1}', index],
        )
    with pytest.raises(CommandError, match=r"at index 5: leaf_hash_mismatch.*\(2 integrity and 0 content"):
        call_command("ipchain_audit")
    err = capsys.readouterr().err
    assert "index 5: hash or signature wrong: leaf_hash_mismatch" in err
    assert "index 6: hash or signature wrong: leaf_hash_mismatch" in err
