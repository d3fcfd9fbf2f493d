"""The scan log: every scan is written before its verdict is answered.

Scans are evidence (an officer opens a case from a scan's reference) and the clone rules'
input, so a verdict answered must have its row even if the process that answered is killed
the next moment (SIGKILL, the OOM killer, gunicorn's timeout). The row is therefore
committed before the response, in one round trip to the database: on PostgreSQL one
prepared INSERT that also turns off the wait for the disk flush of that one commit
(`synchronous_commit`, set for its own transaction only). A commit without that wait is in
PostgreSQL's memory, safe from any crash of ours; only a crash of PostgreSQL itself in the
next fraction of a second (`wal_writer_delay`) could lose it, never corrupt the log.

A scan that raises an alert is written with its alert in one transaction (alerts.py).
"""

from functools import cache

import psycopg
from django.conf import settings
from django.db import connection, transaction

from .alerts import add_alert
from .metrics import count_verdict
from .models import Scan

_FIELDS = [f for f in Scan._meta.concrete_fields if not f.primary_key]
_DEFAULTS = {f.attname: f.get_default for f in _FIELDS}
_COLUMNS = ", ".join(connection.ops.quote_name(f.column) for f in _FIELDS)
_TABLE = connection.ops.quote_name(Scan._meta.db_table)
_PLACES = ", ".join(["%s"] * len(_FIELDS))
# Table and column names come from our own model; every value is a parameter.
_INSERT = f"INSERT INTO {_TABLE} ({_COLUMNS}) VALUES ({_PLACES})"  # noqa: S608


@cache
def _insert_unflushed() -> str:
    # In a SELECT list a parameter has no column to take its type from: each is cast to its
    # column's type.
    places = ", ".join(f"%s::{f.db_type(connection)}" for f in _FIELDS)
    return (
        f"INSERT INTO {_TABLE} ({_COLUMNS}) SELECT {places}"  # noqa: S608
        " FROM (SELECT set_config('synchronous_commit', 'off', true)) AS unflushed"
    )


def write(scan: dict, alert: dict | None = None) -> None:
    """Log a scan (its Scan fields by attname; the fields of the Alert it raises, if any), now."""
    count_verdict(scan["verdict"])  # Prometheus ipchain_verdicts_total
    if alert is not None:
        with transaction.atomic():
            row = Scan.objects.create(**scan)
            add_alert(alert | {"scan": row})
        return
    values = [f.get_db_prep_save(_value(f.attname, scan), connection) for f in _FIELDS]
    if connection.vendor == "postgresql" and connection.get_autocommit():
        _insert_prepared(values)
        return
    with connection.cursor() as cursor:  # SQLite, or inside a caller's transaction
        cursor.execute(_INSERT, values)


def _value(attname: str, scan: dict):
    return scan[attname] if attname in scan else _DEFAULTS[attname]()


def _insert_prepared(values: list) -> None:
    # As verifier/lookup.py: psycopg's server-side prepared statement on this connection, so
    # PostgreSQL neither parses nor plans the INSERT for each scan.
    with connection.cursor() as cursor:
        raw = cursor.cursor.connection
        if raw.prepare_threshold is None:
            raw.prepare_threshold = 5
        prepared = settings.IPCHAIN_VERIFY_PREPARED
        with connection.wrap_database_errors, psycopg.Cursor(raw) as psycopg_cursor:
            psycopg_cursor.execute(_insert_unflushed(), values, prepare=prepared)
