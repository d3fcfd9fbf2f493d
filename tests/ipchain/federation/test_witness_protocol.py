"""C2SP tlog-witness, the pure part: the add-checkpoint body and the witness's checks in order.

Trees are the Certificate Transparency reference tree of shared/specs/vectors.md A; the
6 -> 8 consistency proof is transparency-dev/merkle testdata/consistency/2/happy-path.json.
"""

import base64

import pytest

from ipchain.federation.tlog_witness import (
    AddCheckpoint,
    TreeHead,
    WitnessRefusal,
    check_add_checkpoint,
    format_request,
    parse_request,
    parse_size_body,
)
from ipchain.ledger.merkle import leaf_hash, root_from_leaf_hashes
from ipchain.ledger.notes import Checkpoint, Signer

LEAVES = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
HASHES = [leaf_hash(leaf) for leaf in LEAVES]
ROOT_6 = base64.b64decode("duZ9rbzfHhDht03cYIq9L5jfsW+851J3tSMqEn8gh+8=")
ROOT_8 = base64.b64decode("XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=")
PROOF_6_8 = [
    base64.b64decode(h)
    for h in (
        "DrxdNDf74tsVi58Sah0RjjCBgQMdCpSfje3t68VY72o=",
        "yoVOoSjtBQtBs1/8G4e46yveRh6eO1WW7Oa51ZdaCuA=",
        "037kGJdt2VdTwcc4Yrk5j6Kiz5tP8P3+izDNlSCWFLc=",
    )
]
LOG = Signer.generate("example.com/behind-the-sofa")

# tlog-witness's example request body, verbatim (its signatures are by an unpublished key).
SPEC_REQUEST = (
    "old 20852014\n"
    "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n"
    "jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=\n"
    "5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=\n"
    "/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=\n"
    "\n"
    "example.com/behind-the-sofa\n"
    "20852163\n"
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    "\n"
    "— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
    "— example.com/behind-the-sofa opLqBQsREYCgu6xQkYQwJr9fo45a62DN9EdmHXnZdXNqlcVGlCum2Wks+49/V6267UEjw6QUXTS5Rovnzv++qbSzm9Q=\n"
)


def note(size: int, root: bytes | None = None, signer: Signer = LOG) -> str:
    root = root_from_leaf_hashes(HASHES[:size]) if root is None else root
    return signer.sign(Checkpoint(signer.name, size, root).text())


def check(old: int, proof, size: int, latest: TreeHead | None, *, root=None, signer=LOG):
    request = AddCheckpoint(old, tuple(proof), note(size, root, signer))
    return check_add_checkpoint(request, log_verifier=LOG.verifier, latest=latest)


def refusal(*args, **kwargs) -> WitnessRefusal:
    with pytest.raises(WitnessRefusal) as caught:
        check(*args, **kwargs)
    return caught.value


def test_the_spec_example_request_parses():
    request = parse_request(SPEC_REQUEST.encode())
    assert request.old_size == 20852014
    assert len(request.proof) == 4 and all(len(h) == 32 for h in request.proof)
    assert request.origin == "example.com/behind-the-sofa"
    assert request.note.startswith("example.com/behind-the-sofa\n20852163\n")
    assert format_request(request.old_size, request.proof, request.note) == SPEC_REQUEST.encode()


def test_the_reference_roots_and_proof_are_what_the_vectors_say():
    assert root_from_leaf_hashes(HASHES[:6]) == ROOT_6
    assert root_from_leaf_hashes(HASHES) == ROOT_8


def test_a_consistent_checkpoint_is_accepted():
    checkpoint = check(6, PROOF_6_8, 8, TreeHead(6, ROOT_6))
    assert (checkpoint.size, checkpoint.root_hash) == (8, ROOT_8)


def test_the_first_checkpoint_of_a_log_needs_old_size_zero_and_no_proof():
    assert check(0, [], 6, None).size == 6
    assert refusal(0, PROOF_6_8, 8, None).status == 400


def test_the_same_checkpoint_again_is_cosigned_again():
    assert check(8, [], 8, TreeHead(8, ROOT_8)).root_hash == ROOT_8


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"old 6\n",  # no empty line, no checkpoint
        b"new 6\n\n",  # not 'old'
        b"old 06\n\n",  # a leading zero
        b"old -1\n\n",
        b"old 6 \n\n",
        b"old \xd9\xa3\n\n",  # an Arabic-Indic digit three
        b"old 6\nnot-base64!\n\n",
        b"old 6\n" + base64.b64encode(b"short") + b"\n\n",
        b"old 6\n" + b"".join(base64.b64encode(bytes(32)) + b"\n" for _ in range(64)) + b"\n",  # 64 lines
        b"old 6\n\n\xff\xfe",  # not UTF-8
        b"old 6\n\n" + b"x" * 70_000,
    ],
)
def test_malformed_requests_are_400(body):
    with pytest.raises(WitnessRefusal) as caught:
        parse_request(body)
    assert (caught.value.status, caught.value.reason) == (400, "malformed_request")


def test_63_proof_lines_are_allowed():
    body = (
        b"old 6\n"
        + b"".join(base64.b64encode(bytes(32)) + b"\n" for _ in range(63))
        + b"\n"
        + note(8).encode()
    )
    assert len(parse_request(body).proof) == 63


def test_a_signature_by_another_key_is_403():
    impostor = Signer.generate("example.com/behind-the-sofa")  # same name, another key
    assert refusal(6, PROOF_6_8, 8, TreeHead(6, ROOT_6), signer=impostor).status == 403


def test_a_tampered_checkpoint_is_403():
    request = AddCheckpoint(6, tuple(PROOF_6_8), note(8).replace("\n8\n", "\n9\n"))
    with pytest.raises(WitnessRefusal) as caught:
        check_add_checkpoint(request, log_verifier=LOG.verifier, latest=TreeHead(6, ROOT_6))
    assert (caught.value.status, caught.value.reason) == (403, "bad_signature")


def test_an_old_size_past_the_checkpoint_is_400():
    found = refusal(8, [], 6, TreeHead(8, ROOT_8))
    assert (found.status, found.reason) == (400, "old_size_too_large")


@pytest.mark.parametrize(("old", "known"), [(5, 6), (7, 6), (0, 6)])
def test_an_old_size_that_is_not_the_last_cosigned_is_409_with_that_size(old, known):
    found = refusal(old, [], 8, TreeHead(known, ROOT_6))
    assert (found.status, found.reason, found.known_size, found.split_view) == (
        409,
        "old_size_mismatch",
        6,
        False,
    )


def test_an_old_size_when_nothing_was_cosigned_is_409_with_zero():
    assert refusal(6, PROOF_6_8, 8, None).known_size == 0


def test_the_same_size_with_another_root_is_409_and_a_split_view():
    found = refusal(8, [], 8, TreeHead(8, ROOT_8), root=bytes(32))
    assert (found.status, found.reason, found.known_size, found.split_view) == (409, "root_mismatch", 8, True)


@pytest.mark.parametrize(
    "proof",
    [
        [],  # missing
        PROOF_6_8[:2],  # truncated
        [*PROOF_6_8, PROOF_6_8[0]],  # one too many
        [PROOF_6_8[0], bytes(32), PROOF_6_8[2]],  # a wrong hash
    ],
)
def test_a_proof_that_does_not_verify_is_422(proof):
    found = refusal(6, proof, 8, TreeHead(6, ROOT_6))
    assert (found.status, found.reason) == (422, "inconsistent_proof")


def test_a_checkpoint_that_does_not_extend_the_cosigned_one_is_422():
    """A forked log: its own correct proof from 6 leads to another root at 6."""
    forked = [*HASHES[:5], leaf_hash(b"forked"), *HASHES[6:]]
    from ipchain.ledger.merkle import consistency_proof, leaves_subtree_hash

    proof = consistency_proof(6, 8, leaves_subtree_hash(forked))
    found = refusal(6, proof, 8, TreeHead(6, ROOT_6), root=root_from_leaf_hashes(forked))
    assert found.status == 422


def test_the_409_body_is_a_decimal_size_and_a_newline():
    assert parse_size_body(b"20852014\n") == 20852014
    assert parse_size_body(b"0\n") == 0
    for body in (b"", b"12", b"012\n", b"-1\n", b"1 \n", b"\xd9\xa3\n"):
        assert parse_size_body(body) is None
