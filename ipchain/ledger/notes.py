"""C2SP signed-note and tlog-checkpoint, with Ed25519 signatures by OpenSSL (pyca
`cryptography`: about 28 times python-ecdsa's verifications a second, and a full audit checks
every checkpoint's signature).

A note is UTF-8 text ending in a newline, a blank line, then signature lines
"— <key name> <base64(4-byte key id || signature)>".
"""

import base64
import binascii
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from hashlib import sha256

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ipchain.errors import DomainError

ALG_ED25519 = 0x01
SIG_PREFIX = "— "  # U+2014 EM DASH, then a space
_DECIMAL = re.compile(r"0|[1-9][0-9]*")  # ASCII only: str.isdigit() also takes "²" and "٣"


class NoteError(DomainError):
    """A key, note or checkpoint that cannot be used; `reason` is machine-readable."""


def check_key_name(name: str) -> None:
    if not name or any(c.isspace() for c in name) or "+" in name:
        raise NoteError("bad_key_name", f"key name {name!r} is empty or has a space or '+'")


def key_id(name: str, alg: int, public_key: bytes) -> bytes:
    """signed-note: the first 4 bytes of SHA-256(name || 0x0A || alg || public key)."""
    return sha256(name.encode() + b"\n" + bytes([alg]) + public_key).digest()[:4]


def b64decode_strict(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise NoteError("bad_base64", "not standard base64") from None


def parse_vkey(vkey: str, *, alg: int, what: str) -> tuple[str, bytes, bytes]:
    """signed-note verifier key '<name>+<hex key id>+<base64(alg || 32-byte key)>': its name,
    key id and public key, for a key of type `alg` (`what` names it in the error)."""
    parts = vkey.strip().split("+", 2)
    if len(parts) != 3:
        raise NoteError("bad_vkey", "a verifier key is name+keyid+key")
    name, hex_id, b64 = parts
    check_key_name(name)
    raw = b64decode_strict(b64)
    if len(raw) != 33 or raw[0] != alg:
        raise NoteError("bad_vkey", f"not {what}: a key of type {alg:#04x}, 32 bytes")
    kid = key_id(name, alg, raw[1:])
    if len(hex_id) != 8 or hex_id.lower() != kid.hex():
        raise NoteError("bad_vkey", "verifier key id does not match the key")
    return name, kid, raw[1:]


def format_vkey(name: str, kid: bytes, alg: int, public_key: bytes) -> str:
    return f"{name}+{kid.hex()}+{base64.b64encode(bytes([alg]) + public_key).decode()}"


def parse_skey(skey: str, *, alg: int, what: str) -> tuple[str, str, bytes]:
    """Signer key 'PRIVATE+KEY+<name>+<hex key id>+<base64(alg || seed)>': its name, the key id
    it claims (the caller checks it against the key) and the 32-byte seed."""
    parts = skey.strip().split("+", 4)
    if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
        raise NoteError("bad_skey", "a signer key is PRIVATE+KEY+name+keyid+key")
    raw = b64decode_strict(parts[4])
    if len(raw) != 33 or raw[0] != alg:
        raise NoteError("bad_skey", f"not {what}: a key of type {alg:#04x}")
    return parts[2], parts[3].lower(), raw[1:]


def format_skey(name: str, kid: bytes, alg: int, seed: bytes) -> str:
    return f"PRIVATE+KEY+{name}+{kid.hex()}+{base64.b64encode(bytes([alg]) + seed).decode()}"


@dataclass(frozen=True)
class Verifier:
    name: str
    key_id: bytes
    public_key: bytes

    @classmethod
    def from_vkey(cls, vkey: str) -> "Verifier":
        """Parse '<name>+<hex key id>+<base64(0x01 || public key)>'."""
        return cls(*parse_vkey(vkey, alg=ALG_ED25519, what="an Ed25519 verifier key"))

    @property
    def vkey(self) -> str:
        return format_vkey(self.name, self.key_id, ALG_ED25519, self.public_key)

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            _public_key(self.public_key).verify(signature, message)
        except (InvalidSignature, ValueError, TypeError):
            return False
        return True


@lru_cache(maxsize=64)
def _public_key(raw: bytes) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(raw)


class Signer:
    """An Ed25519 note signer. Its seed never leaves this object except through `skey`."""

    def __init__(self, name: str, seed: bytes):
        check_key_name(name)
        if len(seed) != 32:
            raise NoteError("bad_skey", "an Ed25519 seed is 32 bytes")
        self.name = name
        self._seed = seed
        self._key = Ed25519PrivateKey.from_private_bytes(seed)
        public = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.verifier = Verifier(name, key_id(name, ALG_ED25519, public), public)

    def __repr__(self) -> str:  # never show the seed
        return f"<Signer {self.verifier.vkey}>"

    @classmethod
    def generate(cls, name: str) -> "Signer":
        return cls(name, os.urandom(32))

    @classmethod
    def from_skey(cls, skey: str) -> "Signer":
        """Parse 'PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 || seed)>'."""
        name, claimed_id, seed = parse_skey(skey, alg=ALG_ED25519, what="an Ed25519 signer key")
        signer = cls(name, seed)
        if claimed_id != signer.verifier.key_id.hex():
            raise NoteError("bad_skey", "signer key id does not match the key")
        return signer

    @property
    def skey(self) -> str:
        return format_skey(self.name, self.verifier.key_id, ALG_ED25519, self._seed)

    def signature_line(self, text: str) -> str:
        sig = self._key.sign(text.encode())
        return f"{SIG_PREFIX}{self.name} {base64.b64encode(self.verifier.key_id + sig).decode()}\n"

    def sign(self, text: str) -> str:
        """The signed note: text, a blank line and this signer's signature line."""
        _check_text(text)
        return f"{text}\n{self.signature_line(text)}"


def _check_text(text: str) -> None:
    if not text.endswith("\n") or "\n\n" in text:
        raise NoteError("malformed_note", "note text must end in a newline and hold no blank line")
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise NoteError("malformed_note", "note text holds a control character")


@dataclass(frozen=True)
class Signature:
    name: str
    key_id: bytes
    signature: bytes


def split_note(note: str) -> tuple[str, list[Signature]]:
    """Split a signed note into its text and its signature lines (not yet verified)."""
    text, sep, sig_block = note.rpartition("\n\n")
    if not sep:
        raise NoteError("malformed_note", "a signed note needs a blank line before its signatures")
    text += "\n"
    _check_text(text)
    if not sig_block.endswith("\n"):
        raise NoteError("malformed_note", "signature lines must end in a newline")
    signatures = []
    for line in sig_block[:-1].split("\n"):
        if not line.startswith(SIG_PREFIX):
            raise NoteError("malformed_note", "a signature line starts with an em dash and a space")
        name, _, b64 = line[len(SIG_PREFIX) :].partition(" ")
        raw = b64decode_strict(b64)
        if not name or len(raw) < 5:
            raise NoteError("malformed_note", "a signature line is '— name base64'")
        signatures.append(Signature(name, raw[:4], raw[4:]))
    return text, signatures


def open_note(note: str, verifiers: list[Verifier]) -> tuple[str, list[Verifier]]:
    """Verify a note: return its text and the known verifiers that signed it.

    Signatures by unknown keys are ignored (signed-note); a bad signature by a known
    key is an error, and so is a note no known key signed.
    """
    text, signatures = split_note(note)
    known = {(v.name, v.key_id): v for v in verifiers}
    signed_by = []
    for sig in signatures:
        verifier = known.get((sig.name, sig.key_id))
        if verifier is None:
            continue
        if not verifier.verify(text.encode(), sig.signature):
            raise NoteError("bad_signature", f"signature by {sig.name} does not verify")
        if verifier not in signed_by:
            signed_by.append(verifier)
    if not signed_by:
        raise NoteError("unverified_note", "no known key signed this note")
    return text, signed_by


@dataclass(frozen=True)
class Checkpoint:
    """C2SP tlog-checkpoint body: origin, tree size, root hash, extension lines."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root_hash).decode()]
        return "".join(f"{line}\n" for line in (*lines, *self.extensions))

    @classmethod
    def parse(cls, text: str) -> "Checkpoint":
        _check_text(text)
        lines = text[:-1].split("\n")
        if len(lines) < 3 or not lines[0]:
            raise NoteError("malformed_checkpoint", "a checkpoint has origin, size and root lines")
        origin, size_line, root_line, *extensions = lines
        if not _DECIMAL.fullmatch(size_line):
            raise NoteError("malformed_checkpoint", "tree size is not a decimal number")
        root = b64decode_strict(root_line)
        if len(root) != 32:
            raise NoteError("malformed_checkpoint", "root hash is not 32 bytes")
        if any(not ext for ext in extensions):
            raise NoteError("malformed_checkpoint", "empty extension line")
        return cls(origin, int(size_line), root, tuple(extensions))


def open_checkpoint(note: str, verifier: Verifier) -> Checkpoint:
    """Verify a checkpoint signed by the log's key and check its origin matches the key name."""
    text, _ = open_note(note, [verifier])
    checkpoint = Checkpoint.parse(text)
    if checkpoint.origin != verifier.name:
        raise NoteError("wrong_origin", f"checkpoint origin {checkpoint.origin!r} is not {verifier.name!r}")
    return checkpoint
