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

from .signing import SignatureError, b64url_decode, b64url_encode

MAX_CODE_LENGTH = 1024
LABEL_DOMAIN = b"ipchain-label/v1\n"
# GS1 AI encodable character set 82 (GS1 General Specifications, figure 7.11-1).
_CSET82 = re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}")
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

    @property
    def signed(self) -> bool:
        """The code carries a key id and a signature (a label, not a typed number)."""
        return self.kid is not None and self.sig is not None


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
    if not isinstance(serial, str) or not _CSET82.fullmatch(serial):  # not match: $ lets a final newline in
        raise DigitalLinkError("bad_serial", "a serial is 1-20 characters of GS1 character set 82")
    return serial


def label_message(gtin14: str, serial: str) -> bytes:
    """The exact bytes a label signature covers (docs/signing.md)."""
    return LABEL_DOMAIN + gtin14.encode() + b"\n" + serial.encode() + b"\n"


def build_label_uri(host: str, gtin: str, serial: str, kid: str, sig: bytes, *, scheme: str = "https") -> str:
    """The label's GS1 Digital Link URI; `scheme` http only for a demo on a local network (the
    signature covers the GTIN and serial, not the address)."""
    return (
        f"{scheme}://{host}/01/{normalize_gtin(gtin)}/21/{quote(validate_serial(serial), safe='')}"
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
    text = text.removeprefix(_GS)  # FNC1 in first position, as some scanners transmit it
    if text[:8].lower().startswith(("https://", "http://")):
        return _parse_uri(text)
    if text.startswith("("):
        return _parse_bracketed(text)
    if text[:2].isascii() and text[:2].isdigit():
        return _scanned(_element_strings(text))
    raise DigitalLinkError("not_a_code", "not a GS1 Digital Link URI or element string")


def _scanned(fields: dict[str, str], **from_uri) -> ScannedCode:
    if "01" not in fields:
        raise DigitalLinkError("not_a_code", "no GTIN (AI 01)")
    gtin = normalize_gtin(fields["01"])
    if "21" not in fields:
        raise DigitalLinkError("bad_serial", "no serial number (AI 21)")
    return ScannedCode(gtin, validate_serial(fields["21"]), **from_uri)


def _parse_uri(text: str) -> ScannedCode:
    """GS1 Digital Link URI syntax: an optional path prefix, then the primary key /01/<GTIN>
    and its key qualifiers as /<AI>/<value> pairs; data attributes (and our k, s) in the query."""
    try:
        parts = urlsplit(text)
        host, port = parts.hostname, parts.port
    except ValueError:
        raise DigitalLinkError("not_a_code", "not a valid URI") from None
    if host and ":" in host:
        host = f"[{host}]"
    if host and port is not None:
        host = f"{host}:{port}"  # the same form as IPCHAIN_PUBLIC_HOST, e.g. localhost:8000
    segments = parts.path.split("/")[1:]
    if segments and segments[-1] == "":
        segments.pop()
    start = next((i for i, s in enumerate(segments) if s == "01" and (len(segments) - i) % 2 == 0), None)
    if start is None:
        raise DigitalLinkError("not_a_code", "the URI has no GTIN (AI 01)")
    fields: dict[str, str] = {}
    for ai, value in zip(segments[start::2], segments[start + 1 :: 2], strict=True):
        fields.setdefault(ai, unquote(value))
    query = parse_qs(parts.query)
    kid = query.get("k", [None])[0]
    sig = None
    if "s" in query:
        try:
            sig = b64url_decode(query["s"][0])
        except SignatureError:
            raise DigitalLinkError("malformed_signature", "the code's signature is not base64url") from None
    return _scanned(fields, kid=kid, sig=sig, host=host)


def _parse_bracketed(text: str) -> ScannedCode:
    """The human-readable form, "(01)09506000134352(21)ABC"."""
    if not re.fullmatch(r"(\(\d{2,4}\)[^(]*)+", text):
        raise DigitalLinkError("not_a_code", "not a GS1 element string")
    fields: dict[str, str] = {}
    for ai, value in re.findall(r"\((\d{2,4})\)([^(]*)", text):
        fields.setdefault(ai, value)
    return _scanned(fields)


# GS1 General Specifications 7.8.5 (figure 7.8.5-2): element strings of predefined length,
# AI included, by the AI's first two digits. Every other element string is ended by a
# group separator (FNC1) unless it is the last one.
_PREDEFINED_LENGTH = {
    "00": 20, "01": 16, "02": 16, "03": 16, "04": 18,
    **{str(p): 8 for p in range(11, 20)},
    "20": 4,
    **{str(p): 10 for p in range(31, 37)},
    "41": 16,
}  # fmt: skip
# The length of an AI follows from its first two digits (the AI tables of the GS1 General
# Specifications, section 3; checked against the AI list biip 5.2 ships).
_AI_LENGTH = {
    **dict.fromkeys(["00", "01", "02", "03", "04", "30", "37"], 2),
    **{str(p): 2 for p in range(10, 23)},
    **{str(p): 2 for p in range(90, 100)},
    **dict.fromkeys(["23", "24", "25", "40", "41", "42", "71"], 3),
    **dict.fromkeys(["31", "32", "33", "34", "35", "36", "39", "43", "70", "72", "80", "81", "82"], 4),
}


def _element_strings(text: str) -> dict[str, str]:
    """The raw form a scanner sends: AI and value, one after another, variable-length
    values ended by a group separator. Unknown AIs make it not a code."""
    fields: dict[str, str] = {}
    rest = text
    while rest:
        length = _AI_LENGTH.get(rest[:2])
        ai = rest[:length] if length else ""
        if not length or len(ai) != length or not (ai.isascii() and ai.isdigit()):
            raise DigitalLinkError("not_a_code", "not a GS1 element string")
        if ai[:2] in _PREDEFINED_LENGTH:
            end = _PREDEFINED_LENGTH[ai[:2]]
            value, rest = rest[length:end], rest[end:].removeprefix(_GS)
        else:
            value, _, rest = rest[length:].partition(_GS)
        fields.setdefault(ai, value)
    return fields


# EPC Tag Data Standard, SGTIN pure identity URI: company prefix and item reference (the
# indicator digit first) make 13 digits; the serial is URI-escaped.
_SGTIN_URN = re.compile(r"urn:epc:id:sgtin:(\d{6,12})\.(\d{1,7})\.([^\s]{1,60})")


def parse_epc(value: str) -> tuple[str, str]:
    """The GTIN-14 and serial of an EPC as EPCIS 2.0 carries one: a GS1 Digital Link URI (any
    domain) or an SGTIN EPC URN. DigitalLinkError("bad_epc") for anything else."""
    if not isinstance(value, str) or len(value) > MAX_CODE_LENGTH:
        raise DigitalLinkError("bad_epc", "an EPC is a GS1 Digital Link URI or an EPC URN")
    if value.startswith("urn:epc:id:sgtin:"):
        match = _SGTIN_URN.fullmatch(value)
        if match is None or len(match[1]) + len(match[2]) != 13:
            raise DigitalLinkError("bad_epc", f"{value[:80]!r} is not an SGTIN EPC URN")
        body = match[2][0] + match[1] + match[2][1:]
        return body + str(gtin_check_digit(body)), validate_serial(unquote(match[3]))
    if value[:8].lower().startswith(("https://", "http://")):
        try:
            code = _parse_uri(value)
        except DigitalLinkError as exc:
            raise DigitalLinkError("bad_epc", f"{value[:80]!r}: {exc}") from None
        return code.gtin, code.serial
    raise DigitalLinkError("bad_epc", f"{value[:80]!r} is not a GS1 Digital Link URI or an SGTIN EPC URN")
