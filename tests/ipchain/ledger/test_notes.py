"""C2SP signed-note and tlog-checkpoint with the public vectors (shared/specs/vectors.md B, C, E)."""

import base64
import json
from pathlib import Path

import pytest

from ipchain.ledger.merkle import leaf_hash, verify_inclusion
from ipchain.ledger.notes import Checkpoint, NoteError, Signer, Verifier, open_checkpoint, open_note

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


def test_every_single_byte_change_of_a_vkey_is_refused_or_changes_the_key():
    for i in range(len(PETER_VKEY)):
        mutated = PETER_VKEY[:i] + chr(ord(PETER_VKEY[i]) ^ 1) + PETER_VKEY[i + 1 :]
        try:
            verifier = Verifier.from_vkey(mutated)
        except NoteError:
            continue
        assert verifier != Verifier.from_vkey(PETER_VKEY)


@pytest.mark.parametrize(
    "note",
    [
        TEXT + PETER_SIG,  # no blank line
        TEXT + "\n" + PETER_SIG.replace("—", "-"),
        TEXT + "\n" + PETER_SIG.rstrip("\n"),
        TEXT.replace("problem,", "problem.") + "\n" + PETER_SIG,  # changed text
    ],
)
def test_malformed_or_altered_notes_do_not_open(note):
    with pytest.raises(NoteError):
        open_note(note, [Verifier.from_vkey(PETER_VKEY)])


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
    verify_inclusion(
        645, 646, leaf_hash(body), [base64.b64decode(h) for h in vector["hashes"]], checkpoint.root_hash
    )
