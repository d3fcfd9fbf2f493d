"""ECDSA P-256 keys and signed records. Pure: no Django.

Keys are read and written with python-ecdsa; signatures are made and checked by OpenSSL
through pyca `cryptography` (43,700 signatures and 15,700 verifications a second on one core
here, against python-ecdsa's 4,600 and 2,400: bench/signatures.py), which bulk registration
and pre-signed batches need.

Signatures are 64 bytes, r || s (IEEE P1363), as WebCrypto produces and expects, over
SHA-256. A record is a flat JSON object; its signature covers the RFC 8785 bytes of the
record without its "sig" member, and its "kid" names the key (docs/signing.md).
"""

import base64
import binascii
import hashlib
import json
from functools import cached_property, lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from ecdsa import NIST256p, SigningKey, VerifyingKey
from ecdsa.keys import MalformedPointError

from ipchain.errors import DomainError
from ipchain.ledger.canonical import RecordError, canonicalize

SIGNATURE_SIZE = 64


class SignatureError(DomainError):
    """A key or signature that cannot be used; `reason` is machine-readable."""


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    if not isinstance(text, str) or "=" in text:
        raise SignatureError("malformed_signature", "not base64url without padding")
    try:
        # validate=True: a character outside the alphabet is an error, not silently skipped.
        data = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError("malformed_signature", "not base64url without padding") from None
    # The unused low bits of the last character must be zero (RFC 4648 3.5), so that a value
    # has one spelling: otherwise 16 different "sig" strings carry the same signature.
    if b64url_encode(data) != text:
        raise SignatureError("malformed_signature", "not base64url without padding (non-canonical)")
    return data


_ORDER = NIST256p.order
_ECDSA_SHA256 = ec.ECDSA(hashes.SHA256())


@lru_cache(maxsize=1024)
def _openssl_public_key(raw_point: bytes) -> ec.EllipticCurvePublicKey:
    return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw_point)


class PublicKey:
    """A P-256 public key."""

    def __init__(self, key: VerifyingKey):
        if key.curve != NIST256p:
            raise SignatureError("bad_public_key", "only P-256 keys are accepted")
        self._raw = key.to_string("uncompressed")

    @classmethod
    def from_pem(cls, pem: str | bytes) -> "PublicKey":
        # Parsing a PEM costs more than a verification: a batch of records signed by one key
        # parses it once (a PublicKey never changes).
        return _public_key_from_pem(pem) if cls is PublicKey else cls._parse_pem(pem)

    @classmethod
    def _parse_pem(cls, pem: str | bytes) -> "PublicKey":
        try:
            key = VerifyingKey.from_pem(pem, hashfunc=hashlib.sha256)
        except (ValueError, MalformedPointError, AssertionError) as exc:
            raise SignatureError("bad_public_key", f"not a PEM public key: {exc}") from None
        except Exception as exc:  # python-ecdsa raises its own DER errors
            raise SignatureError("bad_public_key", f"not a PEM public key: {type(exc).__name__}") from None
        return cls(key)

    @classmethod
    def from_raw(cls, raw: bytes) -> "PublicKey":
        """From the 65-byte uncompressed point 0x04 || x || y (SEC 1 2.3.3), as WebCrypto's
        exportKey("raw") gives it; python-ecdsa alone would also take other encodings."""
        if not isinstance(raw, bytes | bytearray) or len(raw) != 65 or raw[0] != 4:
            raise SignatureError("bad_public_key", "a raw P-256 public key is 65 bytes, 0x04 || x || y")
        try:
            return cls(VerifyingKey.from_string(bytes(raw), curve=NIST256p, hashfunc=hashlib.sha256))
        except (ValueError, MalformedPointError, AssertionError):
            raise SignatureError("bad_public_key", "not a P-256 point") from None

    @classmethod
    def from_jwk(cls, jwk: dict) -> "PublicKey":
        if not isinstance(jwk, dict) or jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
            raise SignatureError("bad_public_key", "a JWK must have kty EC and crv P-256")
        if "d" in jwk:
            # The holder just sent us its private key: refuse it rather than quietly drop it,
            # so that the holder learns the key is exposed and makes a new one.
            raise SignatureError(
                "private_key_sent", "this JWK holds a private key (d): send the public key only"
            )
        try:
            x, y = b64url_decode(jwk["x"]), b64url_decode(jwk["y"])
        except (KeyError, SignatureError):
            raise SignatureError("bad_public_key", "a JWK needs base64url x and y") from None
        if len(x) != 32 or len(y) != 32:
            raise SignatureError("bad_public_key", "x and y are 32 bytes each")
        return cls.from_raw(b"\x04" + x + y)

    @property
    def raw(self) -> bytes:
        """The uncompressed point, 0x04 || x || y."""
        return self._raw

    def _plain_key(self) -> VerifyingKey:
        return VerifyingKey.from_string(self._raw, curve=NIST256p, hashfunc=hashlib.sha256)

    def to_pem(self) -> str:
        """SubjectPublicKeyInfo PEM with 64-character lines (RFC 7468 strict form; python-ecdsa
        wraps at 76, which lax parsers accept and strict ones do not)."""
        body = base64.b64encode(self.to_der()).decode()
        lines = [body[i : i + 64] for i in range(0, len(body), 64)]
        return "-----BEGIN PUBLIC KEY-----\n" + "\n".join(lines) + "\n-----END PUBLIC KEY-----\n"

    def to_der(self) -> bytes:
        return self._plain_key().to_der()

    def to_jwk(self) -> dict:
        return {
            "kty": "EC",
            "crv": "P-256",
            "x": b64url_encode(self._raw[1:33]),
            "y": b64url_encode(self._raw[33:]),
        }

    @cached_property
    def key_id(self) -> str:
        """base64url of the first 8 bytes of SHA-256 over the DER SubjectPublicKeyInfo."""
        return b64url_encode(hashlib.sha256(self.to_der()).digest()[:8])

    def verify(self, message: bytes, signature: bytes) -> bool:
        if not isinstance(signature, bytes | bytearray) or len(signature) != SIGNATURE_SIZE:
            return False
        r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        if not (0 < r < _ORDER and 0 < s < _ORDER):
            return False
        try:
            _openssl_public_key(self._raw).verify(encode_dss_signature(r, s), message, _ECDSA_SHA256)
        except InvalidSignature:
            return False
        return True

    def __eq__(self, other) -> bool:
        return isinstance(other, PublicKey) and other._raw == self._raw

    def __hash__(self) -> int:
        return hash(self._raw)

    def __repr__(self) -> str:
        return f"<PublicKey {self.key_id}>"


@lru_cache(maxsize=1024)
def _public_key_from_pem(pem: str | bytes) -> PublicKey:
    return PublicKey._parse_pem(pem)


class PrivateKey:
    """A P-256 signing key. Nothing but `to_pem` ever shows the secret."""

    def __init__(self, key: SigningKey):
        if key.curve != NIST256p:
            raise SignatureError("bad_private_key", "only P-256 keys are accepted")
        self._key = key
        self.public_key = PublicKey(key.get_verifying_key())

    @classmethod
    def generate(cls) -> "PrivateKey":
        return cls(SigningKey.generate(curve=NIST256p, hashfunc=hashlib.sha256))

    @classmethod
    def from_pem(cls, pem: str | bytes) -> "PrivateKey":
        try:
            return cls(SigningKey.from_pem(pem, hashfunc=hashlib.sha256))
        except Exception:  # never echo the input: it may be a secret
            raise SignatureError("bad_private_key", "not a PEM P-256 private key") from None

    def to_pem(self) -> str:
        """PKCS#8 (RFC 5208), unencrypted. Written by pyca `cryptography`, not python-ecdsa:
        python-ecdsa 0.19 labels its PKCS#8 as version 2 (RFC 5958) without the public key
        that version announces, and pyca `cryptography` refuses to load that file."""
        return self._openssl.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()

    @cached_property
    def _openssl(self) -> ec.EllipticCurvePrivateKey:
        return ec.derive_private_key(self._key.privkey.secret_multiplier, ec.SECP256R1())

    def sign(self, message: bytes) -> bytes:
        """ECDSA over SHA-256 with a fresh random nonce (OpenSSL's), as r || s."""
        r, s = decode_dss_signature(self._openssl.sign(message, _ECDSA_SHA256))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    def __repr__(self) -> str:
        return f"<PrivateKey for {self.public_key.key_id}>"


def record_signing_input(record: dict) -> bytes:
    """The exact bytes a record's signature covers: RFC 8785 JSON of the record without "sig"."""
    try:
        return canonicalize({k: v for k, v in record.items() if k != "sig"})
    except RecordError as exc:
        raise SignatureError("malformed_record", str(exc)) from None


def sign_record(record: dict, key: PrivateKey) -> dict:
    kid = key.public_key.key_id
    if record.get("kid", kid) != kid:
        raise SignatureError("wrong_key", "the record names another key")
    signed = {k: v for k, v in record.items() if k != "sig"} | {"kid": kid}
    return signed | {"sig": b64url_encode(key.sign(record_signing_input(signed)))}


def verify_record(record: dict, key: PublicKey) -> None:
    """Raise SignatureError unless `record` carries a valid signature by `key`."""
    if not isinstance(record, dict) or "sig" not in record or "kid" not in record:
        raise SignatureError("missing_signature", "the record has no kid and sig")
    if record["kid"] != key.key_id:
        raise SignatureError(
            "wrong_key", f"the record is signed by key {record['kid']!r}, not {key.key_id!r}"
        )
    signature = b64url_decode(record["sig"])
    if len(signature) != SIGNATURE_SIZE:
        raise SignatureError("malformed_signature", "a signature is 64 bytes, r || s")
    if not key.verify(record_signing_input(record), signature):
        raise SignatureError(
            "bad_signature", "the signature does not verify: the record was changed or signed by another key"
        )


def dumps(record: dict) -> str:
    """A record as compact JSON for people and files (the signature covers the canonical form)."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))
