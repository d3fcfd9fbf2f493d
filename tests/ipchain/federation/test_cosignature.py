"""C2SP tlog-cosignature (Ed25519 cosignature/v1), checked against the spec's text and example
and against an independent Ed25519 implementation (pyca/cryptography)."""

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ipchain.federation.tlog_cosignature import (
    CosignatureSigner,
    CosignatureVerifier,
    signed_message,
    verify_cosignatures,
)
from ipchain.ledger.notes import NoteError, Signer, split_note

# The Go sumdb/note test key (shared/specs/vectors.md B): a published test seed, used here
# as a witness's seed under a witness name.
PETER_SEED = base64.b64decode("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")[1:]
WITNESS_NAME = "witness.example.com/w1"

# The example of tlog-cosignature "Format" (C2SP, vectors.md C): a format fixture only, the
# spec publishes no key for it.
SPEC_EXAMPLE = (
    "example.com/behind-the-sofa\n"
    "20852163\n"
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    "\n"
    "— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
    "— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"
)
SPEC_MESSAGE = (
    "cosignature/v1\n"
    "time 1679315147\n"
    "example.com/behind-the-sofa\n"
    "20852163\n"
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
)
TEXT = "peer.example/log\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n"


@pytest.fixture
def witness():
    return CosignatureSigner(WITNESS_NAME, PETER_SEED)


def test_signed_message_is_the_spec_example_byte_for_byte():
    text, _ = split_note(SPEC_EXAMPLE)
    assert signed_message(text, 1679315147) == SPEC_MESSAGE.encode()


def test_the_spec_example_cosignature_carries_its_timestamp_after_the_key_id():
    _, signatures = split_note(SPEC_EXAMPLE)
    cosignature = signatures[1]
    assert cosignature.name == "witness.example.com/w1"
    assert len(cosignature.signature) == 8 + 64
    assert int.from_bytes(cosignature.signature[:8], "big") == 1679315147


def test_key_id_uses_signature_type_0x04(witness):
    public = Ed25519PrivateKey.from_private_bytes(PETER_SEED).public_key().public_bytes_raw()
    expected = hashlib.sha256(WITNESS_NAME.encode() + b"\n" + b"\x04" + public).digest()[:4]
    assert witness.verifier.key_id == expected
    assert witness.verifier.public_key == public
    encoded = base64.b64encode(b"\x04" + public).decode()
    assert witness.verifier.vkey == f"{WITNESS_NAME}+{expected.hex()}+{encoded}"
    # The same seed as a log key (type 0x01) has another key id: the two never collide.
    assert Signer(WITNESS_NAME, PETER_SEED).verifier.key_id != expected


def test_a_cosignature_verifies_under_an_independent_ed25519(witness):
    line = witness.cosign(TEXT, 1700000000)
    assert line.startswith(f"— {WITNESS_NAME} ") and line.endswith("\n")
    raw = base64.b64decode(line.split(" ")[2])
    assert raw[:4] == witness.verifier.key_id
    assert int.from_bytes(raw[4:12], "big") == 1700000000
    public = Ed25519PublicKey.from_public_bytes(witness.verifier.public_key)
    public.verify(raw[12:], b"cosignature/v1\ntime 1700000000\n" + TEXT.encode())  # raises if wrong
    # Ed25519 is deterministic: the same text and time give the same line.
    assert witness.cosign(TEXT, 1700000000) == line


def test_an_independent_cosignature_verifies_here(witness):
    private = Ed25519PrivateKey.from_private_bytes(PETER_SEED)
    sig = private.sign(b"cosignature/v1\ntime 42\n" + TEXT.encode())
    assert witness.verifier.verify(TEXT, (42).to_bytes(8, "big") + sig) == 42


@pytest.mark.parametrize(
    "mutate",
    [
        lambda text, sig: (text.replace("8\n", "9\n"), sig),  # another tree size
        lambda text, sig: (text, (43).to_bytes(8, "big") + sig[8:]),  # another time
        lambda text, sig: (text, sig[:8] + bytes([sig[8] ^ 1]) + sig[9:]),  # a flipped bit
        lambda text, sig: (text, sig[:-1]),  # too short
        lambda text, sig: (text, sig[8:]),  # a plain Ed25519 note signature, no timestamp
        lambda text, sig: (text, (2**63).to_bytes(8, "big") + sig[8:]),  # timestamp over 2^63 - 1
    ],
)
def test_any_change_fails_verification(witness, mutate):
    sig = base64.b64decode(witness.cosign(TEXT, 42).split(" ")[2])[4:]
    assert witness.verifier.verify(TEXT, sig) == 42
    assert witness.verifier.verify(*mutate(TEXT, sig)) is None


def test_keys_round_trip_and_the_seed_is_never_shown(witness):
    again = CosignatureSigner.from_skey(witness.skey)
    assert again.verifier == witness.verifier
    assert CosignatureVerifier.from_vkey(witness.verifier.vkey) == witness.verifier
    assert witness.skey not in repr(witness)
    assert base64.b64encode(b"\x04" + PETER_SEED).decode() not in repr(witness)


@pytest.mark.parametrize(
    "vkey",
    [
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # a type 0x01 note key
        "witness.example.com/w1+00000000+BBpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # wrong key id
        "witness.example.com/w1+BBpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # no key id
        "witness example+00000000+BBpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # a space in the name
    ],
)
def test_keys_that_are_not_cosignature_keys_are_refused(vkey):
    with pytest.raises(NoteError):
        CosignatureVerifier.from_vkey(vkey)


def test_a_log_signer_key_is_not_a_witness_key():
    with pytest.raises(NoteError):
        CosignatureSigner.from_skey(
            "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
        )


def test_cosignatures_on_a_note_are_found_among_other_signatures(witness):
    log = Signer.generate("peer.example/log")
    other = CosignatureSigner.generate("witness.example.com/w2")
    unknown = CosignatureSigner.generate("witness.example.com/w3")
    note = log.sign(TEXT) + witness.cosign(TEXT, 100) + unknown.cosign(TEXT, 100) + other.cosign(TEXT, 200)
    found = verify_cosignatures(note, [witness.verifier, other.verifier])
    assert {(c.witness.name, c.timestamp) for c in found} == {
        (WITNESS_NAME, 100),
        ("witness.example.com/w2", 200),
    }
    assert found[0].line in note
    # The same witness twice counts once.
    assert len(verify_cosignatures(note + witness.cosign(TEXT, 101), [witness.verifier])) == 1
    assert verify_cosignatures(note, [unknown.verifier])[0].witness == unknown.verifier
    assert verify_cosignatures(note, []) == []


def test_a_bad_cosignature_by_a_known_witness_fails_the_note(witness):
    log = Signer.generate("peer.example/log")
    forged = witness.cosign(TEXT.replace("8\n", "9\n"), 100)  # signed over another text
    with pytest.raises(NoteError) as caught:
        verify_cosignatures(log.sign(TEXT) + forged, [witness.verifier])
    assert caught.value.reason == "bad_cosignature"


def test_a_cosignature_from_the_future_can_be_refused(witness):
    note = Signer.generate("peer.example/log").sign(TEXT) + witness.cosign(TEXT, 10_000)
    assert verify_cosignatures(note, [witness.verifier], now=10_000 - 300)
    with pytest.raises(NoteError) as caught:
        verify_cosignatures(note, [witness.verifier], now=10_000 - 301)
    assert caught.value.reason == "cosignature_in_future"
