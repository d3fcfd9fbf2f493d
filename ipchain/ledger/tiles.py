"""C2SP tlog-tiles: tile paths, and a Merkle tree read from stored hash tiles.

A tile at level L holds up to 256 hashes of perfect subtrees of 256**L leaves, so a
perfect subtree of any height is one stored hash, or at most 128 hashes of one tile
hashed up. That keeps every proof to a handful of tile reads however large the log.
"""

import re
from collections.abc import Callable, Iterable
from functools import lru_cache

from .merkle import HASH_SIZE, ProofError, node_hash, root_from_leaf_hashes, split_point
from .merkle import consistency_proof as _consistency_proof
from .merkle import inclusion_proof as _inclusion_proof

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
TILE_BYTES = TILE_WIDTH * HASH_SIZE

_INDEX_RE = re.compile(r"^(?:x\d{3}/)*\d{3}$", re.ASCII)

TileKey = tuple[int, int]
ReadTiles = Callable[[Iterable[TileKey]], dict[TileKey, bytes]]


def encode_index(n: int) -> str:
    """1234067 -> 'x001/x234/067' (C2SP tlog-tiles: groups of three digits)."""
    digits = f"{n:d}"
    digits = digits.zfill(-(-len(digits) // 3) * 3)
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    return "/".join([f"x{g}" for g in groups[:-1]] + [groups[-1]])


def decode_index(path: str) -> int:
    """Inverse of encode_index; raises ValueError for anything not in canonical form."""
    if not _INDEX_RE.match(path):
        raise ValueError(f"not a tile index: {path!r}")
    groups = path.replace("x", "").split("/")
    if len(groups) > 1 and groups[0] == "000":
        raise ValueError(f"tile index has a leading zero group: {path!r}")
    return int("".join(groups))


def tile_path(level: int | str, index: int, width: int = TILE_WIDTH) -> str:
    path = f"tile/{level}/{encode_index(index)}"
    return path if width == TILE_WIDTH else f"{path}.p/{width}"


def entries_at_level(size: int, level: int) -> int:
    """How many hashes level `level` tiles hold for a tree of `size` leaves."""
    return size >> (TILE_HEIGHT * level)


def edge_tiles(size: int) -> dict[int, tuple[int, int]]:
    """The partial tile at each level for `size`: {level: (index, width)}, width > 0."""
    edges = {}
    level = 0
    while (n := entries_at_level(size, level)) > 0:
        if n % TILE_WIDTH:
            edges[level] = (n // TILE_WIDTH, n % TILE_WIDTH)
        level += 1
    return edges


def extend_tiles(size: int, edge: dict[int, bytes], leaf_hashes: list[bytes]) -> dict[TileKey, bytes]:
    """Append leaf hashes to a tree of `size` leaves whose partial tiles are `edge`.

    Returns every tile that changed, keyed by (level, index), with its new contents.
    A level-L tile that fills up is hashed into one new hash at level L+1.
    """
    changed: dict[TileKey, bytes] = {}
    new = b"".join(leaf_hashes)
    level = 0
    while new:
        before = entries_at_level(size, level)
        first_tile = before // TILE_WIDTH
        held = edge.get(level, b"")
        if len(held) != (before % TILE_WIDTH) * HASH_SIZE:
            raise ValueError(f"edge tile at level {level} does not match tree size {size}")
        combined = held + new
        promoted = []
        for offset in range(0, len(combined), TILE_BYTES):
            chunk = combined[offset : offset + TILE_BYTES]
            changed[(level, first_tile + offset // TILE_BYTES)] = chunk
            if len(chunk) == TILE_BYTES:
                promoted.append(_tile_root(chunk))
        new = b"".join(promoted)
        level += 1
    return changed


TileReader = Callable[[Iterable[TileKey]], dict[TileKey, bytes]]


def overlaid(changed: dict[TileKey, bytes], read: TileReader) -> TileReader:
    """A tile reader that sees `changed` (tiles about to be stored) over what `read` returns:
    to compute the new root before the new tiles are written."""

    def read_overlaid(keys: Iterable[TileKey]) -> dict[TileKey, bytes]:
        keys = list(keys)
        found = {key: changed[key] for key in keys if key in changed}
        found.update(read([key for key in keys if key not in changed]))
        return found

    return read_overlaid


@lru_cache(maxsize=1024)
def _full_tile_levels(tile: bytes) -> list[list[bytes]]:
    """Every inner node of a full tile: levels[r][i] is the hash of hashes i*2**r .. (i+1)*2**r - 1.

    Keyed by the tile's bytes, so tiles of different logs never share an entry (~16 MB at most).
    """
    levels = [_split_hashes(tile)]
    while len(levels[-1]) > 1:
        below = levels[-1]
        levels.append([node_hash(below[i], below[i + 1]) for i in range(0, len(below), 2)])
    return levels


@lru_cache(maxsize=4096)
def _tile_root(data: bytes) -> bytes:
    # Kept by bytes: the right edge's partial tiles are the same for every proof at one tree
    # size, and their roots cost up to 255 hashes each (a few hundred KB at most).
    return root_from_leaf_hashes(_split_hashes(data))


def _split_hashes(data: bytes) -> list[bytes]:
    return [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]


class TiledTree:
    """The Merkle tree of `size` leaves, read from tiles through `read_tiles`.

    `read_tiles(keys)` returns the stored contents of those tiles (missing ones absent);
    tiles only grow, so a tile stored for a larger tree serves a smaller one too.
    """

    def __init__(self, size: int, read_tiles: ReadTiles):
        self.size = size
        self._read = read_tiles
        self._tiles: dict[TileKey, bytes] = {}

    def of_size(self, size: int) -> "TiledTree":
        """The tree of its first `size` leaves, sharing the tiles read so far (tiles only
        grow: each holds what the smaller tree needs)."""
        smaller = TiledTree(size, self._read)
        smaller._tiles = self._tiles
        return smaller

    def prefetch_for(self, *indexes: int) -> None:
        """Load in one read every tile a proof about these leaf indexes is likely to touch."""
        keys = set()
        for i in (*indexes, self.size - 1):
            level = 0
            while entries_at_level(self.size, level) > 0:
                keys.add((level, (i >> (TILE_HEIGHT * level)) // TILE_WIDTH))
                level += 1
        self._load(keys)

    def _load(self, keys: Iterable[TileKey]) -> None:
        wanted = [k for k in keys if k not in self._tiles]
        if wanted:
            self._tiles.update(self._read(wanted))

    def _stored_hash(self, level: int, n: int) -> bytes:
        key = (level, n // TILE_WIDTH)
        if key not in self._tiles:
            self._load([key])
        offset = (n % TILE_WIDTH) * HASH_SIZE
        data = self._tiles.get(key, b"")
        if len(data) < offset + HASH_SIZE:
            raise LookupError(f"tile {key} does not hold hash {n}")
        return data[offset : offset + HASH_SIZE]

    def perfect_hash(self, height: int, index: int) -> bytes:
        """Hash of the perfect subtree of 2**height leaves starting at leaf index * 2**height."""
        level, rest = divmod(height, TILE_HEIGHT)
        first = index << rest
        if rest == 0:
            return self._stored_hash(level, first)
        key = (level, first // TILE_WIDTH)
        self._stored_hash(level, first + (1 << rest) - 1)  # loads the tile and checks it holds them
        offset = (first % TILE_WIDTH) * HASH_SIZE
        data = self._tiles[key]
        if len(data) < TILE_BYTES:
            return _tile_root(data[offset : offset + (HASH_SIZE << rest)])
        # Full tiles never change: hash each one's inner nodes once and keep them.
        return _full_tile_levels(data)[rest][offset // (HASH_SIZE << rest)]

    def subtree_hash(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]) for the aligned ranges that RFC 9162 proofs ask for."""
        n = end - start
        if n & (n - 1) == 0 and start % n == 0:
            return self.perfect_hash(n.bit_length() - 1, start // n)
        k = split_point(n)
        return node_hash(self.subtree_hash(start, start + k), self.subtree_hash(start + k, end))

    def root(self) -> bytes:
        if self.size == 0:
            return root_from_leaf_hashes([])
        return self.subtree_hash(0, self.size)

    def inclusion_proof(self, index: int) -> list[bytes]:
        self._check_size()
        self.prefetch_for(index)
        return _inclusion_proof(index, self.size, self.subtree_hash)

    def consistency_proof(self, first: int) -> list[bytes]:
        self._check_size()
        if first <= 0 or first > self.size:
            raise ProofError("bad_tree_sizes", f"no consistency proof from size {first} to {self.size}")
        self.prefetch_for(first - 1)
        return _consistency_proof(first, self.size, self.subtree_hash)

    def _check_size(self) -> None:
        if self.size <= 0:
            raise ProofError("empty_tree", "the tree is empty")
