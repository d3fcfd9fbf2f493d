"""A peer office's IP rights, read from its mirrored log: the standing of its labels, and a
replay of its rule runs (docs/rules.md), with the same pure rules as this node's own.

A rights record counts only when a key the peer's log registered signed it: the peer office's
for its decisions and its rules' firings, the organisation's own (or the office's) for an
owner's act.
"""

import json
from datetime import date

from django.db.models import Max

from ipchain.registry import records, right_rules
from ipchain.registry.rule_runs import ReplayProblem, replay_problems
from ipchain.registry.signing import SignatureError, verify_record

from .models import MirroredEntry, Peer
from .peer_keys import PeerKeys, peer_keys

OFFICE_DECISIONS = {
    records.RIGHT_REGISTERED,
    records.RIGHT_RENEWED,
    records.RIGHT_INVALIDATED,
    records.RIGHT_RESTORED,
    records.RULES_EVALUATED,
}

_ledgers: dict[int, tuple[int, right_rules.Ledger]] = {}
_replays: dict[int, tuple[int, list[ReplayProblem]]] = {}


def _signed_entries(peer: Peer) -> tuple[list[tuple[int, dict]], list[ReplayProblem]]:
    keys = peer_keys(peer)
    entries, problems = [], []
    rows = (
        MirroredEntry.objects.filter(peer=peer, kind__in=records.RIGHT_TYPES)
        .order_by("leaf_index")
        .values_list("leaf_index", "body")
    )
    for index, body in rows.iterator(chunk_size=2000):
        try:
            record = json.loads(bytes(body))
            _check_signer(record, keys, index)
        except (ValueError, KeyError, SignatureError) as exc:
            problems.append(ReplayProblem(index, "bad_signature", f"entry {index}: {exc}"))
            continue
        entries.append((index, record))
    return entries, problems


def _check_signer(record: dict, keys: PeerKeys, index: int) -> None:
    key = keys.office_key(record.get("kid"), index)
    if key is None:
        if record["type"] in OFFICE_DECISIONS or "rule" in record:
            raise ValueError("an office decision not signed by the peer office's key")
        key = keys.keys.get(record.get("kid"))
        if key is None or (key.revoked_index is not None and index > key.revoked_index):
            raise ValueError(f"signed by {record.get('kid')!r}, no key of the peer's log")
    verify_record(record, key.public_key)


def replay_peer(peer: Peer) -> list[ReplayProblem]:
    """Every rule run in the peer's mirrored log re-run here: missing, extra or different
    firings, and rights records no key of the peer's log signed."""
    entries, problems = _signed_entries(peer)
    return sorted([*problems, *replay_problems(entries)], key=lambda p: p.index)


def _latest(peer: Peer) -> int | None:
    return MirroredEntry.objects.filter(peer=peer, kind__in=records.RIGHT_TYPES).aggregate(
        last=Max("leaf_index")
    )["last"]


def rule_problems(peer: Peer) -> list[ReplayProblem]:
    """replay_peer, run again only when the peer's rights records grew (federation status)."""
    latest = _latest(peer)
    known = _replays.get(peer.pk)
    if known is None or known[0] != latest:
        known = _replays[peer.pk] = (latest, replay_peer(peer))
    return known[1]


def _ledger(peer: Peer) -> right_rules.Ledger:
    """The peer's rights as its log says, folded again only when the log grew."""
    latest = _latest(peer)
    known = _ledgers.get(peer.pk)
    if known is not None and known[0] == latest:
        return known[1]
    ledger = right_rules.Ledger()
    for index, record in _signed_entries(peer)[0]:
        try:
            right_rules.fold(ledger, index, record)
        except right_rules.RuleInputError:
            continue  # replay_peer reports it
    _ledgers[peer.pk] = (latest, ledger)
    return ledger


def peer_standing(peer: Peer, *, brand: str, gtin: str, day: date) -> right_rules.Standing | None:
    """Whether a label the peer registered stands on a live right, by the peer's log; None when
    the peer's log names no rights for the product (an office before rights were logged)."""
    ledger = _ledger(peer)
    product = ledger.products.get(gtin)
    if product is None:
        return None
    states = [ledger.rights[key] for key in product[1] if key in ledger.rights]
    return right_rules.standing(states, org=brand, gtin=gtin, day=day)


def forget() -> None:
    _ledgers.clear()
    _replays.clear()
