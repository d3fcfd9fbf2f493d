"""Scans made offline on an officer's phone, sent when the network returns.

Each queued scan carries an id the phone made (a UUID) that becomes the scan's public
reference, so a batch sent twice (the answer lost on a flaky network) is logged once: the
second time each scan answers `duplicate` with the verdict logged the first time. The rows
are written at once (recorder.record_offline_scan), not through the batched scan log,
because the duplicate check needs them in the database; this path is rare and off the hot
path.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from . import recorder
from .models import Scan
from .results import Result
from .scanners import Scanner, scanner_for
from .verification import VerifyError, verify_code

MAX_AGE = timedelta(days=30)  # an older queued scan is refused, not back-dated


@dataclass
class OfflineAnswer:
    """What became of one queued scan: logged (with its verdict), a duplicate of one logged
    before (with that verdict), or refused (with a reason)."""

    id: uuid.UUID
    status: str  # logged | duplicate | refused
    verdict: str = ""
    result: Result | None = None
    reason: str = ""
    message: str = ""


def log_offline_scans(user, scans: list[dict]) -> list[OfflineAnswer]:
    """Verify and log each scan at the moment it was made; one answer per scan, in order."""
    scanner = scanner_for(user)
    now = timezone.now()
    known = dict(Scan.objects.filter(ref__in=[scan["id"] for scan in scans]).values_list("ref", "verdict"))
    answers = []
    for scan in scans:
        ref = scan["id"]
        if ref in known:
            answers.append(OfflineAnswer(ref, "duplicate", verdict=known[ref]))
            continue
        answer = _log_one(scan, scanner, user, now)
        if answer.status == "logged":
            known[ref] = answer.verdict
        answers.append(answer)
    return answers


def _log_one(scan: dict, scanner: Scanner, user, now: datetime) -> OfflineAnswer:
    ref: uuid.UUID = scan["id"]
    scanned_at = min(scan["scanned_at"], now)  # a phone's clock ahead of ours
    if now - scanned_at > MAX_AGE:
        return OfflineAnswer(
            ref, "refused", reason="too_old", message="a queued scan older than 30 days is not logged"
        )
    try:
        result = verify_code(
            scan["code"],
            user=user,
            latitude=scan.get("latitude"),
            longitude=scan.get("longitude"),
            scanned_at=scanned_at,
            log=False,
        )
    except VerifyError as exc:
        return OfflineAnswer(ref, "refused", reason=exc.reason, message=str(exc))
    latitude = scan.get("latitude", scanner.latitude)
    longitude = scan.get("longitude", scanner.longitude)
    if latitude is None or longitude is None:
        latitude = longitude = None
    try:
        with transaction.atomic():
            recorder.record_offline_scan(
                result,
                ref=ref,
                text=scan["code"],
                scanner=scanner,
                latitude=latitude,
                longitude=longitude,
                scanned_at=scanned_at,
                received_at=now,
                offline_verdict=scan.get("offline_verdict", ""),
            )
    except IntegrityError:
        # The same batch sent twice at once: the other request logged it.
        verdict = Scan.objects.filter(ref=ref).values_list("verdict", flat=True).first()
        return OfflineAnswer(ref, "duplicate", verdict=verdict or "")
    return OfflineAnswer(ref, "logged", verdict=str(result.verdict), result=result)
