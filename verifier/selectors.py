"""The verifier's reads that decide what a person may act on."""

import uuid

from django.core.exceptions import PermissionDenied

from .models import Scan
from .scanners import scanner_for


def officer_scan(*, user, ref: str) -> Scan:
    """A scan of a registered item made by this officer. Anything else is refused alike, so
    nothing leaks."""
    if not scanner_for(user).trusted:
        raise PermissionDenied("only customs officers act on a scan")
    scan = scan_by_ref(ref)
    if scan is None or scan.item is None or scan.officer_id != user.pk:
        raise PermissionDenied("no such scan of a registered item by you")
    return scan


def scan_by_ref(ref: str) -> Scan | None:
    try:
        ref = uuid.UUID(str(ref))
    except ValueError:
        return None
    return Scan.objects.select_related("item__product__brand").filter(ref=ref).first()
