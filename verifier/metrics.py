"""The verifier's Prometheus counters, served by /metrics (ipchain/operations/metrics.py).

In their own registry: operations gathers every app's registry (or, under gunicorn's
multiprocess mode, prometheus_client sums every process's files whatever the registry).
"""

from prometheus_client import CollectorRegistry, Counter

REGISTRY = CollectorRegistry(auto_describe=True)

VERDICTS = Counter("ipchain_verdicts", "Verdicts given, by verdict", ["verdict"], registry=REGISTRY)
OFFLINE_SCANS = Counter(
    "ipchain_offline_scans",
    "Scans made offline and sent later, by the node's verdict and what the phone said",
    ["verdict", "offline_verdict"],
    registry=REGISTRY,
)


def count_verdict(verdict: str) -> None:
    """Called for every scan logged (recorder.py)."""
    VERDICTS.labels(verdict=str(verdict)).inc()


def count_offline_scan(verdict: str, offline_verdict: str) -> None:
    """Called once for every offline scan logged, not for a resend."""
    OFFLINE_SCANS.labels(verdict=str(verdict), offline_verdict=offline_verdict or "none").inc()
