"""The offline status list: which items are not simply "active" (recalled, stolen,
destroyed), compact enough for every officer's phone, signed by the office, with the
changes since a phone's version as small deltas. The phone applies it offline
(static/verifier/status.js): an item in a delta is known exactly; an item matching the
compact sets is "listed, check online", since an unlisted item matches one in about 2^P.

Anchored on the EU Digital COVID Certificate's revocation lists (hashed identifiers, a
signed list, deltas) and sized for 1,000,000 listed items in under 2 MB (bench/status_list.py).

Wire format, for the full list and for a delta alike:

    b"IPSL" | uint32 big-endian length | envelope (JSON) | blob

The envelope is {"payload": base64url(header JSON), "kid", "sig"}, the signature the
office key's ECDSA P-256 over the header's exact bytes (as the trust list). The header
gives the blob's SHA-256. A full list's blob is one Golomb-coded set per status
(golomb.py); a delta's is 9 bytes a change: the item's 8-byte hash and its status code.
"""

import hashlib
import json
import struct
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Max
from django.utils import timezone

from ipchain.ledger.reads import latest_checkpoint_note
from ipchain.registry import records
from ipchain.registry.keys import signing_key, the_office
from ipchain.registry.models import Item
from ipchain.registry.provenance import STATUS_AFTER
from ipchain.registry.signing import b64url_decode, b64url_encode

from . import golomb
from .models import StatusChange

MAGIC = b"IPSL"
P = 14  # 2^-14: an unlisted item matches a set about once in 16,384 lookups
# The statuses listed, by their code in deltas; decommissioned items read as destroyed.
# "revoked": the label stands on no live IP right (signed after a lapse or an assignment:
# ipchain/registry/standing.py, docs/rules.md).
STATUS_CODES = {"recalled": 1, "stolen": 2, "destroyed": 3, "suspected_clone": 4, "revoked": 5}
LISTED_AS = {
    "recalled": "recalled",
    "stolen": "stolen",
    "destroyed": "destroyed",
    "decommissioned": "destroyed",
    "revoked": "revoked",
}
CACHE_KEY = "verifier:status-list"


class DeltaTooLarge(Exception):
    """More changes since that version than a delta carries: fetch the full list."""


def current_version() -> int:
    return StatusChange.objects.aggregate(v=Max("id"))["v"] or 0


def full_list() -> bytes:
    """The signed full list, shared by the node's processes for IPCHAIN_STATUS_LIST_SECONDS
    (a million items take about a second to read and code); phones catch up with deltas."""
    data = cache.get(CACHE_KEY)
    if data is None:
        data = build_full_list()
        cache.set(CACHE_KEY, data, settings.IPCHAIN_STATUS_LIST_SECONDS)
    return data


def build_full_list() -> bytes:
    version = current_version()  # read first: a change after it is in the next delta
    hashes: dict[str, list[int]] = {status: [] for status in STATUS_CODES}
    rows = Item.objects.filter(status__in=LISTED_AS).values_list("product__gtin", "serial", "status")
    for gtin, serial, status in rows.iterator(chunk_size=10_000):
        hashes[LISTED_AS[status]].append(golomb.item_hash(gtin, serial))
    standless = Item.objects.filter(status="active").exclude(right_standing="")
    for gtin, serial in standless.values_list("product__gtin", "serial").iterator(chunk_size=10_000):
        hashes["revoked"].append(golomb.item_hash(gtin, serial))
    # Items an officer's scan found cloned lately (a verdict, not a status: it expires).
    clones = (
        StatusChange.objects.filter(
            status="suspected_clone", at__gte=_clone_window_start(), item__status="active"
        )
        .values_list("item__product__gtin", "item__serial")
        .distinct()
    )
    hashes["suspected_clone"] = [
        golomb.item_hash(gtin, serial) for gtin, serial in clones.iterator(chunk_size=10_000)
    ]
    # Peer offices' items, by the statuses their logs gave them (the latest for each).
    latest: dict[tuple[str, str], str] = {}
    peers = StatusChange.objects.filter(item=None).order_by("id").values_list("gtin", "serial", "status")
    for gtin, serial, status in peers.iterator(chunk_size=10_000):
        latest[(gtin, serial)] = status
    for (gtin, serial), status in latest.items():
        hashes[LISTED_AS[status]].append(golomb.item_hash(gtin, serial))
    sets = [(status, len(values), golomb.encode(values, P)) for status, values in hashes.items()]
    blob = b"".join(data for _status, _n, data in sets)
    header = _header("status_list") | {
        "version": version,
        "p": P,
        "sets": [{"status": status, "n": n, "bytes": len(data)} for status, n, data in sets],
        "blob_sha256": hashlib.sha256(blob).hexdigest(),
        # How fresh the phone's view of the log is: the checkpoint and its cosignatures.
        "checkpoint": latest_checkpoint_note(),
    }
    return _frame(header, blob)


def delta(since: int) -> bytes:
    """The signed changes after version `since`, the latest per item; DeltaTooLarge past
    IPCHAIN_STATUS_DELTA_MAX of them."""
    changes = (
        StatusChange.objects.filter(id__gt=since).order_by("id").values_list("id", "gtin", "serial", "status")
    )
    latest: dict[int, tuple[int, str]] = {}
    version = since
    for n, (change_id, gtin, serial, status) in enumerate(changes.iterator(chunk_size=10_000)):
        if n >= settings.IPCHAIN_STATUS_DELTA_MAX:
            raise DeltaTooLarge(f"more than {settings.IPCHAIN_STATUS_DELTA_MAX} changes since {since}")
        latest[golomb.item_hash(gtin, serial)] = (change_id, LISTED_AS.get(status, status))
        version = change_id
    blob = b"".join(
        h.to_bytes(8, "big") + bytes([STATUS_CODES[status]])
        for h, (_id, status) in sorted(latest.items(), key=lambda kv: kv[1][0])
        if status in STATUS_CODES
    )
    header = _header("status_delta") | {
        "from": since,
        "version": version,
        "count": len(blob) // 9,
        "blob_sha256": hashlib.sha256(blob).hexdigest(),
    }
    return _frame(header, blob)


def parse(data: bytes) -> tuple[dict, dict, bytes]:
    """(envelope, header, blob) of a framed list, unverified: for tests and the audit."""
    if data[:4] != MAGIC:
        raise ValueError("not a status list")
    (length,) = struct.unpack(">I", data[4:8])
    envelope = json.loads(data[8 : 8 + length])
    header = json.loads(b64url_decode(envelope["payload"]))
    return envelope, header, data[8 + length :]


def clone_suspected(item) -> None:
    """An officer's scan found `item` cloned: listed as a suspected clone for
    IPCHAIN_STATUS_CLONE_DAYS (once in that time: phones need no repeat)."""
    if not StatusChange.objects.filter(
        item=item, status="suspected_clone", at__gte=_clone_window_start()
    ).exists():
        StatusChange.objects.create(
            item=item, gtin=item.product.gtin, serial=item.serial, status="suspected_clone"
        )


def _clone_window_start():
    return timezone.now() - timedelta(days=settings.IPCHAIN_STATUS_CLONE_DAYS)


def item_event_saved(sender, instance, created: bool, **kwargs) -> None:
    """A receiver of ItemEvent's post_save (apps.py): a status change, in the event's
    transaction, so that the list's version and the item's status never disagree."""
    if created and instance.kind in STATUS_AFTER:
        item = instance.item
        StatusChange.objects.create(
            item=item, gtin=item.product.gtin, serial=item.serial, status=STATUS_AFTER[instance.kind]
        )


def standing_changed(sender, changes: list[tuple[int, str, str, str]], **kwargs) -> None:
    """Labels whose IP right no longer holds them (standing.standing_changed), in the
    transaction that changed them. As in the full list, an item already listed by its status
    (recalled, stolen...) keeps it; one that holds again is left for the next full list."""
    revoked = {pk: (gtin, serial) for pk, gtin, serial, reason in changes if reason}
    ids, active = list(revoked), set()
    for start in range(0, len(ids), 5000):  # SQLite takes so many parameters a query
        chunk = Item.objects.filter(pk__in=ids[start : start + 5000], status="active")
        active.update(chunk.values_list("pk", flat=True))
    StatusChange.objects.bulk_create(
        [
            StatusChange(item_id=pk, gtin=gtin, serial=serial, status="revoked")
            for pk, (gtin, serial) in revoked.items()
            if pk in active
        ],
        batch_size=5000,
    )


def peer_status_changed(gtin: str, serial: str, status: str) -> None:
    """A peer office's item changed status, as its log says (federation, when it mirrors it)."""
    if status in LISTED_AS:
        StatusChange.objects.create(gtin=gtin, serial=serial, status=status)


def _header(kind: str) -> dict:
    office = the_office()
    return {"v": 1, "type": kind, "office": office.slug, "issued": records.timestamp(timezone.now())}


def _frame(header: dict, blob: bytes) -> bytes:
    key, private = signing_key(the_office())
    payload = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode()
    envelope = json.dumps(
        {"payload": b64url_encode(payload), "kid": key.kid, "sig": b64url_encode(private.sign(payload))},
        separators=(",", ":"),
    ).encode()
    return MAGIC + struct.pack(">I", len(envelope)) + envelope + blob


def forget(**_kwargs) -> None:
    cache.delete(CACHE_KEY)
