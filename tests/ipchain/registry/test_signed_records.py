"""Records signed offline with the holder's own key: accepted when right, refused with a reason when not."""

import pytest
from django.utils import timezone

from ipchain.ledger import log
from ipchain.registry import items, keys, records
from ipchain.registry.digital_link import label_message
from ipchain.registry.errors import RegistryError
from ipchain.registry.models import Item
from ipchain.registry.signing import PrivateKey, b64url_encode, sign_record
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def holder():
    """A brand that keeps its own private key: the node has only the public half."""
    org = factories.brand("byok", node_key=False)
    private = PrivateKey.generate()
    keys.register_holder_key(organisation=org, public_key=private.public_key)
    return org, private


def registration(org, private, gtin, serial="OFF-1", **extra):
    record = records.item_registered_record(
        brand=org.slug,
        gtin=gtin,
        serial=serial,
        label_sig=b64url_encode(private.sign(label_message(gtin, serial))),
        moment=timezone.now(),
    )
    return sign_record(record | extra, private)


def test_a_record_signed_offline_with_the_brands_own_key_is_accepted(holder):
    org, private = holder
    product = factories.product(org)
    item = items.submit_signed_record(
        actor=factories.brand_admin(org), record=registration(org, private, product.gtin)
    )
    assert isinstance(item, Item)
    assert item.key.custody == "holder"
    assert (
        bytes(item.registration_entry.body)
        == log.prepare_entry(registration_body := dict(item_record(item))).body
    )
    assert registration_body["kid"] == private.public_key.key_id


def item_record(item):
    from ipchain.ledger.canonical import parse_json

    return parse_json(bytes(item.registration_entry.body))


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda r: r | {"serial": "OFF-2"}, "bad_signature"),  # tampered field after signing
        (lambda r: r | {"sig": "not base64!"}, "malformed_signature"),
        (lambda r: r | {"sig": r["sig"][:-4]}, "malformed_signature"),  # 61 bytes
        (
            lambda r: r | {"sig": r["sig"][:9] + ("A" if r["sig"][9] != "A" else "B") + r["sig"][10:]},
            "bad_signature",
        ),
        (lambda r: {k: v for k, v in r.items() if k != "sig"}, "missing_signature"),
        (lambda r: r | {"kid": "AAAAAAAAAAA"}, "wrong_key"),
        (lambda r: r | {"extra": 1}, "unknown_field"),
    ],
)
def test_bad_signed_records_are_refused_and_write_nothing(holder, mutate, reason):
    org, private = holder
    product = factories.product(org)
    before = log.LogEntry.objects.count()
    with pytest.raises(RegistryError) as exc:
        items.submit_signed_record(
            actor=factories.brand_admin(org), record=mutate(registration(org, private, product.gtin))
        )
    assert exc.value.reason == reason
    assert log.LogEntry.objects.count() == before


def test_a_record_signed_with_another_key_is_refused(holder):
    org, _ = holder
    product = factories.product(org)
    stranger = PrivateKey.generate()
    record = registration(org, stranger, product.gtin)
    with pytest.raises(RegistryError) as exc:
        items.submit_signed_record(actor=factories.brand_admin(org), record=record)
    assert exc.value.reason == "wrong_key"


def test_a_label_signature_over_another_serial_is_refused(holder):
    org, private = holder
    product = factories.product(org)
    record = records.item_registered_record(
        brand=org.slug,
        gtin=product.gtin,
        serial="OFF-1",
        label_sig=b64url_encode(private.sign(label_message(product.gtin, "OFF-9"))),
        moment=timezone.now(),
    )
    with pytest.raises(RegistryError) as exc:
        items.submit_signed_record(actor=factories.brand_admin(org), record=sign_record(record, private))
    assert exc.value.reason == "bad_label_signature"


def test_a_revoked_key_can_no_longer_sign(holder):
    org, private = holder
    product = factories.product(org)
    keys.revoke_key(key=org.keys.get(), reason="laptop stolen")
    with pytest.raises(RegistryError) as exc:
        items.submit_signed_record(
            actor=factories.brand_admin(org), record=registration(org, private, product.gtin)
        )
    assert exc.value.reason == "key_not_active"


def test_a_brand_cannot_submit_a_record_for_another_brand(holder):
    org, private = holder
    other = factories.brand("victim")
    product = factories.product(other)
    record = registration(org, private, product.gtin) | {"brand": "victim"}
    with pytest.raises(RegistryError) as exc:
        items.submit_signed_record(actor=factories.brand_admin(org), record=sign_record(record, private))
    assert exc.value.reason == "wrong_brand"


def test_an_offline_signed_event_extends_the_chain(holder):
    org, private = holder
    product = factories.product(org)
    admin = factories.brand_admin(org)
    item = items.submit_signed_record(actor=admin, record=registration(org, private, product.gtin))
    event = records.item_event_record(
        event="shipped",
        gtin=product.gtin,
        serial=item.serial,
        prev=bytes(item.head_hash),
        by=org.slug,
        details={},
        moment=timezone.now(),
    )
    accepted = items.submit_signed_record(actor=admin, record=sign_record(event, private))
    assert bytes(accepted.prev_hash) == bytes(item.head_hash)

    stale = sign_record(event | {"time": "2026-01-01T00:00:00Z"}, private)
    with pytest.raises(RegistryError) as exc:
        items.submit_signed_record(actor=admin, record=stale)
    assert exc.value.reason == "stale_prev"


def test_the_audit_re_verifies_every_record_signature(holder):
    from django.core.management import call_command
    from django.core.management.base import CommandError
    from django.db import connection

    from ipchain.registry.audit import check_record_signatures

    org, private = holder
    product = factories.product(org)
    item = items.submit_signed_record(
        actor=factories.brand_admin(org), record=registration(org, private, product.gtin)
    )
    log.integrate_pending()
    assert list(check_record_signatures()) == []
    call_command("ipchain_audit")

    # A record whose signature no longer holds: the record check names it, and the ledger
    # audit already catches the edited body.
    entry = item.registration_entry
    entry.refresh_from_db()
    forged = bytes(entry.body).replace(b'"OFF-1"', b'"OFF-X"')
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE ledger_logentry DISABLE TRIGGER USER")
        cursor.execute("UPDATE ledger_logentry SET body = %s WHERE id = %s", [forged, entry.id])
    problems = list(check_record_signatures())
    assert [(p.index, p.reason) for p in problems] == [(entry.leaf_index, "bad_signature")]
    with pytest.raises(CommandError, match="leaf_hash_mismatch"):
        call_command("ipchain_audit")
