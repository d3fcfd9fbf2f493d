"""Ledger, federation and worker health for the dashboard: cheap reads, never cached, so
the page shows the state at the moment it is drawn."""

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.utils import timezone

from ipchain.federation.models import Cosignature, SplitViewEvidence
from ipchain.federation.status import PeerStatus, federation_status
from ipchain.ledger.models import AuditRun, LogEntry, SignedCheckpoint
from ipchain.operations import workers
from ipchain.operations.models import FailedTask

log = logging.getLogger(__name__)

# Entries waiting longer than this behind the latest checkpoint mean integration is stuck
# (the worker integrates every IPCHAIN_INTEGRATE_INTERVAL seconds, 1 by default).
INTEGRATION_LAG_WARNING = timedelta(minutes=5)


@dataclass
class LedgerHealth:
    tree_size: int
    checkpoint_at: datetime | None
    checkpoint_age: timedelta | None
    pending: int
    oldest_pending_at: datetime | None
    last_audit: AuditRun | None
    cosigners: list[str]
    cosigned_at: datetime | None  # the freshest cosignature: witnesses re-cosign an idle log
    peers: list[PeerStatus]
    split_views: int
    proven_split_views: int

    @property
    def integration_stuck(self) -> bool:
        return bool(
            self.oldest_pending_at and timezone.now() - self.oldest_pending_at > INTEGRATION_LAG_WARNING
        )

    @property
    def problems(self) -> list[str]:
        """Machine-readable codes for what needs a look (empty when all is well)."""
        found = []
        if self.integration_stuck:
            found.append("integration_lag")
        if self.last_audit is not None and not self.last_audit.ok and self.last_audit.finished_at:
            found.append("audit_failed")
        if self.proven_split_views:
            found.append("split_view")
        if any(peer.stale or peer.errors for peer in self.peers):
            found.append("peer_trouble")
        return found


def ledger_health() -> LedgerHealth:
    latest = SignedCheckpoint.objects.order_by("-tree_size").first()
    pending = LogEntry.objects.filter(leaf_index__isnull=True)
    oldest = pending.order_by("id").values_list("submitted_at", flat=True).first()
    cosigners, stamps = [], []
    if latest is not None:
        rows = (
            Cosignature.objects.filter(checkpoint=latest)
            .order_by("witness__name")
            .values_list("witness__name", "timestamp")
        )
        cosigners, stamps = [name for name, _ in rows], [stamp for _, stamp in rows]
    evidence = SplitViewEvidence.objects.all()
    return LedgerHealth(
        tree_size=latest.tree_size if latest else 0,
        checkpoint_at=latest.published_at if latest else None,
        checkpoint_age=timezone.now() - latest.published_at if latest else None,
        pending=pending.count(),
        oldest_pending_at=oldest,
        last_audit=AuditRun.objects.order_by("-started_at").first(),
        cosigners=cosigners,
        cosigned_at=datetime.fromtimestamp(max(stamps), UTC) if stamps else None,
        peers=federation_status(),
        split_views=evidence.count(),
        proven_split_views=evidence.filter(proven=True).count(),
    )


@dataclass
class WorkerHealth:
    broker: str
    queues: dict[str, int]
    broker_error: str
    failed: list[FailedTask] = field(default_factory=list)
    failed_total: int = 0


def worker_health(*, limit: int = 20) -> WorkerHealth:
    """Queue depths (nothing to measure in eager mode) and the failures not yet sent again."""
    queues, error = {}, ""
    try:
        queues = workers.queue_depths()
    except Exception as exc:  # the broker being down is what this panel must show, not a 500
        log.warning("queue depths unavailable: %s", exc)
        error = f"{type(exc).__name__}: {exc}"
    unretried = FailedTask.objects.filter(retried_at__isnull=True)
    return WorkerHealth(
        broker=workers.broker_kind(),
        queues=queues,
        broker_error=error,
        failed=list(workers.failed_tasks(limit=limit)),
        failed_total=unretried.count(),
    )
