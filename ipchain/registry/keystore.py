"""Node-held private keys, sealed at rest with AES-256-GCM. Pure: the caller passes the keys.

A sealed value is "v1:<kek id>:<base64 nonce>:<base64 ciphertext>". The key-encryption
key (KEK) id lets keys rotate: the first KEK seals, any listed KEK unseals. The associated
data binds a ciphertext to the row it belongs to.
"""

import base64
import binascii
import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ipchain.errors import DomainError

VERSION = "v1"


class KeystoreError(DomainError):
    """Refused with a machine-readable `reason` (ipchain.errors.DomainError)."""


def kek_id(kek: bytes) -> str:
    return hashlib.sha256(b"ipchain-kek-id\n" + kek).hexdigest()[:8]


def _check(keys: list[bytes]) -> None:
    if not keys or any(len(k) != 32 for k in keys):
        raise KeystoreError("bad_kek", "key-encryption keys are 32 bytes each, at least one")


def seal(secret: bytes, *, keys: list[bytes], aad: bytes) -> str:
    _check(keys)
    nonce = os.urandom(12)
    ciphertext = AESGCM(keys[0]).encrypt(nonce, secret, aad)
    return ":".join(
        [VERSION, kek_id(keys[0]), base64.b64encode(nonce).decode(), base64.b64encode(ciphertext).decode()]
    )


def unseal(token: str, *, keys: list[bytes], aad: bytes) -> bytes:
    _check(keys)
    parts = token.split(":") if isinstance(token, str) else []
    if len(parts) != 4 or parts[0] != VERSION:
        raise KeystoreError("bad_sealed_key", "not a sealed key of version v1")
    kek = next((k for k in keys if kek_id(k) == parts[1]), None)
    if kek is None:
        raise KeystoreError(
            "unknown_kek", f"sealed with key-encryption key {parts[1]}, which is not configured"
        )
    try:
        nonce, ciphertext = (
            base64.b64decode(parts[2], validate=True),
            base64.b64decode(parts[3], validate=True),
        )
        return AESGCM(kek).decrypt(nonce, ciphertext, aad)
    except (binascii.Error, ValueError, InvalidTag):
        raise KeystoreError(
            "unseal_failed", "the sealed key does not open: wrong key, row or tampered data"
        ) from None


def parse_keys(value: str) -> list[bytes]:
    """IPCHAIN_KEY_ENCRYPTION_KEYS: comma-separated base64 32-byte keys, the current one first."""
    keys = []
    for part in (p.strip() for p in value.split(",")):
        if not part:
            continue
        try:
            key = base64.b64decode(part, validate=True)
        except (binascii.Error, ValueError):
            raise KeystoreError(
                "bad_kek", "IPCHAIN_KEY_ENCRYPTION_KEYS holds a value that is not base64"
            ) from None
        keys.append(key)
    _check(keys)
    return keys


def development_keys(secret_key: str) -> list[bytes]:
    """KEKs derived from Django's SECRET_KEY, only so that the embedded demo runs with nothing
    set: whoever reads SECRET_KEY (settings, environment, a backup of either) could open every
    sealed key, and rotating SECRET_KEY would lock them all. Production requires
    IPCHAIN_KEY_ENCRYPTION_KEYS (config/settings.py refuses to start without it).

    HKDF (RFC 5869) seals; the earlier SHA-256 derivation stays second, so that keys sealed
    by a development database made before the change still open (rotation at work)."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"ipchain development KEK v1")
    legacy = hashlib.sha256(b"ipchain development KEK\n" + secret_key.encode()).digest()
    return [hkdf.derive(secret_key.encode()), legacy]
