"""QR codes for labels: byte mode, error correction M, the smallest version, the mask the
standard's penalty rules choose. Pure: no Django.

The qrcode package (our chosen library) gives the symbol's layout: the function patterns,
format and version information and the Reed-Solomon block structure of each version; it is
also the reference the tests compare every symbol with. Its per-label work is too slow for
bulk printing (shared/MEASURED.md: about 90 labels/s), so two parts are done here instead:

- the mask choice. qrcode scores the eight candidate masks module by module in Python; here
  the candidates are derived from one unmasked symbol with array operations and scored with
  the four penalty rules of ISO/IEC 18004:2015 7.8.3, vectorised with numpy. As 7.8.3.1
  asks, each candidate is scored complete, with its format and version information; qrcode
  leaves those light while scoring, so for some texts it picks another mask;
- the codewords. qrcode's `util.create_data` took 1.36 ms per 173-character URI here, almost
  three times our whole qr_matrix (0.5 ms); the byte-mode segment and the Reed-Solomon
  remainder by table lookups take about 0.07 ms and give the same bytes (the tests compare).
"""

from dataclasses import dataclass
from functools import cache

import numpy as np
import qrcode
from qrcode.base import rs_blocks
from qrcode.constants import ERROR_CORRECT_M

from ipchain.errors import DomainError

MASKS = range(8)
# ISO/IEC 18004 7.8.3 penalty weights.
N1, N2, N3, N4 = 3, 3, 40, 10


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


@cache
def _byte_capacities() -> tuple[int, ...]:
    """Bytes a byte-mode segment can carry at level M, versions 1 to 40 (7.4.1, table 7)."""
    capacities = []
    for version in range(1, 41):
        count_bits = 8 if version < 10 else 16
        data_bits = 8 * sum(b.data_count for b in rs_blocks(version, ERROR_CORRECT_M))
        capacities.append((data_bits - 4 - count_bits) // 8)
    return tuple(capacities)


def _version_for(length: int) -> int:
    for version, capacity in enumerate(_byte_capacities(), start=1):
        if length <= capacity:
            return version
    raise QrError(
        "too_long",
        f"{length} bytes do not fit a QR code at error correction M (at most {_byte_capacities()[-1]})",
    )


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
    # The remainder bits after the last codeword (7.6) stay light before masking.
    unmasked[layout.bit_rows[: len(bits)], layout.bit_cols[: len(bits)]] = bits
    candidates = unmasked[None, :, :] ^ layout.masks
    candidates |= layout.format_bits
    best = int(np.argmin(penalties(candidates)))  # a tie goes to the lowest mask number, as in qrcode
    modules = candidates[best].copy()
    modules.flags.writeable = False
    return QrMatrix(modules, version, best)


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
    return _count(five) + 2 * _count(starts)


def _blocks(s: np.ndarray) -> np.ndarray:
    """N2: each 2x2 block of one colour scores 3 (overlapping blocks each count)."""
    top_left = s[:, :-1, :-1]
    same = (top_left == s[:, 1:, :-1]) & (top_left == s[:, :-1, 1:]) & (top_left == s[:, 1:, 1:])
    return _count(same) * N2


def _finder_like(s: np.ndarray) -> np.ndarray:
    """N3: a dark-light-dark-dark-dark-light-dark run (1:1:3:1:1) with four light modules
    right before or right after it, in a row: 40 each. Encoders read the rule differently
    where the light area would lie in the quiet zone; like qrcode, we count only patterns
    wholly inside the symbol."""
    n = s.shape[2]
    core = (
        s[:, :, : n - 6]
        & ~s[:, :, 1 : n - 5]
        & s[:, :, 2 : n - 4]
        & s[:, :, 3 : n - 3]
        & s[:, :, 4 : n - 2]
        & ~s[:, :, 5 : n - 1]
        & s[:, :, 6:]
    )
    light4 = ~(s[:, :, : n - 3] | s[:, :, 1 : n - 2] | s[:, :, 2 : n - 1] | s[:, :, 3:])
    light_after = core[:, :, : n - 10] & light4[:, :, 7:]
    light_before = light4[:, :, : n - 10] & core[:, :, 4:]
    return (_count(light_after) + _count(light_before)) * N3


def _balance(s: np.ndarray) -> np.ndarray:
    """N4: 10 points for each full 5 % step the dark share is away from 50 %."""
    n2 = s.shape[1] * s.shape[2]
    dark = _count(s)
    return (np.abs(dark * 2 - n2) * 10 // n2) * N4


def _count(flags: np.ndarray) -> np.ndarray:
    """True values per symbol of a (k, …) stack."""
    return np.count_nonzero(flags.reshape(flags.shape[0], -1), axis=1)
