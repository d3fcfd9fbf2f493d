"""`POST /api/v1/records/batch`: registrations the holder signed with its own keys, a thousand
at a time, every signature checked, all or nothing."""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from ipchain.ledger.models import LogEntry
from ipchain.registry import items, keys, records
from ipchain.registry.digital_link import label_message
from ipchain.registry.models import Item, OrgKey
from ipchain.registry.signing import PrivateKey, b64url_encode, sign_record
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def holder():
    org = factories.brand("byok", node_key=False)
    private = PrivateKey.generate()
    keys.register_holder_key(organisation=org, public_key=private.public_key)
    client = APIClient()
    client.force_authenticate(factories.brand_admin(org))
    return org, private, factories.product(org), client


def signed(org, private, gtin, serial):
    record = records.item_registered_record(
        brand=org.slug,
        gtin=gtin,
        serial=serial,
        label_sig=b64url_encode(private.sign(label_message(gtin, serial))),
        moment=timezone.now(),
    )
    return sign_record(record, private)


def post(client, batch):
    return client.post("/api/v1/records/batch", {"records": batch}, format="json")


def test_a_batch_of_signed_records_registers_every_item_with_the_holders_key(holder):
    org, private, product, client = holder
    batch = [signed(org, private, product.gtin, f"S{n}") for n in range(25)]
    answer = post(client, batch)
    assert answer.status_code == 201, answer.content
    assert answer.json()["registered"] == 25
    made = Item.objects.filter(product=product).select_related("key", "registration_entry")
    assert sorted(i.serial for i in made) == sorted(f"S{n}" for n in range(25))
    assert {i.key.kid for i in made} == {private.public_key.key_id}
    assert {i.key.custody for i in made} == {OrgKey.Custody.HOLDER}
    # The log holds the holder's records byte for byte as signed, and its labels scan genuine.
    bodies = {bytes(i.registration_entry.body) for i in made}
    assert len(bodies) == 25
    uri = answer.json()["items"][0]["label_uri"]
    verdict = APIClient().post("/api/v1/verify", {"code": uri}, format="json").json()["verdict"]
    assert verdict == "genuine"


def test_one_bad_record_refuses_the_batch_naming_every_bad_one(holder):
    org, private, product, client = holder
    items.submit_signed_record(
        actor=factories.brand_admin(org), record=signed(org, private, product.gtin, "TAKEN")
    )
    other = PrivateKey.generate()
    good = signed(org, private, product.gtin, "G1")
    batch = [
        good,
        signed(org, private, product.gtin, "G2") | {"serial": "G3"},  # changed after signing
        signed(org, other, product.gtin, "G4"),  # a key the node does not know
        dict(good),  # the same item twice
        signed(org, private, product.gtin, "TAKEN"),
        signed(org, private, factories.gtin(), "G5"),  # no product of the brand
        "not a record",
        signed(org, private, product.gtin, "G6")
        | {"label_sig": good["label_sig"]},  # a label signature swapped in after signing
        {"type": "item_event"},
    ]
    entries, registered = LogEntry.objects.count(), Item.objects.count()
    answer = post(client, batch)
    assert answer.status_code == 400, answer.content
    error = answer.json()["error"]
    assert error["reason"] == "bad_items"
    assert [(p["index"], p["reason"]) for p in error["items"]] == [
        (1, "bad_signature"),
        (2, "wrong_key"),
        (3, "duplicate_in_file"),
        (4, "already_registered"),
        (5, "unknown_product"),
        (6, "not_an_object"),
        (7, "bad_signature"),
        (8, "bad_type"),
    ]
    assert (LogEntry.objects.count(), Item.objects.count()) == (entries, registered)


def test_a_label_signature_of_another_item_is_refused(holder):
    org, private, product, client = holder
    record = records.item_registered_record(
        brand=org.slug,
        gtin=product.gtin,
        serial="L1",
        label_sig=b64url_encode(private.sign(label_message(product.gtin, "L2"))),
        moment=timezone.now(),
    )
    answer = post(client, [sign_record(record, private)])
    assert [p["reason"] for p in answer.json()["error"]["items"]] == ["bad_label_signature"]


def test_records_of_a_revoked_key_are_refused(holder):
    org, private, product, client = holder
    batch = [signed(org, private, product.gtin, "R1")]
    keys.revoke_key(key=OrgKey.objects.get(kid=private.public_key.key_id), reason="compromised")
    answer = post(client, batch)
    assert [p["reason"] for p in answer.json()["error"]["items"]] == ["key_not_active"]


@pytest.mark.parametrize("batch", [[], "records", {"a": 1}, None, [{}] * 1001])
def test_the_batch_itself_must_be_a_list_of_1_to_1000(holder, batch):
    *_, client = holder
    answer = post(client, batch)
    assert answer.status_code == 400 and answer.json()["error"]["reason"] == "bad_batch", answer.content


def test_customs_and_strangers_may_not_submit(holder):
    org, private, product, _client = holder
    batch = [signed(org, private, product.gtin, "X1")]
    officer = APIClient()
    officer.force_authenticate(factories.user(factories.customs(), "customs_officer"))
    assert officer.post("/api/v1/records/batch", {"records": batch}, format="json").status_code == 403
    assert APIClient().post("/api/v1/records/batch", {"records": batch}, format="json").status_code in (
        401,
        403,
    )
    assert not Item.objects.filter(serial="X1").exists()


def test_another_brands_records_are_refused(holder):
    org, private, product, _client = holder
    thief = factories.brand()
    client = APIClient()
    client.force_authenticate(factories.brand_admin(thief))
    answer = post(client, [signed(org, private, product.gtin, "T1")])
    assert [p["reason"] for p in answer.json()["error"]["items"]] == ["wrong_brand"]
