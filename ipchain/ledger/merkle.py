"""RFC 9162 Merkle tree hashing and proofs (section 2.1). Pure functions over bytes.

Proof generation takes a `subtree_hash(start, end)` callable so that the caller decides
where hashes come from: a list of leaves in tests, stored tiles in the node.
"""

from collections.abc import Callable, Sequence
from hashlib import sha256

from ipchain.errors import DomainError

HASH_SIZE = 32
EMPTY_ROOT = sha256(b"").digest()

SubtreeHash = Callable[[int, int], bytes]


class ProofError(DomainError):
    """A proof request or a proof that cannot be valid; `reason` is machine-readable."""


def leaf_hash(entry: bytes) -> bytes:
    """RFC 9162 2.1.1: MTH({d}) = SHA-256(0x00 || d)."""
    return sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 2.1.1: interior node = SHA-256(0x01 || left || right)."""
    return sha256(b"\x01" + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """MTH over leaf hashes, iteratively: pair up left to right and carry an odd last node up.

    For any n this equals the recursive RFC definition because the tree is left-full.
    """
    if not hashes:
        return EMPTY_ROOT
    level = list(hashes)
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def leaves_subtree_hash(leaf_hashes: Sequence[bytes]) -> SubtreeHash:
    """A `subtree_hash` over an in-memory list of leaf hashes (tests, small trees)."""
    return lambda start, end: root_from_leaf_hashes(leaf_hashes[start:end])


def inclusion_proof(index: int, size: int, subtree_hash: SubtreeHash) -> list[bytes]:
    """RFC 9162 2.1.3.1 PATH(m, D[n]), written as a loop over the recursion."""
    if not 0 <= index < size:
        raise ProofError("index_out_of_range", f"index {index} is not in a tree of size {size}")
    proof: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = split_point(end - start)
        if index < start + k:
            proof.append(subtree_hash(start + k, end))
            end = start + k
        else:
            proof.append(subtree_hash(start, start + k))
            start += k
    proof.reverse()
    return proof


def consistency_proof(first: int, second: int, subtree_hash: SubtreeHash) -> list[bytes]:
    """RFC 9162 2.1.4.1 PROOF(m, D[n]) = SUBPROOF(m, D[n], true)."""
    if not 0 < first <= second:
        raise ProofError("bad_tree_sizes", f"no consistency proof from size {first} to {second}")
    proof: list[bytes] = []
    start, end, m, complete = 0, second, first, True
    while True:
        n = end - start
        if m == n:
            if not complete:
                proof.append(subtree_hash(start, end))
            break
        k = split_point(n)
        if m <= k:
            proof.append(subtree_hash(start + k, end))
            end = start + k
        else:
            proof.append(subtree_hash(start, start + k))
            start += k
            m -= k
            complete = False
    proof.reverse()
    return proof


def _check_hashes(*hashes: bytes) -> None:
    if any(len(h) != HASH_SIZE for h in hashes):
        raise ProofError("bad_hash_size", f"every hash must be {HASH_SIZE} bytes")


def root_from_inclusion_proof(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """RFC 9162 2.1.3.2 steps 1-5: the root that `proof` implies for `leaf`."""
    _check_hashes(leaf, *proof)
    if not 0 <= index < size:
        raise ProofError("index_out_of_range", f"index {index} is not in a tree of size {size}")
    fn, sn = index, size - 1
    r = leaf
    for p in proof:
        if sn == 0:
            raise ProofError("proof_too_long", "inclusion proof has too many hashes")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("proof_too_short", "inclusion proof has too few hashes")
    return r


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> None:
    """Raise ProofError unless `proof` shows `leaf` at `index` in the tree with `root`."""
    _check_hashes(root)
    if root_from_inclusion_proof(index, size, leaf, proof) != root:
        raise ProofError("root_mismatch", "inclusion proof does not lead to the root")


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> None:
    """RFC 9162 2.1.4.2: raise ProofError unless the tree of size `second` extends `first`."""
    _check_hashes(first_root, second_root, *proof)
    if first > second:
        raise ProofError("bad_tree_sizes", f"size {first} is larger than {second}")
    if first == second:
        if proof:
            raise ProofError("proof_too_long", "equal sizes take an empty proof")
        if first_root != second_root:
            raise ProofError("root_mismatch", "equal sizes with different roots")
        return
    if first == 0:
        if proof:
            raise ProofError("proof_too_long", "a proof from the empty tree is empty")
        return
    if not proof:
        raise ProofError("proof_too_short", "consistency proof is empty")
    path = list(proof)
    if first & (first - 1) == 0:  # a power of two: the first root is a proof node itself
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("proof_too_long", "consistency proof has too many hashes")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("proof_too_short", "consistency proof has too few hashes")
    if fr != first_root or sr != second_root:
        raise ProofError("root_mismatch", "consistency proof does not lead to both roots")


class CompactRange:
    """The perfect subtrees covering leaves [0, size): append leaves, read the root at any time.

    Used by the audit to rebuild the tree in one pass with O(log n) memory.
    """

    def __init__(self) -> None:
        self.size = 0
        self._nodes: list[bytes] = []  # hashes of the perfect subtrees, largest first

    def append(self, leaf: bytes) -> None:
        node = leaf
        size = self.size
        while size & 1:
            node = node_hash(self._nodes.pop(), node)
            size >>= 1
        self._nodes.append(node)
        self.size += 1

    @property
    def nodes(self) -> list[bytes]:
        """The perfect subtrees' hashes, largest first: with `size`, all the range is."""
        return list(self._nodes)

    @classmethod
    def restore(cls, size: int, nodes: list[bytes]) -> "CompactRange":
        """The range of `size` leaves whose perfect subtrees are `nodes` (one per set bit of
        size); ValueError when they cannot be."""
        if size < 0 or len(nodes) != size.bit_count() or any(len(n) != 32 for n in nodes):
            raise ValueError(f"a range of {size} leaves has {size.bit_count()} subtrees of 32 bytes")
        found = cls()
        found.size, found._nodes = size, list(nodes)
        return found

    def root(self) -> bytes:
        if not self._nodes:
            return EMPTY_ROOT
        root = self._nodes[-1]
        for node in reversed(self._nodes[:-1]):
            root = node_hash(node, root)
        return root
