"""On PostgreSQL the log's tables refuse edits at the database level (migration ledger/0002)."""

import pytest
from django.db import DatabaseError, connection, transaction

from ipchain.ledger import log

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture
def ledger():
    log.append_many({"n": n} for n in range(300))
    log.integrate_pending()
    log.append({"n": "pending"})


def refused(sql, params=()):
    with (
        pytest.raises(DatabaseError, match="ipchain:") as exc,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)
    assert exc.value.__cause__.sqlstate == "42501"  # insufficient_privilege


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE ledger_logentry SET body = '\\x7b7d' WHERE leaf_index = 5",
        "UPDATE ledger_logentry SET leaf_hash = '\\x00' WHERE leaf_index = 5",
        "UPDATE ledger_logentry SET leaf_index = 999 WHERE leaf_index = 5",
        "UPDATE ledger_logentry SET leaf_index = NULL WHERE leaf_index = 5",
        "UPDATE ledger_logentry SET body = '\\x7b7d' WHERE leaf_index IS NULL",
        "DELETE FROM ledger_logentry WHERE leaf_index = 5",
        "DELETE FROM ledger_logentry WHERE leaf_index IS NULL",
        "UPDATE ledger_signedcheckpoint SET root_hash = '\\x00'",
        "DELETE FROM ledger_signedcheckpoint",
        "UPDATE ledger_signedcheckpoint SET note = note || 'x' WHERE tree_size = 300",
        "UPDATE ledger_signedcheckpoint SET tree_size = 301",
        "UPDATE ledger_logentry SET kind = 'forged' WHERE leaf_index = 5",
        "UPDATE ledger_logentry SET submitted_at = now() WHERE leaf_index IS NULL",
        "DELETE FROM ledger_hashtile",
        "UPDATE ledger_hashtile SET hashes = substring(hashes FROM 33) WHERE level = 0 AND index = 0",
        "UPDATE ledger_hashtile SET hashes = '\\x00' || substring(hashes FROM 2) WHERE level = 0 AND index = 0",
        "UPDATE ledger_hashtile SET index = 7 WHERE level = 0 AND index = 0",
    ],
)
def test_edits_are_refused(ledger, sql):
    refused(sql)


def test_integration_itself_is_allowed_to_give_a_pending_entry_its_index(ledger):
    assert log.integrate_pending() == 1


def test_a_tile_may_still_be_extended(ledger):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ledger_hashtile SET hashes = hashes || %s WHERE level = 0 AND index = 1", [b"\x01" * 32]
        )
        assert cursor.rowcount == 1
