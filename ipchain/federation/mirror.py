"""Following a peer's log through its tiles (C2SP tlog-tiles), as a mirror.

A sync fetches the peer's checkpoint and checks its signature, then checks that it extends
the last one mirrored with a consistency proof computed from the peer's own tiles (which
must first hash to the new signed root). It then fetches the new entry bundles, hashes them
into tiles of our own, and stores them only if those tiles reproduce the signed root. Two
signed checkpoints that do not fit one history are kept as split-view evidence.

Large catch-ups go in steps of IPCHAIN_MIRROR_STEP entries, each in its own short
transaction: a step's prefix is proven by a consistency proof to the signed checkpoint.
"""

import json
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from ipchain.ledger.merkle import EMPTY_ROOT, ProofError, leaf_hash, verify_consistency
from ipchain.ledger.notes import Checkpoint, NoteError, Verifier, open_checkpoint, split_note
from ipchain.ledger.tiles import (
    TILE_WIDTH,
    TiledTree,
    TileKey,
    edge_tiles,
    entries_at_level,
    extend_tiles,
    overlaid,
)
from ipchain.registry.provenance import STATUS_AFTER
from ipchain.registry.records import CUSTOMS_CASE, CUSTOMS_SIGHTING, ITEM_EVENT, ITEM_REGISTERED

from .mirrored import mirrored_tiles
from .models import MirroredCheckpoint, MirroredEntry, MirroredProduct, MirroredTile, Peer
from .peer_client import PeerClient, PeerUnavailable
from .split_views import record_split_view
from .tlog_cosignature import verify_cosignatures

logger = logging.getLogger(__name__)

FETCH_THREADS = 4


class MirrorRefused(Exception):
    """The peer served something that does not verify (not a split view: nothing signed conflicts)."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass
class SyncResult:
    peer: str
    status: str  # up_to_date, advanced, behind, split_view, refused, unavailable
    size: int
    entries: int = 0
    message: str = ""


@dataclass(frozen=True)
class SignedHead:
    size: int
    root_hash: bytes
    note: str


def sync_all() -> list[SyncResult]:
    return [sync_peer(peer) for peer in Peer.objects.filter(mirror_its_log=True)]


def sync_peer(peer: Peer, *, client: PeerClient | None = None) -> SyncResult:
    """Bring the mirror of one peer's log up to the peer's current checkpoint."""
    client = client or PeerClient(
        peer.url, timeout=settings.IPCHAIN_FEDERATION_TIMEOUT, ca_file=settings.IPCHAIN_PEER_CA_FILE
    )
    try:
        result = _sync(peer, client)
    except PeerUnavailable as exc:
        result = SyncResult(peer.name, "unavailable", _mirrored_size(peer), message=str(exc))
    except MirrorRefused as exc:
        result = SyncResult(peer.name, "refused", _mirrored_size(peer), message=f"{exc.reason}: {exc}")
    now = timezone.now()
    if result.status in {"up_to_date", "advanced"}:
        Peer.objects.filter(pk=peer.pk).update(mirror_ok_at=now, mirror_error="")
    else:
        logger.warning("mirror of %s: %s %s", peer.name, result.status, result.message)
        Peer.objects.filter(pk=peer.pk).update(
            mirror_error=f"{result.status}: {result.message}"[:500], mirror_error_at=now
        )
    return result


def _sync(peer: Peer, client: PeerClient) -> SyncResult:
    note = client.checkpoint()
    try:
        checkpoint = open_checkpoint(note, Verifier.from_vkey(peer.log_vkey))
    except NoteError as exc:
        raise MirrorRefused("bad_checkpoint", f"the peer's checkpoint does not verify: {exc}") from None
    state = _latest_state(peer)
    mirrored = state.tree_size if state else 0
    signed = _signed_head(state)
    if checkpoint.size < signed.size:
        return _older_checkpoint(peer, mirrored, signed, checkpoint, note)
    if checkpoint.size == signed.size and checkpoint.root_hash != signed.root_hash:
        return _split_view(peer, "root_mismatch", signed, checkpoint, note, [], "same size, different roots")
    peer_tree = TiledTree(checkpoint.size, _peer_tiles(client, checkpoint.size))
    if checkpoint.size > signed.size:
        if peer_tree.root() != checkpoint.root_hash:
            raise MirrorRefused("tiles_mismatch", "the peer's tiles do not hash to its signed root")
        if signed.size > 0:
            proof = peer_tree.consistency_proof(signed.size)
            try:
                verify_consistency(
                    signed.size, checkpoint.size, signed.root_hash, checkpoint.root_hash, proof
                )
            except ProofError as exc:
                return _split_view(peer, "inconsistent", signed, checkpoint, note, proof, str(exc))
    if mirrored == checkpoint.size:
        _keep_better_note(state, note)
        return SyncResult(peer.name, "up_to_date", mirrored)
    step = max(TILE_WIDTH, settings.IPCHAIN_MIRROR_STEP // TILE_WIDTH * TILE_WIDTH)
    added = 0
    while mirrored < checkpoint.size:
        end = min(checkpoint.size, mirrored // TILE_WIDTH * TILE_WIDTH + step)
        _catch_up(peer, client, peer_tree, checkpoint, note, mirrored, end)
        added += end - mirrored
        mirrored = end
    logger.info("mirror of %s: %d new entries, now at %d", peer.name, added, mirrored)
    return SyncResult(peer.name, "advanced", mirrored, entries=added)


def _latest_state(peer: Peer) -> MirroredCheckpoint | None:
    return MirroredCheckpoint.objects.filter(peer=peer).order_by("-tree_size").first()


def _mirrored_size(peer: Peer) -> int:
    state = _latest_state(peer)
    return state.tree_size if state else 0


def _signed_head(state: MirroredCheckpoint | None) -> SignedHead:
    if state is None:
        return SignedHead(0, EMPTY_ROOT, "")
    text, _ = split_note(state.note)
    checkpoint = Checkpoint.parse(text)
    return SignedHead(checkpoint.size, checkpoint.root_hash, state.note)


def _older_checkpoint(
    peer, mirrored: int, signed: SignedHead, checkpoint: Checkpoint, note: str
) -> SyncResult:
    """The peer now serves a smaller tree than it did. Fine if it is a prefix of what we hold."""
    if checkpoint.size <= mirrored:
        ours = TiledTree(checkpoint.size, mirrored_tiles(peer)).root() if checkpoint.size else EMPTY_ROOT
        if ours != checkpoint.root_hash:
            return _split_view(
                peer,
                "older_root_mismatch",
                signed,
                checkpoint,
                note,
                [],
                f"the root at size {checkpoint.size} differs from the one the mirror verified",
            )
    return SyncResult(
        peer.name,
        "behind",
        mirrored,
        message=f"the peer serves size {checkpoint.size}, it served {signed.size}",
    )


def _split_view(
    peer, reason: str, signed: SignedHead, checkpoint: Checkpoint, note: str, proof, message: str
):
    evidence = record_split_view(
        peer=peer,
        seen_by="mirror",
        reason=reason,
        proven=True,
        first_size=signed.size,
        first_note=signed.note,
        second_size=checkpoint.size,
        second_note=note,
        proof=proof,
        message=message,
    )
    return SyncResult(peer.name, "split_view", signed.size, message=f"evidence #{evidence.pk}: {message}")


def _keep_better_note(state: MirroredCheckpoint | None, note: str) -> None:
    """Witnesses cosign after the log publishes: keep the copy of the note with the most cosignatures."""
    if state is None or note == state.note:
        return
    count = _count_cosignatures(note)
    if count > state.cosignatures:
        MirroredCheckpoint.objects.filter(pk=state.pk).update(note=note, cosignatures=count)


def _count_cosignatures(note: str) -> int:
    from .cosigning import trusted_witnesses  # cosigning imports the ledger's reads; keep it lazy

    try:
        return len(verify_cosignatures(note, trusted_witnesses()))
    except NoteError:
        return 0


def _catch_up(
    peer, client, peer_tree: TiledTree, checkpoint: Checkpoint, note: str, start: int, end: int
) -> None:
    bodies = _fetch_entries(client, start, end)
    hashes = [leaf_hash(body) for body in bodies]
    edges = edge_tiles(start)
    stored = mirrored_tiles(peer)([(level, index) for level, (index, _) in edges.items()])
    edge = {level: stored[(level, index)][: width * 32] for level, (index, width) in edges.items()}
    changed = extend_tiles(start, edge, hashes)
    ours = overlaid(changed, mirrored_tiles(peer))
    root = TiledTree(end, ours).root()
    try:
        if end == checkpoint.size:
            if root != checkpoint.root_hash:
                raise ProofError("root_mismatch", "entries do not hash to the signed root")
        else:
            proof = peer_tree.consistency_proof(end)
            verify_consistency(end, checkpoint.size, root, checkpoint.root_hash, proof)
    except ProofError:
        raise MirrorRefused("entries_mismatch", _first_bad_entry(peer_tree, changed, start, end)) from None
    cosignatures = _count_cosignatures(note)
    with transaction.atomic():
        _store_entries(peer, start, bodies, hashes)
        MirroredTile.objects.bulk_create(
            [
                MirroredTile(peer=peer, level=level, index=index, hashes=data)
                for (level, index), data in changed.items()
            ],
            update_conflicts=True,
            unique_fields=["peer", "level", "index"],
            update_fields=["hashes"],
        )
        MirroredCheckpoint.objects.create(
            peer=peer,
            tree_size=end,
            root_hash=root,
            signed_size=checkpoint.size,
            note=note,
            cosignatures=cosignatures,
        )


ENTRY_COLUMNS = ("peer_id", "leaf_index", "body", "leaf_hash", "kind", "gtin", "serial")


def _store_entries(peer: Peer, start: int, bodies: list[bytes], hashes: list[bytes]) -> None:
    """Insert the verified entries. On PostgreSQL with COPY: building a model per entry and
    the ORM's INSERT took about three quarters of a catch-up (bench/federation.py)."""
    products: set[tuple[str, str]] = set()
    sightings: list[tuple[int, bytes]] = []
    cases: list[tuple[int, bytes]] = []  # detentions of goods some office registered
    status_events: set[tuple[str, str]] = set()

    def rows():
        for n, (body, h) in enumerate(zip(bodies, hashes, strict=True)):
            kind, gtin, serial, brand = indexed_values(body)
            if kind == ITEM_REGISTERED and gtin and brand:
                products.add((brand, gtin))
            elif kind == CUSTOMS_SIGHTING and gtin:
                sightings.append((start + n, body))
            elif kind == CUSTOMS_CASE and b'"registry"' in body:
                cases.append((start + n, body))
            elif kind == ITEM_EVENT and gtin and _changes_status(body):
                status_events.add((gtin, serial))
            yield peer.pk, start + n, body, h, kind, gtin, serial

    if connection.vendor != "postgresql":
        MirroredEntry.objects.bulk_create(
            [MirroredEntry(**dict(zip(ENTRY_COLUMNS, row, strict=True))) for row in rows()], batch_size=2000
        )
    else:
        _copy_entries(rows())
    # A few products per batch, usually already known: one INSERT ... ON CONFLICT DO NOTHING.
    MirroredProduct.objects.bulk_create(
        [MirroredProduct(peer=peer, brand=brand, gtin=gtin) for brand, gtin in sorted(products)],
        ignore_conflicts=True,
    )
    if sightings:
        from .sightings import alert_holders  # it builds on peer_items, which imports this module

        alert_holders(peer, sightings)
    if cases:
        from .peer_holders import alert_holders_of_cases

        alert_holders_of_cases(peer, cases, origin=settings.IPCHAIN_LOG_ORIGIN)
    if status_events:
        from .peer_items import record_peer_statuses

        record_peer_statuses(sorted(status_events))


def _changes_status(body: bytes) -> bool:
    """An item event that changes the item's status (recalled, stolen...): the offline status
    list hears of it (peer_items.record_peer_statuses)."""
    try:
        return json.loads(body).get("event") in STATUS_AFTER
    except (ValueError, AttributeError):
        return False


def _copy_entries(rows) -> None:
    table = connection.ops.quote_name(MirroredEntry._meta.db_table)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            f"COPY {table} ({', '.join(ENTRY_COLUMNS)}) FROM STDIN"  # our own table and columns
        ) as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _fetch_entries(client: PeerClient, start: int, end: int) -> list[bytes]:
    """Entries start..end-1 from their bundles, fetched a few at a time (network only, no database)."""
    first, last = start // TILE_WIDTH, (end - 1) // TILE_WIDTH

    def fetch(index: int) -> list[bytes]:
        entries = client.entry_bundle(index, min(TILE_WIDTH, end - index * TILE_WIDTH))
        return entries[max(0, start - index * TILE_WIDTH) :]

    with ThreadPoolExecutor(max_workers=FETCH_THREADS) as pool:
        return [entry for bundle in pool.map(fetch, range(first, last + 1)) for entry in bundle]


def _first_bad_entry(peer_tree: TiledTree, changed: dict[TileKey, bytes], start: int, end: int) -> str:
    """Name the first entry whose hash differs from the peer's level-0 tile (tlog-tiles: each
    entry in a bundle hashes to the matching hash of the level-0 tile)."""
    try:
        for index in range(start, end):
            if (
                peer_tree.perfect_hash(0, index)
                != changed[(0, index // TILE_WIDTH)][(index % TILE_WIDTH) * 32 :][:32]
            ):
                return f"entry {index} does not hash to the peer's level-0 tile"
    except (PeerUnavailable, LookupError):
        pass
    return f"entries {start}..{end - 1} do not hash to the signed tree"


def indexed_values(body: bytes) -> tuple[str, str, str, str]:
    """Type, GTIN, serial and brand of a registry record, for look-ups; blank for anything else."""
    try:
        record = json.loads(body)
    except ValueError:
        return "", "", "", ""
    if not isinstance(record, dict):
        return "", "", "", ""
    kind, gtin, serial, brand = (record.get(k) for k in ("type", "gtin", "serial", "brand"))
    kind = kind[:64] if isinstance(kind, str) else ""
    brand = brand if isinstance(brand, str) and len(brand) <= 64 else ""
    is_item = isinstance(gtin, str) and isinstance(serial, str)
    if is_item and len(gtin) == 14 and gtin.isdigit() and 0 < len(serial) <= 20:
        return kind, gtin, serial, brand
    return kind, "", "", ""


def _peer_tiles(client: PeerClient, size: int):
    """Read tiles from the peer, each at the width the signed tree of `size` gives it."""

    def read(keys) -> dict[TileKey, bytes]:
        found = {}
        for level, index in keys:
            width = min(TILE_WIDTH, entries_at_level(size, level) - index * TILE_WIDTH)
            if width > 0:
                found[(level, index)] = client.tile(level, index, width)
        return found

    return read
