"""Verifying real labels through the API, the label URI and the page."""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from ipchain.accounts.models import Role
from ipchain.ledger import log, tlogproof
from ipchain.registry import items, keys
from ipchain.registry.digital_link import build_label_uri, label_message
from ipchain.registry.signing import PrivateKey
from tests import factories
from verifier.models import Alert, Scan, StatusChange

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    brand = factories.brand("acme")
    product = factories.product(brand, genuine_features="Holographic woven label")
    admin = factories.brand_admin(brand)
    item = items.register_item(actor=admin, brand=brand, gtin=product.gtin, serial="G1")
    log.integrate_pending()
    customs = factories.customs("nl-customs")
    factories.application(brand, customs)
    officer = factories.user(customs, Role.CUSTOMS_OFFICER)
    officer.membership.customs_office, officer.membership.latitude, officer.membership.longitude = (
        "Rotterdam",
        51.95,
        4.03,
    )
    officer.membership.save()
    return {"brand": brand, "product": product, "admin": admin, "item": item, "officer": officer}


def verify(client, code, **extra):
    return client.post("/api/v1/verify", {"code": code, **extra}, format="json")


def test_a_genuine_label_with_its_ledger_evidence(world, log_verifier):
    client = APIClient()
    client.force_authenticate(world["officer"])
    response = verify(client, items.label_uri(world["item"]))
    body = response.json()
    assert response.status_code == 200
    assert body["verdict"] == "genuine"
    assert body["evidence"]["inclusion_proof_checked"] is True
    world["item"].registration_entry.refresh_from_db()
    assert body["evidence"]["ledger_index"] == world["item"].registration_entry.leaf_index
    assert body["evidence"]["ledger_index"] is not None
    assert body["item"]["guide"]["genuine_features"] == "Holographic woven label"
    scan = Scan.objects.get()
    assert scan.trusted and scan.customs_office == "Rotterdam" and scan.latitude == 51.95
    # The evidence to keep: the registration as a tlog-proof that holds by itself.
    served = client.get(body["evidence"]["tlog_proof_url"]).content.decode()
    assert body["evidence"]["tlog_proof"] == served  # an officer's verdict carries the proof itself
    proof = tlogproof.parse(served)
    proven = tlogproof.verify(proof, log_verifier)
    assert proven.index == body["evidence"]["ledger_index"]
    assert proven.record == bytes(world["item"].registration_entry.body)


@pytest.mark.parametrize("how", ["label landing", "typed element string", "plain digital link"])
def test_a_code_without_the_label_signature_is_never_genuine(world, client, how):
    """A counterfeiter prints a plain QR code of a real serial: it says "registered, label not
    checked", for the public and for officers alike, never "genuine"."""
    gtin = world["product"].gtin
    if how == "label landing":
        body = client.get(f"/01/{gtin}/21/G1", HTTP_ACCEPT="application/json").json()
    else:
        text = f"(01){gtin}(21)G1" if how == "typed element string" else f"https://x.example/01/{gtin}/21/G1"
        officer = APIClient()
        officer.force_authenticate(world["officer"])
        body = verify(officer, text).json()
    assert body["verdict"] == "registered"
    assert [r["code"] for r in body["reasons"]] == ["registered", "unsigned"]
    assert Scan.objects.get().verdict == "registered"


def test_a_forged_label_for_a_real_item(world):
    forger = PrivateKey.generate()
    gtin = world["product"].gtin
    code = build_label_uri(
        "x.example", gtin, "G1", world["item"].key.kid, forger.sign(label_message(gtin, "G1"))
    )
    assert verify(APIClient(), code).json()["verdict"] == "forged"
    assert Alert.objects.filter(brand=world["brand"], kind="forged").exists()


def test_an_unknown_serial_with_a_forged_signature_and_without_one(world):
    gtin = world["product"].gtin
    forged = build_label_uri("x.example", gtin, "NOPE", "AAAAAAAAAAA", b"\x01" * 64)
    assert verify(APIClient(), forged).json()["verdict"] == "forged"
    assert verify(APIClient(), f"(01){gtin}(21)NOPE").json()["verdict"] == "unknown"


def test_status_verdicts_follow_the_brands_events(world):
    client = APIClient()
    items.record_event(actor=world["admin"], item=world["item"], kind="stolen")
    assert verify(client, items.label_uri(world["item"])).json()["verdict"] == "stolen"


def test_recalled(world):
    items.record_event(actor=world["admin"], item=world["item"], kind="recalled")
    assert verify(APIClient(), items.label_uri(world["item"])).json()["verdict"] == "recalled"


def test_destroyed(world):
    items.record_event(actor=world["admin"], item=world["item"], kind="destroyed")
    assert verify(APIClient(), items.label_uri(world["item"])).json()["verdict"] == "destroyed"


def test_revoked_when_the_key_was_compromised_before_registration(world):
    keys.revoke_key(
        key=world["item"].key, reason="key stolen", effective_at=timezone.now() - timezone.timedelta(days=1)
    )
    assert verify(APIClient(), items.label_uri(world["item"])).json()["verdict"] == "revoked"


def test_a_label_seen_by_officers_at_impossible_distances_is_a_suspected_clone(world):
    client = APIClient()
    client.force_authenticate(world["officer"])
    uri = items.label_uri(world["item"])
    assert verify(client, uri, latitude=31.23, longitude=121.47).json()["verdict"] == "genuine"  # Shanghai
    body = verify(client, uri).json()  # Rotterdam, minutes later
    assert body["verdict"] == "suspected_clone"
    assert Alert.objects.filter(brand=world["brand"], kind="suspected_clone").count() == 1
    # Phones hear of it with the next status list delta, once however often it is seen again.
    assert list(StatusChange.objects.values_list("item", "status")) == [(world["item"].pk, "suspected_clone")]


def test_the_label_uri_lands_on_a_page_and_answers_json(world, client):
    path = items.label_uri(world["item"]).split("localhost:8000", 1)[1]
    page = client.get(path)
    assert page.status_code == 200 and "Genuine" in page.content.decode()
    as_json = client.get(path, HTTP_ACCEPT="application/json")
    assert as_json.json()["verdict"] == "genuine"


def test_the_page_takes_typed_numbers(world, client):
    response = client.get("/verify/", {"gtin": world["product"].gtin, "serial": "G1"})
    page = response.content.decode()
    assert response.status_code == 200 and 'data-verdict="registered"' in page
    assert "Registered, label not checked" in page and "Genuine" not in page
    assert client.get("/verify/").status_code == 200


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("hello", "not_a_code"),
        ("(01)09506000134353(21)X", "bad_check_digit"),
        ("https://x.example/01/09506000134352/21/A?s=***", "malformed_signature"),
        ("x" * 3000, "invalid"),
    ],
)
def test_bad_codes_get_a_4xx_with_a_reason(code, reason):
    response = verify(APIClient(), code)
    assert response.status_code == 400
    assert response.json()["error"]["reason"] == reason


def test_bad_codes_on_the_page_are_a_400_page_not_a_500(client):
    response = client.get("/verify/", {"code": "(01)09506000134353(21)X"})
    assert response.status_code == 400 and "check digit" in response.content.decode()
    assert (
        client.get("/verify/", {"code": "garbage"}, HTTP_ACCEPT="application/json").json()["error"]["reason"]
        == "not_a_code"
    )


def test_alerts_reach_the_brand_portal(world, client):
    forger = PrivateKey.generate()
    gtin = world["product"].gtin
    verify(
        APIClient(),
        build_label_uri(
            "x.example", gtin, "G1", world["item"].key.kid, forger.sign(label_message(gtin, "G1"))
        ),
    )
    client.force_login(world["admin"])
    assert "forged" in client.get("/portal/alerts/").content.decode()


def test_the_public_gets_the_proofs_address_and_an_officer_the_proof(world):
    public = verify(APIClient(), items.label_uri(world["item"])).json()["evidence"]
    assert public["tlog_proof"] is None and public["tlog_proof_url"].startswith(
        "/api/v1/log/proof/tlog?index="
    )
    officer = APIClient()
    officer.force_authenticate(world["officer"])
    carried = verify(officer, items.label_uri(world["item"])).json()["evidence"]["tlog_proof"]
    assert carried.startswith("c2sp.org/tlog-proof@v1\nextra ")
