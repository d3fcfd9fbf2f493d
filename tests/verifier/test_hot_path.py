"""The verify hot path's shortcuts keep the answers of the slow path (bench/verify.py):
remembered tokens, the serializer skipped for plain requests, remembered keys and products."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from ipchain.accounts.models import Role
from ipchain.ledger import log
from ipchain.registry import items
from tests import factories
from verifier import tokenauth
from verifier.api import VerifyIn, plain_verify_fields
from verifier.views import MAX_CODE

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_tokens():
    tokenauth.forget()
    yield
    tokenauth.forget()


@pytest.fixture
def world():
    brand = factories.brand("acme")
    product = factories.product(brand)
    admin = factories.brand_admin(brand)
    item = items.register_item(actor=admin, brand=brand, gtin=product.gtin, serial="H1")
    log.integrate_pending()
    officer = factories.user(factories.customs("nl-customs"), Role.CUSTOMS_OFFICER)
    return {"item": item, "officer": officer, "admin": admin, "token": Token.objects.create(user=officer)}


def post(token_key, code):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_key}")
    return client.post("/api/v1/verify", {"code": code}, format="json")


def token_reads(queries) -> int:
    return sum('"authtoken_token"' in q["sql"] for q in queries.captured_queries)


def test_a_token_is_read_once_then_remembered(world):
    uri = items.label_uri(world["item"])
    with CaptureQueriesContext(connection) as first:
        assert post(world["token"].key, uri).json()["verdict"] == "genuine"
    with CaptureQueriesContext(connection) as second:
        response = post(world["token"].key, uri)
    assert token_reads(first) == 1 and token_reads(second) == 0
    assert response.status_code == 200
    scans = list(world["item"].scans.values_list("trusted", "officer_id"))
    assert scans == [(True, world["officer"].pk)] * 2  # both counted as the officer's


def test_a_deleted_token_stops_at_once_in_this_process(world):
    uri = items.label_uri(world["item"])
    key = world["token"].key
    assert post(key, uri).status_code == 200
    world["token"].delete()
    response = post(key, uri)
    assert response.status_code == 401
    assert response.json()["error"]["reason"] == "authentication_failed"


def test_a_deactivated_officer_stops_at_once_in_this_process(world):
    uri = items.label_uri(world["item"])
    assert post(world["token"].key, uri).status_code == 200
    world["officer"].is_active = False
    world["officer"].save()
    assert post(world["token"].key, uri).status_code == 401


def test_another_process_sees_a_deleted_token_within_the_delay(world, settings):
    """A deletion made elsewhere sends no signal here: the remembered token serves until
    IPCHAIN_VERIFY_CACHE_SECONDS x 30, then the database is read again."""
    uri = items.label_uri(world["item"])
    key = world["token"].key
    assert post(key, uri).status_code == 200
    with connection.cursor() as cursor:  # as another process would: no signal reaches this one
        cursor.execute(f"DELETE FROM {Token._meta.db_table} WHERE key = %s", [key])
    assert post(key, uri).status_code == 200  # still remembered: the documented delay
    settings.IPCHAIN_VERIFY_CACHE_SECONDS = 0  # the delay is over
    assert post(key, uri).status_code == 401


def test_unknown_tokens_are_never_remembered(world):
    uri = items.label_uri(world["item"])
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert post("0" * 40, uri).status_code == 401
        assert token_reads(queries) == 1


def test_each_request_has_its_own_user(world):
    request_user = tokenauth.RememberedTokenAuthentication().authenticate_credentials
    first, _ = request_user(world["token"].key)
    first.flagged = True
    second, token = request_user(world["token"].key)
    assert second.pk == first.pk and not hasattr(second, "flagged")
    assert token.key == world["token"].key


@pytest.mark.parametrize(
    "data",
    [
        {"code": "  (01)09506000134352(21)X  "},
        {"code": "x" * MAX_CODE},
        {"code": "x" * (MAX_CODE + 1)},
        {"code": "   "},
        {"code": ""},
        {"code": None},
        {"code": 12345},
        {"code": True},
        {"code": "a\x00b"},
        {"code": "caf\u00e9"},
        {"code": "\ud800"},
        {"code": "x", "latitude": 51.9, "longitude": 4},
        {"code": "x", "latitude": 90, "longitude": -180},
        {"code": "x", "latitude": 90.5},
        {"code": "x", "longitude": -181},
        {"code": "x", "latitude": "51.9"},
        {"code": "x", "latitude": None},
        {"code": "x", "latitude": True},
        {"code": "x", "extra": 1},
        {},
        [],
        "code",
    ],
)
def test_plain_fields_agree_with_the_serializer(data):
    """Whatever the shortcut accepts, VerifyIn accepts with the same values; whatever it
    leaves (None) goes to VerifyIn, which gives the errors."""
    plain = plain_verify_fields(data)
    serializer = VerifyIn(data=data)
    if plain is not None:
        assert serializer.is_valid(), serializer.errors
        assert plain == dict(serializer.validated_data)
        assert all(type(v) is type(serializer.validated_data[k]) for k, v in plain.items())


def test_bad_fields_still_get_the_serializers_errors(world):
    client = APIClient()
    response = client.post("/api/v1/verify", {"code": "x", "latitude": 91}, format="json")
    assert response.status_code == 400
    body = response.json()["error"]
    assert body["reason"] == "invalid" and "latitude" in body["fields"]
    response = client.post("/api/v1/verify", {"code": "a\x00b"}, format="json")
    assert response.status_code == 400 and "code" in response.json()["error"]["fields"]
