"""Verification reads served from a PostgreSQL streaming replica, while it keeps up.

With DATABASE_REPLICA_URL set (docs/deploy.md), the views that only read what anyone may
check (tiles, entries, proofs, checkpoints) run against the replica, and so does the one
query of a verification (verifier/lookup.py). Writes, and every other read, go to the
primary: among them the signed trust and status lists, which are cached for every process
and must never be rebuilt from a copy that has not seen a key's revocation yet. Two rules
keep answers right while the replica lags:

- Whatever the replica lacks is asked of the primary: a view that answers 4xx (a tile or an
  entry not replicated yet) runs again there, and a scan naming no item there is looked up
  again there (a registration made a moment ago).
- A replica that lags is not used. Each process compares, at most once an interval
  (IPCHAIN_REPLICA_MAX_LAG_SECONDS), the WAL the replica has replayed with the primary's WAL
  position at the previous comparison, one to two intervals before (or now, after a quiet
  spell): a replica that has not replayed that much (slow, paused, cut off) serves nothing
  until it has. A decision is reused for one interval, so what the replica answers holds
  everything committed on the primary three intervals before.
"""

import contextvars
import logging
import threading
import time
from contextlib import contextmanager
from functools import wraps

from django.conf import settings
from django.db import DatabaseError, connections

REPLICA = "replica"
logger = logging.getLogger(__name__)

# The database this request's reads go to; None: the primary (Django's default routing).
_reading_from: contextvars.ContextVar[str | None] = contextvars.ContextVar("reading_from", default=None)


class _Freshness:
    def __init__(self):
        self.lock = threading.Lock()
        self.checked_at = float("-inf")
        self.primary_before: int | None = None
        self.usable = False

    def reset(self) -> None:
        with self.lock:
            self.checked_at, self.primary_before, self.usable = float("-inf"), None, False


_freshness = _Freshness()


def configured() -> bool:
    return REPLICA in settings.DATABASES


def usable_replica() -> str | None:
    """The replica's alias if it is configured and keeps up, else None (read the primary)."""
    if not configured():
        return None
    now = time.monotonic()
    due = now - _freshness.checked_at >= settings.IPCHAIN_REPLICA_MAX_LAG_SECONDS
    # One thread checks; the others go on with the last decision rather than wait on a
    # replica that may not answer.
    if due and _freshness.lock.acquire(blocking=False):
        try:
            if now - _freshness.checked_at >= settings.IPCHAIN_REPLICA_MAX_LAG_SECONDS:
                _check(now)
        finally:
            _freshness.lock.release()
    return REPLICA if _freshness.usable else None


def replica_failed(exc: Exception) -> None:
    """A read on the replica failed: the primary serves until the next check finds it well."""
    logger.warning("replica read failed, using the primary: %s", exc)
    connections[REPLICA].close()
    _freshness.checked_at, _freshness.usable = time.monotonic(), False


def _check(now: float) -> None:
    try:
        primary = _wal_position("default", "pg_current_wal_lsn()")
        replayed = _wal_position(REPLICA, "pg_last_wal_replay_lsn()")
    except DatabaseError as exc:
        replica_failed(exc)
        return
    # What the primary had one to two intervals ago; after a longer quiet spell, what it has now.
    interval = settings.IPCHAIN_REPLICA_MAX_LAG_SECONDS
    recent = _freshness.primary_before is not None and now - _freshness.checked_at <= 2 * interval
    target = _freshness.primary_before if recent else primary
    usable = replayed is not None and replayed >= target
    if usable != _freshness.usable:
        logger.info(
            "replica %s (replayed %s, primary %s)", "used" if usable else "not used", replayed, target
        )
    _freshness.checked_at, _freshness.primary_before, _freshness.usable = now, primary, usable


def _wal_position(alias: str, function: str) -> int | None:
    """A WAL position in bytes; None where there is none (a database that is not a replica,
    for pg_last_wal_replay_lsn)."""
    with connections[alias].cursor() as cursor:
        cursor.execute(f"SELECT pg_wal_lsn_diff({function}, '0/0')")
        value = cursor.fetchone()[0]
    return None if value is None else int(value)


def forget() -> None:
    """Check the replica afresh at the next read (tests)."""
    _freshness.reset()


@contextmanager
def reading_from(alias: str | None):
    token = _reading_from.set(alias)
    try:
        yield
    finally:
        _reading_from.reset(token)


def replica_first(view):
    """Run a read-only view on the replica when it keeps up; where it answers 4xx or fails,
    the primary answers (what the replica lacks may be there already)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        alias = usable_replica()
        if alias is None:
            return view(*args, **kwargs)
        try:
            with reading_from(alias):
                response = view(*args, **kwargs)
        except Exception:  # the primary's answer, error or not, is the one given
            return view(*args, **kwargs)
        return view(*args, **kwargs) if response.status_code >= 400 else response

    return wrapped


class ReplicaRouter:
    """Reads inside `reading_from` go to that database; everything else to the primary."""

    def db_for_read(self, model, **hints):
        return _reading_from.get()

    def db_for_write(self, model, **hints):
        return None

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of the primary: its rows are the primary's

    def allow_migrate(self, db, app_label, **hints):
        return None if db != REPLICA else False
