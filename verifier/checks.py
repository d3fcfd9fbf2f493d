"""Verify a scanned code: gather the facts, decide, give the evidence, log the scan.

Online, the label's signature is compared in constant time with the one the node stored
when it verified the registration (no ECDSA on this path); the ledger evidence is an
inclusion proof of the registration, checked against the latest signed checkpoint.
"""

import hmac
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from ipchain.accounts.roles import membership_of
from ipchain.errors import DomainError
from ipchain.ledger import reads
from ipchain.ledger.merkle import ProofError, verify_inclusion
from ipchain.ledger.models import SignedCheckpoint
from ipchain.ledger.notes import Checkpoint
from ipchain.registry.digital_link import DigitalLinkError, ScannedCode, label_message, parse_code
from ipchain.registry.models import Item, OrgKey
from ipchain.registry.signing import PublicKey

from .models import Alert, Scan
from .verdicts import CloneRules, Decision, Facts, Sighting, Verdict, decide


class VerifyError(DomainError):
    """A code that cannot be verified (garbage, wrong check digit, too long)."""


@dataclass
class Evidence:
    ledger_index: int | None = None
    checkpoint_size: int | None = None
    checkpoint_age_seconds: float | None = None
    inclusion_proof_checked: bool = False
    stale: bool = False
    notes: list[str] = field(default_factory=list)


@dataclass
class Result:
    verdict: Verdict
    reasons: list[str]
    code: ScannedCode
    item: Item | None
    evidence: Evidence
    scan_id: int | None = None

    def as_json(self) -> dict:
        item = self.item
        return {
            "verdict": str(self.verdict),
            "reasons": self.reasons,
            "gtin": self.code.gtin,
            "serial": self.code.serial,
            "item": None
            if item is None
            else {
                "product": item.product.name,
                "brand": item.product.brand.name,
                "status": item.status,
                "registered_at": item.registered_at,
                "guide": {
                    "genuine_features": item.product.genuine_features,
                    "packaging": item.product.packaging,
                    "made_in": item.product.made_in,
                    "trade_routes": item.product.trade_routes,
                    "contact": item.product.contact or item.product.brand.contact_email,
                },
            },
            "evidence": asdict(self.evidence),
            "scan": self.scan_id,
        }


def clone_rules() -> CloneRules:
    return CloneRules(**settings.IPCHAIN_CLONE_RULES)


def verify_code(
    text: str, *, user=None, latitude: float | None = None, longitude: float | None = None
) -> Result:
    try:
        code = parse_code(text)
    except DigitalLinkError as exc:
        raise VerifyError(exc.reason, str(exc)) from None
    item = (
        Item.objects.select_related("product__brand", "key", "registration_entry")
        .filter(product__gtin=code.gtin, serial=code.serial)
        .order_by()  # no ORDER BY id: the (product, serial) index answers at once
        .first()
    )
    membership = membership_of(user) if user is not None else None
    trusted = membership is not None and membership.organisation.kind == "customs"
    if latitude is None and membership is not None:
        latitude, longitude = membership.latitude, membership.longitude
    facts = _facts(code, item, latitude, longitude, membership.customs_office if membership else "")
    decision = decide(facts, clone_rules())
    evidence = _evidence(item)
    result = Result(decision.verdict, decision.reasons, code, item, evidence)
    result.scan_id = _log(
        result, text, user if trusted else None, membership, trusted, latitude, longitude, decision
    )
    return result


def _facts(code: ScannedCode, item: Item | None, latitude, longitude, place: str) -> Facts:
    signed = code.sig is not None and code.kid is not None
    if item is None:
        return Facts(
            item_found=False,
            code_signed=signed,
            signature_matches=None,
            signature_valid_for_unknown=signed and _signed_by_known_key(code),
        )
    matches = None
    if signed:
        matches = code.kid == item.key.kid and hmac.compare_digest(code.sig, bytes(item.label_sig))
    registered = item.registration_entry.submitted_at
    return Facts(
        item_found=True,
        code_signed=signed,
        signature_matches=matches,
        item_status=item.status,
        key_revoked_before_registration=not item.key.valid_at(registered),
        latitude=latitude,
        longitude=longitude,
        place=place,
        sightings=_sightings(item),
    )


def _signed_by_known_key(code: ScannedCode) -> bool:
    key = OrgKey.objects.filter(kid=code.kid).only("public_pem").first()
    return key is not None and PublicKey.from_pem(key.public_pem).verify(
        label_message(code.gtin, code.serial), code.sig
    )


def _sightings(item: Item) -> tuple[Sighting, ...]:
    now = timezone.now()
    rows = item.scans.order_by("-created_at").values_list(
        "latitude", "longitude", "created_at", "trusted", "customs_office"
    )[:200]
    return tuple(
        Sighting(lat, lon, (now - at).total_seconds(), trusted, office)
        for lat, lon, at, trusted, office in rows
    )


def _evidence(item: Item | None) -> Evidence:
    evidence = Evidence()
    latest = SignedCheckpoint.objects.order_by("-tree_size").first()
    if latest is not None:
        evidence.checkpoint_size = latest.tree_size
        evidence.checkpoint_age_seconds = (timezone.now() - latest.published_at).total_seconds()
        evidence.stale = evidence.checkpoint_age_seconds > settings.IPCHAIN_EVIDENCE_MAX_AGE
    if item is None:
        return evidence
    index = item.registration_entry.leaf_index
    evidence.ledger_index = index
    if index is None or latest is None or index >= latest.tree_size:
        evidence.notes.append("the registration is accepted but not yet in a signed checkpoint")
        return evidence
    try:
        proof = reads.inclusion_proof(index, latest.tree_size)
        root = Checkpoint.parse(latest.note.split("\n\n")[0] + "\n").root_hash
        verify_inclusion(
            index, latest.tree_size, bytes(item.registration_entry.leaf_hash), proof.hashes, root
        )
        evidence.inclusion_proof_checked = True
    except (ProofError, LookupError, ValueError) as exc:
        evidence.notes.append(f"inclusion proof failed: {exc}")
    return evidence


def _log(result: Result, text, officer, membership, trusted, latitude, longitude, decision: Decision) -> int:
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The scan log must not slow the verdict: no wait for the disk flush of this one
            # transaction. A crash can lose the last fraction of a second of scans, never
            # corrupt anything (PostgreSQL "asynchronous commit").
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        scan = Scan.objects.create(
            officer=officer,
            authority=membership.organisation if trusted else None,
            customs_office=membership.customs_office if trusted else "",
            trusted=trusted,
            latitude=latitude,
            longitude=longitude,
            code=text[:1024],
            gtin=result.code.gtin,
            serial=result.code.serial,
            item=result.item,
            verdict=str(result.verdict),
            reasons=decision.reasons,
        )
        if result.item is not None and result.verdict in (
            Verdict.SUSPECTED_CLONE,
            Verdict.FORGED,
            Verdict.STOLEN,
        ):
            Alert.objects.create(
                brand=result.item.product.brand,
                item=result.item,
                scan=scan,
                kind=str(result.verdict),
                message=f"{result.item}: {result.verdict} at {scan.customs_office or 'an unknown place'} — "
                + "; ".join(decision.reasons),
            )
    return scan.pk
