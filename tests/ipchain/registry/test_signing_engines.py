"""Signatures are made and checked by OpenSSL (pyca `cryptography`); keys are python-ecdsa's.
Each engine must accept the other's signatures, and both refuse what is not a signature."""

import hashlib

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from ecdsa import NIST256p
from ecdsa.util import sigdecode_string, sigencode_string

from ipchain.registry.signing import PrivateKey, PublicKey

ORDER = NIST256p.order


def test_our_signatures_verify_under_python_ecdsa_and_openssl():
    key = PrivateKey.generate()
    openssl_key = serialization.load_pem_public_key(key.public_key.to_pem().encode())
    python_key = key._key.get_verifying_key()
    signatures = set()
    for n in range(200):
        message = f"record {n}".encode()
        signature = key.sign(message)
        signatures.add(signature)
        assert PublicKey.from_pem(key.public_key.to_pem()).verify(message, signature)
        assert python_key.verify(signature, message, hashfunc=hashlib.sha256, sigdecode=sigdecode_string)
        der = encode_dss_signature(
            int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        )
        openssl_key.verify(der, message, ec.ECDSA(hashes.SHA256()))
    assert len(signatures) == 200  # a fresh nonce each time


def test_python_ecdsa_signatures_verify_under_ours():
    key = PrivateKey.generate()
    message = b"ipchain-label/v1\n09506000134352\nA1\n"
    for _ in range(20):
        signature = key._key.sign(message, hashfunc=hashlib.sha256, sigencode=sigencode_string)
        assert key.public_key.verify(message, signature)
        assert not key.public_key.verify(message + b"x", signature)


def test_what_is_not_a_signature_is_refused_not_raised():
    key = PrivateKey.generate()
    message = b"m"
    good = key.sign(message)
    s = int.from_bytes(good[32:], "big")
    for bad in (
        b"",
        good[:-1],
        good + b"\0",
        bytes(64),  # r = s = 0
        bytes(32) + good[32:],  # r = 0
        good[:32] + ORDER.to_bytes(32, "big"),  # s = n
        b"\xff" * 64,  # r, s past n
        b"\x01" * 64,  # in range, but no signature of this message
        good[32:] + good[:32],  # r and s swapped
        "not bytes",
    ):
        assert key.public_key.verify(message, bad) is False
    # The other s of the pair (n - s) is a valid ECDSA signature too: accepted, as by OpenSSL.
    assert key.public_key.verify(message, good[:32] + (ORDER - s).to_bytes(32, "big"))
