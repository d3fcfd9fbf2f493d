"""RFC 8785 canonical JSON for ledger records."""

import json
from typing import Any

import rfc8785

from ipchain.errors import DomainError


class RecordError(DomainError):
    """A record that cannot go into the log; `reason` is machine-readable."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    record = dict(pairs)
    if len(record) != len(pairs):
        raise RecordError("duplicate_key", "a JSON object has the same key twice")
    return record


def _no_constants(name: str) -> Any:
    raise RecordError("bad_number", f"{name} is not a JSON number")


def parse_json(raw: bytes | str) -> Any:
    """Parse I-JSON (RFC 7493, which RFC 8785 requires): no duplicate keys, no NaN."""
    try:
        return json.loads(raw, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RecordError("malformed_json", f"not valid JSON: {exc}") from None
    except RecursionError:
        raise RecordError("too_deep", "JSON nested too deeply") from None


def canonicalize(record: Any) -> bytes:
    """The RFC 8785 bytes of a JSON value."""
    if not isinstance(record, dict):
        raise RecordError("not_an_object", "a record must be a JSON object")
    try:
        return rfc8785.dumps(record)
    except rfc8785.CanonicalizationError as exc:
        raise RecordError("not_canonicalizable", str(exc)) from None
    except RecursionError:
        raise RecordError("too_deep", "JSON nested too deeply") from None


def is_canonical(raw: bytes) -> bool:
    try:
        return canonicalize(parse_json(raw)) == raw
    except RecordError:
        return False
