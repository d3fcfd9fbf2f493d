"""ECDSA P-256 keys and signed records (ipchain.registry.signing), checked against pyca
`cryptography` (OpenSSL) as an independent implementation."""

import base64
import hashlib
import json

import pytest
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from ecdsa import NIST256p, SECP256k1, SigningKey

from ipchain.registry.signing import (
    PrivateKey,
    PublicKey,
    SignatureError,
    b64url_decode,
    b64url_encode,
    record_signing_input,
    sign_record,
    verify_record,
)

N = NIST256p.order
# A fixed key, so that its kid is pinned: a kid is written into ledger records and must
# never change with a library upgrade.
FIXED = ec.derive_private_key(0x1234567890ABCDEF, ec.SECP256R1())
FIXED_KID = "KiKpH9dKybk"


def spki_der(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def spki_pem(key) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def raw_to_der(signature: bytes) -> bytes:
    return encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))


def der_to_raw(der: bytes) -> bytes:
    r, s = decode_dss_signature(der)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def rs(r: int, s: int) -> bytes:
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


@pytest.fixture(scope="module")
def key() -> PrivateKey:
    return PrivateKey.generate()


# --- keys -------------------------------------------------------------------------------


def test_a_signature_is_64_bytes_and_verifies(key):
    signature = key.sign(b"hello")
    assert len(signature) == 64
    assert key.public_key.verify(b"hello", signature) is True
    assert key.public_key.verify(b"hellO", signature) is False


def test_public_pem_round_trip(key):
    pem = key.public_key.to_pem()
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    assert PublicKey.from_pem(pem) == key.public_key
    assert PublicKey.from_pem(pem.encode()) == key.public_key


def test_private_pem_is_pkcs8_and_opens_in_openssl(key):
    pem = key.to_pem()
    assert pem.startswith("-----BEGIN PRIVATE KEY-----")
    openssl_key = serialization.load_pem_private_key(pem.encode(), password=None)
    assert spki_pem(openssl_key.public_key()) == key.public_key.to_pem()
    assert PrivateKey.from_pem(pem).public_key == key.public_key


def test_a_private_key_made_by_openssl_signs(key):
    openssl_key = ec.generate_private_key(ec.SECP256R1())
    pem = openssl_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    ours = PrivateKey.from_pem(pem)
    openssl_key.public_key().verify(raw_to_der(ours.sign(b"m")), b"m", ec.ECDSA(hashes.SHA256()))


def test_jwk_round_trip_matches_openssl_coordinates(key):
    jwk = key.public_key.to_jwk()
    assert set(jwk) == {"kty", "crv", "x", "y"} and jwk["kty"] == "EC" and jwk["crv"] == "P-256"
    numbers = serialization.load_pem_public_key(key.public_key.to_pem().encode()).public_numbers()
    assert b64url_decode(jwk["x"]) == numbers.x.to_bytes(32, "big")
    assert b64url_decode(jwk["y"]) == numbers.y.to_bytes(32, "big")
    assert PublicKey.from_jwk(jwk) == key.public_key


def test_raw_point_round_trip(key):
    raw = key.public_key.raw
    assert len(raw) == 65 and raw[0] == 4
    assert PublicKey.from_raw(raw) == key.public_key


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x04" + bytes(63),
        b"\x02" + bytes(32),  # compressed form: not what the interface takes
        b"\x04" + (1).to_bytes(32, "big") + (1).to_bytes(32, "big"),  # (1, 1) is not on P-256
        b"\x04" + bytes(64),
        "04" * 65,
    ],
)
def test_a_raw_key_that_is_not_an_uncompressed_p256_point_is_refused(raw):
    with pytest.raises(SignatureError) as caught:
        PublicKey.from_raw(raw)
    assert caught.value.reason == "bad_public_key"


def test_the_key_id_is_sha256_of_the_spki_cut_to_8_bytes():
    public = PublicKey.from_pem(spki_pem(FIXED.public_key()))
    expected = base64.urlsafe_b64encode(hashlib.sha256(spki_der(FIXED.public_key())).digest()[:8])
    assert public.key_id == expected.rstrip(b"=").decode() == FIXED_KID
    assert len(public.key_id) == 11


def test_the_key_id_does_not_depend_on_how_the_key_arrived():
    pem = spki_pem(FIXED.public_key())
    compressed_pem = FIXED.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    by_pem = PublicKey.from_pem(pem)
    assert PublicKey.from_jwk(by_pem.to_jwk()).key_id == FIXED_KID
    assert PublicKey.from_raw(by_pem.raw).key_id == FIXED_KID
    assert PublicKey.from_pem(compressed_pem).key_id == FIXED_KID
    assert PublicKey.from_pem(PublicKey.from_pem(pem).to_pem()).key_id == FIXED_KID


def test_two_keys_have_two_key_ids():
    assert PrivateKey.generate().public_key.key_id != PrivateKey.generate().public_key.key_id


@pytest.mark.parametrize(
    "pem",
    [
        pytest.param(spki_pem(ec.generate_private_key(ec.SECP384R1()).public_key()), id="P-384"),
        pytest.param(spki_pem(ec.generate_private_key(ec.SECP256K1()).public_key()), id="secp256k1"),
        pytest.param(spki_pem(ed25519.Ed25519PrivateKey.generate().public_key()), id="Ed25519"),
        pytest.param("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", id="garbage"),
        pytest.param("not a key", id="text"),
    ],
)
def test_a_public_key_not_on_p256_is_refused(pem):
    with pytest.raises(SignatureError) as caught:
        PublicKey.from_pem(pem)
    assert caught.value.reason == "bad_public_key"


def test_a_private_key_not_on_p256_is_refused_without_echoing_it():
    pem = SigningKey.generate(curve=SECP256k1).to_pem(format="pkcs8").decode()
    with pytest.raises(SignatureError) as caught:
        PrivateKey.from_pem(pem)
    assert caught.value.reason == "bad_private_key"
    body = pem.splitlines()[1]
    assert body not in str(caught.value)


@pytest.mark.parametrize(
    "jwk",
    [
        {"kty": "RSA", "n": "AQAB", "e": "AQAB"},
        {"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA"},
        {"kty": "EC", "crv": "P-256", "x": "AA"},
        {"kty": "EC", "crv": "P-256", "x": b64url_encode(bytes(31)), "y": b64url_encode(bytes(32))},
        {"kty": "EC", "crv": "P-256", "x": b64url_encode(bytes(32)), "y": b64url_encode(bytes(32))},
        {"kty": "EC", "crv": "P-256", "x": 1, "y": 2},
        "not a dict",
    ],
)
def test_a_bad_jwk_is_refused(jwk):
    with pytest.raises(SignatureError) as caught:
        PublicKey.from_jwk(jwk)
    assert caught.value.reason == "bad_public_key"


def test_a_jwk_carrying_the_private_key_is_refused(key):
    jwk = key.public_key.to_jwk() | {"d": b64url_encode(bytes(32))}
    with pytest.raises(SignatureError) as caught:
        PublicKey.from_jwk(jwk)
    assert caught.value.reason == "private_key_sent"


def test_the_private_key_never_shows_in_its_repr(key):
    secret = key._key.privkey.secret_multiplier
    pem_body = "".join(key.to_pem().splitlines()[1:-1])
    for shown in (repr(key), str(key), f"{key}", repr([key])):
        assert str(secret) not in shown and f"{secret:x}" not in shown
        assert pem_body[:16] not in shown
        assert key.public_key.key_id in shown


# --- malformed signatures are False, never an exception -----------------------------


@pytest.mark.parametrize(
    "signature",
    [
        pytest.param(b"", id="empty"),
        pytest.param(bytes(63), id="63 bytes"),
        pytest.param(bytes(65), id="65 bytes"),
        pytest.param(bytes(64), id="zeros"),
        pytest.param(b"\xff" * 64, id="r and s above n"),
        pytest.param(rs(0, 1), id="r = 0"),
        pytest.param(rs(1, 0), id="s = 0"),
        pytest.param(rs(N, 1), id="r = n"),
        pytest.param(rs(1, N), id="s = n"),
        pytest.param("A" * 64, id="text"),
        pytest.param(None, id="None"),
    ],
)
def test_a_malformed_signature_is_false_not_an_exception(key, signature):
    assert key.public_key.verify(b"message", signature) is False


def test_a_der_signature_is_not_taken_for_raw(key):
    der = raw_to_der(key.sign(b"message"))
    assert key.public_key.verify(b"message", der) is False


# --- interoperability with OpenSSL (pyca cryptography) ----------------------------------


def test_our_signatures_verify_under_openssl(key):
    openssl_public = serialization.load_pem_public_key(key.public_key.to_pem().encode())
    for n in range(20):
        message = f"ipchain record {n}".encode()
        openssl_public.verify(raw_to_der(key.sign(message)), message, ec.ECDSA(hashes.SHA256()))
    with pytest.raises(InvalidSignature):
        openssl_public.verify(raw_to_der(key.sign(b"one")), b"two", ec.ECDSA(hashes.SHA256()))


def test_python_ecdsas_own_signatures_verify_under_openssl(key):
    from ecdsa.util import sigencode_der

    openssl_public = serialization.load_pem_public_key(key.public_key.to_pem().encode())
    der = key._key.sign(b"m", hashfunc=hashlib.sha256, sigencode=sigencode_der)
    openssl_public.verify(der, b"m", ec.ECDSA(hashes.SHA256()))


def test_openssl_signatures_verify_under_ours():
    openssl_key = ec.generate_private_key(ec.SECP256R1())
    public = PublicKey.from_pem(spki_pem(openssl_key.public_key()))
    for n in range(20):
        message = f"ipchain record {n}".encode()
        signature = der_to_raw(openssl_key.sign(message, ec.ECDSA(hashes.SHA256())))
        assert public.verify(message, signature) is True
        assert public.verify(message + b".", signature) is False


# --- records ----------------------------------------------------------------------------

RECORD = {"v": 1, "type": "item.registered", "gtin": "09506000134352", "serial": "TJ0000001", "lot": "L7"}


def test_the_signing_input_is_rfc8785_without_sig():
    record = {"v": 1, "type": "t", "serial": "é", "kid": "KiKpH9dKybk", "sig": "whatever", "n": 1.0}
    expected = b'{"kid":"KiKpH9dKybk","n":1,"serial":"\xc3\xa9","type":"t","v":1}'
    assert record_signing_input(record) == expected
    assert record_signing_input(record) == rfc8785.dumps({k: v for k, v in record.items() if k != "sig"})


def test_a_record_that_is_not_json_cannot_be_signed(key):
    with pytest.raises(SignatureError) as caught:
        sign_record({"v": 1, "when": object()}, key)
    assert caught.value.reason == "malformed_record"


def test_sign_record_adds_kid_and_sig_and_leaves_the_input_alone(key):
    original = dict(RECORD)
    signed = sign_record(RECORD, key)
    assert original == RECORD
    assert signed["kid"] == key.public_key.key_id
    assert len(b64url_decode(signed["sig"])) == 64
    assert {k: v for k, v in signed.items() if k not in ("kid", "sig")} == RECORD
    verify_record(signed, key.public_key)


def test_a_signed_record_verifies_under_openssl_from_the_documented_bytes(key):
    signed = sign_record(RECORD, key)
    unsigned = {k: v for k, v in signed.items() if k != "sig"}
    openssl_public = serialization.load_pem_public_key(key.public_key.to_pem().encode())
    openssl_public.verify(
        raw_to_der(b64url_decode(signed["sig"])), rfc8785.dumps(unsigned), ec.ECDSA(hashes.SHA256())
    )


def test_a_record_signed_by_openssl_verifies():
    openssl_key = ec.generate_private_key(ec.SECP256R1())
    public = PublicKey.from_pem(spki_pem(openssl_key.public_key()))
    record = RECORD | {"kid": public.key_id}
    signature = der_to_raw(openssl_key.sign(rfc8785.dumps(record), ec.ECDSA(hashes.SHA256())))
    verify_record(record | {"sig": b64url_encode(signature)}, public)


def test_key_order_and_spacing_do_not_matter(key):
    signed = sign_record(RECORD, key)
    reordered = json.loads(json.dumps(dict(reversed(list(signed.items()))), indent=4))
    verify_record(reordered, key.public_key)


def test_signing_again_replaces_an_old_signature(key):
    signed = sign_record(RECORD | {"sig": "old"}, key)
    verify_record(signed, key.public_key)


def test_sign_record_refuses_a_record_naming_another_key(key):
    with pytest.raises(SignatureError) as caught:
        sign_record(RECORD | {"kid": "AAAAAAAAAAA"}, key)
    assert caught.value.reason == "wrong_key"


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda r: r | {"serial": "TJ0000002"}, id="changed field"),
        pytest.param(lambda r: r | {"v": 2}, id="changed number"),
        pytest.param(lambda r: r | {"extra": True}, id="added field"),
        pytest.param(lambda r: {k: v for k, v in r.items() if k != "lot"}, id="removed field"),
    ],
)
def test_a_tampered_record_is_a_bad_signature(key, tamper):
    with pytest.raises(SignatureError) as caught:
        verify_record(tamper(sign_record(RECORD, key)), key.public_key)
    assert caught.value.reason == "bad_signature"


def test_a_record_checked_against_another_key_is_the_wrong_key(key):
    with pytest.raises(SignatureError) as caught:
        verify_record(sign_record(RECORD, key), PrivateKey.generate().public_key)
    assert caught.value.reason == "wrong_key"


def test_a_record_signed_by_another_key_under_our_kid_is_a_bad_signature(key):
    forger = PrivateKey.generate()
    forged = RECORD | {"kid": key.public_key.key_id}
    forged["sig"] = b64url_encode(forger.sign(record_signing_input(forged)))
    with pytest.raises(SignatureError) as caught:
        verify_record(forged, key.public_key)
    assert caught.value.reason == "bad_signature"


@pytest.mark.parametrize("missing", ["sig", "kid"])
def test_a_record_without_kid_or_sig_is_missing_its_signature(key, missing):
    signed = sign_record(RECORD, key)
    del signed[missing]
    with pytest.raises(SignatureError) as caught:
        verify_record(signed, key.public_key)
    assert caught.value.reason == "missing_signature"


@pytest.mark.parametrize(
    "sig",
    [
        pytest.param("not base64!", id="alphabet"),
        pytest.param(b64url_encode(bytes(63)), id="63 bytes"),
        pytest.param(b64url_encode(bytes(64)) + "==", id="padding"),
        pytest.param(base64.b64encode(b"\xfb" * 64).decode().rstrip("="), id="standard alphabet"),
        pytest.param(b64url_encode(raw_to_der(bytes(range(1, 65)))), id="DER"),
        pytest.param(64, id="number"),
        pytest.param(None, id="null"),
    ],
)
def test_a_malformed_signature_is_refused_with_its_reason(key, sig):
    signed = sign_record(RECORD, key) | {"sig": sig}
    with pytest.raises(SignatureError) as caught:
        verify_record(signed, key.public_key)
    assert caught.value.reason == "malformed_signature"


def test_a_well_formed_signature_of_zeros_is_a_bad_signature(key):
    signed = sign_record(RECORD, key) | {"sig": b64url_encode(bytes(64))}
    with pytest.raises(SignatureError) as caught:
        verify_record(signed, key.public_key)
    assert caught.value.reason == "bad_signature"


def test_a_record_that_is_not_an_object_is_missing_its_signature(key):
    with pytest.raises(SignatureError) as caught:
        verify_record(["kid", "sig"], key.public_key)
    assert caught.value.reason == "missing_signature"


# --- base64url --------------------------------------------------------------------------


@pytest.mark.parametrize("length", range(0, 70))
def test_base64url_round_trip(length):
    data = bytes(range(256))[-length:] if length else b""
    text = b64url_encode(data)
    assert "=" not in text and "+" not in text and "/" not in text
    assert b64url_decode(text) == data


@pytest.mark.parametrize(
    "text",
    [
        "A",  # one character never encodes whole bytes
        "AA==",
        "A+",
        "A/",
        "AA A",
        "AA\n",
        "AB",  # decodes to b"\x00" like "AA", but its unused bits are not zero
        b"AA",
        None,
    ],
)
def test_base64url_decoding_is_strict(text):
    with pytest.raises(SignatureError) as caught:
        b64url_decode(text)
    assert caught.value.reason == "malformed_signature"


def test_an_86_character_signature_has_one_spelling(key):
    text = b64url_encode(key.sign(b"m"))
    assert len(text) == 86
    last = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".index(text[-1])
    other = text[:-1] + "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[last ^ 1]
    with pytest.raises(SignatureError):
        b64url_decode(other)


def test_signature_error_is_a_value_error_with_a_reason():
    error = SignatureError("bad_signature", "does not verify")
    assert isinstance(error, ValueError) and error.reason == "bad_signature"
