"""Prometheus metrics: counters bumped in the request path, gauges read at scrape time.

Gunicorn runs several worker processes, each with its own counters. When the environment
sets PROMETHEUS_MULTIPROC_DIR (an empty directory, wiped at each start: docs/deploy.md),
prometheus_client writes every process's counters to files there and a scrape sums them
(its "multiprocess mode"); otherwise the counters live in this process's registry.
The gauges (ledger, queues) are computed from the database and the broker at each scrape,
by `OperationsCollector`, so every process reports the same and none needs to store them.
"""

import logging
import os

from django.db import DatabaseError
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

from verifier import metrics as verifier_metrics

log = logging.getLogger(__name__)

# Our counters live in our own registries (not prometheus_client's global one): the default
# process and platform collectors would report per-process numbers that mean nothing summed.
# The request counters are these; each app keeps its own (verifier/metrics.py).
REGISTRY = CollectorRegistry(auto_describe=True)

REQUESTS = Counter(
    "ipchain_http_requests",
    "HTTP requests answered, by view and status",
    ["view", "method", "status"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "ipchain_http_request_duration_seconds",
    "Time to answer an HTTP request, by view",
    ["view"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)


def observe_request(*, view: str, method: str, status: int, seconds: float) -> None:
    REQUESTS.labels(view=view, method=method, status=str(status)).inc()
    LATENCY.labels(view=view).observe(seconds)


def multiprocess_dir() -> str:
    # prometheus_client itself reads this variable when the counters are created, so it is
    # an environment variable rather than a Django setting.
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


class OperationsCollector:
    """Gauges computed when scraped: the ledger's state and the queues' depths."""

    def collect(self):
        from .ledger_health import ledger_health
        from .workers import queue_depths

        try:
            yield from self.ledger_gauges(ledger_health())
        except DatabaseError:
            # A scrape must still answer (with this said) when the database is down.
            log.warning("metrics: the database did not answer", exc_info=True)
            yield _gauge("ipchain_database_up", "1 when the database answered the scrape", 0)
        else:
            yield _gauge("ipchain_database_up", "1 when the database answered the scrape", 1)
            yield from self.federation_gauges()
        yield from self.queue_gauges(queue_depths)

    def ledger_gauges(self, health):
        from .models import FailedTask

        yield _gauge("ipchain_ledger_tree_size", "Entries in the log's latest checkpoint", health.tree_size)
        yield _gauge(
            "ipchain_ledger_pending_entries",
            "Entries accepted, waiting for integration",
            health.pending_entries,
        )
        yield _gauge(
            "ipchain_ledger_integration_lag_seconds",
            "Age of the oldest entry waiting for integration (0 when none waits)",
            health.integration_lag_seconds,
        )
        age = health.checkpoint_age_seconds
        yield _gauge(
            "ipchain_ledger_checkpoint_age_seconds",
            "Age of the latest signed checkpoint (-1 when there is none)",
            -1 if age is None else age,
        )
        audit = health.last_audit
        yield _gauge(
            "ipchain_ledger_last_audit_ok",
            "1 when the last audit passed, 0 when it failed, -1 when none ran",
            -1 if audit is None or audit.finished_at is None else int(audit.ok),
        )
        yield _gauge(
            "ipchain_celery_failed_tasks",
            "Failed tasks recorded and not yet sent again",
            FailedTask.objects.filter(retried_at__isnull=True).count(),
        )

    def federation_gauges(self):
        """Per peer office: split views on record and whether it is stale, to page on
        (docs/federation.md). A node with no peers yields empty families."""
        from django.db.models import Count, Q

        from ipchain.federation.models import Peer
        from ipchain.federation.status import is_stale

        split = GaugeMetricFamily(
            "ipchain_federation_split_views",
            "Split views of a peer's log on record (proven: by signed notes alone)",
            labels=["peer", "proven"],
        )
        stale = GaugeMetricFamily(
            "ipchain_federation_peer_stale",
            "1 when a peer's log or witness has not been reached for IPCHAIN_PEER_STALE_AFTER seconds",
            labels=["peer"],
        )
        peers = Peer.objects.annotate(
            proven=Count("split_views", filter=Q(split_views__proven=True)),
            suspected=Count("split_views", filter=Q(split_views__proven=False)),
        )
        for peer in peers:
            split.add_metric([peer.name, "true"], peer.proven)
            split.add_metric([peer.name, "false"], peer.suspected)
            stale.add_metric([peer.name], int(is_stale(peer)))
        yield split
        yield stale

    def queue_gauges(self, queue_depths):
        depth = GaugeMetricFamily(
            "ipchain_celery_queue_depth", "Tasks waiting in each Celery queue", labels=["queue"]
        )
        up = 1
        try:
            for queue, size in queue_depths().items():
                depth.add_metric([queue], size)
        except Exception:
            log.warning("could not read the Celery queues", exc_info=True)
            up = 0
        yield depth
        yield _gauge(
            "ipchain_celery_broker_up", "1 when the broker answered the scrape (1 in eager mode)", up
        )


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def exposition(*, gauges: bool = True) -> bytes:
    """The text a scrape receives: every process's counters and (unless told not to) the
    gauges of now."""
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_dir():
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_Forward(REGISTRY))
        registry.register(_Forward(verifier_metrics.REGISTRY))
    if gauges:
        registry.register(OperationsCollector())
    return generate_latest(registry)


class _Forward:
    def __init__(self, source: CollectorRegistry):
        self.source = source

    def collect(self):
        yield from self.source.collect()
