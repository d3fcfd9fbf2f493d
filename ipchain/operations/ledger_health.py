"""The ledger's health in numbers: tree size, checkpoint age, entries waiting, last audit.

One selector read by /readyz, /metrics and the dashboard, so they always agree.
"""

from dataclasses import dataclass
from datetime import datetime

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
    pending_capped: bool = False  # pending_entries is a lower bound: the count stopped there

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


def ledger_health(*, count_pending_up_to: int | None = None) -> LedgerHealth:
    """The numbers of now. `count_pending_up_to` stops counting pending entries there (a
    readiness probe only needs to know whether a limit is passed, not by how much)."""
    latest = SignedCheckpoint.objects.order_by("-tree_size").values("tree_size", "published_at").first()
    # Both read the partial index logentry_pending, which holds exactly the pending rows: the
    # oldest is the first by id (ids are given in acceptance order), a walk of one row.
    pending = LogEntry.objects.filter(leaf_index__isnull=True)
    oldest = pending.order_by("id").values_list("submitted_at", flat=True).first()
    if count_pending_up_to is None:
        count, capped = pending.count(), False
    else:
        count = pending.order_by()[: count_pending_up_to + 1].count()
        capped = count > count_pending_up_to
    return LedgerHealth(
        tree_size=latest["tree_size"] if latest else 0,
        checkpoint_published_at=latest["published_at"] if latest else None,
        pending_entries=count,
        oldest_pending_at=oldest,
        last_audit=AuditRun.objects.order_by("-started_at").first(),
        now=timezone.now(),
        pending_capped=capped,
    )
