"""Our fast QR path is a standard QR code: the same symbol as the qrcode package for the same
mask, the mask a plain reading of ISO/IEC 18004 7.8.3 picks, and an independent decoder
(zxing-cpp) reads it back with the version and level we claim."""

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

from ipchain.api_errors import status_for
from ipchain.registry.qr import QrError, penalties, qr_matrix

SIGNATURE = "Q" * 86  # base64url of a 64-byte P-256 r||s
KEY_ID = "AbCdEfGhIjK"


def label_uri(host: str, serial: str) -> str:
    return f"https://{host}/01/09506000134352/21/{serial}?k={KEY_ID}&s={SIGNATURE}"


def sample_text(length: int) -> str:
    alphabet = string.ascii_letters + string.digits + "/:?&=%"
    return "".join(random.Random(f"text of {length}").choice(alphabet) for _ in range(length))


def qrcode_symbol(text: str, mask: int | None) -> qrcode.QRCode:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(QRData(text.encode(), mode=MODE_8BIT_BYTE))  # labels always use byte mode
    qr.version = qr.best_fit()
    if mask is not None:
        qr.makeImpl(False, mask)
    return qr


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
    text = sample_text(length)
    ours = qr_matrix(text)
    candidates = [qrcode_symbol(text, mask) for mask in range(8)]
    assert ours.version == candidates[0].version
    symbols = [np.array(qr.modules, dtype=bool) for qr in candidates]
    scores = [reference_penalty(symbol.tolist()) for symbol in symbols]
    assert penalties(np.stack(symbols)).tolist() == scores
    assert ours.mask == scores.index(min(scores))
    assert (ours.modules == symbols[ours.mask]).all()


def test_qrcode_differs_only_by_scoring_without_the_format_information():
    """ISO/IEC 18004:2015 7.8.3.1: "the area to be evaluated is the complete symbol". qrcode
    scores its candidates with the format and version information left light (makeImpl with
    test=True, python-qrcode issue 388), so its own choice can differ from ours; scored its way,
    the same reference rules give its choice back."""
    differ = 0
    for length in (40, 150):
        text = sample_text(length)
        qr = qrcode_symbol(text, None)
        as_qrcode_scores = []
        for mask in range(8):
            qr.makeImpl(True, mask)
            as_qrcode_scores.append(reference_penalty(np.array(qr.modules, dtype=bool).tolist()))
        assert qr.best_mask_pattern() == as_qrcode_scores.index(min(as_qrcode_scores))
        differ += qr.best_mask_pattern() != qr_matrix(text).mask
    assert differ


@settings(max_examples=40, deadline=None)
@given(
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), min_size=1, max_size=200)
)
def test_any_text_decodes_back_exactly(text):
    assert decode(qr_matrix(text)).text == text


@pytest.mark.parametrize(
    ("host", "serial"),
    [
        ("localhost:8000", "1"),
        ("ipchain.ipo.example.org", "ABCDEFGHIJ0123456789"),
        ("h" * 60, "ABCDEFGHIJ0123456789"),  # the longest host a 20-character serial allows
        ("ipo.example.org", "%2F" * 20),  # a serial of 20 characters that all need escaping
    ],
)
def test_label_uris_fit_version_10_at_level_m(host, serial):
    uri = label_uri(host, serial)
    matrix = qr_matrix(uri)
    result = decode(matrix)
    assert result.text == uri
    assert int(result.extra["Version"]) == matrix.version <= 10
    assert result.extra["ECLevel"] == "M"
    assert result.extra["DataMask"] == matrix.mask


def test_version_10_at_level_m_holds_213_bytes():
    assert qr_matrix("x" * 213).version == 10
    assert qr_matrix("x" * 214).version == 11


def test_version_40_holds_2331_bytes_and_more_is_refused():
    assert qr_matrix("x" * 2331).version == 40
    with pytest.raises(QrError, match="2332 bytes do not fit a QR code at error correction M") as exc:
        qr_matrix("x" * 2332)
    assert exc.value.reason == "too_long"
    assert status_for(exc.value.reason) == 400  # the API answers it as bad input


def test_the_matrix_cannot_be_changed_after_the_fact():
    with pytest.raises(ValueError, match="read-only"):
        qr_matrix("x").modules[0, 0] = False
