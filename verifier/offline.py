"""Scans made offline on an officer's phone, sent when the network returns.

Each queued scan carries an id the phone made (a UUID) that becomes the scan's public
reference, so a batch sent twice (the answer lost on a flaky network) is logged once: the
second time each scan answers `duplicate` with the verdict logged the first time. The rows
are written here at once, not through the batched scan log (scanlog.py), because the
duplicate check needs them in the database; this path is rare and off the hot path.
"""

import uuid
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from ipchain.api_errors import error_body
from ipchain.operations.metrics import count_offline_scan

from .checks import Result, Scanner, VerifyError, alert_fields, scanner_for, verify_code
from .models import Alert, Scan

MAX_AGE = timedelta(days=30)  # an older queued scan is refused, not back-dated


def log_offline_scans(user, scans: list[dict], translate=str) -> list[dict]:
    """Verify and log each scan at the moment it was made; one answer per scan, in order:
    {"id", "status": "logged" | "duplicate" | "refused", ...verdict or error}."""
    scanner = scanner_for(user)
    now = timezone.now()
    known = dict(Scan.objects.filter(ref__in=[scan["id"] for scan in scans]).values_list("ref", "verdict"))
    answers = []
    for scan in scans:
        ref = scan["id"]
        if ref in known:
            answers.append({"id": str(ref), "status": "duplicate", "verdict": known[ref], "scan": str(ref)})
            continue
        answer = _log_one(scan, scanner, user, now, translate)
        if answer["status"] == "logged":
            known[ref] = answer["verdict"]
        answers.append(answer)
    return answers


def _log_one(scan: dict, scanner: Scanner, user, now: datetime, translate) -> dict:
    ref: uuid.UUID = scan["id"]
    scanned_at = min(scan["scanned_at"], now)  # a phone's clock ahead of ours
    if now - scanned_at > MAX_AGE:
        return {"id": str(ref), "status": "refused"} | error_body(
            "too_old", "a queued scan older than 30 days is not logged"
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
        return {"id": str(ref), "status": "refused"} | error_body(exc.reason, str(exc))
    latitude = scan.get("latitude", scanner.latitude)
    longitude = scan.get("longitude", scanner.longitude)
    try:
        with transaction.atomic():
            row = Scan.objects.create(
                ref=ref,
                created_at=scanned_at,
                offline=True,
                received_at=now,
                officer_id=scanner.user_id,
                authority_id=scanner.authority_id,
                customs_office=scanner.office,
                trusted=scanner.trusted,
                latitude=latitude if latitude is not None and longitude is not None else None,
                longitude=longitude if latitude is not None and longitude is not None else None,
                code=scan["code"][:1024],
                gtin=result.code.gtin,
                serial=result.code.serial,
                item=result.item,
                verdict=str(result.verdict),
                reasons=[r.code for r in result.reasons],
                offline_verdict=scan.get("offline_verdict", ""),
            )
            _alert(result, row, scanner)
            from ipchain.federation.sightings import report_sighting  # it builds on this app

            report_sighting(result, scanner, now=scanned_at)  # only for a peer office's item
    except IntegrityError:
        # The same batch sent twice at once: the other request logged it.
        verdict = Scan.objects.filter(ref=ref).values_list("verdict", flat=True).first()
        return {"id": str(ref), "status": "duplicate", "verdict": verdict, "scan": str(ref)}
    result.scan_ref = ref
    count_offline_scan(str(result.verdict), scan.get("offline_verdict", ""))
    return {"id": str(ref), "status": "logged"} | result.as_json(translate)


def _alert(result: Result, scan: Scan, scanner: Scanner) -> None:
    """The same alert an online scan raises (checks.alert_fields), for the rights holder."""
    fields = alert_fields(result, scanner, scan.created_at, offline=True)
    if fields is not None:
        Alert.objects.create(scan=scan, **fields)
