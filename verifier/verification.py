"""Verify a scanned code: find the item, gather the facts, decide, give the evidence, log the scan.

Online, the label's signature is compared in constant time with the one the node stored
when it verified the registration (no ECDSA on this path); the ledger evidence is an
inclusion proof of the registration, checked against the latest signed checkpoint
(evidence.py). A code naming no item held here is asked of the item sources other apps
registered (plugins.py: a peer office's mirrored log). The scan is recorded (recorder.py).
"""

from datetime import datetime

from django.conf import settings
from django.utils import timezone

from ipchain.errors import DomainError
from ipchain.registry.digital_link import DigitalLinkError, ScannedCode, parse_code
from ipchain.registry.provenance import label_signature_matches
from ipchain.registry.selectors import item_history

from . import lookup, plugins, recorder, scanners
from .evidence import attach_proof, evidence_for
from .lookup import find_item, signed_by_known_key
from .results import Result
from .scanners import Scanner, scanner_for
from .verdicts import CloneRules, Facts, decide, unusual_public_pattern

# The longest text taken as a scanned code at the door (a label's URI is about 150 characters).
MAX_CODE = 2048


class VerifyError(DomainError):
    """A code that cannot be verified (garbage, wrong check digit, too long)."""


def clone_rules() -> CloneRules:
    return CloneRules(**settings.IPCHAIN_CLONE_RULES)


def verify_code(
    text: str,
    *,
    user=None,
    latitude: float | None = None,
    longitude: float | None = None,
    log: bool = True,
    scanned_at: datetime | None = None,
) -> Result:
    """The verdict on `text`, with its evidence; the scan is logged unless `log` is False.

    `scanned_at` is for scans made offline and sent later: the clone rules then compare
    sightings with the moment of the scan, and the log keeps both times."""
    try:
        code = parse_code(text)
    except DigitalLinkError as exc:
        raise VerifyError(exc.reason, str(exc)) from None
    scanner = scanner_for(user)
    if latitude is None or longitude is None:
        latitude, longitude = scanner.latitude, scanner.longitude  # the officer's customs office
    now = scanned_at or timezone.now()
    result = _local_result(code, scanner, latitude, longitude, now) or plugins.answer_from_sources(
        code, scanner=scanner, latitude=latitude, longitude=longitude, now=now
    )
    if result is None:
        result = _unknown_result(code, now)
    if scanner.trusted and result.item is not None:
        attach_proof(result.evidence, result.item.registration_entry)
    if log:
        recorder.record_scan(result, text, scanner, latitude, longitude, now, offline=scanned_at is not None)
    return result


def _local_result(code: ScannedCode, scanner: Scanner, latitude, longitude, now) -> Result | None:
    item, sightings = find_item(code, now)
    if item is None:
        return None
    registered = item.registration_entry.submitted_at
    facts = Facts(
        item_found=True,
        code_signed=code.signed,
        signature_matches=(
            label_signature_matches(
                scanned_kid=code.kid,
                scanned_sig=code.sig,
                registered_kid=item.key.kid,
                registered_sig=bytes(item.label_sig),
            )
            if code.signed
            else None
        ),
        item_status=item.status,
        key_revoked_before_registration=not item.key.valid_at(registered),
        latitude=latitude,
        longitude=longitude,
        place=scanner.office,
        trusted=scanner.trusted,
        sightings=sightings,
        right_standing=item.right_standing,
        licensor=item.licence.licensor.name if item.licence else "",
        territory=tuple(item.licence.territory) if item.licence else (),
        scan_country=scanner.country,
    )
    rules = clone_rules()
    decision = decide(facts, rules)
    evidence = evidence_for(item.registration_entry)
    result = Result(
        decision.verdict, decision.reasons, code, item, evidence, item_history(item), scanned_at=now
    )
    result.public_places = unusual_public_pattern(facts, rules)
    return result


def _unknown_result(code: ScannedCode, now) -> Result:
    facts = Facts(
        item_found=False,
        code_signed=code.signed,
        signature_matches=None,
        signature_valid_for_unknown=code.signed and signed_by_known_key(code),
    )
    decision = decide(facts, clone_rules())
    return Result(decision.verdict, decision.reasons, code, None, evidence_for(None), scanned_at=now)


def forget() -> None:
    """Drop what this process remembers to verify fast (tests; a restored database)."""
    lookup.forget()
    scanners.forget()
