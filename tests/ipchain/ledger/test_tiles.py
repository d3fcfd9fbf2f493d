"""C2SP tlog-tiles: paths, and a tree read from tiles equals the tree computed in memory."""

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ipchain.ledger.merkle import (
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    leaves_subtree_hash,
    node_hash,
    root_from_leaf_hashes,
)
from ipchain.ledger.tiles import TiledTree, decode_index, edge_tiles, encode_index, extend_tiles, tile_path


@pytest.mark.parametrize(
    ("n", "path"),
    [
        (0, "000"),
        (1, "001"),
        (5, "005"),  # shared/specs/README.md 4
        (999, "999"),
        (1000, "x001/000"),
        (1234067, "x001/x234/067"),
        (123456078, "x123/x456/078"),  # vectors.md D
        (3057500, "x003/x057/500"),
        (2**63 - 1, "x009/x223/x372/x036/x854/x775/807"),
    ],
)
def test_index_encoding(n, path):
    assert encode_index(n) == path
    assert decode_index(path) == n


@pytest.mark.parametrize(
    "bad",
    [
        "123/456/078",  # vectors.md D: non-final groups lack the x
        "x001",
        "1",
        "0005",
        "x000/005",
        "x001/-12",
        "-001",
        "abc",
        "",
        "x001/00a",
        "\u0660\u0660\u0665",  # Arabic-Indic digits: \\d matches them, int() reads them
        "005/",
        "/005",
    ],
)
def test_malformed_indexes_are_refused(bad):
    with pytest.raises(ValueError):
        decode_index(bad)


def test_tile_paths():
    # vectors.md D, Go's sumdb paths without their height element (C2SP fixes it at 8).
    assert tile_path(0, 1) == "tile/0/001"
    assert tile_path(0, 1, 5) == "tile/0/001.p/5"
    assert tile_path(5, 123456078) == "tile/5/x123/x456/078"
    assert tile_path(5, 123456078, 2) == "tile/5/x123/x456/078.p/2"
    assert tile_path(0, 3057500, 2) == "tile/0/x003/x057/500.p/2"
    assert tile_path("entries", 3057500) == "tile/entries/x003/x057/500"


def build(hashes, chunks):
    """Tiles as the sequencer builds them: extended batch by batch."""
    tiles, size = {}, 0
    for chunk in chunks:
        edge = {
            level: tiles[(level, index)][: width * 32] for level, (index, width) in edge_tiles(size).items()
        }
        tiles.update(extend_tiles(size, edge, hashes[size : size + chunk]))
        size += chunk
    return tiles


def reader(tiles):
    return lambda keys: {k: tiles[k] for k in keys if k in tiles}


def random_chunks(total, rng):
    chunks = []
    while sum(chunks) < total:
        chunks.append(min(rng.choice([1, 7, 255, 256, 257, 1000, 5000]), total - sum(chunks)))
    return chunks


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=1, max_value=5000), st.randoms(use_true_random=False))
def test_tiles_built_in_any_batches_give_the_same_tree(size, rng):
    hashes = [leaf_hash(n.to_bytes(4, "big")) for n in range(size)]
    tiles = build(hashes, random_chunks(size, rng))
    subtree = leaves_subtree_hash(hashes)
    for tree_size in {size, rng.randint(1, size)}:
        tree = TiledTree(tree_size, reader(tiles))
        assert tree.root() == root_from_leaf_hashes(hashes[:tree_size])
        index = rng.randrange(tree_size)
        assert tree.inclusion_proof(index) == inclusion_proof(index, tree_size, subtree)
        first = rng.randint(1, tree_size)
        assert tree.consistency_proof(first) == consistency_proof(first, tree_size, subtree)


# Fake leaf hashes for trees past level 2 (> 65,536 leaves), computed once.
FAKE_LEAVES = [leaf_hash(n.to_bytes(4, "big")) for n in range(256 * 256 * 2 + 300)]


@pytest.mark.parametrize(
    ("size", "seed"), [(256 * 256, 1), (256 * 256 + 1, 2), (256 * 256 + 300, 3), (256 * 256 * 2 + 300, 4)]
)
def test_a_tree_past_level_two_built_in_random_batches_equals_the_tree_in_memory(size, seed):
    rng = random.Random(seed)
    hashes = FAKE_LEAVES[:size]
    tiles = build(hashes, random_chunks(size, rng))
    assert (2, 0) in tiles
    reads = []

    def counting(keys):
        keys = list(keys)
        reads.extend(keys)
        return reader(tiles)(keys)

    subtree = _memo_subtree(hashes)
    tree = TiledTree(size, counting)
    assert tree.root() == root_from_leaf_hashes(hashes)
    for index in {0, 255, 256, 40000, 65535, size - 1, rng.randrange(size)}:
        reads.clear()
        assert tree.inclusion_proof(index) == inclusion_proof(index, size, subtree)
        assert len(set(reads)) <= 6, "a proof reads a handful of tiles, not the log"
    for first in {1, 256, 65536, size, rng.randint(1, size)}:
        if first <= size:
            assert tree.consistency_proof(first) == consistency_proof(first, size, subtree)
    smaller = rng.randint(257, size)
    assert TiledTree(smaller, reader(tiles)).root() == root_from_leaf_hashes(hashes[:smaller])


def _memo_subtree(hashes):
    """An in-memory subtree_hash that remembers perfect subtrees (fast enough for 130k leaves)."""
    cache = {}

    def subtree(start, end):
        if end - start == 1:
            return hashes[start]
        if (start, end) not in cache:
            k = 1 << ((end - start - 1).bit_length() - 1)
            cache[(start, end)] = node_hash(subtree(start, start + k), subtree(start + k, end))
        return cache[(start, end)]

    return subtree


def test_extend_refuses_an_edge_that_does_not_fit_the_size():
    with pytest.raises(ValueError):
        extend_tiles(3, {0: b"\x00" * 64}, [b"\x01" * 32])
