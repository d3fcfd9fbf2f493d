"""GET /metrics: Prometheus text that parses, counters that move, gauges read at scrape time."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from rest_framework.test import APIClient

from ipchain.ledger import log
from ipchain.registry import items
from tests import factories

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]


def scrape(client, **extra) -> dict[tuple, float]:
    response = client.get("/metrics", **extra)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_are_refused_to_other_addresses_without_the_token(client, settings):
    settings.IPCHAIN_METRICS_TOKEN = "s3cret-scrape-token"
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 403
    assert response.json()["error"]["reason"] == "metrics_forbidden"
    wrong = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer nope")
    assert wrong.status_code == 403
    assert scrape(client, REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer s3cret-scrape-token")


def test_an_allowed_network_may_scrape(client, settings):
    settings.IPCHAIN_METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    assert client.get("/metrics", REMOTE_ADDR="10.20.30.40").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403


def test_prometheus_may_scrape_by_ip_address(client):
    # A scrape target is usually host:port, a name ALLOWED_HOSTS does not list.
    assert client.get("/metrics", HTTP_HOST="10.1.2.3:8000").status_code == 200


def test_requests_are_counted_by_view_and_status(client):
    before = scrape(client)
    client.get("/log/checkpoint")
    client.get("/api/v1/log/entries/999999")
    after = scrape(client)
    key = {"view": "log-checkpoint", "method": "GET", "status": "200"}
    assert (
        value(after, "ipchain_http_requests_total", **key)
        == value(before, "ipchain_http_requests_total", **key) + 1
    )
    missing = {"view": "api-log-entry", "method": "GET", "status": "404"}
    assert value(after, "ipchain_http_requests_total", **missing) >= 1
    latency = "ipchain_http_request_duration_seconds_count"
    assert value(after, latency, view="log-checkpoint") == value(before, latency, view="log-checkpoint") + 1


def test_verdicts_are_counted(client, settings):
    brand = factories.brand()
    product = factories.product(brand)
    item = items.register_item(
        actor=factories.brand_admin(brand), brand=brand, gtin=product.gtin, serial="M1"
    )
    log.integrate_pending()
    before = scrape(client)
    api = APIClient()
    assert (
        api.post("/api/v1/verify", {"code": items.label_uri(item)}, format="json").json()["verdict"]
        == "genuine"
    )
    api.post("/api/v1/verify", {"code": f"(01){product.gtin}(21)NOPE"}, format="json")
    after = scrape(client)
    for verdict in ("genuine", "unknown"):
        assert value(after, "ipchain_verdicts_total", verdict=verdict) == (
            value(before, "ipchain_verdicts_total", verdict=verdict) + 1
        )


def test_ledger_gauges_are_read_at_scrape_time(client):
    empty = scrape(client)
    assert value(empty, "ipchain_ledger_pending_entries") == 0
    assert value(empty, "ipchain_ledger_checkpoint_age_seconds") == -1
    assert value(empty, "ipchain_ledger_last_audit_ok") == -1
    for n in range(3):
        log.prepare_entry({"kind": "test", "n": n}).save()
    waiting = scrape(client)
    assert value(waiting, "ipchain_ledger_pending_entries") == 3
    assert value(waiting, "ipchain_ledger_integration_lag_seconds") >= 0
    log.integrate_pending()
    done = scrape(client)
    assert value(done, "ipchain_ledger_pending_entries") == 0
    assert value(done, "ipchain_ledger_tree_size") == 3
    assert 0 <= value(done, "ipchain_ledger_checkpoint_age_seconds") < 60
    assert value(done, "ipchain_celery_broker_up") == 1
    assert value(done, "ipchain_database_up") == 1
    assert value(done, "ipchain_celery_failed_tasks") == 0


COUNT_VERDICTS = """
import sys, django
django.setup()
from verifier.metrics import count_verdict
for _ in range(int(sys.argv[1])):
    count_verdict("forged")
"""
SCRAPE = """
import django
django.setup()
from ipchain.operations.metrics import exposition
print(exposition(gauges=False).decode())
"""


def test_multiprocess_mode_sums_the_counters_of_every_process(tmp_path):
    """Two "gunicorn workers" count verdicts; a scrape served by a third process sees both."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
    }

    def run(*args):
        done = subprocess.run(
            [sys.executable, "-c", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    run(COUNT_VERDICTS, "2")
    run(COUNT_VERDICTS, "3")
    families = {f.name: f for f in text_string_to_metric_families(run(SCRAPE))}
    totals = {
        s.labels["verdict"]: s.value
        for s in families["ipchain_verdicts"].samples
        if s.name.endswith("_total")
    }
    assert totals == {"forged": 5.0}


def test_split_views_and_stale_peers_are_gauges_to_page_on(client, settings):
    from datetime import timedelta

    from django.utils import timezone

    from ipchain.federation.models import Peer, SplitViewEvidence
    from tests.ipchain.federation.conftest import add_peer
    from tests.ipchain.federation.peerlog import PeerLog

    settings.IPCHAIN_PEER_STALE_AFTER = 600
    assert not any(name.startswith("ipchain_federation") for name, _ in scrape(client))
    fresh = add_peer(PeerLog(origin="a.example/log"), name="office-a")
    Peer.objects.filter(pk=fresh.pk).update(mirror_ok_at=timezone.now())
    forked = add_peer(PeerLog(origin="b.example/log"), name="office-b")
    Peer.objects.filter(pk=forked.pk).update(created_at=timezone.now() - timedelta(hours=1))
    for proven in (True, True, False):
        SplitViewEvidence.objects.create(
            peer=forked, seen_by="mirror", reason="inconsistent", proven=proven,
            first_size=4, first_note=f"a{proven}", second_size=5, second_note="b",
        )  # fmt: skip
    samples = scrape(client)
    assert (
        value(samples, "ipchain_federation_split_views", peer="office-b", proven="true"),
        value(samples, "ipchain_federation_split_views", peer="office-b", proven="false"),
        value(samples, "ipchain_federation_peer_stale", peer="office-b"),
    ) == (2, 1, 1)
    assert ("ipchain_federation_peer_stale", (("peer", "office-a"),)) in samples
    assert value(samples, "ipchain_federation_peer_stale", peer="office-a") == 0
    assert value(samples, "ipchain_federation_split_views", peer="office-a", proven="true") == 0


def test_offline_scans_are_counted_once_with_what_the_phone_said(client):
    from datetime import timedelta
    from uuid import uuid4

    from django.utils import timezone

    from ipchain.accounts.models import Role

    brand = factories.brand()
    product = factories.product(brand)
    item = items.register_item(
        actor=factories.brand_admin(brand), brand=brand, gtin=product.gtin, serial="O1"
    )
    log.integrate_pending()
    officer = APIClient()
    officer.force_authenticate(factories.user(factories.customs(), Role.CUSTOMS_OFFICER))
    made = (timezone.now() - timedelta(minutes=5)).isoformat()
    scan = {
        "id": str(uuid4()),
        "code": items.label_uri(item),
        "scanned_at": made,
        "offline_verdict": "offline_valid",
    }
    labels = {"verdict": "genuine", "offline_verdict": "offline_valid"}
    before = value(scrape(client), "ipchain_offline_scans_total", **labels)
    for _ in range(2):  # the phone sends it again: logged and counted once
        assert officer.post("/api/v1/verify/offline", {"scans": [scan]}, format="json").status_code == 200
    assert value(scrape(client), "ipchain_offline_scans_total", **labels) == before + 1
