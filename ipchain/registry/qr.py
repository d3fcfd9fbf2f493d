"""QR codes for labels: the qrcode package encodes, numpy picks the mask. Pure: no Django.

qrcode's own mask choice scores the eight candidate masks module by module in Python,
which is most of its cost (about 90 labels/s, shared/MEASURED.md). Here qrcode builds the
symbol once with mask 0; the other seven candidates differ from it only in the data
modules and the format information, so they are derived with array operations and scored
with the four penalty rules of ISO/IEC 18004:2015 section 7.8.3, vectorised.
"""

from dataclasses import dataclass
from functools import cache

import numpy as np
import qrcode
from numpy.lib.stride_tricks import sliding_window_view
from qrcode.base import rs_blocks
from qrcode.constants import ERROR_CORRECT_M

from ipchain.errors import DomainError

MASKS = range(8)
# ISO/IEC 18004 7.8.3 penalty weights.
N1, N2, N3, N4 = 3, 3, 40, 10
_WEIGHTS = (1 << np.arange(10, -1, -1)).astype(np.uint16)
_FINDER_CODES = (0b10111010000, 0b00001011101)


class QrError(DomainError):
    """Refused with a machine-readable `reason` (ipchain.errors.DomainError)."""


@dataclass(frozen=True)
class QrMatrix:
    modules: np.ndarray  # bool, True = dark, without the quiet zone
    version: int
    mask: int
    error_correction: str = "M"

    @property
    def size(self) -> int:
        return self.modules.shape[0]


def mask_pattern(mask: int, size: int) -> np.ndarray:
    """ISO/IEC 18004 table 10: where the data mask inverts a module (i = row, j = column)."""
    i, j = np.indices((size, size))
    return [
        (i + j) % 2 == 0,
        i % 2 == 0,
        j % 3 == 0,
        (i + j) % 3 == 0,
        (i // 2 + j // 3) % 2 == 0,
        (i * j) % 2 + (i * j) % 3 == 0,
        ((i * j) % 2 + (i * j) % 3) % 2 == 0,
        ((i + j) % 2 + (i * j) % 3) % 2 == 0,
    ][mask]


@dataclass(frozen=True)
class _Layout:
    """What depends only on the version: the blank symbol, where each data bit goes, which
    modules each mask flips, and the format information of each mask."""

    blank: np.ndarray  # bool (n, n): finder, timing, alignment and version patterns
    bit_rows: np.ndarray  # row of the i-th data bit, in placement order
    bit_cols: np.ndarray
    masks: np.ndarray  # bool (8, n, n): data modules each mask inverts
    format_area: np.ndarray  # bool (n, n)
    format_bits: np.ndarray  # bool (8, n, n)
    blocks: tuple[tuple[int, int], ...]  # (data codewords, error correction codewords) per block
    data_codewords: int


@cache
def _layout(version: int) -> _Layout:
    qr = qrcode.QRCode(version=version, error_correction=ERROR_CORRECT_M)
    qr.makeImpl(False, 0)  # fills qrcode's cache of blank symbols for this version
    n = qr.modules_count
    grid = [row[:] for row in qrcode.main.precomputed_qr_blanks[version]]
    formats = []
    for mask in MASKS:
        qr.modules = [row[:] for row in grid]
        qr.setup_type_info(False, mask)
        formats.append(np.array([[m is True for m in row] for row in qr.modules]))
    qr.modules = grid
    qr.setup_type_info(False, 0)
    if version >= 7:
        qr.setup_type_number(False)
    fixed = np.array([[m is not None for m in row] for row in grid])
    format_area = fixed & ~np.array(
        [[m is not None for m in row] for row in qrcode.main.precomputed_qr_blanks[version]]
    )
    if version >= 7:
        qr.modules = [[None] * n for _ in range(n)]
        qr.setup_type_number(False)
        format_area &= ~np.array([[m is not None for m in row] for row in qr.modules])
    blank = np.array([[m is True for m in row] for row in grid]) & ~format_area
    rows, cols = _placement_order(fixed)
    data = ~fixed
    blocks = tuple((b.data_count, b.total_count - b.data_count) for b in rs_blocks(version, ERROR_CORRECT_M))
    return _Layout(
        blank=blank,
        bit_rows=rows,
        bit_cols=cols,
        masks=np.stack([mask_pattern(k, n) & data for k in MASKS]),
        format_area=format_area,
        format_bits=np.stack(formats) & format_area,
        blocks=blocks,
        data_codewords=sum(d for d, _ in blocks),
    )


def _placement_order(fixed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ISO/IEC 18004 7.7.3: two-module columns from the right, upwards then downwards,
    skipping the vertical timing pattern and every function module."""
    n = fixed.shape[0]
    rows, cols = [], []
    upward = True
    col = n - 1
    while col > 0:
        if col == 6:
            col -= 1
        for row in range(n - 1, -1, -1) if upward else range(n):
            for c in (col, col - 1):
                if not fixed[row, c]:
                    rows.append(row)
                    cols.append(c)
        upward = not upward
        col -= 2
    return np.array(rows), np.array(cols)


@cache
def _rs_table(ec_count: int) -> tuple[int, ...]:
    """For each byte value f, the generator polynomial times f as one integer: one XOR per
    data codeword instead of a polynomial division in Python lists."""
    generator = [1]
    for i in range(ec_count):
        generator = _poly_mul(generator, [1, _EXP[i]])
    table = []
    for factor in range(256):
        if factor == 0:
            table.append(0)
            continue
        value = 0
        for coefficient in generator[1:]:
            value = (value << 8) | (_EXP[(_LOG[coefficient] + _LOG[factor]) % 255] if coefficient else 0)
        table.append(value)
    return tuple(table)


_EXP = [0] * 512
_LOG = [0] * 256
_x = 1
for _i in range(255):
    _EXP[_i] = _x
    _LOG[_x] = _i
    _x <<= 1
    if _x & 0x100:
        _x ^= 0x11D  # the QR code field polynomial x^8 + x^4 + x^3 + x^2 + 1
for _i in range(255, 512):
    _EXP[_i] = _EXP[_i - 255]


def _poly_mul(a: list[int], b: list[int]) -> list[int]:
    out = [0] * (len(a) + len(b) - 1)
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            if x and y:
                out[i + j] ^= _EXP[_LOG[x] + _LOG[y]]
    return out


def _error_correction(data: bytes, ec_count: int) -> bytes:
    table = _rs_table(ec_count)
    shift = 8 * (ec_count - 1)
    keep = (1 << (8 * ec_count)) - 1
    register = 0
    for byte in data:
        register = ((register << 8) & keep) ^ table[(register >> shift) ^ byte]
    return register.to_bytes(ec_count, "big")


def _version_for(length: int) -> int:
    for version in range(1, 41):
        count_bits = 8 if version < 10 else 16
        capacity = sum(b.data_count for b in rs_blocks(version, ERROR_CORRECT_M))
        if 4 + count_bits + 8 * length <= 8 * capacity:
            return version
    raise QrError("too_long", f"{length} bytes do not fit a QR code at error correction M")


def _codewords(payload: bytes, layout: _Layout, version: int) -> bytes:
    """Byte-mode segment, terminator and padding, then RS blocks interleaved (7.4)."""
    count_bits = 8 if version < 10 else 16
    bits = (0b0100 << count_bits | len(payload)) << (8 * len(payload)) | int.from_bytes(payload, "big")
    nbits = 4 + count_bits + 8 * len(payload)
    capacity = 8 * layout.data_codewords
    terminator = min(4, capacity - nbits)
    bits <<= terminator
    nbits += terminator
    bits <<= -nbits % 8
    nbits += -nbits % 8
    data = bits.to_bytes(nbits // 8, "big")
    data += bytes([0xEC, 0x11] * layout.data_codewords)[: layout.data_codewords - len(data)]
    blocks, offset = [], 0
    for data_count, ec_count in layout.blocks:
        block = data[offset : offset + data_count]
        blocks.append((block, _error_correction(block, ec_count)))
        offset += data_count
    out = bytearray()
    for i in range(max(d for d, _ in layout.blocks)):
        out.extend(block[i] for block, _ in blocks if i < len(block))
    for i in range(layout.blocks[0][1]):
        out.extend(ec[i] for _, ec in blocks)
    return bytes(out)


def qr_matrix(text: str) -> QrMatrix:
    """Encode `text` in byte mode at error correction M, smallest version, best mask."""
    payload = text.encode("utf-8")
    version = _version_for(len(payload))
    layout = _layout(version)
    codewords = np.frombuffer(_codewords(payload, layout, version), dtype=np.uint8)
    bits = np.unpackbits(codewords).astype(bool)
    unmasked = layout.blank.copy()
    placed = len(layout.bit_rows)
    unmasked[layout.bit_rows[: len(bits)], layout.bit_cols[: len(bits)]] = bits[:placed]
    # Remainder bits (7.6) stay light before masking.
    candidates = unmasked[None, :, :] ^ layout.masks
    candidates |= layout.format_bits
    scores = penalties(candidates)
    best = int(np.argmin(scores))  # ties go to the lowest mask number
    return QrMatrix(candidates[best], version, best)


def penalties(symbols: np.ndarray) -> np.ndarray:
    """ISO/IEC 18004:2015 7.8.3 penalty score of each symbol in a stack of shape (k, n, n)."""
    return (
        _runs(symbols)
        + _runs(symbols.transpose(0, 2, 1))
        + _blocks(symbols)
        + _finder_like(symbols)
        + _finder_like(symbols.transpose(0, 2, 1))
        + _balance(symbols)
    )


def _runs(s: np.ndarray) -> np.ndarray:
    """N1: each run of 5 + i same-colour modules in a row scores 3 + i.

    A run of L >= 5 holds L - 4 windows of five equal modules and scores L - 2, that is its
    windows plus 2 for the window that starts it: no run lengths need be found.
    """
    equal = s[:, :, 1:] == s[:, :, :-1]
    n = s.shape[2]
    five = equal[:, :, : n - 4] & equal[:, :, 1 : n - 3] & equal[:, :, 2 : n - 2] & equal[:, :, 3 : n - 1]
    starts = five.copy()
    starts[:, :, 1:] &= ~equal[:, :, : n - 5]
    return five.sum(axis=(1, 2)) + 2 * starts.sum(axis=(1, 2))


def _blocks(s: np.ndarray) -> np.ndarray:
    """N2: each 2x2 block of one colour scores 3 (overlapping blocks each count)."""
    top_left = s[:, :-1, :-1]
    same = (top_left == s[:, 1:, :-1]) & (top_left == s[:, :-1, 1:]) & (top_left == s[:, 1:, 1:])
    return same.sum(axis=(1, 2)) * N2


def _finder_like(s: np.ndarray) -> np.ndarray:
    """N3: 1:1:3:1:1 dark-light pattern with four light modules before or after, in a row: 40."""
    codes = sliding_window_view(s.astype(np.uint16), 11, axis=2) @ _WEIGHTS
    return ((codes == _FINDER_CODES[0]) | (codes == _FINDER_CODES[1])).sum(axis=(1, 2)) * N3


def _balance(s: np.ndarray) -> np.ndarray:
    """N4: 10 points for each full 5 % step the dark share is away from 50 %."""
    n2 = s.shape[1] * s.shape[2]
    dark = s.sum(axis=(1, 2))
    return (np.abs(dark * 2 - n2) * 10 // n2) * N4
