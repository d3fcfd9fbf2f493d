"""Golomb-coded sets: the compact, probabilistic membership structure of the offline status
list (status_list.py). Pure: no Django.

A set of n items is hashed to n values below n·2^P, sorted, and their differences written
with Golomb-Rice coding (the quotient in unary, the remainder in P bits), about P + 1.5
bits an item (BIP 158 uses the same construction). An item not in the set is found in it
with probability about 2^-P: a match means "probably listed", never "certainly".

Item hashes are the first 8 bytes of SHA-256 over a domain-separated (GTIN, serial), so the
list names no serial in the clear; a value is ⌊h·F / 2^64⌋ with F = n·2^P (multiply-shift:
uniform, no modulo bias), which the phone computes with BigInt.
"""

import hashlib
from collections.abc import Iterable

import numpy as np

DOMAIN = b"ipchain-status/v1\n"


def item_hash(gtin: str, serial: str) -> int:
    """The 64-bit hash naming an item in the status list."""
    digest = hashlib.sha256(DOMAIN + gtin.encode() + b"\n" + serial.encode()).digest()
    return int.from_bytes(digest[:8], "big")


def mapped(hashes: Iterable[int], n: int, p: int) -> list[int]:
    f = n << p
    return sorted((h * f) >> 64 for h in hashes)


def encode(hashes: list[int], p: int) -> bytes:
    """The Golomb-Rice coded set of `hashes` (64-bit ints) with parameter `p`."""
    n = len(hashes)
    if n == 0:
        return b""
    values = np.array(mapped(hashes, n, p), dtype=np.uint64)
    deltas = np.diff(values, prepend=np.uint64(0))
    quotients = (deltas >> np.uint64(p)).astype(np.int64)
    remainders = deltas & np.uint64((1 << p) - 1)
    lengths = quotients + 1 + p
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    bits = np.zeros(int(lengths.sum()), dtype=np.uint8)
    # The unary quotient: q ones from each entry's start (then its zero, already there).
    ones = np.repeat(starts, quotients) + (
        np.arange(int(quotients.sum())) - np.repeat(np.cumsum(quotients) - quotients, quotients)
    )
    bits[ones] = 1
    # The remainder: p bits, most significant first, after the quotient's zero.
    base = starts + quotients + 1
    for j in range(p):
        bit = ((remainders >> np.uint64(p - 1 - j)) & np.uint64(1)).astype(bool)
        bits[base[bit] + j] = 1
    return np.packbits(bits).tobytes()


def decode(data: bytes, n: int, p: int) -> list[int]:
    """The sorted mapped values of a coded set of `n` items (for tests and the audit)."""
    bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8))
    values, at, total = [], 0, 0
    for _ in range(n):
        q = 0
        while bits[at]:
            q += 1
            at += 1
        at += 1
        r = 0
        for _ in range(p):
            r = (r << 1) | int(bits[at])
            at += 1
        total += (q << p) | r
        values.append(total)
    return values


def contains(data: bytes, n: int, p: int, h: int) -> bool:
    """Whether hash `h` is (probably) in the set: a scan of the set, for tests; the phone
    indexes the set once and answers in microseconds (static/verifier/status.js)."""
    if n == 0:
        return False
    target = (h * (n << p)) >> 64
    return target in set(decode(data, n, p))
