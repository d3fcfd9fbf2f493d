"""Keeping evidence of a peer log's split view, and raising the alarm about it."""

import base64
import logging
from collections.abc import Sequence

from ipchain.ledger.merkle import ProofError, verify_consistency
from ipchain.ledger.notes import Verifier, open_checkpoint

from .models import Peer, SplitViewEvidence

logger = logging.getLogger(__name__)


def record_split_view(
    *,
    peer: Peer,
    seen_by: str,
    reason: str,
    proven: bool,
    first_size: int,
    first_note: str,
    second_size: int,
    second_note: str,
    proof: Sequence[bytes] = (),
    message: str = "",
) -> SplitViewEvidence:
    """Store both signed notes and the proof tried, and log an ERROR (the alert).

    The same pair seen again (a forked log retrying every few seconds) is stored once.
    """
    existing = SplitViewEvidence.objects.filter(
        peer=peer, seen_by=seen_by, reason=reason, first_note=first_note, second_note=second_note
    ).first()
    if existing is not None:
        return existing
    evidence = SplitViewEvidence.objects.create(
        peer=peer,
        seen_by=seen_by,
        reason=reason,
        proven=proven,
        first_size=first_size,
        first_note=first_note,
        second_size=second_size,
        second_note=second_note,
        proof="".join(base64.b64encode(h).decode() + "\n" for h in proof),
        message=message,
    )
    logger.error(
        "split view %s: peer %s (%s) signed checkpoints at sizes %d and %d that do not fit one history "
        "(%s, seen by the %s; evidence #%d): %s",
        "PROVEN" if proven else "suspected",
        peer.name,
        peer.origin,
        first_size,
        second_size,
        reason,
        seen_by,
        evidence.pk,
        message,
    )
    return evidence


def submit_evidence(
    *, peer: Peer, first_note: str, second_note: str, proof: Sequence[bytes] = ()
) -> SplitViewEvidence | None:
    """Check two signed checkpoints of a peer's log that someone hands in; keep them if they conflict.

    Both must verify under the peer's log key (NoteError otherwise). Equal sizes with
    different roots prove a split view; for different sizes, a consistency proof that does
    not verify is kept as suspected (the submitter may simply hold a wrong proof).
    """
    verifier = Verifier.from_vkey(peer.log_vkey)
    first, second = open_checkpoint(first_note, verifier), open_checkpoint(second_note, verifier)
    if first.size > second.size:
        first, second, first_note, second_note = second, first, second_note, first_note
    if first.size == second.size:
        if first.root_hash == second.root_hash:
            return None
        reason, proven, message = "root_mismatch", True, "same size, different roots"
    else:
        try:
            verify_consistency(first.size, second.size, first.root_hash, second.root_hash, proof)
            return None
        except ProofError as exc:
            reason, proven, message = (
                "inconsistent_proof",
                False,
                f"the submitted proof does not verify: {exc}",
            )
    return record_split_view(
        peer=peer,
        seen_by="submitted",
        reason=reason,
        proven=proven,
        first_size=first.size,
        first_note=first_note,
        second_size=second.size,
        second_note=second_note,
        proof=proof,
        message=message,
    )
