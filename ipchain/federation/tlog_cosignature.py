"""C2SP tlog-cosignature: timestamped Ed25519 witness cosignatures (cosignature/v1). Pure.

A cosignature is a signed-note signature line on a checkpoint. Its key id is computed with
signature type 0x04, and its signature bytes are an 8-byte big-endian POSIX timestamp
followed by an Ed25519 signature over

    cosignature/v1
    time <timestamp>
    <the whole checkpoint text, extension lines included>

The message does not commit to the witness's name, so one key must serve one witness only.
"""

import base64
import os
from collections.abc import Iterable
from dataclasses import dataclass

from ecdsa import Ed25519, SigningKey, VerifyingKey
from ecdsa.keys import BadSignatureError, MalformedPointError

from ipchain.ledger.notes import (
    SIG_PREFIX,
    NoteError,
    check_key_name,
    format_skey,
    format_vkey,
    key_id,
    parse_skey,
    parse_vkey,
    split_note,
)

ALG_COSIGNATURE_V1 = 0x04
HEADER = "cosignature/v1"
# tlog-cosignature: the timestamp MUST NOT exceed 2^63 - 1.
MAX_TIMESTAMP = 2**63 - 1
TIMESTAMP_BYTES = 8
ED25519_SIGNATURE_BYTES = 64


def signed_message(text: str, timestamp: int) -> bytes:
    """tlog-cosignature "Ed25519 signed message": header, time line, then the note text."""
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise NoteError("bad_timestamp", "a cosignature timestamp is between 0 and 2^63 - 1")
    return f"{HEADER}\ntime {timestamp}\n{text}".encode()


@dataclass(frozen=True)
class CosignatureVerifier:
    """A witness's public key, as configured by whoever relies on its cosignatures."""

    name: str
    key_id: bytes
    public_key: bytes

    @classmethod
    def from_vkey(cls, vkey: str) -> "CosignatureVerifier":
        """Parse '<name>+<hex key id>+<base64(0x04 || 32-byte Ed25519 public key)>'."""
        return cls(*parse_vkey(vkey, alg=ALG_COSIGNATURE_V1, what="a witness key (Ed25519 cosignature/v1)"))

    @property
    def vkey(self) -> str:
        return format_vkey(self.name, self.key_id, ALG_COSIGNATURE_V1, self.public_key)

    def verify(self, text: str, signature: bytes) -> int | None:
        """The cosignature's timestamp if `signature` is this witness's cosignature of `text`."""
        if len(signature) != TIMESTAMP_BYTES + ED25519_SIGNATURE_BYTES:
            return None
        timestamp = int.from_bytes(signature[:TIMESTAMP_BYTES], "big")
        if timestamp > MAX_TIMESTAMP:
            return None
        try:
            key = VerifyingKey.from_string(self.public_key, curve=Ed25519)
            key.verify(signature[TIMESTAMP_BYTES:], signed_message(text, timestamp))
        except (BadSignatureError, MalformedPointError, ValueError, AssertionError):
            return None
        return timestamp


class CosignatureSigner:
    """A witness's Ed25519 key. Its seed never leaves this object except through `skey`."""

    def __init__(self, name: str, seed: bytes):
        check_key_name(name)
        if len(seed) != 32:
            raise NoteError("bad_skey", "an Ed25519 seed is 32 bytes")
        self.name = name
        self._key = SigningKey.from_string(seed, curve=Ed25519)
        public = bytes(self._key.get_verifying_key().to_string())
        self.verifier = CosignatureVerifier(name, key_id(name, ALG_COSIGNATURE_V1, public), public)

    def __repr__(self) -> str:  # never show the seed
        return f"<CosignatureSigner {self.verifier.vkey}>"

    @classmethod
    def generate(cls, name: str) -> "CosignatureSigner":
        return cls(name, os.urandom(32))

    @classmethod
    def from_skey(cls, skey: str) -> "CosignatureSigner":
        """Parse 'PRIVATE+KEY+<name>+<hex key id>+<base64(0x04 || seed)>', the note key format."""
        name, claimed_id, seed = parse_skey(
            skey, alg=ALG_COSIGNATURE_V1, what="a witness key (cosignature/v1)"
        )
        signer = cls(name, seed)
        if claimed_id != signer.verifier.key_id.hex():
            raise NoteError("bad_skey", "signer key id does not match the key")
        return signer

    @property
    def skey(self) -> str:
        return format_skey(self.name, self.verifier.key_id, ALG_COSIGNATURE_V1, self._key.to_string())

    @property
    def public_key(self) -> bytes:
        return self.verifier.public_key

    def cosign(self, text: str, timestamp: int) -> str:
        """The signature line "— <name> base64(key id || timestamp || signature)\\n"."""
        message = signed_message(text, timestamp)
        signature = timestamp.to_bytes(TIMESTAMP_BYTES, "big") + self._key.sign(message)
        encoded = base64.b64encode(self.verifier.key_id + signature).decode()
        return f"{SIG_PREFIX}{self.name} {encoded}\n"


@dataclass(frozen=True)
class Cosignature:
    witness: CosignatureVerifier
    timestamp: int
    signature: bytes  # timestamp || Ed25519 signature, as on the line

    @property
    def line(self) -> str:
        encoded = base64.b64encode(self.witness.key_id + self.signature).decode()
        return f"{SIG_PREFIX}{self.witness.name} {encoded}\n"


def verify_cosignatures(
    note: str, witnesses: Iterable[CosignatureVerifier], *, now: int | None = None, max_skew: int = 300
) -> list[Cosignature]:
    """The cosignatures on a signed note by the given witnesses, one per witness.

    Lines by other keys (the log's own signature among them) are ignored, as signed-note
    requires. A known witness's line that does not verify fails the whole note, and so,
    when `now` is given, does a timestamp more than `max_skew` seconds in the future
    (tlog-cosignature lets verifiers refuse those).
    """
    text, signatures = split_note(note)
    known = {(w.name, w.key_id): w for w in witnesses}
    found: dict[str, Cosignature] = {}
    for line in signatures:
        witness = known.get((line.name, line.key_id))
        if witness is None:
            continue
        timestamp = witness.verify(text, line.signature)
        if timestamp is None:
            raise NoteError("bad_cosignature", f"cosignature by {line.name} does not verify")
        if now is not None and timestamp > now + max_skew:
            raise NoteError("cosignature_in_future", f"cosignature by {line.name} is dated in the future")
        found.setdefault(witness.vkey, Cosignature(witness, timestamp, line.signature))
    return list(found.values())
