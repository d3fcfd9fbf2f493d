"""C2SP tlog-witness: the add-checkpoint request, the witness's checks, and its answers. Pure.

A log asks a witness to cosign a new checkpoint by sending the size of the last checkpoint
the witness cosigned for it, a consistency proof from that size, and the new signed note.
The witness cosigns only a checkpoint that extends the last one it cosigned; everything
else is refused with the status code the spec gives for that case (REFUSAL_STATUS).
"""

import base64
import binascii
from dataclasses import dataclass

from ipchain.errors import DomainError
from ipchain.ledger.merkle import HASH_SIZE, ProofError, verify_consistency
from ipchain.ledger.notes import Checkpoint, NoteError, Verifier, open_checkpoint

# tlog-witness: "The client MUST NOT send more than 63 consistency proof lines."
MAX_PROOF_LINES = 63
# A checkpoint, 63 proof lines and a few dozen signature lines fit well within this.
MAX_REQUEST_BYTES = 64 * 1024
# tlog-witness: the 409 body is the witness's size in decimal, with this content type.
SIZE_CONTENT_TYPE = "text/x.tlog.size"

# The status tlog-witness gives for each refusal ("add-checkpoint" responses).
REFUSAL_STATUS = {
    "malformed_request": 400,
    "malformed_checkpoint": 400,
    "old_size_too_large": 400,
    "proof_not_empty": 400,
    "bad_signature": 403,
    "unknown_origin": 404,
    "old_size_mismatch": 409,
    "root_mismatch": 409,
    "inconsistent_proof": 422,
}


class WitnessRefusal(DomainError):
    """A refused add-checkpoint request; REFUSAL_STATUS gives its status by reason.

    `known_size` is set on a 409: the size of the latest checkpoint the witness cosigned.
    `split_view` is set when the refusal itself shows the log signed two inconsistent
    checkpoints (same size, different roots).
    """

    def __init__(self, reason: str, message: str, *, known_size: int | None = None, split_view=False):
        super().__init__(reason, message)
        self.known_size = known_size
        self.split_view = split_view

    @property
    def status(self) -> int:
        """The answer tlog-witness gives for this refusal."""
        return REFUSAL_STATUS.get(self.reason, 400)


@dataclass(frozen=True)
class AddCheckpoint:
    old_size: int
    proof: tuple[bytes, ...]
    note: str

    @property
    def origin(self) -> str:
        """The checkpoint's first line, which names the log (unverified until checked)."""
        return self.note.split("\n", 1)[0]


@dataclass(frozen=True)
class TreeHead:
    """What a witness remembers of a log: the latest checkpoint it cosigned."""

    size: int
    root_hash: bytes


def _decimal(text: str) -> int | None:
    # ASCII digits, no leading zero unless the number is 0 (tlog-witness "old size line").
    if not (text.isascii() and text.isdigit()) or (len(text) > 1 and text[0] == "0") or len(text) > 19:
        return None
    return int(text)


def format_request(old_size: int, proof: list[bytes] | tuple[bytes, ...], note: str) -> bytes:
    lines = [f"old {old_size}", *(base64.b64encode(h).decode() for h in proof)]
    return ("\n".join(lines) + "\n\n" + note).encode()


def parse_request(body: bytes) -> AddCheckpoint:
    """Parse "old N\\n", up to 63 base64 hash lines, an empty line, then a signed checkpoint."""

    def malformed(message: str) -> WitnessRefusal:
        return WitnessRefusal("malformed_request", message)

    if len(body) > MAX_REQUEST_BYTES:
        raise malformed(f"request is larger than {MAX_REQUEST_BYTES} bytes")
    try:
        text = body.decode()
    except UnicodeDecodeError:
        raise malformed("request is not UTF-8") from None
    head, sep, note = text.partition("\n\n")
    if not sep:
        raise malformed("no empty line between the proof and the checkpoint")
    old_line, *proof_lines = head.split("\n")
    if not old_line.startswith("old "):
        raise malformed("the first line is 'old <size>'")
    old_size = _decimal(old_line[4:])
    if old_size is None:
        raise malformed("old size is not a decimal number without leading zeroes")
    if len(proof_lines) > MAX_PROOF_LINES:
        raise malformed(f"more than {MAX_PROOF_LINES} consistency proof lines")
    proof = []
    for line in proof_lines:
        try:
            digest = base64.b64decode(line, validate=True)
        except (binascii.Error, ValueError):
            raise malformed("a consistency proof line is not base64") from None
        if len(digest) != HASH_SIZE:
            raise malformed(f"a consistency proof line is not a {HASH_SIZE}-byte hash")
        proof.append(digest)
    return AddCheckpoint(old_size, tuple(proof), note)


def check_add_checkpoint(
    request: AddCheckpoint, *, log_verifier: Verifier, latest: TreeHead | None
) -> Checkpoint:
    """The witness's checks, in the order of tlog-witness; returns the checkpoint to cosign.

    The caller has already found the log by origin (404 when it is unknown) and must store
    the returned checkpoint atomically with the check that `latest` is still current.
    """
    try:
        checkpoint = open_checkpoint(request.note, log_verifier)
    except NoteError as exc:
        if exc.reason in {"bad_signature", "unverified_note", "wrong_origin"}:
            raise WitnessRefusal("bad_signature", "no signature by the log's key verifies") from None
        raise WitnessRefusal("malformed_checkpoint", str(exc)) from None
    old = request.old_size
    if old > checkpoint.size:
        raise WitnessRefusal(
            "old_size_too_large",
            f"old size {old} is larger than the checkpoint's {checkpoint.size}",
        )
    known = latest.size if latest else 0
    if old != known:
        raise WitnessRefusal(
            "old_size_mismatch",
            f"the latest cosigned size is {known}, not {old}",
            known_size=known,
        )
    if latest is not None and checkpoint.size == latest.size:
        if checkpoint.root_hash != latest.root_hash:
            raise WitnessRefusal(
                "root_mismatch",
                f"a different root was cosigned for size {known}",
                known_size=known,
                split_view=True,
            )
        if request.proof:
            raise WitnessRefusal("proof_not_empty", "equal sizes take an empty proof")
        return checkpoint
    if old == 0:
        if request.proof:
            raise WitnessRefusal("proof_not_empty", "the proof from size 0 is empty")
        return checkpoint
    try:
        verify_consistency(old, checkpoint.size, latest.root_hash, checkpoint.root_hash, request.proof)
    except ProofError as exc:
        raise WitnessRefusal("inconsistent_proof", f"the consistency proof does not verify: {exc}") from None
    return checkpoint


def parse_size_body(body: bytes) -> int | None:
    """The witness's size from a 409 body ("<decimal>\\n"), or None if it is not one."""
    try:
        text = body.decode("ascii")
    except UnicodeDecodeError:
        return None
    if not text.endswith("\n"):
        return None
    return _decimal(text[:-1])
