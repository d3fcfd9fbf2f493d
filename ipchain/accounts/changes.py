"""What a process keeps of the facts writes depend on, and when it must read them again.

Registering an item checks the caller's membership and permissions, the brand's active key,
the product's rights and licences: eight queries that give the same answers for thousands of
registrations in a row. A process keeps those answers (`Kept`) while one counter in the
database (ChangeCounter) stands still. Every change to what they depend on moves the counter
when its transaction commits, and empties what this process keeps at once (`changed`, a
receiver of the models' signals). A request reads the counter once (ChangeCounterMiddleware),
so a change committed in any process is seen by every request that starts after it.

Writes that bypass model signals (QuerySet.update, bulk_create) call `changed()` themselves;
a bound in time (IPCHAIN_VERIFY_CACHE_SECONDS x 30) guards against one that forgets. Values
are always read from the primary (never a replica, ipchain/replicas.py), and none is kept
while the current transaction holds changes not yet committed: it may roll them back.
"""

import contextvars
import threading
import time

from django.conf import settings
from django.db import connection, transaction

from ipchain import replicas

MAX_VALUES = 10_000  # past this a map starts afresh: a bound on memory
TIME_FACTOR = 30

# The counter as this request read it ({} until read); None outside a request.
_request_counter: contextvars.ContextVar[dict | None] = contextvars.ContextVar("counter", default=None)
_all_kept: list["Kept"] = []


def current() -> int:
    """The change counter, read once a request."""
    seen = _request_counter.get()
    if seen and "value" in seen:
        return seen["value"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT value FROM accounts_changecounter WHERE id = 1")
        row = cursor.fetchone()
    if row is None:  # a database flushed (tests do): the count starts again
        from .models import ChangeCounter

        value = ChangeCounter.objects.get_or_create(pk=1)[0].value
    else:
        value = row[0]
    if seen is not None:
        seen["value"] = value
    return value


def changed(**kwargs) -> None:
    """Something writes depend on changed: forget here now, everywhere once it commits."""
    forget()
    seen = _request_counter.get()
    if seen:
        seen.clear()
    # One increment a transaction however many rows it changes (a catalogue import saves
    # thousands of products).
    if not _uncommitted_changes():
        transaction.on_commit(_increment, robust=True)


def _uncommitted_changes() -> bool:
    """Whether this transaction changed something writes depend on, not yet committed."""
    return any(entry[1] is _increment for entry in connection.run_on_commit)


def watch(*models) -> None:
    """Count every save and delete of `models`, and every change of many-to-many `through`
    tables among them, as a change."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    for model in models:
        uid = f"ipchain.changes.{model._meta.label}"
        if model._meta.auto_created:  # a many-to-many table
            m2m_changed.connect(_m2m_changed, sender=model, weak=False, dispatch_uid=uid)
            continue
        post_save.connect(_saved, sender=model, weak=False, dispatch_uid=uid)
        post_delete.connect(changed, sender=model, weak=False, dispatch_uid=uid)


def _saved(update_fields=None, **kwargs) -> None:
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return  # a sign-in changes no one's rights
    changed()


def _m2m_changed(action: str, **kwargs) -> None:
    if action.startswith("post_"):
        changed()


def _increment() -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_changecounter SET value = value + 1 WHERE id = 1")


def forget() -> None:
    for kept in _all_kept:
        kept.clear()


class Kept:
    """Values read by `read(key)`, reused while the change counter stands still."""

    def __init__(self, name: str):
        self.name = name
        self._values: dict = {}
        self._lock = threading.Lock()
        _all_kept.append(self)

    def get(self, key, read):
        return self.get_many([key], lambda keys: {key: read(key)})[key]

    def get_many(self, keys, read_many) -> dict:
        """The values of `keys`; those not kept read at once by `read_many(keys)`, a dict."""
        keys = list(keys)
        if not keys:
            return {}
        if _uncommitted_changes():  # this transaction sees rows no other may, and may roll back
            with replicas.reading_from(None):
                return read_many(keys)
        counter = current()
        now, bound = time.monotonic(), self._bound()
        found, missing = {}, []
        for key in keys:
            kept = self._values.get(key)
            if kept is not None and kept[0] == counter and now - kept[1] < bound:
                found[key] = kept[2]
            else:
                missing.append(key)
        if missing:
            with replicas.reading_from(None):  # the primary's rows, never a lagging copy
                read = read_many(missing)
            with self._lock:
                if len(self._values) + len(read) > MAX_VALUES:
                    self._values.clear()
                for key, value in read.items():
                    self._values[key] = (counter, now, value)
            found.update(read)
        return found

    def clear(self) -> None:
        with self._lock:
            self._values.clear()

    @staticmethod
    def _bound() -> float:
        return settings.IPCHAIN_VERIFY_CACHE_SECONDS * TIME_FACTOR


class RequestCounter:
    """Context manager: the change counter is read at most once inside it (a request)."""

    def __enter__(self):
        self._token = _request_counter.set({})

    def __exit__(self, *exc):
        _request_counter.reset(self._token)
