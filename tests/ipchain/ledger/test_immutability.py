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
    with pytest.raises(DatabaseError, match="ipchain:"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


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
        "DELETE FROM ledger_hashtile",
        "UPDATE ledger_hashtile SET hashes = substring(hashes FROM 33) WHERE level = 0 AND index = 0",
        "UPDATE ledger_hashtile SET hashes = '\\x00' || substring(hashes FROM 2) WHERE level = 0 AND index = 0",
    ],
)
def test_edits_are_refused(ledger, sql):
    refused(sql)


def test_integration_itself_is_allowed_to_give_a_pending_entry_its_index(ledger):
    assert log.integrate_pending() == 1
