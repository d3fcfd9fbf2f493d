"""Verdicts for items registered at a peer office, from the peer's mirrored log alone.

A code naming no local item is looked up among the mirrored peer logs. Its registration
counts only if the record is signed by a key the peer office admitted for that brand in
its own log (peer_keys.py) and its `label_sig` verifies under that key; then the same
rules as for local items decide (verifier/verdicts.py), with the item's status replayed
from the item's signed events in the peer's log (each linked to the one before by `prev`).
The evidence is the peer's signed checkpoint as mirrored, with its witnesses'
cosignatures, and an inclusion proof of the registration checked against it. With
IPCHAIN_WITNESS_QUORUM set, a checkpoint with fewer cosignatures by trusted witnesses is
not trusted, and an item proven only by it is reported unknown.

The clone rules count this node's own sightings of a peer item (its scans, logged with the
GTIN and serial and no local item); sightings at other offices are not shared. Cases can
only be opened on local items.
"""

import base64
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.conf import settings
from django.utils import timezone

from ipchain.errors import DomainError
from ipchain.ledger.merkle import ProofError, leaf_hash
from ipchain.ledger.notes import NoteError, Verifier, open_checkpoint
from ipchain.ledger.tlogproof import TlogProof
from ipchain.registry import records
from ipchain.registry.digital_link import ScannedCode, label_message
from ipchain.registry.models import OrgKey
from ipchain.registry.provenance import customs_event, history_step, label_signature_matches, status_after
from ipchain.registry.signing import b64url_decode
from verifier.evidence import Evidence, Note
from verifier.lookup import unlinked_sightings
from verifier.results import Result
from verifier.scanners import Scanner
from verifier.status_list import peer_status_changed
from verifier.verdicts import Decision, Facts, Reason, Verdict, decide
from verifier.verification import clone_rules

from .cosigning import trusted_witnesses
from .mirrored import item_registrations, mirrored_inclusion_proof
from .models import MirroredCheckpoint, MirroredEntry, MirroredProduct, Peer, SplitViewEvidence
from .peer_keys import PeerKey, PeerKeys, parse_time, peer_keys, record_of
from .peer_keys import forget as forget_peer_keys
from .peer_rights import peer_standing
from .status import is_stale
from .tlog_cosignature import verify_cosignatures

logger = logging.getLogger(__name__)


def gettext_noop(text: str) -> str:  # marks the templates for makemessages, as verdicts.py does
    return text


PEER_REASON_TEXT = {
    "peer_registered": gettext_noop(
        "registered at office %(office)s (%(origin)s) by %(brand)s: proven from that office's log,"
        " mirrored here"
    ),
    "peer_untrusted": gettext_noop(
        "registered at office %(office)s, but its checkpoint has %(found)s of the %(quorum)s witness"
        " cosignatures required: not trusted"
    ),
    "peer_unknown_signed": gettext_noop(
        "the label is signed by a key office %(office)s admitted for %(brand)s, but no such item"
        " was registered"
    ),
}


@dataclass(frozen=True)
class PeerReason(Reason):
    @property
    def template(self) -> str:
        return PEER_REASON_TEXT[self.code]


@dataclass
class PeerEvidence(Evidence):
    """The verifier's evidence, plus what a peer item rests on: the peer's checkpoint as
    mirrored (with its cosignature lines), who cosigned it, and the inclusion proof."""

    office: str = ""
    origin: str = ""
    checkpoint: str = ""
    cosigned_by: list[str] = field(default_factory=list)
    quorum: int = 0
    trusted: bool = False
    leaf_hash: str = ""
    inclusion_proof: list[str] = field(default_factory=list)


@dataclass
class PeerResult(Result):
    """A verdict on a peer office's item: `item` is None (it is not ours); `registered_by`
    names the office and `peer_item` holds what the peer's records say."""

    registered_by: dict = field(default_factory=dict)
    peer_item: dict | None = None

    def as_json(self, translate=str, *, inside: bool = False, guide: bool = True) -> dict:
        peer_item = self.peer_item
        if peer_item is not None and not inside:  # the public: whose product, not its history
            peer_item = {key: peer_item[key] for key in ("gtin", "serial", "brand", "brand_name", "office")}
        return super().as_json(translate, inside=inside, guide=guide) | {
            "registered_by": self.registered_by,
            "peer_item": peer_item,
        }


@dataclass
class Registration:
    peer: Peer
    entry: MirroredEntry
    record: dict
    key: PeerKey
    keys: PeerKeys
    registered_at: datetime


def verify_peer_item(
    code: ScannedCode,
    *,
    now: datetime | None = None,
    scanner: Scanner | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
) -> PeerResult | None:
    """The verdict on a code naming an item some mirrored peer registered, or None if none did.

    The clone rules count this node's earlier scans of the same GTIN and serial (logged
    without a local item) as they count a local item's. Registered as an item source of the
    verifier (apps.py)."""
    now = now or timezone.now()
    notes: list[Note] = []
    registration = _valid_registration(code, notes)
    if registration is None:
        return _signed_by_peer_key(code, notes) if code.sig and code.kid else None
    peer, record = registration.peer, registration.record
    status, history, event_notes = _replay_events(registration)
    notes += event_notes
    standing = peer_standing(
        peer, brand=record["brand"], gtin=code.gtin, day=registration.registered_at.astimezone(UTC).date()
    )
    licence = standing.licence if standing else None
    facts = Facts(
        item_found=True,
        code_signed=code.signed,
        signature_matches=_label_matches(code, record) if code.signed else None,
        item_status=status,
        key_revoked_before_registration=registration.key.revoked_at(
            registration.registered_at, registration.entry.leaf_index
        ),
        latitude=latitude,
        longitude=longitude,
        place=scanner.office if scanner else "",
        trusted=scanner.trusted if scanner else True,
        sightings=unlinked_sightings(code, now),
        right_standing=standing.reason if standing else "",
        licensor=registration.keys.org_names.get(licence.licensor, licence.licensor) if licence else "",
        territory=licence.territory if licence else (),
        scan_country=scanner.country if scanner else "",
    )
    evidence = _evidence(registration, now)
    evidence.notes += notes
    office = _office(peer)
    brand = registration.keys.org_names.get(record["brand"], record["brand"])
    reason = PeerReason("peer_registered", {"office": peer.name, "origin": peer.origin, "brand": brand})
    if evidence.trusted:
        decision = decide(facts, clone_rules())
    else:
        found = len(evidence.cosigned_by)
        values = {"office": peer.name, "found": found, "quorum": evidence.quorum}
        decision = Decision(Verdict.UNKNOWN, [PeerReason("peer_untrusted", values)])
    return PeerResult(
        decision.verdict,
        [reason, *decision.reasons],
        code,
        None,
        evidence,
        history=history,
        scanned_at=now,
        registered_by=office,
        peer_item={
            "gtin": code.gtin,
            "serial": code.serial,
            "brand": record["brand"],
            "brand_name": brand,
            "status": status,
            "lot": record.get("lot", ""),
            "origin_country": record.get("origin", ""),
            "registered_at": record["time"],
            "office": office,
            "history": history,
        },
    )


def _about(peer: Peer, exc: Exception) -> dict:
    return {"office": peer.name, "error": str(exc)}


def _office(peer: Peer) -> dict:
    return {"office": peer.name, "origin": peer.origin, "url": peer.url}


def _valid_registration(code: ScannedCode, notes: list[Note]) -> Registration | None:
    """The first registration of the item in a mirrored log that its office's keys vouch for."""
    for entry in item_registrations(gtin=code.gtin, serial=code.serial):
        peer = entry.peer
        if not peer.mirror_its_log:
            continue  # an office this node stopped following no longer vouches for anything here
        try:
            record = record_of(entry.body)
            keys = peer_keys(peer)
            key = keys.brand_key(record)
            label_sig = b64url_decode(record["label_sig"])
            if not key.public_key.verify(label_message(code.gtin, code.serial), label_sig):
                raise ValueError("its label_sig does not verify under the brand's key")
            registered_at = parse_time(record["time"])
        except (DomainError, ValueError, KeyError, TypeError) as exc:
            notes.append(
                Note(
                    gettext_noop(
                        "a registration in %(office)s's log (entry %(index)s) is not valid: %(error)s"
                    ),
                    {"office": peer.name, "index": entry.leaf_index, "error": str(exc)},
                )
            )
            continue
        return Registration(peer, entry, record, key, keys, registered_at)
    return None


def _label_matches(code: ScannedCode, record: dict) -> bool:
    """The scanned signature is the one the brand registered (constant time, as for local items)."""
    try:
        registered = b64url_decode(record["label_sig"])
    except DomainError:
        return False
    return label_signature_matches(
        scanned_kid=code.kid,
        scanned_sig=code.sig,
        registered_kid=record.get("kid"),
        registered_sig=registered,
    )


EVENT_RECORDS = (records.ITEM_EVENT, records.CUSTOMS_OUTCOME)


def _replay_events(registration: Registration) -> tuple[str, list[dict], list[Note]]:
    """The item's status and history from its later records in the peer's log.

    A record counts only if its `prev` is the leaf hash of the item's record before it, and
    it is signed by a key the peer admitted for the organisation named in `by` that was not
    revoked when the peer logged it."""
    entry, record, keys = registration.entry, registration.record, registration.keys
    brand = keys.org_names.get(record["brand"], record["brand"])
    history = [history_step(event="registered", time=record["time"], by=brand, ledger_index=entry.leaf_index)]
    status, head, notes = "active", bytes(entry.leaf_hash), []
    later = MirroredEntry.objects.filter(
        peer=registration.peer,
        gtin=entry.gtin,
        serial=entry.serial,
        kind__in=EVENT_RECORDS,
        leaf_index__gt=entry.leaf_index,
    ).order_by("leaf_index")
    for event in later:
        try:
            body = bytes(event.body)
            event_record = record_of(body)
            if event_record.get("prev") != head.hex():
                raise ValueError("its prev is not the item's latest record")
            keys.signer(event_record, event.leaf_index)
        except (DomainError, ValueError, KeyError, TypeError) as exc:
            notes.append(
                Note(
                    gettext_noop("entry %(index)s of %(office)s's log is ignored: %(error)s"),
                    {"office": registration.peer.name, "index": event.leaf_index, "error": str(exc)},
                )
            )
            continue
        head = leaf_hash(body)
        if event_record["type"] == records.ITEM_EVENT:
            kind = str(event_record.get("event"))
            status = status_after(kind, status)
        else:
            kind = customs_event(str(event_record.get("outcome")))
        who = keys.org_names.get(event_record["by"], event_record["by"])
        history.append(
            history_step(event=kind, time=event_record["time"], by=who, ledger_index=event.leaf_index)
        )
    return status, history, notes


def _evidence(registration: Registration, now: datetime) -> PeerEvidence:
    peer, entry = registration.peer, registration.entry
    quorum = settings.IPCHAIN_WITNESS_QUORUM
    evidence = PeerEvidence(
        ledger_index=entry.leaf_index,
        office=peer.name,
        origin=peer.origin,
        quorum=quorum,
        stale=is_stale(peer),
    )
    if peer.mirror_ok_at:
        # The mirror's last verified contact with the peer: how old our view of its log is.
        evidence.checkpoint_age_seconds = round((now - peer.mirror_ok_at).total_seconds(), 1)
    try:
        proof = mirrored_inclusion_proof(entry)
    except (ProofError, LookupError) as exc:
        evidence.notes.append(
            Note(gettext_noop("inclusion proof in %(office)s's log failed: %(error)s"), _about(peer, exc))
        )
        return evidence
    evidence.checkpoint_size = proof.tree_size
    evidence.checkpoint = proof.checkpoint_note
    evidence.leaf_hash = base64.b64encode(proof.leaf_hash).decode()
    evidence.inclusion_proof = [base64.b64encode(h).decode() for h in proof.hashes]
    evidence.inclusion_proof_checked = True
    try:
        open_checkpoint(proof.checkpoint_note, Verifier.from_vkey(peer.log_vkey))
        cosigners = verify_cosignatures(proof.checkpoint_note, trusted_witnesses(), now=int(time.time()))
    except NoteError as exc:
        evidence.notes.append(
            Note(gettext_noop("%(office)s's checkpoint does not verify: %(error)s"), _about(peer, exc))
        )
        evidence.inclusion_proof_checked = False
        return evidence
    evidence.cosigned_by = sorted(c.witness.name for c in cosigners)
    evidence.trusted = len(cosigners) >= quorum
    # The same as a file to keep: checkable offline with the peer's log key (docs/ledger.md).
    evidence.tlog_proof = TlogProof(
        entry.leaf_index, tuple(proof.hashes), proof.checkpoint_note, bytes(entry.body)
    ).text()
    cosigned = {
        "size": proof.tree_size,
        "origin": peer.origin,
        "count": len(cosigners),
        "names": ", ".join(evidence.cosigned_by) or "-",
        "quorum": quorum,
    }
    if evidence.trusted:
        template = gettext_noop(
            "checkpoint %(size)s of %(origin)s, cosigned by %(count)s trusted witness(es) (%(names)s);"
            " %(quorum)s required: trusted"
        )
    else:
        template = gettext_noop(
            "checkpoint %(size)s of %(origin)s, cosigned by %(count)s trusted witness(es) (%(names)s);"
            " %(quorum)s required: NOT trusted"
        )
    evidence.notes.append(Note(template, cosigned))
    proven = SplitViewEvidence.objects.filter(peer=peer, proven=True).count()
    if proven:
        # The mirror stopped at the history it verified, so this proof still holds; but the
        # office signed conflicting checkpoints, and the officer should know.
        evidence.notes.append(
            Note(
                gettext_noop("%(office)s signed conflicting checkpoints: %(count)s proven split view(s)"),
                {"office": peer.name, "count": proven},
            )
        )
    if evidence.stale:
        evidence.notes.append(
            Note(
                gettext_noop("%(office)s's log was not reached for over %(seconds)s s"),
                {"office": peer.name, "seconds": settings.IPCHAIN_PEER_STALE_AFTER},
            )
        )
    return evidence


def _signed_by_peer_key(code: ScannedCode, notes: list[Note]) -> PeerResult | None:
    """No peer registered the item, but the label may be signed by a brand key a peer admitted:
    unknown rather than forged, as for a local brand's key (verdicts.py)."""
    message = label_message(code.gtin, code.serial)
    for peer in Peer.objects.filter(mirror_its_log=True):
        keys = peer_keys(peer)
        key = keys.keys.get(code.kid)
        if key is None or not key.public_key.verify(message, code.sig):
            continue
        values = {"office": peer.name, "brand": keys.org_names.get(key.org, key.org)}
        evidence = PeerEvidence(office=peer.name, origin=peer.origin, notes=notes)
        return PeerResult(
            Verdict.UNKNOWN,
            [PeerReason("peer_unknown_signed", values)],
            code,
            None,
            evidence,
            scanned_at=timezone.now(),
            registered_by=_office(peer),
        )
    return None


def peer_trust_list_keys() -> list[dict]:
    """Brand keys admitted by mirrored peers, for the office-signed trust list, each marked with
    its office. Only peers whose latest mirrored checkpoint is trusted (the quorum) count."""
    found = []
    for peer in Peer.objects.filter(mirror_its_log=True).order_by("name"):
        if not _latest_checkpoint_trusted(peer):
            continue
        keys = peer_keys(peer)
        gtins = _gtins_by_brand(peer)
        for key in sorted(keys.keys.values(), key=lambda k: k.registered_index):
            if key.org == keys.office:
                continue  # the peer office's own keys sign records, not labels
            revoked = key.revoked_index is not None
            # Only organisations the peer admitted (org.admitted) are rights holders.
            brand = keys.org_kinds.get(key.org) == "brand"
            entry = {
                "kid": key.kid,
                "org": key.org,
                "name": keys.org_names.get(key.org, key.org),
                "kind": keys.org_kinds.get(key.org, "other"),
                "status": OrgKey.Status.REVOKED if revoked else OrgKey.Status.ACTIVE,
                "jwk": key.public_key.to_jwk(),
                "valid_from": key.valid_from,
                "office": {"name": peer.name, "origin": peer.origin},
                # The GTINs the peer registered items of for this brand, as for local keys.
                **({"gtins": gtins.get(key.org, [])} if brand else {}),
            }
            if revoked and key.revoked_from is not None:
                entry["revoked_from"] = records.timestamp(key.revoked_from)
            found.append(entry)
    return found


def _gtins_by_brand(peer: Peer) -> dict[str, list[str]]:
    """The products a peer's log registered items of, by the brand the registrations name
    (the peer office checked each registration's signature when it accepted it)."""
    gtins: dict[str, list[str]] = {}
    rows = MirroredProduct.objects.filter(peer=peer).order_by("brand", "gtin").values_list("brand", "gtin")
    for brand, gtin in rows:
        gtins.setdefault(brand, []).append(gtin)
    return gtins


def _latest_checkpoint_trusted(peer: Peer) -> bool:
    head = (
        MirroredCheckpoint.objects.filter(peer=peer)
        .order_by("-tree_size")
        .values_list("note", flat=True)
        .first()
    )
    if head is None:
        return False
    try:
        open_checkpoint(head, Verifier.from_vkey(peer.log_vkey))
        cosigners = verify_cosignatures(head, trusted_witnesses(), now=int(time.time()))
    except NoteError:
        return False
    return len(cosigners) >= settings.IPCHAIN_WITNESS_QUORUM


def record_peer_statuses(items: list[tuple[str, str]]) -> None:
    """Mirrored events changed these peer items' status: each item's status as its office's
    log proves it now (the same checks as a verdict), for the offline status list."""
    forget_peer_keys()  # keys registered in the entries just stored count
    for gtin, serial in items:
        registration = _valid_registration(ScannedCode(gtin, serial), [])
        if registration is None:
            continue
        status, _history, _notes = _replay_events(registration)
        peer_status_changed(gtin, serial, status)
