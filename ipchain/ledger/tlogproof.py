"""C2SP tlog-proof@v1: an offline proof that an entry is in the log, kept as a file.

    c2sp.org/tlog-proof@v1
    extra <base64 of the record, our choice of extra data>
    index <N>
    <base64 hash>            inclusion proof, leaf's sibling first (RFC 6962 2.1.1)
    ...
    <blank line>
    <the checkpoint as served: signed note with the witnesses' cosignature lines>

`verify` checks one with nothing but the log's verifier key and, for cosignatures, the
witnesses' keys. The record in `extra` is not trusted by itself: its leaf hash is what the
inclusion proof binds to the signed root. Pure: no Django.
"""

import base64
import binascii
import re
from dataclasses import dataclass

from ipchain.errors import DomainError

from .merkle import ProofError, leaf_hash, verify_inclusion
from .notes import Checkpoint, NoteError, Verifier, open_checkpoint

HEADER = "c2sp.org/tlog-proof@v1"
SUFFIX = ".tlog-proof"
MAX_PROOF_BYTES = 256 * 1024  # a record of at most 64 KiB, 64 hashes and a checkpoint
_INDEX = re.compile(r"index (0|[1-9][0-9]{0,18})")


class TlogProofError(DomainError):
    pass


@dataclass(frozen=True)
class TlogProof:
    index: int
    hashes: tuple[bytes, ...]
    checkpoint: str  # the signed note, verbatim
    extra: bytes | None = None

    def text(self) -> str:
        lines = [HEADER]
        if self.extra is not None:
            lines.append("extra " + base64.b64encode(self.extra).decode())
        lines.append(f"index {self.index}")
        lines += [base64.b64encode(h).decode() for h in self.hashes]
        return "\n".join(lines) + "\n\n" + self.checkpoint


@dataclass(frozen=True)
class Proven:
    """What a proof shows: this record is entry `index` of the log whose checkpoint (of
    `tree_size`, `root_hash`) the log signed."""

    index: int
    tree_size: int
    origin: str
    root_hash: bytes
    record: bytes


def parse(text: str) -> TlogProof:
    """A proof file's parts; TlogProofError with a reason when it is not one."""
    if not isinstance(text, str) or len(text) > MAX_PROOF_BYTES:
        raise TlogProofError("not_a_proof", f"a proof is text of at most {MAX_PROOF_BYTES} bytes")
    head, sep, checkpoint = text.partition("\n\n")
    if not sep or not checkpoint:
        raise TlogProofError("not_a_proof", "a proof needs a blank line before its checkpoint")
    lines = head.split("\n")
    if lines[0] != HEADER:
        raise TlogProofError("not_a_proof", f"the first line must be {HEADER}")
    rest = lines[1:]
    extra = None
    if rest and rest[0].startswith("extra "):
        extra = _b64(rest.pop(0).removeprefix("extra "), "extra")
    if not rest or not (match := _INDEX.fullmatch(rest[0])):
        raise TlogProofError("not_a_proof", "the index line is 'index <N>', N without leading zeroes")
    hashes = tuple(_b64(line, "a proof hash") for line in rest[1:])
    if any(len(h) != 32 for h in hashes) or len(hashes) > 64:
        raise TlogProofError("not_a_proof", "the inclusion proof is at most 64 SHA-256 hashes")
    return TlogProof(int(match[1]), hashes, checkpoint, extra)


def verify(proof: TlogProof, log_key: Verifier, record: bytes | None = None) -> Proven:
    """Check the checkpoint's signature by the log and the inclusion of `record` (by default
    the proof's extra data) at the proof's index; the facts proven, or TlogProofError."""
    record = record if record is not None else proof.extra
    if record is None:
        raise TlogProofError("no_record", "the proof carries no record and none was given")
    try:
        checkpoint: Checkpoint = open_checkpoint(proof.checkpoint, log_key)
    except NoteError as exc:
        raise TlogProofError(exc.reason, f"checkpoint: {exc}") from None
    try:
        verify_inclusion(
            proof.index, checkpoint.size, leaf_hash(record), list(proof.hashes), checkpoint.root_hash
        )
    except ProofError as exc:
        raise TlogProofError(
            "not_included", f"the record is not entry {proof.index} of this checkpoint: {exc}"
        ) from None
    return Proven(proof.index, checkpoint.size, checkpoint.origin, checkpoint.root_hash, record)


def _b64(value: str, what: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise TlogProofError("not_a_proof", f"{what} is not base64") from None
