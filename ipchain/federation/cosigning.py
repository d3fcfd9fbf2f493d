"""This node's log asking its peers' witnesses to cosign, and trusting checkpoints by cosignatures.

After each checkpoint the log sends every configured witness an add-checkpoint request
(C2SP tlog-witness) with a consistency proof from the size that witness cosigned last,
checks each returned cosignature, and stores it; /log/checkpoint then serves the note
with those lines appended. Requests go to all witnesses at once, each with a short
timeout, and a witness that just failed is left to the periodic retry, so a dead witness
never holds up the log.
"""

import contextlib
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from ipchain.ledger import reads
from ipchain.ledger.logkey import log_verifier
from ipchain.ledger.models import SignedCheckpoint
from ipchain.ledger.notes import NoteError, Verifier, open_checkpoint

from .models import Cosignature, Peer
from .peer_client import PeerClient, PeerUnavailable, Response
from .tlog_cosignature import CosignatureVerifier, verify_cosignatures
from .tlog_witness import SIZE_CONTENT_TYPE, format_request, parse_size_body
from .witnesskey import WitnessKeyMissing, witness_signer

logger = logging.getLogger(__name__)


@dataclass
class Outcome:
    witness: str
    ok: bool
    message: str


def peer_logs() -> list[dict]:
    """The logs of the offices we mirror, with their keys: for the offline trust list (the
    proof page checks a peer item's proof with them)."""
    peers = Peer.objects.filter(mirror_its_log=True).order_by("name")
    return [
        {"origin": origin, "vkey": vkey, "office": name}
        for name, origin, vkey in peers.values_list("name", "origin", "log_vkey")
    ]


def our_witnesses() -> list[dict]:
    """The witnesses that cosign this log, with their keys: for the offline trust list."""
    peers = Peer.objects.filter(cosigns_our_log=True).exclude(witness_vkey="").order_by("name")
    return [
        {"name": vkey.split("+", 1)[0], "vkey": vkey} for vkey in peers.values_list("witness_vkey", flat=True)
    ]


def cosignature_lines(tree_size: int) -> str:
    """The cosignature lines gathered for our checkpoint of `tree_size` (IPCHAIN_CHECKPOINT_COSIGNATURES)."""
    lines = Cosignature.objects.filter(checkpoint__tree_size=tree_size).order_by("witness__name")
    return "".join(lines.values_list("line", flat=True))


def collect_cosignatures(*, retry_failed: bool = True) -> list[Outcome]:
    """Ask every witness of our log that has not cosigned the latest checkpoint yet, or whose
    cosignature on it is older than IPCHAIN_COSIGN_REFRESH_SECONDS (a log that stopped
    growing: the same checkpoint again, with an empty proof, for a fresh timestamp).

    With `retry_failed` False (the path right after integration), a witness whose last
    request failed less than IPCHAIN_COSIGN_RETRY_AFTER seconds ago is skipped.
    """
    checkpoint = SignedCheckpoint.objects.order_by("-tree_size").first()
    if checkpoint is None:
        return []
    cosigned = Cosignature.objects.filter(checkpoint=checkpoint)
    refresh = settings.IPCHAIN_COSIGN_REFRESH_SECONDS
    if refresh > 0:
        cosigned = cosigned.filter(timestamp__gt=int(time.time()) - refresh)
    done = set(cosigned.values_list("witness_id", flat=True))
    witnesses = [
        w
        for w in Peer.objects.filter(cosigns_our_log=True).exclude(witness_vkey="")
        if w.pk not in done and (retry_failed or not _failed_recently(w))
    ]
    if not witnesses:
        return []
    outcomes = {}
    requests = {w: _request_body(w.cosigned_size, checkpoint) for w in witnesses}
    for round_ in range(2):  # a 409 names the size the witness holds: ask once more from there
        sendable = {w: body for w, body in requests.items() if body is not None}
        for w, body in requests.items():
            if body is None:
                outcomes[w] = _failed(
                    w, f"witness holds size {w.cosigned_size}, past our log's {checkpoint.tree_size}"
                )
        answers = _post_all(sendable)
        requests = {}
        for w, answer in answers.items():
            if isinstance(answer, PeerUnavailable):
                outcomes[w] = _failed(w, str(answer))
            elif answer.status == 200:
                outcomes[w] = _store(w, checkpoint, answer.body)
            elif answer.status == 409 and round_ == 0 and answer.content_type == SIZE_CONTENT_TYPE:
                known = parse_size_body(answer.body)
                if known is None:
                    outcomes[w] = _failed(w, "409 with a malformed size body")
                    continue
                w.cosigned_size = known
                Peer.objects.filter(pk=w.pk).update(cosigned_size=known)
                requests[w] = _request_body(known, checkpoint)
            else:
                outcomes[w] = _refused(w, answer)
        if not requests:
            break
    return [outcomes[w] for w in sorted(outcomes, key=lambda w: w.name)]


def _failed_recently(witness: Peer) -> bool:
    if witness.cosign_error_at is None or (
        witness.cosign_ok_at and witness.cosign_ok_at > witness.cosign_error_at
    ):
        return False
    return timezone.now() - witness.cosign_error_at < timedelta(seconds=settings.IPCHAIN_COSIGN_RETRY_AFTER)


def _request_body(old_size: int, checkpoint: SignedCheckpoint) -> bytes | None:
    if old_size > checkpoint.tree_size:
        return None
    proof = []
    if 0 < old_size < checkpoint.tree_size:
        proof = reads.consistency_proof(old_size, checkpoint.tree_size).hashes
    return format_request(old_size, proof, checkpoint.note)


def _post_all(bodies: dict[Peer, bytes]) -> dict[Peer, Response | PeerUnavailable]:
    """POST to every witness in parallel threads (network only: no database in the threads)."""

    def post(item):
        witness, body = item
        client = PeerClient(
            witness.url, timeout=settings.IPCHAIN_WITNESS_TIMEOUT, ca_file=settings.IPCHAIN_PEER_CA_FILE
        )
        try:
            return witness, client.add_checkpoint(body)
        except PeerUnavailable as exc:
            return witness, exc

    if not bodies:
        return {}
    with ThreadPoolExecutor(max_workers=min(8, len(bodies))) as pool:
        return dict(pool.map(post, bodies.items()))


def _store(witness: Peer, checkpoint: SignedCheckpoint, body: bytes) -> Outcome:
    try:
        verifier = CosignatureVerifier.from_vkey(witness.witness_vkey)
        found = verify_cosignatures(checkpoint.note + body.decode(), [verifier])
    except (NoteError, UnicodeDecodeError) as exc:
        return _failed(witness, f"answer holds no valid cosignature: {exc}")
    if not found:
        return _failed(witness, "answer holds no cosignature by the witness's key")
    cosignature = found[0]
    fields = {"line": cosignature.line, "timestamp": cosignature.timestamp, "received_at": timezone.now()}
    # A fresher cosignature of the same checkpoint replaces the older one (one line a witness).
    fresher = Cosignature.objects.filter(
        checkpoint=checkpoint, witness=witness, timestamp__lt=cosignature.timestamp
    ).update(**fields)
    if not fresher:
        try:
            with transaction.atomic():
                Cosignature.objects.create(checkpoint=checkpoint, witness=witness, **fields)
        except IntegrityError:
            pass  # stored already, as fresh or fresher (a concurrent collection)
    Peer.objects.filter(pk=witness.pk).update(
        cosigned_size=checkpoint.tree_size, cosign_ok_at=timezone.now(), cosign_error=""
    )
    return Outcome(witness.name, True, f"cosigned size {checkpoint.tree_size}")


def _failed(witness: Peer, message: str) -> Outcome:
    logger.warning("witness %s: %s", witness.name, message)
    Peer.objects.filter(pk=witness.pk).update(cosign_error=message[:500], cosign_error_at=timezone.now())
    return Outcome(witness.name, False, message)


def _refused(witness: Peer, answer: Response) -> Outcome:
    message = f"HTTP {answer.status}: {answer.body[:200].decode(errors='replace').strip()}"
    if answer.status == 422:
        # The witness says our new checkpoint does not extend the one it cosigned: either our
        # log was rolled back or forked, or it is confused. Either way a person must look.
        logger.error("witness %s refuses our checkpoint as inconsistent: %s", witness.name, message)
    return _failed(witness, message)


def trusted_witnesses() -> list[CosignatureVerifier]:
    """The witnesses whose cosignatures count: peers' witness keys and our own, restricted to
    the names in IPCHAIN_TRUSTED_WITNESSES when that is set."""
    verifiers = []
    for vkey in Peer.objects.exclude(witness_vkey="").values_list("witness_vkey", flat=True):
        try:
            verifiers.append(CosignatureVerifier.from_vkey(vkey))
        except NoteError:
            logger.warning("ignoring an unusable witness key: %s", vkey)
    with contextlib.suppress(WitnessKeyMissing):  # a node need not be a witness itself
        verifiers.append(witness_signer().verifier)
    names = settings.IPCHAIN_TRUSTED_WITNESSES
    return [v for v in verifiers if not names or v.name in names]


def checkpoint_trusted(note: str, *, log: Verifier | None = None, quorum: int | None = None) -> bool:
    """Whether a checkpoint is signed by the log (ours unless `log` is given) and cosigned by at
    least `quorum` (IPCHAIN_WITNESS_QUORUM) distinct trusted witnesses, none of them invalid."""
    quorum = settings.IPCHAIN_WITNESS_QUORUM if quorum is None else quorum
    try:
        open_checkpoint(note, log or log_verifier())
        found = verify_cosignatures(note, trusted_witnesses(), now=int(time.time()))
    except NoteError:
        return False
    return len(found) >= quorum
