"""GS1 identifiers and what a label's QR code says. Pure: no Django.

A label holds a GS1 Digital Link URI on this node, with the brand's signature over the
GTIN and serial in its query, so a verifier with the trust list can check it offline:

    https://<host>/01/<GTIN-14>/21/<serial>?k=<key id>&s=<base64url r||s>

Scanners also hand us GS1 element strings, "(01)…(21)…" or the raw form with a group
separator, and other companies' Digital Link URIs: parse_code reads them all.
"""

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, unquote, urlsplit

from ipchain.errors import DomainError

from .signing import SignatureError, b64url_decode

MAX_CODE_LENGTH = 1024
LABEL_DOMAIN = b"ipchain-label/v1\n"
# GS1 AI encodable character set 82 (GS1 General Specifications, figure 7.11-1).
_CSET82 = re.compile(r"^[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}$")
_GS = "\x1d"


class DigitalLinkError(DomainError):
    """Refused with a machine-readable `reason` (ipchain.errors.DomainError)."""


@dataclass(frozen=True)
class ScannedCode:
    gtin: str
    serial: str
    kid: str | None = None
    sig: bytes | None = None
    host: str | None = None


def gtin_check_digit(digits: str) -> int:
    """GS1 mod-10: weights 3, 1, 3, … from the right of the digits before the check digit."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return (10 - total % 10) % 10


def normalize_gtin(value: str) -> str:
    """GTIN-8, -12, -13 or -14 → 14 digits, with its check digit verified."""
    value = value.strip() if isinstance(value, str) else ""
    if not value.isascii() or not value.isdigit() or len(value) not in (8, 12, 13, 14):
        raise DigitalLinkError("bad_gtin", "a GTIN is 8, 12, 13 or 14 digits")
    gtin = value.zfill(14)
    expected = gtin_check_digit(gtin[:-1])
    if int(gtin[-1]) != expected:
        raise DigitalLinkError("bad_check_digit", f"GTIN check digit should be {expected}")
    return gtin


def validate_serial(serial: str) -> str:
    """GS1 AI 21: 1 to 20 characters of character set 82."""
    if not isinstance(serial, str) or not _CSET82.match(serial):
        raise DigitalLinkError("bad_serial", "a serial is 1-20 characters of GS1 character set 82")
    return serial


def label_message(gtin14: str, serial: str) -> bytes:
    """The exact bytes a label signature covers (docs/signing.md)."""
    return LABEL_DOMAIN + gtin14.encode() + b"\n" + serial.encode() + b"\n"


def build_label_uri(host: str, gtin: str, serial: str, kid: str, sig: bytes) -> str:
    from .signing import b64url_encode

    return (
        f"https://{host}/01/{normalize_gtin(gtin)}/21/{quote(validate_serial(serial), safe='')}"
        f"?k={kid}&s={b64url_encode(sig)}"
    )


def parse_code(text: str) -> ScannedCode:
    """Read what a scanner or a camera gave us; DigitalLinkError with a reason otherwise."""
    if not isinstance(text, str):
        raise DigitalLinkError("not_a_code", "a code is text")
    if len(text) > MAX_CODE_LENGTH:
        raise DigitalLinkError("too_long", f"a code is at most {MAX_CODE_LENGTH} characters")
    text = text.strip()
    for prefix in ("]Q1", "]Q3", "]C1", "]d2", "]e0"):  # AIM symbology identifiers
        if text.startswith(prefix):
            text = text[len(prefix) :]
    lowered = text[:8].lower()
    if lowered.startswith(("https://", "http://")):
        return _parse_uri(text)
    if text.startswith("(01)"):
        return _parse_bracketed(text)
    if text.startswith("01") and text[2:16].isdigit():
        return _parse_raw(text)
    raise DigitalLinkError("not_a_code", "not a GS1 Digital Link URI or element string")


def _parse_uri(text: str) -> ScannedCode:
    try:
        parts = urlsplit(text)
    except ValueError:
        raise DigitalLinkError("not_a_code", "not a valid URI") from None
    segments = parts.path.split("/")
    values = {}
    for i in range(len(segments) - 1):
        if segments[i] in ("01", "21") and segments[i] not in values:
            values[segments[i]] = unquote(segments[i + 1])
    if "01" not in values:
        raise DigitalLinkError("not_a_code", "the URI has no GTIN (AI 01)")
    if "21" not in values:
        raise DigitalLinkError("bad_serial", "the URI has no serial number (AI 21)")
    query = parse_qs(parts.query)
    kid = query.get("k", [None])[0]
    sig = None
    if "s" in query:
        try:
            sig = b64url_decode(query["s"][0])
        except SignatureError:
            raise DigitalLinkError("malformed_signature", "the code's signature is not base64url") from None
    return ScannedCode(normalize_gtin(values["01"]), validate_serial(values["21"]), kid, sig, parts.hostname)


def _parse_bracketed(text: str) -> ScannedCode:
    fields = dict(re.findall(r"\((\d{2,4})\)([^(]*)", text))
    if "01" not in fields:
        raise DigitalLinkError("not_a_code", "no GTIN (AI 01)")
    if "21" not in fields:
        raise DigitalLinkError("bad_serial", "no serial number (AI 21)")
    return ScannedCode(normalize_gtin(fields["01"]), validate_serial(fields["21"]))


def _parse_raw(text: str) -> ScannedCode:
    """'01' + 14 digits, then AIs; variable-length ones end at a group separator (FNC1)."""
    gtin = normalize_gtin(text[2:16])
    rest = text[16:]
    serial = None
    while rest:
        ai = rest[:2]
        if ai == "21":
            serial = rest[2:].split(_GS, 1)[0]
            break
        if ai in ("11", "13", "15", "17"):  # dates: fixed 6 digits
            rest = rest[8:]
        elif ai == "10":  # lot: variable
            rest = rest[2:].split(_GS, 1)[1] if _GS in rest else ""
        else:
            break
    if serial is None:
        raise DigitalLinkError("bad_serial", "no serial number (AI 21)")
    return ScannedCode(gtin, validate_serial(serial))
