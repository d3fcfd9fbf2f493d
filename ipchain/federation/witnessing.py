"""This node as a witness for its peers' logs (C2SP tlog-witness add-checkpoint)."""

import logging
import time

from django.db import IntegrityError, transaction
from django.utils import timezone

from ipchain.ledger.notes import NoteError, Verifier, split_note

from .models import Peer, WitnessedHead
from .split_views import record_split_view
from .tlog_witness import (
    AddCheckpoint,
    TreeHead,
    WitnessRefusal,
    check_add_checkpoint,
    parse_request,
)
from .witnesskey import witness_signer

logger = logging.getLogger(__name__)


def add_checkpoint(body: bytes) -> str:
    """Check a peer's new checkpoint against the last one cosigned for it; return our cosignature line.

    Raises WitnessRefusal for every refusal (its status: witness.REFUSAL_STATUS). A refusal that
    shows or suggests a split view is kept as evidence first.
    """
    signer = witness_signer()  # a node with no witness key refuses before reading anything
    request = parse_request(body)
    peer = Peer.objects.filter(origin=request.origin, witness_its_log=True).first()
    if peer is None:
        raise WitnessRefusal("unknown_origin", f"this witness does not witness {request.origin!r}")
    head = WitnessedHead.objects.filter(peer=peer).first()
    latest = TreeHead(head.tree_size, bytes(head.root_hash)) if head else None
    try:
        checkpoint = check_add_checkpoint(
            request, log_verifier=Verifier.from_vkey(peer.log_vkey), latest=latest
        )
    except WitnessRefusal as refusal:
        _keep_evidence(peer, head, request, refusal)
        raise
    _advance(peer, latest, size=checkpoint.size, root=checkpoint.root_hash, note=request.note)
    text, _ = split_note(request.note)
    logger.info("cosigned %s at size %d", peer.origin, checkpoint.size)
    return signer.cosign(text, int(time.time()))


def _advance(peer: Peer, latest: TreeHead | None, *, size: int, root: bytes, note: str) -> None:
    """Store the new head only if the one checked is still current: a conditional UPDATE on the
    old size and root, so that a slower request can never roll the head back (tlog-witness)."""
    now = timezone.now()
    if latest is None:
        try:
            with transaction.atomic():
                WitnessedHead.objects.create(
                    peer=peer, tree_size=size, root_hash=root, note=note, cosigned_at=now
                )
            return
        except IntegrityError:
            pass  # another request stored the first head meanwhile
    else:
        updated = WitnessedHead.objects.filter(
            peer=peer, tree_size=latest.size, root_hash=latest.root_hash
        ).update(tree_size=size, root_hash=root, note=note, cosigned_at=now)
        if updated == 1:
            return
    current = WitnessedHead.objects.filter(peer=peer).values_list("tree_size", flat=True).first() or 0
    raise WitnessRefusal(
        "old_size_mismatch", f"the latest cosigned size is now {current}", known_size=current
    )


def _keep_evidence(
    peer: Peer, head: WitnessedHead | None, request: AddCheckpoint, refusal: WitnessRefusal
) -> None:
    # tlog-witness: a validly signed checkpoint whose proof fails MAY be logged, "as it might
    # be proof of log misbehavior"; one with the same size and another root is proof.
    if head is None or refusal.reason not in {"root_mismatch", "inconsistent_proof"}:
        return
    try:
        text, _ = split_note(request.note)
        size = int(text.split("\n")[1])
    except (NoteError, IndexError, ValueError):
        return
    record_split_view(
        peer=peer,
        seen_by="witness",
        reason=refusal.reason,
        proven=refusal.split_view,
        first_size=head.tree_size,
        first_note=head.note,
        second_size=size,
        second_note=request.note,
        proof=request.proof,
        message=str(refusal),
    )
