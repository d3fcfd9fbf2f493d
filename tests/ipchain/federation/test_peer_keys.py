"""Replaying a peer office's key records: the anchor, rotation, revocation, and what is refused."""

import json
from datetime import UTC, datetime

from ipchain.federation.peer_keys import replay
from ipchain.registry import records
from ipchain.registry.signing import PrivateKey, sign_record

T0 = datetime(2026, 11, 24, 10, tzinfo=UTC)
T1 = datetime(2026, 11, 25, 10, tzinfo=UTC)


def key_record(org: str, key: PrivateKey, signer: PrivateKey, replaces: str | None = None) -> dict:
    record = records.key_registered_record(
        org=org,
        key_id=key.public_key.key_id,
        jwk=key.public_key.to_jwk(),
        custody="node",
        replaces=replaces,
        moment=T0,
    )
    return sign_record(record, signer)


def revocation(key: PrivateKey, signer: PrivateKey, effective: datetime = T0) -> dict:
    record = records.key_revoked_record(
        org="x", key_id=key.public_key.key_id, reason="lost", effective=effective, moment=T1
    )
    return sign_record(record, signer)


def rows(*found: dict) -> list[tuple[int, bytes]]:
    return [(index, json.dumps(record).encode()) for index, record in enumerate(found)]


def test_the_first_self_signed_key_is_the_office_anchor_and_signs_the_brand_keys():
    office, brand = PrivateKey.generate(), PrivateKey.generate()
    keys = replay(rows(key_record("office", office, office), key_record("acme", brand, office)))
    assert keys.office == "office"
    assert keys.keys[brand.public_key.key_id].org == "acme"
    assert keys.refused == []


def test_a_rotated_office_key_signs_later_records():
    old, new, brand = PrivateKey.generate(), PrivateKey.generate(), PrivateKey.generate()
    keys = replay(
        rows(
            key_record("office", old, old),
            key_record("office", new, old, replaces=old.public_key.key_id),
            key_record("acme", brand, new),
        )
    )
    assert brand.public_key.key_id in keys.keys
    assert keys.refused == []


def test_a_brand_key_cannot_admit_another_key():
    office, brand, friend = PrivateKey.generate(), PrivateKey.generate(), PrivateKey.generate()
    keys = replay(
        rows(
            key_record("office", office, office),
            key_record("acme", brand, office),
            key_record("acme", friend, brand),
        )
    )
    assert friend.public_key.key_id not in keys.keys
    assert "not an office key" in keys.refused[0]


def test_a_revoked_office_key_signs_nothing_after_its_revocation():
    old, new, brand = PrivateKey.generate(), PrivateKey.generate(), PrivateKey.generate()
    keys = replay(
        rows(
            key_record("office", old, old),
            key_record("office", new, old),
            revocation(old, new),
            key_record("acme", brand, old),
        )
    )
    assert brand.public_key.key_id not in keys.keys
    assert keys.keys[old.public_key.key_id].revoked_index == 2


def test_a_revoked_brand_key_dates_its_revocation_by_effect_and_by_log_position():
    office, brand = PrivateKey.generate(), PrivateKey.generate()
    keys = replay(
        rows(
            key_record("office", office, office),
            key_record("acme", brand, office),
            revocation(brand, office, T1),
        )
    )
    key = keys.keys[brand.public_key.key_id]
    assert key.revoked_at(T0, leaf_index=1) is False  # signed and logged before the revocation
    assert key.revoked_at(T1, leaf_index=1) is True  # signed once the revocation took effect
    assert key.revoked_at(T0, leaf_index=3) is True  # logged after the revocation record


def test_a_tampered_key_record_or_garbage_is_refused_and_the_replay_goes_on():
    office, brand, other = PrivateKey.generate(), PrivateKey.generate(), PrivateKey.generate()
    tampered = key_record("acme", brand, office) | {"org": "evil"}
    wrong_kid = key_record("acme", other, office)
    wrong_kid["key"] = wrong_kid["key"] | {"kid": brand.public_key.key_id}
    found = rows(key_record("office", office, office), tampered, wrong_kid)
    found.append((3, b"not json"))
    found += [(4, json.dumps(key_record("acme", brand, office)).encode())]
    keys = replay(found)
    assert set(keys.keys) == {office.public_key.key_id, brand.public_key.key_id}
    assert keys.keys[brand.public_key.key_id].org == "acme"
    assert len(keys.refused) == 3
