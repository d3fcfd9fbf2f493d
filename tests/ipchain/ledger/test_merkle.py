"""RFC 9162 section 2.1: hashes, roots, inclusion and consistency proofs.

Vectors from transparency-dev/merkle (shared/specs/vectors.md, section A)."""

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ipchain.ledger.merkle import (
    EMPTY_ROOT,
    CompactRange,
    ProofError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    leaves_subtree_hash,
    node_hash,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)

LEAVES = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
LEAF_HASHES = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
    "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
]
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
b64 = base64.b64decode

# transparency-dev/merkle testdata/inclusion/*/happy-path.json
INCLUSION = [
    (
        0,
        1,
        "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=",
        "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=",
        [],
    ),
    (
        0,
        8,
        "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=",
        "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=",
        [
            "lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c=",
            "Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=",
            "a0eq8p7jwq+a+Im8H7klTavTEXfxYjLdaqsDXKOb9uQ=",
        ],
    ),
    (
        5,
        8,
        "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=",
        "QnGia+DYqE8L1UyMMC58s6O10fpngKQLzOKHNHfatlg=",
        [
            "vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms=",
            "yoVOoSjtBQtBs1/8G4e46yveRh6eO1WW7Oa51ZdaCuA=",
            "037kGJdt2VdTwcc4Yrk5j6Kiz5tP8P3+izDNlSCWFLc=",
        ],
    ),
    (
        2,
        3,
        "rra8/idLcKFPsGel5VeCZNsPqbUa9eC6FZFY8yngbnc=",
        "ApjRIpBtz8EIkstTpzmS/FufST6kybrbJ7eRtBJ6f+c=",
        ["+sVCA+fMaWzw38tCySodnbr3CtnmIfS9jZhmLwDjwSU="],
    ),
    (
        1,
        5,
        "Tju7H3tHjc/nH7YxYxUZo7yhLJrvyhYSv85ME6hiZNQ=",
        "lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c=",
        [
            "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=",
            "Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=",
            "vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms=",
        ],
    ),
]
# transparency-dev/merkle testdata/consistency/*/happy-path.json
CONSISTENCY = [
    (
        1,
        1,
        "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=",
        "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=",
        [],
    ),
    (
        1,
        8,
        "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=",
        "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=",
        [
            "lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c=",
            "Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=",
            "a0eq8p7jwq+a+Im8H7klTavTEXfxYjLdaqsDXKOb9uQ=",
        ],
    ),
    (
        6,
        8,
        "duZ9rbzfHhDht03cYIq9L5jfsW+851J3tSMqEn8gh+8=",
        "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=",
        [
            "DrxdNDf74tsVi58Sah0RjjCBgQMdCpSfje3t68VY72o=",
            "yoVOoSjtBQtBs1/8G4e46yveRh6eO1WW7Oa51ZdaCuA=",
            "037kGJdt2VdTwcc4Yrk5j6Kiz5tP8P3+izDNlSCWFLc=",
        ],
    ),
    (
        2,
        5,
        "+sVCA+fMaWzw38tCySodnbr3CtnmIfS9jZhmLwDjwSU=",
        "Tju7H3tHjc/nH7YxYxUZo7yhLJrvyhYSv85ME6hiZNQ=",
        ["Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=", "vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms="],
    ),
    (
        6,
        7,
        "duZ9rbzfHhDht03cYIq9L5jfsW+851J3tSMqEn8gh+8=",
        "3bib5AOAnjJXUNPSY814kpwpQreUKjS3fhIslZSnTIw=",
        [
            "DrxdNDf74tsVi58Sah0RjjCBgQMdCpSfje3t68VY72o=",
            "sIaT7C5yFZcTBkHoIR5+7cy0wmQTlj7ubB4u0W/7Gl8=",
            "037kGJdt2VdTwcc4Yrk5j6Kiz5tP8P3+izDNlSCWFLc=",
        ],
    ),
]


def test_leaf_hashes_match_the_reference_tree():
    assert [leaf_hash(leaf).hex() for leaf in LEAVES] == LEAF_HASHES


def test_node_hash_of_the_first_two_leaves():
    assert node_hash(bytes.fromhex(LEAF_HASHES[0]), bytes.fromhex(LEAF_HASHES[1])).hex() == ROOTS[2]


@pytest.mark.parametrize("n", range(9))
def test_root_of_the_first_n_leaves(n):
    hashes = [leaf_hash(leaf) for leaf in LEAVES[:n]]
    assert root_from_leaf_hashes(hashes).hex() == ROOTS[n]
    compact = CompactRange()
    for h in hashes:
        compact.append(h)
    assert compact.root().hex() == ROOTS[n]


def test_the_empty_tree_hashes_to_sha256_of_nothing():
    assert EMPTY_ROOT.hex() == ROOTS[0]


@pytest.mark.parametrize(("index", "size", "root", "leaf", "proof"), INCLUSION)
def test_inclusion_vectors_verify_and_are_what_we_generate(index, size, root, leaf, proof):
    verify_inclusion(index, size, b64(leaf), [b64(p) for p in proof], b64(root))
    hashes = [leaf_hash(x) for x in LEAVES[:size]]
    assert inclusion_proof(index, size, leaves_subtree_hash(hashes)) == [b64(p) for p in proof]


@pytest.mark.parametrize(("first", "second", "root1", "root2", "proof"), CONSISTENCY)
def test_consistency_vectors_verify_and_are_what_we_generate(first, second, root1, root2, proof):
    verify_consistency(first, second, b64(root1), b64(root2), [b64(p) for p in proof])
    hashes = [leaf_hash(x) for x in LEAVES[:second]]
    assert consistency_proof(first, second, leaves_subtree_hash(hashes)) == [b64(p) for p in proof]


# transparency-dev/merkle proof/verify_test.go: sha256SomeHash, and the corrupt*Proof probes
# that also generated its testdata/{inclusion,consistency}/N/*.json files (ported to Python).
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


def corrupt_inclusion_proof(index, size, proof, root, leaf):
    """transparency-dev's corruptInclusionProof: every probe states something false."""
    probes = [
        ("leafIndex - 1", index - 1, size, root, leaf, proof),
        ("leafIndex + 1", index + 1, size, root, leaf, proof),
        ("leafIndex ^ 2", index ^ 2, size, root, leaf, proof),
        ("treeSize * 2", index, size * 2, root, leaf, proof),
        ("treeSize / 2", index, size // 2, root, leaf, proof),
        ("wrong leaf", index, size, root, b"WrongLeaf", proof),
        ("empty root", index, size, EMPTY_ROOT, leaf, proof),
        ("random root", index, size, SOME_HASH, leaf, proof),
        ("trailing garbage", index, size, root, leaf, [*proof, b""]),
        ("trailing root", index, size, root, leaf, [*proof, root]),
        ("preceding garbage", index, size, root, leaf, [b"", *proof]),
        ("preceding root", index, size, root, leaf, [root, *proof]),
    ]
    for i in range(len(proof)):
        probes.append((f"modified proof[{i}] bit 3", index, size, root, leaf, flip_bit(proof, i, 3)))
    if proof:
        probes.append(("removed component", index, size, root, leaf, proof[:-1]))
    if len(proof) > 1:
        probes.append(("inserted component", index, size, root, leaf, [proof[0], SOME_HASH, *proof[1:]]))
    # Ours on top: hashes of the wrong length, and a wrong leaf of the right length.
    probes.append(("wrong leaf, 32 bytes", index, size, root, b"WrongLeaf".ljust(32, b"\0"), proof))
    for cut in (31, 33):
        probes.append((f"leaf of {cut} bytes", index, size, root, resize(leaf, cut), proof))
        probes.append((f"root of {cut} bytes", index, size, resize(root, cut), leaf, proof))
        for i in range(len(proof)):
            bad = [*proof[:i], resize(proof[i], cut), *proof[i + 1 :]]
            probes.append((f"proof[{i}] of {cut} bytes", index, size, root, leaf, bad))
    return probes


def corrupt_consistency_proof(size1, size2, root1, root2, proof):
    """transparency-dev's corruptConsistencyProof (for non-empty proofs)."""
    probes = [
        ("size1 - 1", size1 - 1, size2, root1, root2, proof),
        ("size1 + 1", size1 + 1, size2, root1, root2, proof),
        ("size1 ^ 2", size1 ^ 2, size2, root1, root2, proof),
        ("size2 * 2", size1, size2 * 2, root1, root2, proof),
        ("size2 / 2", size1, size2 // 2, root1, root2, proof),
        ("wrong root1", size1, size2, b"WrongRoot", root2, proof),
        ("wrong root2", size1, size2, root1, b"WrongRoot", proof),
        ("swapped roots", size1, size2, root2, root1, proof),
        ("empty proof", size1, size2, root1, root2, []),
        ("trailing garbage", size1, size2, root1, root2, [*proof, b""]),
        ("trailing root1", size1, size2, root1, root2, [*proof, root1]),
        ("trailing root2", size1, size2, root1, root2, [*proof, root2]),
        ("preceding garbage", size1, size2, root1, root2, [b"", *proof]),
        ("preceding root1", size1, size2, root1, root2, [root1, *proof]),
        ("preceding root2", size1, size2, root1, root2, [root2, *proof]),
        ("preceding proof[0]", size1, size2, root1, root2, [proof[0], *proof]),
        ("truncated proof", size1, size2, root1, root2, proof[:-1]),
    ]
    for i in range(len(proof)):
        probes.append((f"modified proof[{i}] bit 4", size1, size2, root1, root2, flip_bit(proof, i, 4)))
    # Ours on top: a first size of 0 takes only an empty proof, and hashes must be 32 bytes.
    probes.append(("size1 = 0 with a proof", 0, size2, EMPTY_ROOT, root2, proof))
    for cut in (31, 33):
        probes.append((f"root1 of {cut} bytes", size1, size2, resize(root1, cut), root2, proof))
        probes.append((f"root2 of {cut} bytes", size1, size2, root1, resize(root2, cut), proof))
        for i in range(len(proof)):
            bad = [*proof[:i], resize(proof[i], cut), *proof[i + 1 :]]
            probes.append((f"proof[{i}] of {cut} bytes", size1, size2, root1, root2, bad))
    return probes


def flip_bit(proof, i, bit):
    return [*proof[:i], bytes([proof[i][0] ^ (1 << bit)]) + proof[i][1:], *proof[i + 1 :]]


def resize(h, length):
    return h[:length].ljust(length, b"\xab")


def accepted_inclusion_probes(probes):
    accepted = []
    for name, index, size, root, leaf, proof in probes:
        try:
            verify_inclusion(index, size, leaf, proof, root)
        except ProofError:
            continue
        accepted.append(name)
    return accepted


def accepted_consistency_probes(probes):
    accepted = []
    for name, size1, size2, root1, root2, proof in probes:
        try:
            verify_consistency(size1, size2, root1, root2, proof)
        except ProofError:
            continue
        accepted.append(name)
    return accepted


@pytest.mark.parametrize(("index", "size", "root", "leaf", "proof"), INCLUSION)
def test_every_corrupted_inclusion_vector_fails(index, size, root, leaf, proof):
    probes = corrupt_inclusion_proof(index, size, [b64(p) for p in proof], b64(root), b64(leaf))
    assert accepted_inclusion_probes(probes) == []


# transparency-dev corrupts only non-empty proofs; the table below covers the trivial ones.
@pytest.mark.parametrize(("first", "second", "root1", "root2", "proof"), [c for c in CONSISTENCY if c[4]])
def test_every_corrupted_consistency_vector_fails(first, second, root1, root2, proof):
    probes = corrupt_consistency_proof(first, second, b64(root1), b64(root2), [b64(p) for p in proof])
    assert accepted_consistency_probes(probes) == []


def test_every_proof_in_the_reference_trees_verifies_and_every_corruption_fails():
    """shared/specs/README.md 1: every inclusion proof for every leaf of the 8 trees, and every
    consistency proof between them, verifies against the published roots; corrupted, none does."""
    hashes = [leaf_hash(x) for x in LEAVES]
    roots = [bytes.fromhex(r) for r in ROOTS]
    for size in range(1, 9):
        subtree = leaves_subtree_hash(hashes[:size])
        for index in range(size):
            proof = inclusion_proof(index, size, subtree)
            verify_inclusion(index, size, hashes[index], proof, roots[size])
            probes = corrupt_inclusion_proof(index, size, proof, roots[size], hashes[index])
            assert accepted_inclusion_probes(probes) == [], (index, size)
        for first in range(1, size + 1):
            proof = consistency_proof(first, size, subtree)
            verify_consistency(first, size, roots[first], roots[size], proof)
            if proof:
                probes = corrupt_consistency_proof(first, size, roots[first], roots[size], proof)
                assert accepted_consistency_probes(probes) == [], (first, size)


# The negative vectors of shared/specs/vectors.md A.2, verbatim.
def test_wrong_leaf_vector_fails():
    proof = [b64(p) for p in INCLUSION[1][4]]
    with pytest.raises(ProofError):
        verify_inclusion(0, 8, b64("V3JvbmdMZWFm"), proof, b64(INCLUSION[1][2]))


def test_swapped_roots_vector_fails():
    _, _, root1, root2, proof = CONSISTENCY[1]
    with pytest.raises(ProofError):
        verify_consistency(1, 8, b64(root2), b64(root1), [b64(p) for p in proof])


def test_empty_root_and_leaf_vector_fails():
    with pytest.raises(ProofError):
        verify_inclusion(0, 1, b64(""), [], b64(""))


def test_size1_zero_with_a_non_hash_root2_vector_fails():
    with pytest.raises(ProofError):
        verify_consistency(
            0, 1, b64("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="), b64("ZG9uJ3QgY2FyZSAy"), []
        )


def test_equal_sizes_with_different_roots_vector_fails():
    with pytest.raises(ProofError):
        verify_consistency(1, 1, b64("ZG9uJ3QgY2FyZSAx"), b64("ZG9uJ3QgY2FyZSAy"), [])


# transparency-dev TestVerifyConsistency's table, with 32-byte stand-ins for its "don't care"
# roots: ours refuses any hash that is not 32 bytes, which it does not.
ROOT_A, ROOT_B = leaf_hash(b"don't care 1"), leaf_hash(b"don't care 2")


@pytest.mark.parametrize(
    ("size1", "size2", "root1", "root2", "proof", "ok"),
    [
        pytest.param(0, 0, ROOT_A, ROOT_B, [], False, id="0-0 different roots"),
        pytest.param(1, 1, ROOT_A, ROOT_B, [], False, id="1-1 different roots"),
        pytest.param(0, 0, ROOT_A, ROOT_A, [], True, id="0-0 same root"),
        pytest.param(0, 1, ROOT_A, ROOT_B, [], True, id="0-1 empty tree is a prefix of any"),
        pytest.param(1, 1, ROOT_B, ROOT_B, [], True, id="1-1 same root"),
        pytest.param(1, 0, ROOT_A, ROOT_B, [], False, id="1-0 back in time"),
        pytest.param(2, 1, ROOT_A, ROOT_B, [], False, id="2-1 back in time"),
        pytest.param(1, 2, ROOT_A, ROOT_B, [], False, id="1-2 empty proof"),
        pytest.param(0, 0, EMPTY_ROOT, ROOT_B, [], False, id="0-0 roots differ"),
        pytest.param(1, 1, EMPTY_ROOT, ROOT_B, [], False, id="1-1 roots differ"),
        pytest.param(0, 0, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], False, id="0-0 non-empty proof"),
        pytest.param(0, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], False, id="0-1 non-empty proof"),
        pytest.param(1, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], False, id="1-1 non-empty proof"),
    ],
)
def test_consistency_edge_cases(size1, size2, root1, root2, proof, ok):
    if ok:
        verify_consistency(size1, size2, root1, root2, proof)
    else:
        with pytest.raises(ProofError):
            verify_consistency(size1, size2, root1, root2, proof)


@pytest.mark.parametrize(("index", "size"), [(0, 0), (0, 1), (1, 0), (2, 1)])
def test_inclusion_with_a_bad_root_or_leaf_fails(index, size):
    """transparency-dev TestVerifyInclusion and TestVerifyInclusionSingleEntry."""
    for leaf, root in [(SOME_HASH, b""), (b"", EMPTY_ROOT), (SOME_HASH, EMPTY_ROOT)]:
        with pytest.raises(ProofError):
            verify_inclusion(index, size, leaf, [], root)


def test_a_single_entry_tree_proves_its_leaf_with_an_empty_proof():
    h = leaf_hash(b"data")
    verify_inclusion(0, 1, h, [], h)
    for leaf, root in [(h, b""), (b"", h), (b"", b"")]:
        with pytest.raises(ProofError):
            verify_inclusion(0, 1, leaf, [], root)


def test_proofs_for_impossible_requests_are_refused():
    subtree = leaves_subtree_hash([leaf_hash(b"x")] * 4)
    for args in [(4, 4), (-1, 4), (0, 0)]:
        with pytest.raises(ProofError):
            inclusion_proof(*args, subtree)
    for args in [(0, 4), (5, 4)]:
        with pytest.raises(ProofError):
            consistency_proof(*args, subtree)


@st.composite
def tree_and_positions(draw):
    size = draw(st.integers(min_value=1, max_value=3000))
    index = draw(st.integers(min_value=0, max_value=size - 1))
    first = draw(st.integers(min_value=1, max_value=size))
    return size, index, first


@settings(max_examples=150, deadline=None)
@given(tree_and_positions(), st.data())
def test_generated_proofs_verify_and_any_flipped_bit_breaks_them(case, data):
    size, index, first = case
    hashes = [leaf_hash(n.to_bytes(4, "big")) for n in range(size)]
    subtree = leaves_subtree_hash(hashes)
    root, first_root = root_from_leaf_hashes(hashes), root_from_leaf_hashes(hashes[:first])

    proof = inclusion_proof(index, size, subtree)
    verify_inclusion(index, size, hashes[index], proof, root)
    consistency = consistency_proof(first, size, subtree)
    verify_consistency(first, size, first_root, root, consistency)

    def flip(value: bytes) -> bytes:
        bit = data.draw(st.integers(min_value=0, max_value=255))
        return value[: bit // 8] + bytes([value[bit // 8] ^ (1 << bit % 8)]) + value[bit // 8 + 1 :]

    with pytest.raises(ProofError):
        verify_inclusion(index, size, flip(hashes[index]), proof, root)
    with pytest.raises(ProofError):
        verify_inclusion(index, size, hashes[index], proof, flip(root))
    if proof:
        at = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
        with pytest.raises(ProofError):
            verify_inclusion(
                index, size, hashes[index], [*proof[:at], flip(proof[at]), *proof[at + 1 :]], root
            )
    if consistency:
        at = data.draw(st.integers(min_value=0, max_value=len(consistency) - 1))
        bad = [*consistency[:at], flip(consistency[at]), *consistency[at + 1 :]]
        with pytest.raises(ProofError):
            verify_consistency(first, size, first_root, root, bad)
    if first < size:
        with pytest.raises(ProofError):
            verify_consistency(first, size, flip(first_root), root, consistency)
        with pytest.raises(ProofError):
            verify_consistency(first, size, first_root, flip(root), consistency)
