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


def inclusion_mutations(index, size, root, leaf, proof):
    """The mutations transparency-dev/merkle generates for each happy path."""
    garbage = b"\x00" * 32
    yield "wrong leaf", (index, size, b"WrongLeaf".ljust(32, b"\x00"), proof, root)
    yield "index + 1", (index + 1, size, leaf, proof, root)
    if index:
        yield "index - 1", (index - 1, size, leaf, proof, root)
    yield "size * 2", (index, size * 2, leaf, proof, root)
    if size // 2 > index:
        yield "size / 2", (index, size // 2, leaf, proof, root)
    yield "wrong root", (index, size, leaf, proof, leaf_hash(b"WrongRoot"))
    yield "prepended hash", (index, size, leaf, [garbage, *proof], root)
    yield "appended hash", (index, size, leaf, [*proof, garbage], root)
    if proof:
        yield "truncated", (index, size, leaf, proof[:-1], root)
    for i, p in enumerate(proof):
        flipped = bytes([p[0] ^ 1]) + p[1:]
        yield f"flipped bit in hash {i}", (index, size, leaf, [*proof[:i], flipped, *proof[i + 1 :]], root)
        yield f"short hash {i}", (index, size, leaf, [*proof[:i], p[:31], *proof[i + 1 :]], root)
    yield "empty leaf and root", (index, size, b"", proof, b"")


@pytest.mark.parametrize(("index", "size", "root", "leaf", "proof"), INCLUSION)
def test_every_mutated_inclusion_proof_fails(index, size, root, leaf, proof):
    for name, (i, n, lf, pr, rt) in inclusion_mutations(
        index, size, b64(root), b64(leaf), [b64(p) for p in proof]
    ):
        with pytest.raises(ProofError):
            verify_inclusion(i, n, lf, pr, rt)
            pytest.fail(f"mutation accepted: {name}")


def consistency_mutations(first, second, root1, root2, proof):
    garbage = b"\x00" * 32
    if root1 != root2:
        yield "swapped roots", (first, second, root2, root1, proof)
    yield "wrong root1", (first, second, leaf_hash(b"x"), root2, proof)
    yield "wrong root2", (first, second, root1, leaf_hash(b"x"), proof)
    yield "prepended hash", (first, second, root1, root2, [garbage, *proof])
    yield "appended hash", (first, second, root1, root2, [*proof, garbage])
    if proof:
        yield "truncated", (first, second, root1, root2, proof[:-1])
    if first < second:
        yield "second * 2", (first, second * 2, root1, root2, proof)
    for i, p in enumerate(proof):
        yield (
            f"flipped bit {i}",
            (first, second, root1, root2, [*proof[:i], bytes([p[0] ^ 1]) + p[1:], *proof[i + 1 :]]),
        )
    yield "first is zero with a proof", (0, second, EMPTY_ROOT, root2, [garbage])


@pytest.mark.parametrize(("first", "second", "root1", "root2", "proof"), CONSISTENCY)
def test_every_mutated_consistency_proof_fails(first, second, root1, root2, proof):
    for name, args in consistency_mutations(first, second, b64(root1), b64(root2), [b64(p) for p in proof]):
        with pytest.raises(ProofError):
            verify_consistency(*args)
            pytest.fail(f"mutation accepted: {name}")


def test_sizes_equal_but_roots_differ_is_refused():
    with pytest.raises(ProofError):
        verify_consistency(1, 1, b"a" * 32, b"b" * 32, [])


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
