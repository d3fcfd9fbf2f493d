"""The ledger's health in numbers: tree size, checkpoint age, entries waiting, last audit.

One selector read by /readyz, /metrics and the dashboard, so they always agree.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Min
from django.utils import timezone

from ipchain.ledger.models import AuditRun, LogEntry, SignedCheckpoint


@dataclass(frozen=True)
class LedgerHealth:
    tree_size: int
    checkpoint_published_at: datetime | None
    pending_entries: int
    oldest_pending_at: datetime | None
    last_audit: AuditRun | None
    now: datetime

    @property
    def checkpoint_age_seconds(self) -> float | None:
        if self.checkpoint_published_at is None:
            return None
        return max(0.0, (self.now - self.checkpoint_published_at).total_seconds())

    @property
    def integration_lag_seconds(self) -> float:
        """Age of the oldest entry still waiting for its leaf index (0 when none waits)."""
        if self.oldest_pending_at is None:
            return 0.0
        return max(0.0, (self.now - self.oldest_pending_at).total_seconds())


def ledger_health() -> LedgerHealth:
    latest = SignedCheckpoint.objects.order_by("-tree_size").values("tree_size", "published_at").first()
    # The partial index logentry_pending holds exactly the pending rows, so this stays cheap
    # however long the log is.
    pending = LogEntry.objects.filter(leaf_index__isnull=True).aggregate(
        n=Count("id"), oldest=Min("submitted_at")
    )
    return LedgerHealth(
        tree_size=latest["tree_size"] if latest else 0,
        checkpoint_published_at=latest["published_at"] if latest else None,
        pending_entries=pending["n"],
        oldest_pending_at=pending["oldest"],
        last_audit=AuditRun.objects.order_by("-started_at").first(),
        now=timezone.now(),
    )
