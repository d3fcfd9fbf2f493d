"""Reading the log: checkpoints, tiles, entry bundles, entries and proofs."""

from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

from .log import current_tree_size, read_tiles, tree_size_at_least
from .logkey import log_signer
from .merkle import EMPTY_ROOT, ProofError
from .models import LogEntry, SignedCheckpoint
from .notes import Checkpoint
from .tiles import TILE_BYTES, TILE_WIDTH, TiledTree
from .tlogproof import TlogProof


class NotFound(LookupError):
    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def latest_checkpoint_note() -> str:
    """The latest signed checkpoint with the cosignatures gathered for it; for an empty log, a
    fresh one of size 0. Cosignature lines come from IPCHAIN_CHECKPOINT_COSIGNATURES."""
    latest = SignedCheckpoint.objects.order_by("-tree_size").values_list("tree_size", "note").first()
    if latest is not None:
        return with_cosignatures(*latest)
    signer = log_signer()
    return signer.sign(Checkpoint(signer.name, 0, EMPTY_ROOT).text())


def with_cosignatures(tree_size: int, note: str) -> str:
    """Our checkpoint of `tree_size` with the cosignature lines gathered for it."""
    return note + "".join(import_string(path)(tree_size) for path in settings.IPCHAIN_CHECKPOINT_COSIGNATURES)


def checkpoint_at(tree_size: int) -> SignedCheckpoint | None:
    return SignedCheckpoint.objects.filter(tree_size=tree_size).first()


def hash_tile(level: int, index: int, width: int) -> bytes:
    """The first `width` hashes of tile level/index, if the log has that many yet."""
    data = read_tiles([(level, index)]).get((level, index), b"")
    if len(data) < width * 32:
        raise NotFound("no_such_tile", f"tile {level}/{index} does not hold {width} hashes")
    return data[: width * 32]


def entry_bundle(index: int, width: int) -> bytes:
    """C2SP tlog-tiles entry bundle: each entry as a 2-byte big-endian length and its bytes."""
    first = index * TILE_WIDTH
    bodies = list(
        LogEntry.objects.filter(leaf_index__gte=first, leaf_index__lt=first + width)
        .order_by("leaf_index")
        .values_list("body", flat=True)
    )
    if len(bodies) < width:
        raise NotFound("no_such_tile", f"entry bundle {index} does not hold {width} entries")
    return b"".join(len(body).to_bytes(2, "big") + bytes(body) for body in bodies)


def integrated_entry(index: int) -> LogEntry:
    entry = LogEntry.objects.filter(leaf_index=index).first()
    if entry is None:
        raise NotFound("no_such_entry", f"no entry at index {index}")
    return entry


@dataclass(frozen=True)
class InclusionProof:
    index: int
    tree_size: int
    leaf_hash: bytes
    hashes: list[bytes]
    root_hash: bytes


@dataclass(frozen=True)
class ConsistencyProof:
    first: int
    second: int
    first_root: bytes
    second_root: bytes
    hashes: list[bytes]


def _tree(tree_size: int | None) -> TiledTree:
    if tree_size is None:
        tree_size = current_tree_size()
    if tree_size <= 0:
        raise ProofError("empty_tree", "tree_size must be at least 1")
    if not tree_size_at_least(tree_size):
        raise ProofError(
            "tree_size_too_large", f"tree_size {tree_size} is past the log's size {current_tree_size()}"
        )
    return TiledTree(tree_size, read_tiles_keeping_full)


# Full tiles never change: a process keeps the last ones read (8 KiB each), for the proofs
# served here and the verdicts' evidence alike (verifier/evidence.py). The upper levels' few
# tiles serve every proof, so most proofs read one or two level-0 tiles from the database.
FULL_TILES_KEPT = 2048
ROOTS_KEPT = 2048
_full_tiles: dict = {}


def read_tiles_keeping_full(keys) -> dict:
    """Stored tiles by (level, index), as log.read_tiles, the full ones from this process's
    memory when it has them."""
    keys = list(keys)
    found = {key: _full_tiles[key] for key in keys if key in _full_tiles}
    missing = [key for key in keys if key not in found]
    if missing:
        read = read_tiles(missing)
        found.update(read)
        full = {key: data for key, data in read.items() if len(data) == TILE_BYTES}
        if len(_full_tiles) + len(full) > FULL_TILES_KEPT:
            _full_tiles.clear()
        _full_tiles.update(full)
    return found


def forget_tiles() -> None:
    """Drop the full tiles and roots kept (tests; a database restored from a backup)."""
    _full_tiles.clear()
    _roots.clear()


# A tree's root never changes once the log has that many entries: computed once a process.
_roots: dict[int, bytes] = {}


def _root(tree: TiledTree) -> bytes:
    root = _roots.get(tree.size)
    if root is None:
        root = tree.root()
        if len(_roots) >= ROOTS_KEPT:
            _roots.clear()
        _roots[tree.size] = root
    return root


def inclusion_proof(index: int, tree_size: int | None = None) -> InclusionProof:
    tree = _tree(tree_size)
    if not 0 <= index < tree.size:
        raise ProofError("index_out_of_range", f"index {index} is not in a tree of size {tree.size}")
    with _missing_tiles_mean_too_large(tree.size):
        hashes = tree.inclusion_proof(index)
        leaf = tree.perfect_hash(0, index)
        return InclusionProof(index, tree.size, leaf, hashes, _root(tree))


def consistency_proof(first: int, second: int | None = None) -> ConsistencyProof:
    tree = _tree(second)
    if not 0 < first <= tree.size:
        raise ProofError("bad_tree_sizes", f"first must be between 1 and {tree.size}")
    with _missing_tiles_mean_too_large(tree.size):
        hashes = tree.consistency_proof(first)
        first_root = _root(tree.of_size(first))  # from the tiles the proof read
        return ConsistencyProof(first, tree.size, first_root, _root(tree), hashes)


@contextmanager
def _missing_tiles_mean_too_large(size: int):
    """The remembered size can be ahead of a database restored from a backup: missing
    tiles then mean the size is not there (yet), which is the caller's error, not ours."""
    try:
        yield
    except LookupError:
        if size > current_tree_size():
            raise ProofError("tree_size_too_large", f"tree_size {size} is past the log's size") from None
        raise


def tlog_proof(index: int) -> TlogProof:
    """Entry `index` as a C2SP tlog-proof: its record as the extra data, its inclusion proof
    in the latest signed checkpoint, and that checkpoint with its cosignatures. NotFound for
    an entry not yet in a signed checkpoint."""
    entry = integrated_entry(index)
    note = latest_checkpoint_note()
    size = Checkpoint.parse(note.partition("\n\n")[0] + "\n").size
    if index >= size:
        raise NotFound("not_yet_checkpointed", f"entry {index} is not yet in a signed checkpoint")
    proof = inclusion_proof(index, size)
    return TlogProof(index, tuple(proof.hashes), note, bytes(entry.body))
