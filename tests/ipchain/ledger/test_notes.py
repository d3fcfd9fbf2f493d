"""C2SP signed-note and tlog-checkpoint with the public vectors (shared/specs/vectors.md B, C, E)."""

import base64
import json
from pathlib import Path

import pytest

from ipchain.ledger.merkle import ProofError, leaf_hash, verify_inclusion
from ipchain.ledger.notes import (
    Checkpoint,
    NoteError,
    Signer,
    Verifier,
    open_checkpoint,
    open_note,
    split_note,
)

PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
PETER_SIG = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
ENOCH_SIG = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"


def test_signing_reproduces_the_go_vector_byte_for_byte():
    signer = Signer.from_skey(PETER_SKEY)
    assert signer.verifier.vkey == PETER_VKEY
    assert signer.sign(TEXT) == TEXT + "\n" + PETER_SIG
    assert PETER_SKEY not in repr(signer)


def test_a_note_with_two_signatures_opens_with_either_key():
    note = TEXT + "\n" + PETER_SIG + ENOCH_SIG
    text, signed_by = open_note(note, [Verifier.from_vkey(PETER_VKEY), Verifier.from_vkey(ENOCH_VKEY)])
    assert text == TEXT
    assert [v.name for v in signed_by] == ["PeterNeumann", "EnochRoot"]
    assert open_note(note, [Verifier.from_vkey(ENOCH_VKEY)])[1][0].name == "EnochRoot"


def test_the_c2sp_example_note_verifies():
    verifier = Verifier.from_vkey("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")
    note = (
        "This is an example message.\n\n"
        "— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
    )
    assert open_note(note, [verifier])[0] == "This is an example message.\n"


@pytest.mark.parametrize(
    "vkey",
    [
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ],
)
def test_bad_verifier_keys_are_refused(vkey):
    with pytest.raises(NoteError):
        Verifier.from_vkey(vkey)


def test_every_changed_character_of_a_vkey_is_refused():
    # Go's TestNewVerifier mutates the vkey too: the key id binds name and key, so no
    # one-character change can give a usable key.
    for i in range(len(PETER_VKEY)):
        for bit in (1, 2, 32):
            mutated = PETER_VKEY[:i] + chr(ord(PETER_VKEY[i]) ^ bit) + PETER_VKEY[i + 1 :]
            in_key_id = len("PeterNeumann+") <= i < len("PeterNeumann+c74f20a3")
            if in_key_id and mutated.lower() == PETER_VKEY.lower():
                # Hex digits in either case are the same key id (Go's ParseUint reads both).
                assert Verifier.from_vkey(mutated) == Verifier.from_vkey(PETER_VKEY)
                continue
            with pytest.raises(NoteError):
                Verifier.from_vkey(mutated)
                pytest.fail(f"accepted {mutated!r}")


def test_every_part_of_a_vkey_is_refused():
    for i in range(len(PETER_VKEY)):
        with pytest.raises(NoteError):
            Verifier.from_vkey(PETER_VKEY[:i] + PETER_VKEY[i + 1 :])  # one character dropped
        for j in range(i + 1, len(PETER_VKEY) + 1):
            if (i, j) != (0, len(PETER_VKEY)):
                with pytest.raises(NoteError):
                    Verifier.from_vkey(PETER_VKEY[i:j])


@pytest.mark.parametrize(
    "skey",
    [
        "PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",  # key id
        "PRIVATE+KEY+EnochRoot+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",  # name
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AoEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",  # algorithm
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKD=",  # short seed
        "PRIVATE+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
        PETER_VKEY,
        "",
    ],
)
def test_bad_signer_keys_are_refused(skey):
    with pytest.raises(NoteError):
        Signer.from_skey(skey)


@pytest.mark.parametrize(
    "note",
    [
        TEXT + PETER_SIG,  # no blank line
        TEXT + "\n" + PETER_SIG.replace("—", "-"),
        TEXT + "\n" + PETER_SIG.rstrip("\n"),
        TEXT.replace("problem,", "problem.") + "\n" + PETER_SIG,  # changed text
        TEXT + "\n",  # no signature line
        TEXT + "\n" + PETER_SIG.replace("ZSNXgKvq", "ZSNXgKvr"),  # changed signature
        TEXT + "\n" + PETER_SIG.replace(" x08go", " !x08go"),  # not base64
        TEXT + "\n" + "— PeterNeumann x08g\n",  # too short for a key id and a signature
        TEXT + "\n" + "—PeterNeumann" + PETER_SIG[len("— PeterNeumann") :],
        "\n" + TEXT + "\n" + PETER_SIG,  # the text holds a blank line
        TEXT.replace("\n", "\x07\n", 1) + "\n" + PETER_SIG,  # a control character
    ],
)
def test_malformed_or_altered_notes_do_not_open(note):
    with pytest.raises(NoteError):
        open_note(note, [Verifier.from_vkey(PETER_VKEY)])


def test_a_bad_signature_by_a_known_key_is_an_error_even_beside_a_good_one():
    bad = PETER_SIG.replace("ZSNXgKvq", "ZSNXgKvr")
    with pytest.raises(NoteError) as exc:
        open_note(
            TEXT + "\n" + ENOCH_SIG + bad, [Verifier.from_vkey(PETER_VKEY), Verifier.from_vkey(ENOCH_VKEY)]
        )
    assert exc.value.reason == "bad_signature"


def test_a_note_signed_only_by_unknown_keys_does_not_open():
    with pytest.raises(NoteError) as exc:
        open_note(TEXT + "\n" + ENOCH_SIG, [Verifier.from_vkey(PETER_VKEY)])
    assert exc.value.reason == "unverified_note"


def test_checkpoint_text_round_trips():
    root = bytes.fromhex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")
    checkpoint = Checkpoint("ipo.example/ipchain", 8, root)
    assert checkpoint.text() == "ipo.example/ipchain\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n"
    assert Checkpoint.parse(checkpoint.text()) == checkpoint
    with_extension = Checkpoint("o", 1, root, ("ext line",))
    assert Checkpoint.parse(with_extension.text()).extensions == ("ext line",)


@pytest.mark.parametrize(
    "text",
    [
        "o\n",
        "o\n08\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",
        "o\n-1\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",
        "o\n8\nAAAA\n",
        "o\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=",
        "\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",
        "o\n\u00b2\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",  # "²".isdigit() is True
        "o\n\u0668\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",  # Arabic-Indic 8
        "o\n+8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",
    ],
)
def test_malformed_checkpoints_are_refused(text):
    with pytest.raises(NoteError):
        Checkpoint.parse(text)


def test_a_checkpoint_whose_origin_is_not_the_key_name_is_refused():
    signer = Signer.generate("log.example/a")
    note = signer.sign(Checkpoint("log.example/b", 1, b"\x00" * 32).text())
    with pytest.raises(NoteError) as exc:
        open_checkpoint(note, signer.verifier)
    assert exc.value.reason == "wrong_origin"


def test_the_tlog_witness_example_checkpoint_parses():
    """C2SP tlog-witness.md's example: two signatures under the log's name, no public key given."""
    note = (
        "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n"
        "— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
        "— example.com/behind-the-sofa opLqBQsREYCgu6xQkYQwJr9fo45a62DN9EdmHXnZdXNqlcVGlCum2Wks+49/V6267UEjw6QUXTS5Rovnzv++qbSzm9Q=\n"
    )
    text, signatures = split_note(note)
    assert [(sig.name, len(sig.signature)) for sig in signatures] == [("example.com/behind-the-sofa", 64)] * 2
    assert signatures[0].key_id != signatures[1].key_id  # two keys of one name
    checkpoint = Checkpoint.parse(text)
    assert (checkpoint.origin, checkpoint.size) == ("example.com/behind-the-sofa", 20852163)
    assert checkpoint.text() == text
    with pytest.raises(NoteError) as exc:
        open_checkpoint(note, Verifier.from_vkey(PETER_VKEY))
    assert exc.value.reason == "unverified_note"


def test_our_checkpoints_open_with_our_verifier_and_no_other():
    signer = Signer.generate("ipo.example/ipchain")
    note = signer.sign(Checkpoint("ipo.example/ipchain", 5, b"\x01" * 32, ("ext",)).text())
    assert open_checkpoint(note, signer.verifier) == Checkpoint(
        "ipo.example/ipchain", 5, b"\x01" * 32, ("ext",)
    )
    assert Verifier.from_vkey(signer.verifier.vkey) == signer.verifier
    with pytest.raises(NoteError):
        open_checkpoint(note, Signer.generate("ipo.example/ipchain").verifier)


REKOR = Path(__file__).parent / "fixtures" / "rekor-v2-staging-entry.json"


def test_a_real_rekor_v2_checkpoint_and_inclusion_proof_verify():
    """Sigstore's Rekor v2 (a tiles log) signs C2SP checkpoints: ours must read them."""
    vector = json.loads(REKOR.read_text())
    verifier = Verifier.from_vkey(
        "log2025-alpha1.rekor.sigstage.dev+f30d5a99+AT5/gERB6AWme8IEtcwaqcZi0hp8ocV4+JRcUnVlQfKP"
    )
    checkpoint = open_checkpoint(vector["checkpoint"], verifier)
    assert (checkpoint.size, base64.b64encode(checkpoint.root_hash).decode()) == (
        646,
        "kNum4JmdViJPfZLMRB3xPi6flATj2JzJSiF+1pQDzNQ=",
    )
    body = base64.b64decode(vector["canonicalizedBody"])
    assert len(body) == 1331
    hashes = [base64.b64decode(h) for h in vector["hashes"]]
    verify_inclusion(645, 646, leaf_hash(body), hashes, checkpoint.root_hash)
    # The bundle's logId.keyId is the whole SHA-256 whose first 4 bytes are the note key id.
    assert base64.b64decode("8w1amZ2S5mJIQkQmPxdMuOrL/oJkvFg9MnQXmeOCXck=")[:4] == verifier.key_id
    with pytest.raises(ProofError):
        verify_inclusion(645, 646, leaf_hash(body + b" "), hashes, checkpoint.root_hash)
    with pytest.raises(NoteError):
        open_checkpoint(vector["checkpoint"].replace("646", "647", 1), verifier)
