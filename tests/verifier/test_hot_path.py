"""The verify hot path's shortcuts keep the answers of the slow path (bench/verify.py):
remembered tokens, the serializer skipped for plain requests, remembered keys and products."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from ipchain.accounts.models import Membership, Role
from ipchain.ledger import log
from ipchain.registry import items, keys
from ipchain.registry.models import Item, OrgKey
from tests import factories
from verifier import tokenauth
from verifier.api import VerifyIn, plain_verify_fields
from verifier.models import Scan
from verifier.verification import MAX_CODE

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
    assert response.status_code == 400 and response.json()["error"]["reason"] == "parse_error"  # at the door


# What is remembered, and when a change is seen (verifier/lookup.py, scanners.py, evidence.py).


def another_process_updates(model, pk, **values):
    """An UPDATE as another process would make it: no signal reaches this one."""
    columns = ", ".join(f"{model._meta.get_field(name).column} = %s" for name in values)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {model._meta.db_table} SET {columns} WHERE id = %s", [*values.values(), pk])


def test_a_recall_is_seen_by_the_next_scan(world):
    """Items are never remembered: their status is read by every scan."""
    uri = items.label_uri(world["item"])
    assert post(world["token"].key, uri).json()["verdict"] == "genuine"
    items.record_event(actor=world["admin"], item=world["item"], kind="recalled")
    assert post(world["token"].key, uri).json()["verdict"] == "recalled"
    another_process_updates(Item, world["item"].pk, status="stolen")
    assert post(world["token"].key, uri).json()["verdict"] == "stolen"


def test_a_key_revoked_here_is_seen_at_once(world):
    uri = items.label_uri(world["item"])
    assert post(world["token"].key, uri).json()["verdict"] == "genuine"
    keys.revoke_key(key=world["item"].key, reason="stolen", effective_at=timezone.now() - timedelta(days=1))
    assert post(world["token"].key, uri).json()["verdict"] == "revoked"


def test_a_key_revoked_elsewhere_is_seen_within_the_delay(world, settings):
    uri = items.label_uri(world["item"])
    assert post(world["token"].key, uri).json()["verdict"] == "genuine"
    yesterday = timezone.now() - timedelta(days=1)
    another_process_updates(OrgKey, world["item"].key_id, status="revoked", revocation_effective_at=yesterday)
    assert post(world["token"].key, uri).json()["verdict"] == "genuine"  # within the delay
    settings.IPCHAIN_VERIFY_CACHE_SECONDS = 0  # the delay is over
    assert post(world["token"].key, uri).json()["verdict"] == "revoked"


def test_a_new_checkpoint_is_used_after_the_delay(world, settings):
    """An item integrated after the remembered checkpoint is genuine at once, its evidence
    saying it is not yet in a signed checkpoint; once the delay is over it is proven."""
    assert post(world["token"].key, items.label_uri(world["item"])).status_code == 200
    later = items.register_item(
        actor=world["admin"], brand=world["item"].product.brand, gtin=world["item"].product.gtin, serial="H2"
    )
    log.integrate_pending()
    body = post(world["token"].key, items.label_uri(later)).json()
    assert body["verdict"] == "genuine" and body["evidence"]["inclusion_proof_checked"] is False
    assert "not yet in a signed checkpoint" in body["evidence"]["notes"][0]
    settings.IPCHAIN_VERIFY_CACHE_SECONDS = 0
    body = post(world["token"].key, items.label_uri(later)).json()
    assert body["evidence"]["inclusion_proof_checked"] is True and not body["evidence"]["notes"]


def test_an_officer_moved_elsewhere_is_seen_within_the_delay(world, settings):
    uri = items.label_uri(world["item"])
    post(world["token"].key, uri)
    membership = world["officer"].membership
    another_process_updates(Membership, membership.pk, customs_office="Antwerp")
    post(world["token"].key, uri)
    settings.IPCHAIN_VERIFY_CACHE_SECONDS = 0
    post(world["token"].key, uri)
    offices = list(Scan.objects.order_by("pk").values_list("customs_office", flat=True))
    assert offices == [membership.customs_office] * 2 + ["Antwerp"]
    assert membership.customs_office != "Antwerp"


def prepared_runs() -> tuple[int, int]:
    """(generic, custom) plans PostgreSQL used for the prepared item query on this connection."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(generic_plans), 0), coalesce(sum(custom_plans), 0)"
            " FROM pg_prepared_statements WHERE statement LIKE %s",
            ["SELECT i.id, i.lot%"],
        )
        return tuple(map(int, cursor.fetchone()))


@pytest.mark.postgres
@pytest.mark.parametrize("prepared", [True, False])
def test_the_item_query_prepared_or_not_gives_the_same_verdicts(world, settings, prepared):
    settings.IPCHAIN_VERIFY_PREPARED = prepared
    uri = items.label_uri(world["item"])
    before = prepared_runs()
    bodies = [post(world["token"].key, uri).json() for _ in range(7)]
    after = prepared_runs()
    assert {body["verdict"] for body in bodies} == {"genuine"}
    assert {body["item"]["status"] for body in bodies} == {"active"}
    if prepared:
        assert sum(after) - sum(before) == 7
        assert after[0] > before[0]  # a generic plan: PostgreSQL stopped planning each scan
    else:
        assert after == before
