"""Writing an alert for a rights holder: a new one, or, for the same thing on the same item
again while the first is unread, one more repeat of it (so that 21 scans of one forged label
are one alert seen 21 times, not 21 alerts). Called by recorder.py and scanlog.py only."""

from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from .models import Alert

# Kinds that group: the verdicts of scans and the public pattern, which recur. A case's
# alerts (detained, deadline, suspected) are each their own.
GROUPED = frozenset(
    {Alert.Kind.FORGED, Alert.Kind.STOLEN, Alert.Kind.SUSPECTED_CLONE, Alert.Kind.PUBLIC_PATTERN}
)


def add_alert(fields: dict) -> Alert:
    """`fields` as Alert's (brand or brand_id, item, kind, message, created_at, scan, case)."""
    kind = Alert.Kind(fields["kind"])
    at = fields.get("created_at") or timezone.now()
    item = fields.get("item")
    if kind in GROUPED and item is not None:
        brand_id = fields["brand"].pk if "brand" in fields else fields["brand_id"]
        since = at - timedelta(seconds=settings.IPCHAIN_ALERT_GROUP_SECONDS)
        earlier = (
            Alert.objects.filter(
                brand_id=brand_id, item=item, kind=kind, read_at__isnull=True, created_at__gte=since
            )
            .order_by("-created_at")
            .values_list("pk", flat=True)
            .first()
        )
        if earlier is not None:
            Alert.objects.filter(pk=earlier).update(repeats=F("repeats") + 1, last_seen_at=at)
            return Alert.objects.get(pk=earlier)
    return Alert.objects.create(**(fields | {"kind": kind, "created_at": at}))
