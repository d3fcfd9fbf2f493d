"""Scans made offline and sent when the network returns: POST /api/v1/verify/offline."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from ipchain.accounts.models import Role
from ipchain.ledger import log
from ipchain.registry import items
from ipchain.registry.digital_link import build_label_uri, label_message
from ipchain.registry.signing import PrivateKey
from tests import factories
from verifier.models import Alert, Scan

pytestmark = pytest.mark.django_db

URL = "/api/v1/verify/offline"


@pytest.fixture
def world():
    brand = factories.brand("acme")
    product = factories.product(brand)
    item = items.register_item(
        actor=factories.brand_admin(brand), brand=brand, gtin=product.gtin, serial="G1"
    )
    log.integrate_pending()
    officer = factories.user(factories.customs("nl-customs"), Role.CUSTOMS_OFFICER)
    officer.membership.customs_office = "Rotterdam"
    officer.membership.save()
    forger = PrivateKey.generate()
    forged = build_label_uri(
        "x.example", product.gtin, "G1", item.key.kid, forger.sign(label_message(product.gtin, "G1"))
    )
    return {
        "brand": brand,
        "item": item,
        "officer": officer,
        "genuine": items.label_uri(item),
        "forged": forged,
    }


def officer_client(world) -> APIClient:
    client = APIClient()
    client.force_authenticate(world["officer"])
    return client


def queued(code: str, minutes_ago: int = 5, **extra) -> dict:
    made = timezone.now() - timedelta(minutes=minutes_ago)
    return {"id": str(uuid.uuid4()), "code": code, "scanned_at": made.isoformat(), **extra}


def test_a_batch_is_verified_and_logged_at_the_time_each_scan_was_made(world):
    scans = [
        queued(world["genuine"], 30, offline_verdict="offline_valid", latitude=51.9, longitude=4.1),
        queued(world["forged"], 10, offline_verdict="forged"),
        queued("not a code at all", 5),
    ]
    response = officer_client(world).post(URL, {"scans": scans}, format="json")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["logged", "logged", "refused"]
    assert [r.get("verdict") for r in results] == ["genuine", "forged", None]
    assert results[2]["error"]["reason"] == "not_a_code"
    assert [r["id"] for r in results] == [s["id"] for s in scans]

    rows = {str(row.ref): row for row in Scan.objects.all()}
    assert set(rows) == {scans[0]["id"], scans[1]["id"]}
    genuine = rows[scans[0]["id"]]
    assert genuine.offline and genuine.trusted and genuine.customs_office == "Rotterdam"
    assert genuine.officer == world["officer"] and genuine.item == world["item"]
    assert genuine.offline_verdict == "offline_valid" and (genuine.latitude, genuine.longitude) == (51.9, 4.1)
    # Logged at the moment it was made, received now.
    assert abs((genuine.created_at - (timezone.now() - timedelta(minutes=30))).total_seconds()) < 60
    assert genuine.received_at > genuine.created_at + timedelta(minutes=29)
    # A forged label scanned offline alerts the rights holder like an online scan.
    alert = Alert.objects.get()
    assert alert.kind == "forged" and alert.brand == world["brand"] and alert.scan == rows[scans[1]["id"]]


def test_a_batch_sent_twice_is_logged_once(world):
    client = officer_client(world)
    scans = [queued(world["genuine"]), queued(world["forged"])]
    first = client.post(URL, {"scans": scans}, format="json").json()["results"]
    again = client.post(URL, {"scans": [*scans, scans[0]]}, format="json")
    assert again.status_code == 200
    results = again.json()["results"]
    assert [r["status"] for r in results] == ["duplicate", "duplicate", "duplicate"]
    assert [r["verdict"] for r in results] == ["genuine", "forged", "genuine"]
    assert [r["verdict"] for r in first] == ["genuine", "forged"]
    assert Scan.objects.count() == 2 and Alert.objects.count() == 1


def test_the_same_scan_twice_in_one_batch_is_logged_once(world):
    scan = queued(world["genuine"])
    results = officer_client(world).post(URL, {"scans": [scan, scan]}, format="json").json()["results"]
    assert [r["status"] for r in results] == ["logged", "duplicate"]
    assert Scan.objects.count() == 1


def test_a_scan_from_the_future_is_logged_now_and_a_very_old_one_refused(world):
    ahead = queued(world["genuine"], minutes_ago=-120)
    old = queued(world["genuine"], minutes_ago=31 * 24 * 60)
    results = officer_client(world).post(URL, {"scans": [ahead, old]}, format="json").json()["results"]
    assert results[0]["status"] == "logged"
    assert results[1]["status"] == "refused" and results[1]["error"]["reason"] == "too_old"
    row = Scan.objects.get()
    assert row.created_at <= timezone.now()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "scans"),
        ({"scans": []}, "scans"),
        ({"scans": "nope"}, "scans"),
        ({"scans": [{"code": "x", "scanned_at": "2026-11-28T10:00:00Z"}]}, "scans"),  # no id
        ({"scans": [{"id": "not-a-uuid", "code": "x", "scanned_at": "2026-11-28T10:00:00Z"}]}, "scans"),
        ({"scans": [{"id": str(uuid.uuid4()), "code": "x", "scanned_at": "yesterday"}]}, "scans"),
        (
            {"scans": [{"id": str(uuid.uuid4()), "code": "x" * 3000, "scanned_at": "2026-11-28T10:00:00Z"}]},
            "scans",
        ),
        ({"scans": [queued("x", latitude=95, longitude=0)]}, "scans"),
        ({"scans": [queued("x", offline_verdict="trust me")]}, "scans"),
        ({"scans": [queued("x") for _ in range(101)]}, "scans"),
    ],
)
def test_bad_input_is_a_400_with_a_reason(world, body, field):
    response = officer_client(world).post(URL, body, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["reason"] == "invalid" and field in error["fields"]
    assert Scan.objects.count() == 0


def test_a_body_that_is_not_json_is_a_4xx_with_a_reason(world):
    response = officer_client(world).post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["reason"] == "parse_error"
    response = officer_client(world).post(URL, "scans=1", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415 and response.json()["error"]["reason"]


def test_only_customs_officers_send_offline_scans(world):
    body = {"scans": [queued(world["genuine"])]}
    anonymous = APIClient().post(URL, body, format="json")
    assert anonymous.status_code in (401, 403) and anonymous.json()["error"]["reason"] == "not_authenticated"
    holder = APIClient()
    holder.force_authenticate(factories.brand_admin(world["brand"]))
    refused = holder.post(URL, body, format="json")
    assert refused.status_code == 403 and refused.json()["error"]["reason"] == "permission_denied"
    assert "customs officers" in refused.json()["error"]["message"]
    assert Scan.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_batch_sent_twice_at_once_is_logged_once(world):
    """Two uploads of one batch racing (a retry while the first is still in flight): each
    scan is logged once; the loser of each race answers duplicate, never a 500."""
    import threading

    from django.db import connection

    scans = [queued(world["genuine"], minutes_ago=n + 1) for n in range(20)]
    barrier = threading.Barrier(2)
    answers = []

    def send():
        try:
            client = officer_client(world)
            barrier.wait()
            response = client.post(URL, {"scans": scans}, format="json")
            answers.append((response.status_code, [r["status"] for r in response.json()["results"]]))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [status for status, _ in answers] == [200, 200]
    # Each scan: logged by one request, duplicate for the other (seen before it verified,
    # or lost the insert race on the unique reference).
    pairs = [sorted(statuses[i] for _, statuses in answers) for i in range(len(scans))]
    assert pairs == [["duplicate", "logged"]] * len(scans)
    assert Scan.objects.count() == len(scans)
