import pytest

from ipchain.accounts.models import Role
from ipchain.ledger import log
from ipchain.ledger.canonical import parse_json
from ipchain.registry import items, records
from ipchain.registry.digital_link import label_message, parse_code
from ipchain.registry.errors import RegistryError
from ipchain.registry.models import Item
from ipchain.registry.selectors import item_history
from ipchain.registry.signing import PublicKey, verify_record
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme():
    return factories.brand("acme")


def test_registering_an_item_signs_a_ledger_record(acme):
    product = factories.product(acme)
    item = items.register_item(
        actor=factories.brand_admin(acme),
        brand=acme,
        gtin=product.gtin,
        serial="AB123",
        lot="L1",
        origin="vn",
    )

    log.integrate_pending()
    item.registration_entry.refresh_from_db()
    record = parse_json(bytes(item.registration_entry.body))
    assert record["type"] == records.ITEM_REGISTERED
    assert (record["gtin"], record["serial"], record["origin"], record["brand"]) == (
        product.gtin,
        "AB123",
        "VN",
        "acme",
    )
    verify_record(record, PublicKey.from_pem(item.key.public_pem))
    assert item.registration_entry.leaf_index is not None
    assert bytes(item.head_hash) == bytes(item.registration_entry.leaf_hash)


def test_label_uri_carries_a_signature_over_gtin_and_serial(acme):
    product = factories.product(acme)
    item = items.register_item(
        actor=factories.brand_admin(acme), brand=acme, gtin=product.gtin, serial="SER-9"
    )

    code = parse_code(items.label_uri(item))
    assert (code.gtin, code.serial, code.kid) == (product.gtin, "SER-9", item.key.kid)
    assert PublicKey.from_pem(item.key.public_pem).verify(label_message(code.gtin, code.serial), code.sig)


def test_the_same_serial_cannot_be_registered_twice(acme):
    product = factories.product(acme)
    admin = factories.brand_admin(acme)
    items.register_item(actor=admin, brand=acme, gtin=product.gtin, serial="X1")
    entries_before = log.LogEntry.objects.count()

    with pytest.raises(RegistryError) as exc:
        items.register_item(actor=admin, brand=acme, gtin=product.gtin, serial="X1")

    assert exc.value.reason == "already_registered"
    assert log.LogEntry.objects.count() == entries_before, "no orphan ledger entry"


def test_a_brand_cannot_register_another_brands_product(acme):
    other = factories.brand("other")
    product = factories.product(other)
    with pytest.raises(RegistryError) as exc:
        items.register_item(actor=factories.brand_admin(acme), brand=acme, gtin=product.gtin, serial="X1")
    assert exc.value.reason == "unknown_product"


def test_an_operator_of_one_brand_cannot_act_for_another(acme):
    other = factories.brand("other")
    product = factories.product(other)
    operator = factories.user(acme, Role.BRAND_OPERATOR)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        items.register_item(actor=operator, brand=other, gtin=product.gtin, serial="X1")


def test_a_brand_not_admitted_cannot_register(acme):
    pending = factories.brand("pending", admitted=False)
    product = factories.product(pending)
    with pytest.raises(RegistryError) as exc:
        items.register_item(
            actor=factories.brand_admin(pending), brand=pending, gtin=product.gtin, serial="X1"
        )
    assert exc.value.reason == "brand_not_admitted"


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"serial": ""}, "bad_serial"),
        ({"serial": "A" * 21}, "bad_serial"),
        ({"gtin": "09506000134353"}, "bad_check_digit"),
        ({"lot": "L" * 21}, "bad_lot"),
        ({"production_date": "2026-13-01"}, "bad_date"),
        ({"production_date": "2999-01-01"}, "bad_date"),
        ({"origin": "QQ"}, "bad_country"),
    ],
)
def test_bad_item_fields_are_refused_with_a_reason(fields, reason):
    values = {"gtin": "09506000134352", "serial": "OK1"} | fields
    with pytest.raises(RegistryError) as exc:
        items.check_item_row(**values)
    assert exc.value.reason == reason


def test_events_form_a_hash_chain_and_change_status(acme):
    product = factories.product(acme)
    admin = factories.brand_admin(acme)
    item = items.register_item(actor=admin, brand=acme, gtin=product.gtin, serial="C1")
    first = bytes(item.head_hash)

    shipped = items.record_event(actor=admin, item=item, kind="shipped", details={"note": "box 7"})
    recalled = items.record_event(actor=admin, item=item, kind="recalled")

    item.refresh_from_db()
    assert bytes(shipped.prev_hash) == first
    assert bytes(recalled.prev_hash) == bytes(shipped.entry.leaf_hash)
    assert bytes(item.head_hash) == bytes(recalled.entry.leaf_hash)
    assert item.status == Item.Status.RECALLED
    record = parse_json(bytes(recalled.entry.body))
    assert record["prev"] == bytes(shipped.entry.leaf_hash).hex()
    assert record["epcis"]["disposition"] == "urn:epcglobal:cbv:disp:recalled"
    assert [step["event"] for step in item_history(item, with_entries=True)] == [
        "registered",
        "shipped",
        "recalled",
    ]


def test_ownership_transfer_is_signed_by_the_current_owner_only(acme):
    distributor = factories.brand("distributor")
    product = factories.product(acme)
    admin = factories.brand_admin(acme)
    item = items.register_item(actor=admin, brand=acme, gtin=product.gtin, serial="T1")

    items.record_event(actor=admin, item=item, kind="ownership_transferred", details={"to": "distributor"})
    item.refresh_from_db()
    assert item.owner == distributor

    with pytest.raises(RegistryError) as exc:
        items.record_event(actor=admin, item=item, kind="shipped")
    assert exc.value.reason == "not_allowed"
    event = items.record_event(actor=factories.brand_admin(distributor), item=item, kind="shipped")
    assert event.signer == distributor


def test_no_event_after_destruction(acme):
    product = factories.product(acme)
    admin = factories.brand_admin(acme)
    item = items.register_item(actor=admin, brand=acme, gtin=product.gtin, serial="D1")
    items.record_event(actor=admin, item=item, kind="destroyed")
    with pytest.raises(RegistryError) as exc:
        items.record_event(actor=admin, item=item, kind="shipped")
    assert exc.value.reason == "item_final"


def test_a_customs_officer_registers_nothing():
    officer = factories.user(factories.customs(), Role.CUSTOMS_OFFICER)
    acme = factories.brand("acme2")
    product = factories.product(acme)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        items.register_item(actor=officer, brand=acme, gtin=product.gtin, serial="Z1")
