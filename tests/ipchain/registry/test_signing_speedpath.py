"""PrivateKey.sign computes k·G with its own comb table: its signatures must be exactly
python-ecdsa's for the same nonce, and verify under python-ecdsa and OpenSSL."""

import hashlib
import secrets

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from ecdsa import NIST256p
from ecdsa.util import sigencode_string

from ipchain.registry.signing import PrivateKey, PublicKey, _generator_times, _sign_with_nonce


@pytest.mark.parametrize(
    "k",
    [
        1,
        2,
        255,
        256,
        2**64 + 7,
        NIST256p.order - 1,
        *(secrets.randbelow(NIST256p.order - 1) + 1 for _ in range(20)),
    ],
)
def test_the_comb_table_multiplies_the_generator_like_python_ecdsa(k):
    assert _generator_times(k) == (NIST256p.generator * k).x()


def test_same_nonce_same_signature_as_python_ecdsa():
    key = PrivateKey.generate()
    message = b"ipchain-label/v1\n09506000134352\nA1\n"
    for _ in range(10):
        k = secrets.randbelow(NIST256p.order - 1) + 1
        digest = int.from_bytes(hashlib.sha256(message).digest(), "big")
        r, s = _sign_with_nonce(digest, key._key.privkey.secret_multiplier, k)
        expected = key._key.sign(message, hashfunc=hashlib.sha256, sigencode=sigencode_string, k=k)
        assert r.to_bytes(32, "big") + s.to_bytes(32, "big") == expected


def test_signatures_verify_under_python_ecdsa_and_openssl():
    key = PrivateKey.generate()
    openssl_key = serialization.load_pem_public_key(key.public_key.to_pem().encode())
    for n in range(200):
        message = f"record {n}".encode()
        signature = key.sign(message)
        assert PublicKey.from_pem(key.public_key.to_pem()).verify(message, signature)
        der = encode_dss_signature(
            int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        )
        openssl_key.verify(der, message, ec.ECDSA(hashes.SHA256()))
