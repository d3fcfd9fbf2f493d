"""What a record must be, besides canonical JSON, before it goes into the log: I-JSON numbers
(RFC 7493 2.2: integers within +/-(2**53 - 1), finite numbers no larger than that) and
plausible RFC 3339 times. The same rules are checked at the door (log.prepare_entry, on every
path that writes the log) and by the audit, which reports a break as "content rule broken",
apart from "hash or signature wrong". Pure: no Django.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

from .canonical import RecordError

MAX_SAFE_INTEGER = 2**53 - 1
# Fields that hold a moment: the record's own time, and a revocation's effective time.
TIME_FIELDS = ("time", "effective")
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
CLOCK_SKEW = timedelta(days=1)  # a signer's clock ahead of the node's


def check_record_content(record: dict, *, now: datetime) -> None:
    """Raise RecordError (reason bad_number or bad_time) for the first rule the record breaks."""
    for name in TIME_FIELDS:
        if name in record:
            check_time(record[name], name=name, now=now)
    _check_numbers(record, "record")


def _check_numbers(value: Any, where: str) -> None:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise RecordError("bad_number", f"{where}: {value} is outside I-JSON's integers (+/-2^53-1)")
        return
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")) or abs(value) > MAX_SAFE_INTEGER:
            raise RecordError("bad_number", f"{where}: {value!r} is not a number I-JSON keeps exactly")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            _check_numbers(item, f"{where}.{key}")
        return
    if isinstance(value, list):
        for i, item in enumerate(value):
            _check_numbers(item, f"{where}[{i}]")
        return
    raise RecordError("bad_value", f"{where}: not a JSON value")


def check_time(value: Any, *, name: str, now: datetime) -> datetime:
    """An RFC 3339 time in UTC (ending in Z), from 2000 to a day after `now`."""
    if not isinstance(value, str) or not value.endswith("Z") or len(value) > 35:
        raise RecordError("bad_time", f"{name} must be an RFC 3339 UTC time such as 2026-12-03T10:00:00Z")
    try:
        moment = datetime.fromisoformat(value[:-1] + "+00:00")
    except ValueError:
        raise RecordError("bad_time", f"{name} is not an RFC 3339 time") from None
    if not EARLIEST <= moment <= now + CLOCK_SKEW:
        raise RecordError("bad_time", f"{name} {value} is not a plausible time (2000 to tomorrow)")
    return moment
