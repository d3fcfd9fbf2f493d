"""The signing keys a peer office admitted, read from its mirrored log alone (no side channel).

The registry writes keys into the log this way (ipchain/registry/keys.py): the office's
first key signs its own `key.registered` record, and is the trust anchor; every later
`key.registered` and `key.revoked` record is signed by an office key. Replaying the
mirrored records in log order with those rules gives every key the peer admitted, for
which organisation, and from when it is revoked. A record that breaks the rules (signed by
an unknown or revoked key, a kid that is not its key's) is skipped and named in `refused`.
"""

import json
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import datetime

from django.conf import settings

from ipchain.errors import DomainError
from ipchain.registry import records
from ipchain.registry.signing import PublicKey, verify_record

from .models import MirroredEntry, Peer

KEY_RECORDS = (records.KEY_REGISTERED, records.KEY_REVOKED, records.ORG_ADMITTED)


@dataclass(frozen=True)
class PeerKey:
    kid: str
    org: str
    public_key: PublicKey
    registered_index: int  # the key.registered entry in the peer's log
    valid_from: str  # the record's time, RFC 3339
    revoked_index: int | None = None
    revoked_from: datetime | None = None

    def revoked_at(self, moment: datetime, leaf_index: int) -> bool:
        """Whether a record the peer accepted at `moment` (entry `leaf_index`) was signed after
        this key's revocation took effect, or logged after the revocation itself."""
        if self.revoked_index is None:
            return False
        return leaf_index > self.revoked_index or (
            self.revoked_from is not None and moment >= self.revoked_from
        )


@dataclass
class PeerKeys:
    office: str | None = None  # the organisation whose self-signed key is the anchor
    keys: dict[str, PeerKey] = field(default_factory=dict)
    org_names: dict[str, str] = field(default_factory=dict)  # slug -> name, from org.admitted
    org_countries: dict[str, str] = field(default_factory=dict)  # slug -> WIPO ST.3 code
    # slug -> "brand" or "customs": what the peer office admitted it as (a record without
    # `kind` is a rights holder's admission).
    org_kinds: dict[str, str] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)

    def signer(self, record: dict, leaf_index: int) -> PeerKey:
        """The key that signed `record`, entry `leaf_index` of the peer's log: one the log
        registered for the organisation the record names in `by`, not revoked when the record
        was made or logged, and under which its signature holds. Raises ValueError (or the
        signature's DomainError) otherwise."""
        key = self.keys.get(record.get("kid"))
        if key is None or key.org != record.get("by"):
            raise ValueError(f"signed by {record.get('kid')!r}, not a key of {record.get('by')!r}")
        if key.revoked_at(parse_time(record["time"]), leaf_index):
            raise ValueError(f"signed with key {key.kid} after its revocation")
        verify_record(record, key.public_key)
        return key

    def brand_key(self, record: dict) -> PeerKey:
        """The key that signed a registration: one the log registered for the brand the record
        names, under which its signature holds. Raises ValueError (or the signature's
        DomainError) otherwise."""
        key = self.keys.get(record.get("kid"))
        if key is None or key.org != record.get("brand"):
            raise ValueError(f"signed by {record.get('kid')!r}, not a key the office admitted for its brand")
        verify_record(record, key.public_key)
        return key

    def office_key(self, kid: str, leaf_index: int) -> PeerKey | None:
        key = self.keys.get(kid)
        if key is None or key.org != self.office:
            return None
        if key.revoked_index is not None and leaf_index > key.revoked_index:
            return None
        return key


def parse_time(text) -> datetime:
    if not isinstance(text, str):
        raise ValueError("not a time")
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def replay(rows) -> PeerKeys:
    """The keys admitted by a log, from its key and organisation records as (leaf_index, bytes)."""
    found = PeerKeys()
    for leaf_index, body in rows:
        try:
            _apply(found, leaf_index, record_of(body))
        except (DomainError, ValueError, KeyError, TypeError) as exc:
            found.refused.append(f"entry {leaf_index}: {exc}")
    return found


def _apply(found: PeerKeys, leaf_index: int, record: dict) -> None:
    kind = record.get("type")
    signer = found.office_key(record.get("kid"), leaf_index) if found.office else None
    if kind == records.KEY_REGISTERED:
        key = PublicKey.from_jwk(record["key"]["jwk"])
        if key.key_id != record["key"]["kid"]:
            raise ValueError(f"key id {record['key']['kid']!r} is not the key's ({key.key_id})")
        if key.key_id in found.keys:
            raise ValueError(f"key {key.key_id} registered twice")
        if found.office is None:
            verify_record(record, key)  # the anchor: the office's first key signs itself
            found.office = record["org"]
        elif signer is None:
            raise ValueError(f"key.registered signed by {record.get('kid')!r}, not an office key")
        else:
            verify_record(record, signer.public_key)
        found.keys[key.key_id] = PeerKey(
            kid=key.key_id,
            org=record["org"],
            public_key=key,
            registered_index=leaf_index,
            valid_from=record["time"],
        )
    elif kind == records.KEY_REVOKED:
        if signer is None:
            raise ValueError(f"key.revoked signed by {record.get('kid')!r}, not an office key")
        verify_record(record, signer.public_key)
        revoked = found.keys[record["key_id"]]
        if revoked.revoked_index is None:
            found.keys[revoked.kid] = replace(
                revoked, revoked_index=leaf_index, revoked_from=parse_time(record["effective"])
            )
    elif kind == records.ORG_ADMITTED and signer is not None:
        verify_record(record, signer.public_key)
        found.org_names[record["org"]] = str(record.get("name", record["org"]))[:200]
        found.org_countries[record["org"]] = str(record.get("country", ""))[:2]
        found.org_kinds[record["org"]] = "customs" if record.get("kind") == "customs" else "brand"


# Replaying costs an ECDSA verification per key record: remember the result per peer for
# IPCHAIN_VERIFY_CACHE_SECONDS, and while the peer's key records have not changed.
_lock = threading.Lock()
_remembered: dict[int, tuple[float, tuple[int, int], PeerKeys]] = {}


def peer_keys(peer: Peer) -> PeerKeys:
    """The keys `peer` admitted in the part of its log this node mirrored and verified."""
    now = time.monotonic()
    with _lock:
        found = _remembered.get(peer.pk)
    if found is not None and now - found[0] < settings.IPCHAIN_VERIFY_CACHE_SECONDS:
        return found[2]
    rows = list(
        MirroredEntry.objects.filter(peer=peer, kind__in=KEY_RECORDS)
        .order_by("leaf_index")
        .values_list("leaf_index", "body")
    )
    version = (len(rows), rows[-1][0] if rows else -1)
    unchanged = found is not None and found[1] == version
    keys = found[2] if unchanged else replay(rows)
    with _lock:
        _remembered[peer.pk] = (now, version, keys)
    return keys


def forget() -> None:
    with _lock:
        _remembered.clear()


def record_of(body) -> dict:
    """A mirrored entry's record (ValueError if it is not a JSON object)."""
    record = json.loads(bytes(body))
    if not isinstance(record, dict):
        raise ValueError("not a JSON object")
    return record
