"""GET /healthz and GET /readyz: alive without the database; ready only when every check is."""

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from config import celery_app
from ipchain.ledger import log
from ipchain.ledger.logkey import log_signer
from tests.conftest import TEST_ORIGIN, TEST_SIGNER

ROOT = Path(__file__).resolve().parents[3]
BROKER = os.environ.get("CELERY_BROKER_URL", "")
CLOSED_PORT = 9  # discard: nothing listens there on the test machines


def test_healthz_answers_ok_without_touching_the_database(client):
    # No django_db mark: any query would fail the test.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_probes_are_answered_for_a_host_name_not_in_allowed_hosts(client):
    # Orchestrators probe by the pod's IP address.
    assert client.get("/healthz", HTTP_HOST="10.1.2.3:8000").status_code == 200


@pytest.mark.django_db
def test_readyz_is_ready_in_the_embedded_mode_and_says_the_broker_was_skipped(client):
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200
    assert body["ready"] is True
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"] == {
        "name": "broker",
        "ok": True,
        "reason": "skipped_eager",
        "message": "no broker: tasks run eagerly in-process (embedded mode)",
    }
    assert body["checks"]["log_key"]["ok"] is True
    assert body["checks"]["integration_lag"]["ok"] is True


@pytest.fixture
def broker_at(monkeypatch):
    old_url, old_eager = celery_app.conf.broker_url, celery_app.conf.task_always_eager

    def point(url):
        # Celery's conf.broker_url prefers the CELERY_BROKER_URL environment variable.
        monkeypatch.setenv("CELERY_BROKER_URL", url)
        celery_app.conf.broker_url = url
        celery_app.conf.task_always_eager = False

    yield point
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = old_url, old_eager


@pytest.mark.django_db
def test_readyz_fails_when_the_broker_is_down(client, broker_at):
    broker_at(f"redis://127.0.0.1:{CLOSED_PORT}/0")
    response = client.get("/readyz")
    assert response.status_code == 503
    broker = response.json()["checks"]["broker"]
    assert broker["ok"] is False
    assert broker["reason"] == "broker_unreachable"
    assert response.json()["checks"]["database"]["ok"] is True


@pytest.mark.django_db
@pytest.mark.skipif(not BROKER.startswith("redis://"), reason="needs a Redis broker: set CELERY_BROKER_URL")
def test_readyz_is_ready_with_a_live_redis_broker(client, broker_at):
    broker_at(BROKER)
    response = client.get("/readyz")
    assert response.json()["checks"]["broker"]["reason"] == "ok"
    assert response.status_code == 200


@pytest.mark.django_db
def test_readyz_fails_when_integration_lags(client, settings):
    settings.IPCHAIN_READY_MAX_LAG_SECONDS = 60
    entry = log.prepare_entry({"kind": "test", "n": 1})
    entry.submitted_at = timezone.now() - timedelta(minutes=5)
    entry.save()  # pending: no integration ran
    response = client.get("/readyz")
    lag = response.json()["checks"]["integration_lag"]
    assert response.status_code == 503
    assert lag["reason"] == "integration_lag_too_high"
    assert lag["message"].startswith("1 entries pending")

    log.integrate_pending()
    assert client.get("/readyz").status_code == 200


@pytest.mark.django_db
def test_readyz_fails_when_too_many_entries_wait(client, settings):
    settings.IPCHAIN_READY_MAX_PENDING = 1
    for n in range(2):
        log.prepare_entry({"kind": "test", "n": n}).save()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["integration_lag"]["reason"] == "too_many_pending"
    assert response.json()["checks"]["integration_lag"]["message"].startswith("more than 1 entries pending")


@pytest.mark.django_db
def test_readyz_fails_without_the_log_key(client, settings, tmp_path):
    settings.IPCHAIN_LOG_KEY = ""
    settings.IPCHAIN_LOG_KEY_FILE = tmp_path / "missing.key"
    log_signer.cache_clear()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["log_key"]["reason"] == "log_key_missing"


READYZ_IN_A_FRESH_PROCESS = """
import django, json
django.setup()
from django.test import Client
response = Client().get("/readyz")
metrics = Client().get("/metrics")
print(json.dumps({"status": response.status_code, "body": response.json(),
                  "metrics_status": metrics.status_code, "metrics": metrics.content.decode()}))
"""


def test_readyz_fails_and_metrics_say_so_when_the_database_is_down():
    """The real thing: a process whose database is a closed port."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{CLOSED_PORT}/ipchain",
        "IPCHAIN_LOG_ORIGIN": TEST_ORIGIN,
        "IPCHAIN_LOG_KEY": TEST_SIGNER.skey,
        "LOG_LEVEL": "CRITICAL",
    }
    env.pop("CELERY_BROKER_URL", None)  # eager: only the database is down
    done = subprocess.run(
        [sys.executable, "-c", READYZ_IN_A_FRESH_PROCESS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["status"] == 503
    checks = answer["body"]["checks"]
    assert checks["database"]["ok"] is False
    assert checks["database"]["reason"] == "database_unreachable"
    assert checks["integration_lag"]["reason"] == "database_unreachable"
    assert checks["log_key"]["ok"] is True
    # /metrics still answers, and says so.
    assert answer["metrics_status"] == 200
    assert "ipchain_database_up 0.0" in answer["metrics"]
    assert "ipchain_ledger_tree_size" not in answer["metrics"]
