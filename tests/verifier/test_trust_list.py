"""The offline trust list: signed by the office over exact bytes a browser can verify."""

import base64
import json

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from django.utils import timezone

from ipchain.registry import keys
from tests import factories

pytestmark = pytest.mark.django_db


def b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_the_trust_list_is_signed_by_the_office_and_lists_every_key(client):
    brand = factories.brand("acme")
    revoked = keys.rotate_key(organisation=brand)
    keys.revoke_key(key=revoked, reason="lost", effective_at=timezone.now())
    response = client.get("/verify/trust-list.json")
    assert response.status_code == 200
    signed = response.json()
    office_key = keys.active_key(factories.office())
    assert signed["kid"] == office_key.kid

    # A second implementation (OpenSSL via pyca/cryptography), as the browser's WebCrypto would.
    public = serialization.load_pem_public_key(office_key.public_pem.encode())
    raw = b64url(signed["sig"])
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public.verify(der, b64url(signed["payload"]), ec.ECDSA(hashes.SHA256()))

    payload = json.loads(b64url(signed["payload"]))
    by_kid = {k["kid"]: k for k in payload["keys"]}
    assert by_kid[revoked.kid]["status"] == "revoked" and "revoked_from" in by_kid[revoked.kid]
    assert payload["log"]["vkey"].startswith("test.ipchain.example/log+")
    assert response["Cache-Control"] == "public, max-age=300"


def test_a_tampered_trust_list_does_not_verify(client):
    factories.brand("acme")
    signed = client.get("/verify/trust-list.json").json()
    office_key = keys.active_key(factories.office())
    public = serialization.load_pem_public_key(office_key.public_pem.encode())
    payload = b64url(signed["payload"]).replace(b"acme", b"evil")
    raw = b64url(signed["sig"])
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    with pytest.raises(InvalidSignature):
        public.verify(der, payload, ec.ECDSA(hashes.SHA256()))


def test_each_brand_key_lists_its_holders_products_and_no_one_elses(client):
    acme, beta = factories.brand("acme"), factories.brand("beta")
    jacket, tent = factories.product(acme, name="Jacket"), factories.product(acme, name="Tent")
    boot = factories.product(beta, name="Boot")
    payload = json.loads(b64url(client.get("/verify/trust-list.json").json()["payload"]))
    by_org = {k["org"]: k for k in payload["keys"]}
    assert by_org["acme"]["gtins"] == sorted([jacket.gtin, tent.gtin])
    assert by_org["beta"]["gtins"] == [boot.gtin]
    # The office signs records, not labels: no product list.
    assert all("gtins" not in k for k in payload["keys"] if k["kind"] != "brand")
    assert any(k["kind"] != "brand" for k in payload["keys"])


def payload_of(client) -> dict:
    return json.loads(b64url(client.get("/verify/trust-list.json").json()["payload"]))


def test_the_list_is_built_once_and_rebuilt_at_once_when_a_key_or_product_changes(
    client, django_assert_num_queries
):
    brand = factories.brand("acme")
    first = payload_of(client)
    with django_assert_num_queries(0):  # served from the cache, shared by the node's processes
        assert payload_of(client) == first
    key = keys.active_key(brand)
    keys.revoke_key(key=key, reason="lost", effective_at=timezone.now())
    revoked = {k["kid"]: k for k in payload_of(client)["keys"]}[key.kid]
    assert revoked["status"] == "revoked"  # a revocation reaches phones without waiting
    product = factories.product(brand, name="New")
    assert product.gtin in {k["org"]: k for k in payload_of(client)["keys"]}["acme"]["gtins"]
    product.delete()
    assert product.gtin not in {k["org"]: k for k in payload_of(client)["keys"]}["acme"]["gtins"]
