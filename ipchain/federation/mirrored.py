"""What the mirror holds of peers' logs: their registrations and records, and proofs of any
mirrored entry against the peer's signed checkpoint (the mirror's reads; mirror.py writes)."""

from dataclasses import dataclass

from django.db.models import F, Q, QuerySet

from ipchain.ledger.merkle import ProofError, leaf_hash, verify_inclusion
from ipchain.ledger.notes import Checkpoint, split_note
from ipchain.ledger.tiles import TiledTree, TileKey
from ipchain.registry.records import ITEM_REGISTERED

from .models import MirroredCheckpoint, MirroredEntry, MirroredTile, Peer


def mirrored_tiles(peer: Peer):
    """A tile reader over the tiles the mirror stored for `peer`."""

    def read(keys) -> dict[TileKey, bytes]:
        keys = list(keys)
        if not keys:
            return {}
        wanted = Q()
        for level, index in keys:
            wanted |= Q(level=level, index=index)
        rows = MirroredTile.objects.filter(wanted, peer=peer).values_list("level", "index", "hashes")
        return {(level, index): bytes(hashes) for level, index, hashes in rows}

    return read


@dataclass(frozen=True)
class MirroredProof:
    """An entry of a peer's log proven against that peer's signed checkpoint."""

    origin: str
    leaf_index: int
    leaf_hash: bytes
    tree_size: int
    root_hash: bytes
    hashes: list[bytes]
    checkpoint_note: str


def item_registrations(*, gtin: str, serial: str) -> QuerySet[MirroredEntry]:
    """Registrations of this item in any mirrored peer log (the entry's peer is the office)."""
    return (
        MirroredEntry.objects.filter(gtin=gtin, serial=serial, kind=ITEM_REGISTERED)
        .select_related("peer")
        .order_by("peer__name", "leaf_index")
    )


def item_registered_at(*, peer: Peer, gtin: str, serial: str) -> MirroredEntry | None:
    """Whether peer `peer` registered the item: its registration entry, or None."""
    return item_registrations(gtin=gtin, serial=serial).filter(peer=peer).first()


def mirrored_records(*, kind: str, peer: Peer | None = None) -> QuerySet[MirroredEntry]:
    """Mirrored records of one type in log order, e.g. the keys a peer office admitted."""
    entries = MirroredEntry.objects.filter(kind=kind).select_related("peer")
    if peer is not None:
        entries = entries.filter(peer=peer)
    return entries.order_by("peer__name", "leaf_index")


def mirrored_inclusion_proof(entry: MirroredEntry) -> MirroredProof:
    """Prove the entry against the latest signed checkpoint of its peer that the mirror reached.

    Recomputes the leaf hash from the stored body and checks the proof before returning it,
    so a tampered mirror table gives a ProofError, never a wrong answer.
    """
    head = (
        MirroredCheckpoint.objects.filter(
            peer=entry.peer_id, tree_size__gt=entry.leaf_index, tree_size=F("signed_size")
        )
        .order_by("-tree_size")
        .first()
    )
    if head is None:
        raise ProofError(
            "not_yet_proven", "the mirror has not reached a signed checkpoint holding this entry"
        )
    tree = TiledTree(head.tree_size, mirrored_tiles(entry.peer))
    hashes = tree.inclusion_proof(entry.leaf_index)
    leaf = leaf_hash(bytes(entry.body))
    text, _ = split_note(head.note)
    signed_root = Checkpoint.parse(text).root_hash
    verify_inclusion(entry.leaf_index, head.tree_size, leaf, hashes, signed_root)
    return MirroredProof(
        origin=entry.peer.origin,
        leaf_index=entry.leaf_index,
        leaf_hash=leaf,
        tree_size=head.tree_size,
        root_hash=signed_root,
        hashes=hashes,
        checkpoint_note=head.note,
    )
