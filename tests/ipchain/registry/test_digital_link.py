"""GS1 identifiers, label URIs and what a scanner hands us (ipchain.registry.digital_link)."""

import string

import pytest
import qrcode
from qrcode.util import MODE_8BIT_BYTE, QRData

from ipchain.registry.digital_link import (
    DigitalLinkError,
    ScannedCode,
    build_label_uri,
    gtin_check_digit,
    label_message,
    normalize_gtin,
    parse_code,
    validate_serial,
)
from ipchain.registry.signing import PrivateKey, b64url_encode

GTIN = "09506000134352"  # GS1's own example GTIN
SIG = bytes(range(64))
KID = "KiKpH9dKybk"
GS = "\x1d"
# GS1 AI encodable character set 82 (GS1 General Specifications figure 7.11-1), spelt out.
CSET82 = "!\"%&'()*+,-./" + string.digits + ":;<=>?" + string.ascii_uppercase + "_" + string.ascii_lowercase


def reason(call, *args) -> str:
    with pytest.raises(DigitalLinkError) as caught:
        call(*args)
    return caught.value.reason


# --- GTIN -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gtin", "check"),
    [
        ("400638133393", 1),  # EAN-13 4006381333931
        ("03600029145", 2),  # UPC-A 036000291452
        ("9638507", 4),  # EAN-8 96385074
        ("0950600013435", 2),  # GTIN-14 09506000134352
        ("1061414100041", 5),  # GTIN-14 with indicator digit 1
        ("0000000000000", 0),
    ],
)
def test_check_digit_of_published_examples(gtin, check):
    assert gtin_check_digit(gtin) == check


def reference_check_digit(digits: str) -> int:
    """GS1 General Specifications 7.9.1, as written: pad to 17 digits, weights 3 and 1
    alternating from the left, check digit = the nearest multiple of 10 above minus the sum."""
    padded = digits.zfill(17)
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(padded))
    return -total % 10


@pytest.mark.parametrize("n", range(0, 200))
def test_check_digit_agrees_with_the_reference_for_every_length(n):
    digits = str(n * 7919 * 104729 % 10**13).zfill(13)
    for length in (7, 11, 12, 13):
        assert gtin_check_digit(digits[-length:]) == reference_check_digit(digits[-length:])


@pytest.mark.parametrize(
    ("value", "gtin14"),
    [
        ("96385074", "00000096385074"),
        ("036000291452", "00036000291452"),
        ("4006381333931", "04006381333931"),
        ("09506000134352", "09506000134352"),
        (" 4006381333931 ", "04006381333931"),
    ],
)
def test_gtin_8_12_13_14_become_14_digits(value, gtin14):
    assert normalize_gtin(value) == gtin14


@pytest.mark.parametrize(
    "value",
    [
        "",
        "123",
        "95060001343",  # 11 digits
        "095060001343520",  # 15 digits
        "0950600013435X",
        "0950600013435-2",
        "٠٩٥٠٦٠٠٠١٣٤٣٥٢",  # Arabic-Indic digits: str.isdigit() says yes, GS1 says no
        9506000134352,
        None,
    ],
)
def test_a_gtin_that_is_not_8_12_13_or_14_digits_is_a_bad_gtin(value):
    assert reason(normalize_gtin, value) == "bad_gtin"


@pytest.mark.parametrize("value", ["09506000134353", "4006381333932", "96385075", "036000291453"])
def test_a_wrong_check_digit_is_refused(value):
    assert reason(normalize_gtin, value) == "bad_check_digit"


# --- serial (AI 21) ---------------------------------------------------------------------


@pytest.mark.parametrize("serial", ["1", "A" * 20, *(CSET82[i : i + 20] for i in range(0, 82, 20))])
def test_a_serial_of_1_to_20_characters_of_cset82_is_valid(serial):
    assert validate_serial(serial) == serial


@pytest.mark.parametrize(
    "serial", ["", "A" * 21, "A B", "A#1", "A~1", "Ä1", "A\n", "A\x1d1", "@", "[x]", "{x}", 12, None]
)
def test_anything_else_is_a_bad_serial(serial):
    assert reason(validate_serial, serial) == "bad_serial"


def test_cset82_has_82_characters():
    assert len(set(CSET82)) == 82


# --- the label message and URI ----------------------------------------------------------


def test_the_label_message_is_exactly_the_documented_bytes():
    assert label_message(GTIN, "TJ0000001") == b"ipchain-label/v1\n09506000134352\nTJ0000001\n"
    assert label_message(GTIN, "A/1") == b"ipchain-label/v1\n09506000134352\nA/1\n"


def test_the_label_uri_grammar():
    uri = build_label_uri("ipo.example", GTIN, "TJ0000001", KID, SIG)
    assert uri == f"https://ipo.example/01/09506000134352/21/TJ0000001?k={KID}&s={b64url_encode(SIG)}"


def test_the_label_uri_takes_a_short_gtin_and_writes_14_digits():
    uri = build_label_uri("ipo.example", "4006381333931", "S1", KID, SIG)
    assert "/01/04006381333931/21/S1?" in uri


def test_reserved_characters_of_a_serial_are_percent_encoded():
    uri = build_label_uri("ipo.example", GTIN, "A/1?&=%", KID, SIG)
    assert "/21/A%2F1%3F%26%3D%25?k=" in uri


def test_the_label_uri_refuses_a_bad_gtin_or_serial():
    assert reason(build_label_uri, "h", "09506000134353", "S", KID, SIG) == "bad_check_digit"
    assert reason(build_label_uri, "h", GTIN, "A B", KID, SIG) == "bad_serial"


@pytest.mark.parametrize("serial", ["TJ0000001", CSET82[:20], CSET82[20:40], CSET82[-20:], "%25", "1"])
def test_a_label_uri_reads_back_to_what_was_signed(serial):
    key = PrivateKey.generate()
    signature = key.sign(label_message(GTIN, serial))
    code = parse_code(build_label_uri("ipo.example:8443", GTIN, serial, key.public_key.key_id, signature))
    assert code == ScannedCode(GTIN, serial, key.public_key.key_id, signature, "ipo.example:8443")
    assert key.public_key.verify(label_message(code.gtin, code.serial), code.sig)


def byte_mode_version(text: str) -> int:
    """The QR version qrcode's best_fit picks at level M in byte mode, which our labels use."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(QRData(text.encode(), mode=MODE_8BIT_BYTE))
    return qr.best_fit()


def test_a_label_uri_of_183_characters_fits_qr_version_10_at_level_m():
    """A 30-character host, a 20-character serial, the 11-character kid and a 64-byte
    signature (86 characters of base64url) make a 183-character URI: version 10 at level M
    (version 9 holds 180 bytes, version 10 holds 213)."""
    host = "labels.ipo-example-office.org"
    host += "x" * (30 - len(host))
    uri = build_label_uri(host, GTIN, "ABCDEFGHIJ0123456789", KID, SIG)
    assert len(uri) == 183
    assert byte_mode_version(uri) == 10


def test_the_size_budget_is_80_characters_for_host_and_encoded_serial():
    """Version 10 holds 213 bytes at level M; the fixed parts take 133. Each reserved
    character in a serial costs 3 characters, so a 20-character serial with a 30-character
    host fits with up to 15 of them; beyond, the code needs version 11."""
    host = "h" * 30
    fits = build_label_uri(host, GTIN, "/" * 15 + "A" * 5, KID, SIG)
    assert len(fits) == 213 and byte_mode_version(fits) == 10
    too_big = build_label_uri(host, GTIN, "/" * 16 + "A" * 4, KID, SIG)
    assert len(too_big) == 215 and byte_mode_version(too_big) == 11


# --- parsing what a scanner gives -------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        f"https://ipo.example/01/{GTIN}/21/TJ1?k={KID}&s={b64url_encode(SIG)}",
        f"http://ipo.example/01/{GTIN}/21/TJ1?k={KID}&s={b64url_encode(SIG)}",
        f"HTTPS://IPO.EXAMPLE/01/{GTIN}/21/TJ1?k={KID}&s={b64url_encode(SIG)}",
        f"  https://ipo.example/01/{GTIN}/21/TJ1?s={b64url_encode(SIG)}&k={KID}&x=1\n",
        f"]Q1https://ipo.example/01/{GTIN}/21/TJ1?k={KID}&s={b64url_encode(SIG)}",
    ],
)
def test_our_uri_on_any_scheme_and_case(text):
    code = parse_code(text)
    assert (code.gtin, code.serial, code.kid, code.sig, code.host) == (GTIN, "TJ1", KID, SIG, "ipo.example")


@pytest.mark.parametrize(
    ("text", "serial", "host"),
    [
        (f"https://id.gs1.org/01/{GTIN}/21/SER", "SER", "id.gs1.org"),
        (f"https://id.gs1.org/01/{GTIN}/10/LOT7/21/SER?17=261231&linkType=all", "SER", "id.gs1.org"),
        (f"https://brand.example/products/x/01/{GTIN}/22/V1/10/L/21/SER/", "SER", "brand.example"),
        (f"https://brand.example/01/{GTIN}/10/21/21/SER", "SER", "brand.example"),  # lot "21"
        ("https://brand.example/01/9506000134352/21/A%2Fb", "A/b", "brand.example"),  # GTIN-13
        (f"https://brand.example/01/{GTIN}/21/SER?k=&s=", "SER", "brand.example"),
    ],
)
def test_other_digital_link_uris(text, serial, host):
    code = parse_code(text)
    assert (code.gtin, code.serial, code.host) == (GTIN, serial, host)


@pytest.mark.parametrize(
    ("uri", "host"),
    [
        (f"https://IPO.Example/01/{GTIN}/21/S", "ipo.example"),
        (f"http://localhost:8000/01/{GTIN}/21/S", "localhost:8000"),
        (f"https://[::1]:8443/01/{GTIN}/21/S", "[::1]:8443"),
        (f"https://user@ipo.example/01/{GTIN}/21/S", "ipo.example"),
    ],
)
def test_the_host_is_given_as_ipchain_public_host_spells_it(uri, host):
    assert parse_code(uri).host == host


def test_another_companys_uri_carries_no_signature():
    code = parse_code(f"https://id.gs1.org/01/{GTIN}/21/SER")
    assert code.kid is None and code.sig is None


@pytest.mark.parametrize(
    ("text", "serial"),
    [
        (f"(01){GTIN}(21)ABC", "ABC"),
        (f"(01){GTIN}(17)261231(10)LOT(21)A/1", "A/1"),
        (f"(21)ABC(01){GTIN}", "ABC"),
        (f"01{GTIN}21ABC", "ABC"),
        (f"]Q301{GTIN}21ABC", "ABC"),
        (f"]C101{GTIN}17261231{GS}10LOT{GS}21ABC", "ABC"),
        (f"{GS}01{GTIN}21ABC{GS}10LOT", "ABC"),
        (f"01{GTIN}240ADDITIONAL{GS}21ABC", "ABC"),  # an AI of three digits before the serial
        (f"01{GTIN}3103000750{GS}21ABC", "ABC"),  # net weight, predefined length, needless GS
        (f"01{GTIN}310300075021ABC", "ABC"),  # the same without it
        (f"21ABC{GS}01{GTIN}", "ABC"),
        (f"01{GTIN}7003261231120021ABC", None),  # 7003 is variable: the rest is its value
    ],
)
def test_element_strings(text, serial):
    if serial is None:
        assert reason(parse_code, text) == "bad_serial"
        return
    code = parse_code(text)
    assert code == ScannedCode(GTIN, serial)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "hello",
        "javascript:alert(1)",
        "ftp://ipo.example/01/09506000134352/21/S",
        "https://ipo.example/",
        "https://ipo.example/21/SER",
        f"https://ipo.example/gtin/{GTIN}/ser/S",
        f"https://ipo.example/00/{GTIN}0000/21/S",
        "https://[::1/01/x",
        f"https://ipo.example:99999/01/{GTIN}/21/S",
        f"x(01){GTIN}(21)ABC",
        "0595060001343521A",  # AI 05 does not exist
        f"99{GTIN}",  # a company-internal AI only, no GTIN
    ],
)
def test_garbage_is_not_a_code(text):
    assert reason(parse_code, text) == "not_a_code"


def test_text_that_is_not_a_string_is_not_a_code():
    assert reason(parse_code, b"https://ipo.example/01/09506000134352/21/S") == "not_a_code"
    assert reason(parse_code, None) == "not_a_code"


@pytest.mark.parametrize(
    "text",
    [
        "https://ipo.example/01/09506000134353/21/S",
        "(01)09506000134353(21)S",
        "010950600013435321S",
    ],
)
def test_a_wrong_check_digit_in_any_form(text):
    assert reason(parse_code, text) == "bad_check_digit"


@pytest.mark.parametrize(
    "text",
    [
        "https://ipo.example/01/09506000134/21/S",
        "(01)0950600013(21)S",
        "0109506000134",
        "https://ipo.example/01/095060001343AB/21/S",
        "(01)",
        f"(01){GTIN}21ABC",  # half bracketed: the GTIN runs on
        "01",
    ],
)
def test_a_gtin_of_the_wrong_length_in_any_form(text):
    assert reason(parse_code, text) == "bad_gtin"


@pytest.mark.parametrize(
    "text",
    [
        f"https://ipo.example/01/{GTIN}",
        f"https://ipo.example/01/{GTIN}/10/LOT",
        f"https://ipo.example/01/{GTIN}/21/{'A' * 21}",
        f"https://ipo.example/01/{GTIN}/21/A%20B",
        f"https://ipo.example/01/{GTIN}/21/%E2%82%AC",
        f"(01){GTIN}(10)LOT",
        f"(01){GTIN}(21)",
        f"01{GTIN}10LOT",
        f"01{GTIN}21",
    ],
)
def test_a_missing_or_bad_serial(text):
    assert reason(parse_code, text) == "bad_serial"


@pytest.mark.parametrize(
    "signature",
    ["not+base64", "AA==", b64url_encode(SIG)[:-1] + "B", "%%%"],
)
def test_a_malformed_signature_in_the_query(signature):
    assert reason(parse_code, f"https://ipo.example/01/{GTIN}/21/S?k={KID}&s={signature}") == (
        "malformed_signature"
    )


def test_a_code_of_1024_characters_is_read_and_1025_is_too_long():
    base = f"https://ipo.example/01/{GTIN}/21/S?x="
    assert parse_code(base + "a" * (1024 - len(base))).serial == "S"
    assert reason(parse_code, base + "a" * (1025 - len(base))) == "too_long"
    assert reason(parse_code, "0" * 100_000) == "too_long"


def test_digital_link_error_is_a_value_error_with_a_reason():
    with pytest.raises(ValueError) as caught:
        normalize_gtin("1")
    assert isinstance(caught.value, DigitalLinkError) and caught.value.reason == "bad_gtin"
