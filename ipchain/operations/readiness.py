"""Readiness: can this process serve? Each check says yes or no and why.

A load balancer stops sending traffic to a process that is not ready (GET /readyz answers
503); liveness (/healthz) only says the process runs, so a database outage does not make
an orchestrator restart every web process at once.
"""

from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import DatabaseError, connection

from ipchain.ledger.logkey import LogKeyMissing, log_signer
from ipchain.outbox.enqueue import embedded

from .ledger_health import ledger_health
from .workers import REDIS_SCHEMES, broker_kind

READY_PENDING_COUNT_CAP = 1000


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    reason: str  # machine-readable
    message: str

    def as_json(self) -> dict:
        return asdict(self)


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return Check("database", False, "database_unreachable", _first_line(exc))
    return Check("database", True, "ok", f"{connection.vendor} answered")


def check_broker() -> Check:
    if embedded():
        return Check(
            "broker", True, "skipped_eager", "no broker: tasks run eagerly in-process (embedded mode)"
        )
    from celery import current_app

    url = current_app.conf.broker_url
    timeout = settings.IPCHAIN_READY_BROKER_TIMEOUT
    try:
        if broker_kind() in REDIS_SCHEMES:
            import redis

            client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
            try:
                client.ping()
            finally:
                client.close()
        else:
            with current_app.connection_for_read() as conn:
                conn.ensure_connection(max_retries=1, timeout=timeout)
    except Exception as exc:  # each transport raises its own errors
        return Check("broker", False, "broker_unreachable", _first_line(exc))
    return Check("broker", True, "ok", f"{broker_kind()} broker answered")


def check_log_key() -> Check:
    try:
        signer = log_signer()
    except LogKeyMissing as exc:
        return Check("log_key", False, "log_key_missing", str(exc))
    return Check("log_key", True, "ok", f"signer key {signer.name} loaded")


def check_integration_lag(*, database_ok: bool) -> Check:
    if not database_ok:
        return Check("integration_lag", False, "database_unreachable", "cannot read the pending entries")
    max_lag = settings.IPCHAIN_READY_MAX_LAG_SECONDS
    max_pending = settings.IPCHAIN_READY_MAX_PENDING
    # Probes come every few seconds: count only as far as the answer needs.
    health = ledger_health(count_pending_up_to=max_pending or READY_PENDING_COUNT_CAP)
    lag = health.integration_lag_seconds
    pending = (
        f"more than {health.pending_entries - 1}" if health.pending_capped else str(health.pending_entries)
    )
    summary = f"{pending} entries pending, oldest {lag:.0f} s old (limit {max_lag} s)"
    if lag > max_lag:
        return Check("integration_lag", False, "integration_lag_too_high", summary)
    if max_pending and health.pending_entries > max_pending:
        return Check("integration_lag", False, "too_many_pending", f"{summary}; limit {max_pending} entries")
    return Check("integration_lag", True, "ok", summary)


def readiness() -> list[Check]:
    database = check_database()
    return [database, check_broker(), check_log_key(), check_integration_lag(database_ok=database.ok)]


def _first_line(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]
