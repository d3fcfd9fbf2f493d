"""Node-held private keys sealed at rest (ipchain.registry.keystore)."""

import base64
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ipchain.registry.keystore import (
    KeystoreError,
    development_keys,
    kek_id,
    parse_keys,
    seal,
    unseal,
)

ROOT = Path(__file__).resolve().parents[3]
OLD, NEW, OTHER = (bytes([n]) * 32 for n in (1, 2, 3))
SECRET = b"-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n"
AAD = b"ipchain-orgkey:7"


def reason(call, *args, **kwargs) -> KeystoreError:
    with pytest.raises(KeystoreError) as caught:
        call(*args, **kwargs)
    return caught.value


def test_round_trip():
    assert unseal(seal(SECRET, keys=[NEW], aad=AAD), keys=[NEW], aad=AAD) == SECRET


def test_the_sealed_form_is_version_kek_id_nonce_ciphertext():
    token = seal(SECRET, keys=[NEW], aad=AAD)
    version, kid, nonce, ciphertext = token.split(":")
    assert version == "v1" and kid == kek_id(NEW) and re.fullmatch(r"[0-9a-f]{8}", kid)
    assert len(base64.b64decode(nonce, validate=True)) == 12
    assert len(base64.b64decode(ciphertext, validate=True)) == len(SECRET) + 16  # GCM tag


def test_the_secret_does_not_show_in_the_sealed_form():
    token = seal(SECRET, keys=[NEW], aad=AAD)
    assert b"PRIVATE" not in base64.b64decode(token.split(":")[3])
    assert "PRIVATE" not in token


def test_each_seal_has_a_fresh_nonce():
    first, second = seal(SECRET, keys=[NEW], aad=AAD), seal(SECRET, keys=[NEW], aad=AAD)
    assert first.split(":")[2] != second.split(":")[2] and first != second


def test_the_first_key_seals_and_any_listed_key_unseals():
    sealed_before = seal(SECRET, keys=[OLD], aad=AAD)
    rotated = [NEW, OLD]
    sealed_after = seal(SECRET, keys=rotated, aad=AAD)
    assert sealed_after.split(":")[1] == kek_id(NEW)
    assert unseal(sealed_before, keys=rotated, aad=AAD) == SECRET
    assert unseal(sealed_after, keys=rotated, aad=AAD) == SECRET


def test_a_key_dropped_from_the_list_no_longer_unseals():
    sealed = seal(SECRET, keys=[OLD], aad=AAD)
    error = reason(unseal, sealed, keys=[NEW], aad=AAD)
    assert error.reason == "unknown_kek" and kek_id(OLD) in str(error)


def test_another_rows_aad_does_not_unseal():
    sealed = seal(SECRET, keys=[NEW], aad=AAD)
    assert reason(unseal, sealed, keys=[NEW], aad=b"ipchain-orgkey:8").reason == "unseal_failed"


@pytest.mark.parametrize("part", [2, 3])
def test_a_tampered_nonce_or_ciphertext_does_not_unseal(part):
    parts = seal(SECRET, keys=[NEW], aad=AAD).split(":")
    raw = bytearray(base64.b64decode(parts[part]))
    raw[-1] ^= 1
    parts[part] = base64.b64encode(bytes(raw)).decode()
    assert reason(unseal, ":".join(parts), keys=[NEW], aad=AAD).reason == "unseal_failed"


def test_a_kek_with_the_right_id_but_other_bytes_cannot_exist_so_a_wrong_key_is_unknown():
    sealed = seal(SECRET, keys=[NEW], aad=AAD)
    assert reason(unseal, sealed, keys=[OTHER], aad=AAD).reason == "unknown_kek"


@pytest.mark.parametrize(
    "token",
    [
        "",
        "garbage",
        "v2:00000000:AAAA:AAAA",
        "v1:00000000:AAAA",
        None,
        b"v1:x:y:z",
    ],
)
def test_a_malformed_sealed_value_is_refused(token):
    assert reason(unseal, token, keys=[NEW], aad=AAD).reason == "bad_sealed_key"


@pytest.mark.parametrize(
    ("nonce", "ciphertext"),
    [
        ("not base64!", "AAAA"),
        ("AAAA", "!!!!"),
        (base64.b64encode(bytes(5)).decode(), "AAAAAAAAAAAAAAAAAAAAAA=="),
    ],
)
def test_undecodable_nonce_or_ciphertext_is_refused(nonce, ciphertext):
    token = f"v1:{kek_id(NEW)}:{nonce}:{ciphertext}"
    assert reason(unseal, token, keys=[NEW], aad=AAD).reason == "unseal_failed"


@pytest.mark.parametrize("keys", [[], [bytes(16)], [NEW, bytes(31)], [bytes(33)]])
def test_keys_are_32_bytes_and_at_least_one(keys):
    assert reason(seal, SECRET, keys=keys, aad=AAD).reason == "bad_kek"
    assert reason(unseal, "v1:x:y:z", keys=keys, aad=AAD).reason == "bad_kek"


def test_errors_never_show_the_secret_or_a_key():
    sealed = seal(SECRET, keys=[NEW], aad=AAD)
    errors = [
        reason(unseal, sealed, keys=[NEW], aad=b"other"),
        reason(unseal, sealed, keys=[OTHER], aad=AAD),
        reason(unseal, sealed.replace("v1", "v9"), keys=[NEW], aad=AAD),
        reason(parse_keys, base64.b64encode(NEW).decode() + ",!!!"),
    ]
    for error in errors:
        shown = f"{error} {error!r} {error.args}"
        assert "PRIVATE" not in shown
        for key in (NEW, OTHER):
            assert base64.b64encode(key).decode() not in shown and key.hex() not in shown


# --- configuration ----------------------------------------------------------------------


def test_parse_keys_reads_comma_separated_base64_current_first():
    value = f" {base64.b64encode(NEW).decode()} , {base64.b64encode(OLD).decode()},"
    assert parse_keys(value) == [NEW, OLD]


@pytest.mark.parametrize("value", ["", ",", "not base64!", base64.b64encode(bytes(16)).decode()])
def test_parse_keys_refuses_anything_but_32_byte_keys(value):
    assert reason(parse_keys, value).reason == "bad_kek"


def test_the_development_key_is_hkdf_of_secret_key_and_the_earlier_derivation_still_opens():
    current, legacy = development_keys("django-insecure-example")
    expected = HKDF(hashes.SHA256(), 32, salt=None, info=b"ipchain development KEK v1").derive(
        b"django-insecure-example"
    )
    assert current == expected and len(legacy) == 32 and current != legacy
    assert development_keys("django-insecure-example") == [current, legacy]
    assert development_keys("another")[0] != current
    sealed_earlier = seal(SECRET, keys=[legacy], aad=AAD)
    assert unseal(sealed_earlier, keys=development_keys("django-insecure-example"), aad=AAD) == SECRET


def settings_in_a_subprocess(**env) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("IPCHAIN_", "DJANGO_"))}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from ipchain.registry.keys import encryption_keys;"
            " print(len(encryption_keys()))",
        ],
        cwd=ROOT,
        env={"DATABASE_URL": "sqlite://:memory:"}
        | environment
        | {"DJANGO_SETTINGS_MODULE": "config.settings"}
        | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_key_encryption_keys():
    result = settings_in_a_subprocess(
        IPCHAIN_ENV="production", SECRET_KEY="s" * 50, ALLOWED_HOSTS="ipo.example"
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured: IPCHAIN_KEY_ENCRYPTION_KEYS must be set" in result.stderr


def test_production_starts_with_key_encryption_keys():
    keys = f"{base64.b64encode(NEW).decode()},{base64.b64encode(OLD).decode()}"
    result = settings_in_a_subprocess(
        IPCHAIN_ENV="production",
        SECRET_KEY="s" * 50,
        ALLOWED_HOSTS="ipo.example",
        IPCHAIN_KEY_ENCRYPTION_KEYS=keys,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2"


def test_a_bad_key_in_the_environment_is_a_configuration_error_that_does_not_echo_it():
    result = settings_in_a_subprocess(IPCHAIN_KEY_ENCRYPTION_KEYS="c2VjcmV0LXZhbHVl")
    assert result.returncode != 0 and "ImproperlyConfigured" in result.stderr
    assert "c2VjcmV0LXZhbHVl" not in result.stderr
