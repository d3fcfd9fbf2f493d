"""Rate limits on the verifier, the label landing, the API and the sign-in: a client over its
limit gets 429 with Retry-After and the JSON error body (or a page), others are unaffected."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.test import APIClient

from ipchain.accounts.models import Role
from ipchain.throttling import parse_rate
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def limits(settings):
    """The rates below, counted in fixed windows: the clock stands still at a window's start, or
    requests made across a minute's turn would be counted in two windows (a flaky test)."""
    settings.IPCHAIN_THROTTLE_RATES = {
        "verify": "5/min",
        "verify_user": "8/min",
        "label": "3/min",
        "api": "4/min",
    }
    start = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(seconds=1)
    with time_machine.travel(start, tick=False):
        yield settings


def test_rates_are_read_as_requests_per_period():
    assert parse_rate("60/min") == (60, 60)
    assert parse_rate("5/s") == (5, 1)
    assert parse_rate("1000/day") == (1000, 86400)


def test_anonymous_verifications_are_limited_per_address(limits):
    first, second = APIClient(REMOTE_ADDR="192.0.2.1"), APIClient(REMOTE_ADDR="192.0.2.2")
    codes = [
        first.post("/api/v1/verify", {"code": "(01)09506000134352(21)X1"}, format="json") for _ in range(6)
    ]
    assert [r.status_code for r in codes] == [200] * 5 + [429]
    refused = codes[-1]
    assert refused.json()["error"]["reason"] == "throttled"
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert (
        second.post("/api/v1/verify", {"code": "(01)09506000134352(21)X1"}, format="json").status_code == 200
    )


def test_an_officer_has_a_limit_of_its_own(limits):
    officer = APIClient(REMOTE_ADDR="192.0.2.1")
    officer.force_authenticate(factories.user(factories.customs("nl"), Role.CUSTOMS_OFFICER))
    statuses = [
        officer.post("/api/v1/verify", {"code": "(01)09506000134352(21)X1"}, format="json").status_code
        for _ in range(9)
    ]
    assert statuses == [200] * 8 + [429]


def test_the_label_landing_is_limited_too(limits):
    client = Client(REMOTE_ADDR="192.0.2.9")
    pages = [client.get("/01/09506000134352/21/X1") for _ in range(4)]
    assert [p.status_code for p in pages] == [200, 200, 200, 429]
    assert "Too many requests from here" in pages[-1].content.decode() and pages[-1]["Retry-After"]
    as_json = client.get("/01/09506000134352/21/X1", HTTP_ACCEPT="application/json")
    assert as_json.status_code == 429 and as_json.json()["error"]["reason"] == "throttled"


def test_the_api_without_a_token_is_limited(limits):
    client = APIClient(REMOTE_ADDR="192.0.2.3")
    statuses = [client.get("/api/v1/log/entries/0").status_code for _ in range(5)]
    assert statuses == [404] * 4 + [429]  # no entry yet: the limit applies before that


def test_repeated_wrong_passwords_lock_the_account_out_from_that_address(settings):
    settings.AXES_FAILURE_LIMIT = 5
    get_user_model().objects.create_user("officer", password="the-right-password-1")
    client = Client(REMOTE_ADDR="93.184.216.34")
    wrong = [client.post("/accounts/login/", {"username": "officer", "password": "wrong"}) for _ in range(5)]
    assert [r.status_code for r in wrong] == [200] * 4 + [429]  # the fifth failure locks
    locked = client.post("/accounts/login/", {"username": "officer", "password": "the-right-password-1"})
    assert locked.status_code == 429 and locked["Retry-After"] == str(15 * 60)
    assert "Too many wrong passwords" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    elsewhere = Client(REMOTE_ADDR="151.101.1.69")  # the owner, from another address, is not locked out
    assert (
        elsewhere.post(
            "/accounts/login/", {"username": "officer", "password": "the-right-password-1"}
        ).status_code
        == 302
    )


def test_pages_carry_a_content_security_policy(client):
    policy = client.get("/verify/")["Content-Security-Policy"]
    assert "script-src 'self' 'wasm-unsafe-eval'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
