from datetime import timedelta

import pytest
from django.utils import timezone

from ipchain.ledger.canonical import parse_json
from ipchain.registry import keys
from ipchain.registry.errors import RegistryError
from ipchain.registry.models import OrgKey
from ipchain.registry.signing import PrivateKey, PublicKey, verify_record
from tests import factories

pytestmark = pytest.mark.django_db


def office_key():
    return keys.active_key(factories.office())


def test_key_registration_is_an_office_signed_ledger_record():
    org = factories.brand("acme")
    key = keys.active_key(org)
    record = parse_json(bytes(key.registration_entry.body))
    assert record["type"] == "key.registered"
    assert record["key"]["kid"] == key.kid
    assert record["kid"] == office_key().kid
    verify_record(record, PublicKey.from_pem(office_key().public_pem))


def test_node_held_private_keys_are_sealed_at_rest_and_never_in_the_registration():
    org = factories.brand("acme")
    key = keys.active_key(org)
    pem = keys.private_key(key).to_pem()
    assert key.sealed_private_key.startswith("v1:")
    assert "PRIVATE KEY" not in key.sealed_private_key
    assert pem.splitlines()[1] not in key.sealed_private_key
    assert "PRIVATE" not in bytes(key.registration_entry.body).decode()


def test_rotation_retires_the_old_key_and_registers_the_new_one():
    org = factories.brand("acme")
    old = keys.active_key(org)
    new = keys.rotate_key(organisation=org)
    old.refresh_from_db()
    assert old.status == OrgKey.Status.RETIRED
    assert keys.active_key(org) == new
    assert parse_json(bytes(new.registration_entry.body))["replaces"] == old.kid


def test_revocation_invalidates_records_accepted_after_its_effective_time():
    org = factories.brand("acme", node_key=False)
    key = keys.register_holder_key(organisation=org, public_key=PrivateKey.generate().public_key)
    effective = timezone.now() - timedelta(hours=2)
    keys.revoke_key(key=key, reason="key compromised", effective_at=effective)
    key.refresh_from_db()
    assert key.valid_at(effective - timedelta(seconds=1)) is True
    assert key.valid_at(effective + timedelta(seconds=1)) is False
    record = parse_json(bytes(key.revocation_entry.body))
    assert (
        record["type"] == "key.revoked"
        and record["key_id"] == key.kid
        and record["reason"] == "key compromised"
    )


@pytest.mark.parametrize(
    ("reason", "when", "code"),
    [("", None, "reason_required"), ("x", timedelta(days=1), "effective_in_future")],
)
def test_bad_revocations_are_refused(reason, when, code):
    org = factories.brand("acme")
    with pytest.raises(RegistryError) as exc:
        keys.revoke_key(
            key=keys.active_key(org), reason=reason, effective_at=timezone.now() + when if when else None
        )
    assert exc.value.reason == code


def test_the_same_public_key_cannot_be_registered_twice():
    org = factories.brand("acme", node_key=False)
    public = PrivateKey.generate().public_key
    keys.register_holder_key(organisation=org, public_key=public)
    with pytest.raises(RegistryError) as exc:
        keys.register_holder_key(organisation=factories.brand("other", node_key=False), public_key=public)
    assert exc.value.reason == "duplicate_key"
