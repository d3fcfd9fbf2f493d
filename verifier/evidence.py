"""Ledger evidence for a verdict: the registration's inclusion proof, checked against the
log's latest signed checkpoint.

Three things are remembered in the process, all safe to remember:
- the latest checkpoint, whose note signature is verified with the log's key when it is
  read, for IPCHAIN_VERIFY_CACHE_SECONDS; the age a verdict shows is counted from the
  checkpoint's publication, so remembering it never makes evidence look fresher;
- the hash tiles proofs read: full tiles never change (C2SP tlog-tiles) and are kept with
  the log's own proofs (ledger/reads.py); partial ones are kept here, dropped when the
  checkpoint changes;
- that leaf h at index i is included in the tree of size n with root r: a proof that
  checked once stays true for ever (RFC 9162 2.1.3), so it is not checked twice.
"""

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from ipchain.errors import DomainError
from ipchain.ledger.logkey import log_verifier
from ipchain.ledger.merkle import ProofError, verify_inclusion
from ipchain.ledger.models import LogEntry, SignedCheckpoint
from ipchain.ledger.notes import open_checkpoint
from ipchain.ledger.reads import forget_tiles, read_tiles_keeping_full, with_cosignatures
from ipchain.ledger.tiles import TILE_BYTES, TiledTree
from ipchain.ledger.tlogproof import TlogProof

PROVEN_MAX = 50_000  # remembered proofs, about 200 bytes each
TILES_MAX = 1024  # remembered partial tiles, at most 8 KiB each


@dataclass(frozen=True)
class Note:
    """Something the evidence shows besides its fields, as a template and its values, so
    that a page says it in the officer's language (wording.reason_text) and the API in English.
    Each template is marked for makemessages with gettext_noop where it is written."""

    template: str
    values: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return self.template % self.values if self.values else self.template


@dataclass
class Evidence:
    ledger_index: int | None = None
    checkpoint_size: int | None = None
    checkpoint_age_seconds: float | None = None
    inclusion_proof_checked: bool = False
    # Where the registration's C2SP tlog-proof is served, a file to keep: the record, its
    # inclusion proof and the cosigned checkpoint, checkable offline (python -m ipchain.verify_proof).
    tlog_proof_url: str | None = None
    # The proof itself, for customs officers' verdicts (evidence they keep): the file's text.
    tlog_proof: str | None = None
    stale: bool = False
    notes: list[Note] = field(default_factory=list)


@dataclass(frozen=True)
class LatestCheckpoint:
    tree_size: int
    root_hash: bytes
    published_at: datetime
    note: str = ""  # the signed note, as the log signed it (cosignature lines come apart)


_lock = threading.Lock()
_latest: tuple[float, LatestCheckpoint | None] = (0.0, None)
_proven: OrderedDict[tuple[int, int, bytes, bytes], bool] = OrderedDict()
_partial_tiles: OrderedDict[tuple[int, int], bytes] = OrderedDict()


def latest_checkpoint() -> LatestCheckpoint | None:
    global _latest
    read_at, latest = _latest
    if latest is not None and time.monotonic() - read_at < settings.IPCHAIN_VERIFY_CACHE_SECONDS:
        return latest
    row = (
        SignedCheckpoint.objects.order_by("-tree_size")
        .values_list("tree_size", "note", "published_at")
        .first()
    )
    if row is None:
        return None
    tree_size, note, published_at = row
    # The root comes from the signed note, opened with the log's public key, so the
    # evidence rests on the log's signature and not on a column anyone could edit.
    checkpoint = open_checkpoint(note, log_verifier())
    latest = LatestCheckpoint(tree_size, checkpoint.root_hash, published_at, note)
    if _latest[1] is None or _latest[1].tree_size != tree_size:
        _drop_partial_tiles()
    _latest = (time.monotonic(), latest)
    return latest


def forget() -> None:
    """Drop what the process remembers (tests; a restored database)."""
    global _latest, _cosigned
    _latest = (0.0, None)
    _cosigned = (0.0, -1, "")
    with _lock:
        _proven.clear()
        _partial_tiles.clear()
    forget_tiles()


def evidence_for(entry: LogEntry | None) -> Evidence:
    """How the registration `entry` is proven in the log, and how fresh that proof is."""
    evidence = Evidence()
    try:
        latest = latest_checkpoint()
    except DomainError as exc:
        evidence.notes.append(
            Note(gettext_noop("the latest checkpoint does not verify: %(error)s"), {"error": str(exc)})
        )
        return evidence
    if latest is not None:
        evidence.checkpoint_size = latest.tree_size
        evidence.checkpoint_age_seconds = round((timezone.now() - latest.published_at).total_seconds(), 1)
        evidence.stale = evidence.checkpoint_age_seconds > settings.IPCHAIN_EVIDENCE_MAX_AGE
    if entry is None:
        return evidence
    index = entry.leaf_index
    evidence.ledger_index = index
    if index is None or latest is None or index >= latest.tree_size:
        evidence.notes.append(
            Note(gettext_noop("the registration is accepted but not yet in a signed checkpoint"))
        )
        return evidence
    try:
        evidence.inclusion_proof_checked = _proven_included(index, bytes(entry.leaf_hash), latest)
        evidence.tlog_proof_url = f"{_tlog_proof_path()}?index={index}"
    except (ProofError, LookupError) as exc:
        evidence.notes.append(Note(gettext_noop("inclusion proof failed: %(error)s"), {"error": str(exc)}))
    return evidence


@cache
def _tlog_proof_path() -> str:
    return reverse("api-log-tlog-proof")


def _proven_included(index: int, leaf_hash: bytes, latest: LatestCheckpoint) -> bool:
    key = (index, latest.tree_size, leaf_hash, latest.root_hash)
    with _lock:
        if key in _proven:
            _proven.move_to_end(key)
            return True
    proof = TiledTree(latest.tree_size, _read_tiles_remembered).inclusion_proof(index)
    verify_inclusion(index, latest.tree_size, leaf_hash, proof, latest.root_hash)
    with _lock:
        _proven[key] = True
        if len(_proven) > PROVEN_MAX:
            _proven.popitem(last=False)
    return True


def _read_tiles_remembered(keys) -> dict[tuple[int, int], bytes]:
    keys = list(keys)
    with _lock:
        found = {key: _partial_tiles[key] for key in keys if key in _partial_tiles}
    missing = [key for key in keys if key not in found]
    if missing:
        read = read_tiles_keeping_full(missing)
        found.update(read)
        with _lock:
            _partial_tiles.update((key, data) for key, data in read.items() if len(data) < TILE_BYTES)
            while len(_partial_tiles) > TILES_MAX:
                _partial_tiles.popitem(last=False)
    return found


def _drop_partial_tiles() -> None:
    with _lock:
        _partial_tiles.clear()


def attach_proof(evidence: Evidence, entry: LogEntry) -> None:
    """The registration's tlog-proof in the evidence itself (for a customs officer's verdict:
    evidence to keep, offline too), from what the evidence just checked: the remembered
    checkpoint and tiles, the record's bytes read with the item (lookup.py), and the
    cosignatures read at most once every IPCHAIN_VERIFY_CACHE_SECONDS."""
    latest = _latest[1]
    if not evidence.inclusion_proof_checked or latest is None or evidence.checkpoint_size != latest.tree_size:
        return
    index = evidence.ledger_index
    try:
        hashes = TiledTree(latest.tree_size, _read_tiles_remembered).inclusion_proof(index)
    except (ProofError, LookupError):
        return
    body = bytes(entry.body)  # read with the item (lookup.py)
    evidence.tlog_proof = TlogProof(index, tuple(hashes), _cosigned_note(latest), body).text()


_cosigned: tuple[float, int, str] = (0.0, -1, "")


def _cosigned_note(latest: LatestCheckpoint) -> str:
    """The latest checkpoint with the cosignatures gathered for it, remembered briefly."""
    global _cosigned
    read_at, size, note = _cosigned
    if size != latest.tree_size or time.monotonic() - read_at >= settings.IPCHAIN_VERIFY_CACHE_SECONDS:
        note = with_cosignatures(latest.tree_size, latest.note)
        _cosigned = (time.monotonic(), latest.tree_size, note)
    return note
