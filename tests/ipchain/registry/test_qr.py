"""Our fast QR path is a standard QR code: same symbol as the qrcode package for the same
mask, the mask a plain reading of ISO/IEC 18004 7.8.3 picks, and an independent decoder
(zxing-cpp) reads it back."""

import random
import string

import numpy as np
import pytest
import qrcode
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from qrcode.util import MODE_8BIT_BYTE, QRData

from ipchain.registry.qr import QrError, penalties, qr_matrix

LABEL_URI = "https://ipo.example.org/01/09506000134352/21/ABCDEFGHIJ0123456789?k=AbCdEfGhIjK&s=" + "x" * 86


def qrcode_symbol(text: str, mask: int) -> tuple[np.ndarray, int]:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(QRData(text.encode(), mode=MODE_8BIT_BYTE))  # labels always use byte mode
    qr.version = qr.best_fit()
    qr.makeImpl(False, mask)
    return np.array(qr.modules, dtype=bool), qr.version


def reference_penalty(m: list[list[bool]]) -> int:
    """ISO/IEC 18004:2015 7.8.3, written as plainly as the text reads."""
    n, total = len(m), 0
    for grid in (m, [list(col) for col in zip(*m, strict=True)]):
        for row in grid:
            run = 1
            for i in range(1, n + 1):
                if i < n and row[i] == row[i - 1]:
                    run += 1
                else:
                    total += 3 + (run - 5) if run >= 5 else 0
                    run = 1
            for i in range(n - 10):
                if tuple(int(x) for x in row[i : i + 11]) in (
                    (1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0),
                    (0, 0, 0, 0, 1, 0, 1, 1, 1, 0, 1),
                ):
                    total += 40
    total += 3 * sum(
        m[i][j] == m[i + 1][j] == m[i][j + 1] == m[i + 1][j + 1] for i in range(n - 1) for j in range(n - 1)
    )
    dark = sum(map(sum, m))
    return total + (abs(dark * 2 - n * n) * 10 // (n * n)) * 10


def decode(matrix) -> zxingcpp.Barcode:
    light = ~np.pad(matrix.modules, 4)
    image = Image.fromarray(light.astype(np.uint8) * 255).resize(((matrix.size + 8) * 4,) * 2, Image.NEAREST)
    (result,) = zxingcpp.read_barcodes(image)
    return result


@pytest.mark.parametrize("length", [1, 17, 40, 90, 150, 168, 213, 300, 700])
def test_symbol_and_mask_match_the_standard(length):
    text = "".join(
        random.Random(f"text of {length}").choice(string.ascii_letters + string.digits + "/:?&=%")
        for _ in range(length)
    )
    ours = qr_matrix(text)
    candidates = [qrcode_symbol(text, mask) for mask in range(8)]
    assert ours.version == candidates[0][1]
    scores = [reference_penalty(c.tolist()) for c, _ in candidates]
    assert penalties(np.stack([c for c, _ in candidates])).tolist() == scores
    assert ours.mask == scores.index(min(scores))
    assert (ours.modules == candidates[ours.mask][0]).all()


@settings(max_examples=40, deadline=None)
@given(
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), min_size=1, max_size=200)
)
def test_any_text_decodes_back_exactly(text):
    assert decode(qr_matrix(text)).text == text


def test_a_label_uri_fits_version_10_at_level_m():
    matrix = qr_matrix(LABEL_URI)
    result = decode(matrix)
    assert result.text == LABEL_URI
    assert int(result.extra["Version"]) == matrix.version <= 10
    assert result.extra["ECLevel"] == "M"
    assert result.extra["DataMask"] == matrix.mask


def test_text_too_long_for_any_version_is_refused():
    with pytest.raises(QrError) as exc:
        qr_matrix("x" * 3000)
    assert exc.value.reason == "too_long"
