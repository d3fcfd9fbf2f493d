"""The one recorder of scans and of the alerts rights holders receive.

Every scan (online, sent later from a phone that was offline, on a peer office's item) is
logged here, with the alert its verdict raises; cases, reminders and sightings from other
offices raise their alerts here too, each of a kind (Alert.Kind). Online scans go through
the scan log (scanlog.py), which commits each before its verdict is answered; offline ones
are written here, in the caller's transaction, because a resend is recognised by its row.
Apps above the verifier hear of alerting verdicts through the alert hooks (plugins.py):
federation tells a peer office of its item.
"""

import uuid
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from ipchain.accounts.models import Organisation
from ipchain.registry.models import Item

from . import plugins, scanlog, status_list
from .alerts import add_alert
from .metrics import count_offline_scan
from .models import Alert, Case, Scan
from .results import Result
from .scanners import Scanner
from .verdicts import Verdict

MAX_CODE_STORED = 1024


def record_scan(
    result: Result, text: str, scanner: Scanner, latitude, longitude, now: datetime, *, offline: bool = False
) -> uuid.UUID:
    """Log an online scan, committed before its verdict is answered (scanlog.py); returns its
    reference."""
    item = result.item
    ref = uuid.uuid4()
    scan = {  # a Scan's fields by attname: no model instance on the hot path (scanlog.py)
        "ref": ref,
        "created_at": now,
        "offline": offline,
        "received_at": timezone.now() if offline else None,
        "officer_id": scanner.user_id if scanner.trusted else None,
        "authority_id": scanner.authority_id if scanner.trusted else None,
        "customs_office": scanner.office if scanner.trusted else "",
        "trusted": scanner.trusted,
        "latitude": latitude,
        "longitude": longitude,
        "code": text[:MAX_CODE_STORED],
        "gtin": result.code.gtin,
        "serial": result.code.serial,
        "item_id": item.pk if item is not None else None,
        "verdict": str(result.verdict),
        "reasons": [r.code for r in result.reasons],
    }
    scanlog.write(scan, alert_fields(result, scanner, now))
    result.scan_ref = ref
    if result.verdict == Verdict.SUSPECTED_CLONE and item is not None and scanner.trusted:
        status_list.clone_suspected(item)  # phones hear of it with the next delta
    if result.alerting:
        plugins.tell_alert_hooks(result, scanner, now=now)
    return ref


def record_offline_scan(
    result: Result,
    *,
    ref: uuid.UUID,
    text: str,
    scanner: Scanner,
    latitude,
    longitude,
    scanned_at: datetime,
    received_at: datetime,
    offline_verdict: str = "",
) -> Scan:
    """Log a scan a phone made offline, at once (the caller holds a transaction: the row and
    its alert are written together, or neither)."""
    scan = Scan.objects.create(
        ref=ref,
        created_at=scanned_at,
        offline=True,
        received_at=received_at,
        officer_id=scanner.user_id,
        authority_id=scanner.authority_id,
        customs_office=scanner.office,
        trusted=scanner.trusted,
        latitude=latitude,
        longitude=longitude,
        code=text[:MAX_CODE_STORED],
        gtin=result.code.gtin,
        serial=result.code.serial,
        item=result.item,
        verdict=str(result.verdict),
        reasons=[r.code for r in result.reasons],
        offline_verdict=offline_verdict,
    )
    fields = alert_fields(result, scanner, scanned_at, offline=True)
    if fields is not None:
        add_alert(fields | {"scan": scan})
    result.scan_ref = ref
    if result.alerting:
        plugins.tell_alert_hooks(result, scanner, now=scanned_at)
    count_offline_scan(str(result.verdict), offline_verdict)
    if result.verdict == Verdict.SUSPECTED_CLONE and result.item is not None and scanner.trusted:
        status_list.clone_suspected(result.item)
    return scan


def alert_fields(result: Result, scanner: Scanner, now: datetime, *, offline: bool = False) -> dict | None:
    """The Alert a verdict raises for the rights holder of a local item, as field values; None
    when it raises none (an item of another source alerts through the alert hooks). Besides
    the alerting verdicts, public scans of one item from unusually many places."""
    item = result.item
    if item is None:
        return None
    if result.alerting:
        where = scanner.office or ("an officer" if scanner.trusted else "a member of the public")
        if offline:
            where += ", offline scan"
        kind = Alert.Kind(str(result.verdict))
        message = f"{item}: {result.verdict} ({where}): " + "; ".join(map(str, result.reasons))
    elif result.public_places and not scanner.trusted:
        kind = Alert.Kind.PUBLIC_PATTERN
        days = settings.IPCHAIN_CLONE_RULES["window_seconds"] / 86400
        message = (
            f"{item}: scanned by the public from {result.public_places} places within {days:.0f} days;"
            " copies of its label may be in circulation (no verdict was changed)"
        )
    else:
        return None
    return {
        "brand_id": item.product.brand_id,
        "item": item,
        "kind": kind,
        "message": message,
        "created_at": now,
    }


def raise_alert(
    kind: Alert.Kind,
    *,
    brand: Organisation,
    message: str,
    item: Item | None = None,
    scan: Scan | None = None,
    case: Case | None = None,
    created_at: datetime | None = None,
) -> Alert:
    """Tell a rights holder something about its goods (shown in its portal); a recurring kind
    adds to the same unread alert (alerts.py)."""
    fields = {"brand": brand, "item": item, "scan": scan, "case": case, "kind": kind, "message": message}
    return add_alert(fields | {"created_at": created_at or timezone.now()})
