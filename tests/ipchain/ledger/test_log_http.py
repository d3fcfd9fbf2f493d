"""The log over HTTP: tiles for standard clients, JSON for others; bad input is a 4xx, never a 500."""

import base64
import json
import re
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from ipchain.accounts.models import Role
from ipchain.ledger import log
from ipchain.ledger.merkle import (
    inclusion_proof,
    leaf_hash,
    leaves_subtree_hash,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)
from ipchain.ledger.models import LogEntry, SignedCheckpoint
from ipchain.ledger.notes import Signer, Verifier, open_checkpoint
from ipchain.ledger.tiles import TILE_WIDTH, TiledTree, tile_path
from tests import factories
from tests.conftest import TEST_SIGNER

pytestmark = pytest.mark.django_db

IMMUTABLE = "public, max-age=31536000, immutable"


def body(n: int) -> bytes:
    return f'{{"n":{n},"type":"test"}}'.encode()


HASHES = [leaf_hash(body(n)) for n in range(600)]


def make_log(size: int = 600, batch: int = 250) -> None:
    log.append_many({"type": "test", "n": n} for n in range(size))
    log.integrate_pending(batch_size=batch)


@pytest.fixture
def log_of_600():
    make_log()


@pytest.fixture
def client():
    return APIClient()


def split_bundle(bundle: bytes) -> list[bytes]:
    """C2SP tlog-tiles entry bundle: 2-byte big-endian length, then the entry."""
    entries = []
    while bundle:
        length = int.from_bytes(bundle[:2], "big")
        assert len(bundle) >= 2 + length, "truncated bundle"
        entries.append(bundle[2 : 2 + length])
        bundle = bundle[2 + length :]
    return entries


# --- /log/checkpoint and /log/key -------------------------------------------------------


def test_checkpoint_and_key_are_public_text(client, log_of_600):
    response = client.get("/log/checkpoint")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Cache-Control"] == "no-cache"
    assert response["Access-Control-Allow-Origin"] == "*"
    key = client.get("/log/key")
    assert key["Content-Type"] == "text/plain; charset=utf-8"
    assert key["Cache-Control"] == "public, max-age=3600"
    assert key.content.decode() == TEST_SIGNER.verifier.vkey + "\n"
    assert "PRIVATE" not in key.content.decode()
    checkpoint = open_checkpoint(response.content.decode(), Verifier.from_vkey(key.content.decode()))
    assert checkpoint.size == 600
    assert checkpoint.root_hash == root_from_leaf_hashes(HASHES)


def test_an_empty_log_serves_a_signed_checkpoint_of_size_zero_and_nothing_else(client):
    note = client.get("/log/checkpoint").content.decode()
    assert open_checkpoint(note, TEST_SIGNER.verifier).size == 0
    assert client.get("/log/tile/0/000.p/1").status_code == 404
    assert client.get("/log/tile/entries/000.p/1").status_code == 404
    assert client.get("/api/v1/log/entries/0").status_code == 404
    for url in ["/api/v1/log/proof/inclusion?index=0", "/api/v1/log/proof/consistency?first=1"]:
        response = client.get(url)
        assert (response.status_code, response.json()["error"]["reason"]) == (400, "empty_tree")


# --- tiles and entry bundles ------------------------------------------------------------


def test_full_tiles_are_immutable_and_partial_ones_served_at_their_width(client, log_of_600):
    full = client.get("/log/tile/0/001")
    assert full.status_code == 200
    assert full.content == b"".join(HASHES[256:512])
    assert full["Content-Type"] == "application/octet-stream"
    assert full["Cache-Control"] == IMMUTABLE
    partial = client.get("/log/tile/0/002.p/10")
    assert partial.content == b"".join(HASHES[512:522])
    assert partial["Cache-Control"] == IMMUTABLE  # a tile of a given width never changes either
    level_one = client.get("/log/tile/1/000.p/2").content
    assert level_one == root_from_leaf_hashes(HASHES[:256]) + root_from_leaf_hashes(HASHES[256:512])


def test_entry_bundles_frame_each_entry_with_its_length(client, log_of_600):
    full = client.get("/log/tile/entries/000")
    assert full["Content-Type"] == "application/octet-stream"
    assert full["Cache-Control"] == IMMUTABLE
    assert split_bundle(full.content) == [body(n) for n in range(256)]
    assert split_bundle(client.get("/log/tile/entries/002.p/88").content) == [
        body(n) for n in range(512, 600)
    ]
    assert split_bundle(client.get("/log/tile/entries/002.p/3").content) == [body(n) for n in range(512, 515)]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/log/tile/0/002", 404),  # only 88 hashes there yet
        ("/log/tile/0/002.p/89", 404),
        ("/log/tile/3/000.p/1", 404),
        ("/log/tile/0/2", 400),
        ("/log/tile/0/x000/002", 400),
        ("/log/tile/0/002.p/0", 400),
        ("/log/tile/0/002.p/256", 400),
        ("/log/tile/0/002.p/300", 400),
        ("/log/tile/99/000", 400),
        ("/log/tile/entries/005", 404),
        ("/log/tile/entries/002.p/89", 404),
        ("/log/tile/entries/abc", 400),
        ("/log/tile/entries/000.p/0", 400),
        ("/log/tile/entries/", 400),
        ("/log/tile/-1/000", 400),  # vectors.md D
        ("/log/tile/00/000", 400),
        ("/log/tile/x/000", 400),
        ("/log/tile/0/", 400),
        ("/log/tile/0/002.p/010", 400),
        ("/log/tile/0/123/456/078", 400),  # vectors.md D: no x on the non-final groups
        ("/log/tile/\u0660/000", 400),  # Arabic-Indic digits
        ("/log/tile/0/\u0660\u0660\u0662.p/1", 400),
        ("/log/tile/0/x999/x999/x999/x999/x999/x999/x999/999", 400),  # past 64-bit indexes
        ("/log/tile/entries/x999/x999/x999/x999/x999/x999/x999/999", 400),
    ],
)
def test_bad_or_missing_tiles(client, log_of_600, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/plain")
    assert response["Cache-Control"] == "no-store"


# --- the JSON API -----------------------------------------------------------------------


def test_an_entry_as_json_in_base64_or_hex(client, log_of_600):
    response = client.get("/api/v1/log/entries/7")
    assert response["Content-Type"] == "application/json"
    entry = response.json()
    assert (entry["index"], entry["record"]) == (7, {"type": "test", "n": 7})
    assert base64.b64decode(entry["leaf_hash"]) == HASHES[7]
    assert client.get("/api/v1/log/entries/7?encoding=hex").json()["leaf_hash"] == HASHES[7].hex()


def test_inclusion_proofs_as_json_verify(client, log_of_600):
    for index, size in [(7, 500), (0, 1), (599, 600), (256, 257)]:
        answer = client.get(f"/api/v1/log/proof/inclusion?index={index}&tree_size={size}").json()
        proof = [base64.b64decode(h) for h in answer["proof"]]
        assert proof == inclusion_proof(index, size, leaves_subtree_hash(HASHES))
        assert base64.b64decode(answer["root_hash"]) == root_from_leaf_hashes(HASHES[:size])
        verify_inclusion(index, size, HASHES[index], proof, root_from_leaf_hashes(HASHES[:size]))
    latest = client.get("/api/v1/log/proof/inclusion?index=3&encoding=hex").json()
    assert latest["tree_size"] == 600
    assert bytes.fromhex(latest["leaf_hash"]) == HASHES[3]
    assert bytes.fromhex(latest["root_hash"]) == root_from_leaf_hashes(HASHES)


def test_consistency_proofs_as_json_verify_between_every_signed_checkpoint(client, log_of_600):
    roots = dict(SignedCheckpoint.objects.values_list("tree_size", "root_hash"))
    assert sorted(roots) == [250, 500, 600]
    for first in (1, 250, 256, 500, 600):
        for second in (s for s in (250, 500, 600) if s >= first):
            answer = client.get(f"/api/v1/log/proof/consistency?first={first}&second={second}").json()
            assert (answer["first"], answer["second"]) == (first, second)
            first_root = base64.b64decode(answer["first_root"])
            assert first_root == root_from_leaf_hashes(HASHES[:first])
            proof = [base64.b64decode(h) for h in answer["proof"]]
            verify_consistency(first, second, first_root, bytes(roots[second]), proof)
    assert client.get("/api/v1/log/proof/consistency?first=250").json()["second"] == 600


@pytest.mark.parametrize(
    ("url", "status", "reason"),
    [
        ("/api/v1/log/entries/600", 404, "no_such_entry"),
        ("/api/v1/log/entries/99999999999999999999999", 404, "no_such_entry"),
        ("/api/v1/log/entries/1?encoding=base32", 400, "bad_encoding"),
        ("/api/v1/log/proof/inclusion?index=600&tree_size=600", 404, "index_out_of_range"),
        ("/api/v1/log/proof/inclusion?index=600", 404, "index_out_of_range"),
        ("/api/v1/log/proof/inclusion?index=1&tree_size=601", 404, "tree_size_too_large"),
        ("/api/v1/log/proof/inclusion?index=1&tree_size=9223372036854775807", 404, "tree_size_too_large"),
        ("/api/v1/log/proof/inclusion?index=0&tree_size=0", 400, "empty_tree"),
        ("/api/v1/log/proof/inclusion?index=-1", 400, "bad_parameter"),
        ("/api/v1/log/proof/inclusion?index=abc", 400, "bad_parameter"),
        ("/api/v1/log/proof/inclusion?index=1&tree_size=ten", 400, "bad_parameter"),
        ("/api/v1/log/proof/inclusion", 400, "missing_parameter"),
        ("/api/v1/log/proof/inclusion?index=", 400, "missing_parameter"),
        ("/api/v1/log/proof/inclusion?index=99999999999999999999999", 400, "bad_parameter"),
        ("/api/v1/log/proof/inclusion?index=\u00b2", 400, "bad_parameter"),  # "²".isdigit() is True
        ("/api/v1/log/proof/inclusion?index=\u0663&tree_size=5", 400, "bad_parameter"),
        ("/api/v1/log/proof/inclusion?index=1.0", 400, "bad_parameter"),
        ("/api/v1/log/proof/inclusion?index=+1", 400, "bad_parameter"),
        ("/api/v1/log/proof/inclusion?index=0x1", 400, "bad_parameter"),
        ("/api/v1/log/proof/consistency?first=1&second=\u00b2", 400, "bad_parameter"),
        ("/api/v1/log/proof/consistency?second=10", 400, "missing_parameter"),
        ("/api/v1/log/proof/consistency?first=600&second=600&encoding=HEX", 400, "bad_encoding"),
        ("/api/v1/log/proof/consistency?first=0&second=10", 400, "bad_tree_sizes"),
        ("/api/v1/log/proof/consistency?first=20&second=10", 400, "bad_tree_sizes"),
        ("/api/v1/log/proof/consistency?first=1&second=0", 400, "empty_tree"),
        ("/api/v1/log/proof/consistency?first=1&second=9999", 404, "tree_size_too_large"),
        ("/api/v1/log/proof/consistency?first=601", 400, "bad_tree_sizes"),
    ],
)
def test_bad_queries_get_a_4xx_with_a_reason(client, log_of_600, url, status, reason):
    response = client.get(url)
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["reason"] == reason and error["message"]


NUMBERS = st.one_of(
    st.text(max_size=25),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["0", "1", "599", "600", "601", "00", "9" * 19, "9" * 20, "1e3", "\u00b2", " 1"]),
)


@hypothesis_settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    endpoint=st.sampled_from(["inclusion?index={}&tree_size={}", "consistency?first={}&second={}"]),
    a=NUMBERS,
    b=NUMBERS,
)
def test_no_proof_query_gets_a_500(client, log_of_600, endpoint, a, b):
    url = "/api/v1/log/proof/" + endpoint.format(urllib.parse.quote(a), urllib.parse.quote(b))
    response = client.get(url)  # the test client re-raises a view's exception: a 500 fails here
    assert response.status_code in {200, 400, 404}, url


@hypothesis_settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    prefix=st.sampled_from(["/log/tile/0/", "/log/tile/1/", "/log/tile/entries/", "/log/tile/"]),
    path=st.text(alphabet="x0123456789/.p-\u0663 ", max_size=40),
)
def test_no_tile_path_gets_a_500(client, log_of_600, prefix, path):
    response = client.get(prefix + urllib.parse.quote(path))
    # 301: CommonMiddleware's APPEND_SLASH for "/log/tile/0".
    assert response.status_code in {200, 301, 400, 404}, prefix + path


def test_wrong_methods_get_405(client, office_client):
    for method, url in [
        ("post", "/log/checkpoint"),
        ("put", "/log/key"),
        ("post", "/log/tile/0/000"),
        ("delete", "/log/tile/entries/000"),
        ("delete", "/api/v1/log/entries/0"),
        ("post", "/api/v1/log/proof/inclusion?index=0"),
        ("put", "/api/v1/log/proof/consistency?first=1"),
    ]:
        assert getattr(client, method)(url).status_code == 405, (method, url)
    assert office_client.get("/api/v1/log/entries").status_code == 405
    assert office_client.delete("/api/v1/log/submissions/1").status_code == 405


# --- appending over HTTP (office administrators) -----------------------------------------


@pytest.fixture
def office_client():
    client = APIClient()
    client.force_authenticate(factories.office_admin())
    return client


def test_the_office_appends_a_raw_record_and_follows_it(office_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # integration runs after commit
        response = office_client.post(
            "/api/v1/log/entries", '{"type":"note", "text":"hello"}', content_type="application/json"
        )
    assert response.status_code == 202
    submission = response.json()
    assert submission["status"] == "pending" and submission["leaf_index"] is None
    assert bytes(LogEntry.objects.get(pk=submission["id"]).body) == b'{"text":"hello","type":"note"}'
    status = office_client.get(f"/api/v1/log/submissions/{submission['id']}").json()
    assert (status["id"], status["status"]) == (submission["id"], "integrated")
    assert LogEntry.objects.get(leaf_index=status["leaf_index"]).pk == submission["id"]


@pytest.mark.parametrize(
    ("payload", "status", "reason"),
    [
        ('{"a":', 400, "malformed_json"),
        ("", 400, "malformed_json"),
        ("[1]", 400, "not_an_object"),
        ('{"a":1,"a":2}', 400, "duplicate_key"),
        ('{"a":NaN}', 400, "bad_number"),
        ('{"a":9007199254740993}', 400, "bad_number"),
        ('{"type":"note","n":1e17}', 400, "bad_number"),  # accepted once, and broke the audit
        ('{"a":{"b":[1,-1e300]}}', 400, "bad_number"),
        ('{"time":1e17}', 400, "bad_time"),
        ('{"time":"0001-01-01T00:00:00Z"}', 400, "bad_time"),
        ('{"time":"9999-12-31T23:59:59Z"}', 400, "bad_time"),
        ('{"time":"2026-12-03 10:00"}', 400, "bad_time"),
        ('{"effective":"1999-12-31T23:59:59Z"}', 400, "bad_time"),
        ('{"a":' + "[" * 100_000 + "]" * 100_000 + "}", 400, "too_deep"),
        ('{"a":"\\ud800"}', 400, "not_canonicalizable"),
        ('{"text":"' + "x" * 20000 + '"}', 413, "record_too_large"),
    ],
)
def test_bad_records_are_refused_with_a_reason(office_client, payload, status, reason):
    before = LogEntry.objects.count()
    response = office_client.post("/api/v1/log/entries", payload, content_type="application/json")
    assert response.status_code == status
    assert response.json()["error"]["reason"] == reason
    assert LogEntry.objects.count() == before


def test_only_the_office_may_append_raw_records(client):
    brand_admin = factories.user(factories.brand("acme"), Role.BRAND_ADMIN)  # writes its own entries
    before = LogEntry.objects.count()
    assert client.post("/api/v1/log/entries", "{}", content_type="application/json").status_code == 401
    assert client.get("/api/v1/log/submissions/1").status_code == 401
    client.force_authenticate(brand_admin)
    assert client.post("/api/v1/log/entries", "{}", content_type="application/json").status_code == 403
    assert client.get("/api/v1/log/submissions/1").status_code == 403
    assert LogEntry.objects.count() == before


def test_an_unknown_submission_is_a_404(office_client):
    response = office_client.get("/api/v1/log/submissions/12345")
    assert (response.status_code, response.json()["error"]["reason"]) == (404, "no_such_submission")


# --- clients over real HTTP -------------------------------------------------------------


def http_get(server, path: str) -> bytes:
    with urllib.request.urlopen(server.url + path, timeout=10) as response:
        return response.read()


@pytest.mark.django_db(transaction=True)
def test_a_tlog_tiles_client_over_http_proves_an_entry_from_tiles_alone(live_server):
    """What a standard tlog-tiles client does: key, checkpoint, then tiles and bundles only."""
    make_log()
    verifier = Verifier.from_vkey(http_get(live_server, "/log/key").decode())
    checkpoint = open_checkpoint(http_get(live_server, "/log/checkpoint").decode(), verifier)
    size = checkpoint.size
    fetched = []

    def fetch_tiles(keys):
        tiles = {}
        for level, index in keys:
            width = min(TILE_WIDTH, (size >> (8 * level)) - index * TILE_WIDTH)
            if width > 0:
                fetched.append(tile_path(level, index, width))
                tiles[(level, index)] = http_get(live_server, "/log/" + fetched[-1])
        return tiles

    tree = TiledTree(size, fetch_tiles)
    assert tree.root() == checkpoint.root_hash
    for index in (0, 300, 599):
        bundle = tile_path(
            "entries", index // TILE_WIDTH, min(TILE_WIDTH, size - index // TILE_WIDTH * TILE_WIDTH)
        )
        entry = split_bundle(http_get(live_server, "/log/" + bundle))[index % TILE_WIDTH]
        assert json.loads(entry) == {"n": index, "type": "test"}
        verify_inclusion(index, size, leaf_hash(entry), tree.inclusion_proof(index), checkpoint.root_hash)
    assert set(fetched) <= {"tile/0/000", "tile/0/001", "tile/0/002.p/88", "tile/1/000.p/2"}


DOCS = Path(__file__).resolve().parents[3] / "docs" / "ledger.md"


def docs_verifier(server, vkey: str) -> dict:
    """The stand-alone verifier of docs/ledger.md, pointed at this node."""
    text = DOCS.read_text()
    section = text[text.index("## How a third party verifies the log") :]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace = {"__name__": "docs_example"}
    exec(compile(code, str(DOCS), "exec"), namespace)  # our own documentation
    namespace.update(NODE=server.url, VKEY=vkey)
    return namespace


@pytest.mark.django_db(transaction=True)
def test_the_third_party_verifier_in_the_docs_checks_a_live_log(live_server):
    make_log(size=300, batch=300)
    docs = docs_verifier(live_server, http_get(live_server, "/log/key").decode().strip())
    size, root = docs["checkpoint"]()
    assert (size, root) == (300, root_from_leaf_hashes(HASHES[:300]))
    assert docs["check_inclusion"](257, size, root) == {"n": 257, "type": "test"}
    with pytest.raises(AssertionError):
        docs["check_inclusion"](257, size, bytes(32))

    log.append_many({"type": "test", "n": n} for n in range(300, 600))
    log.integrate_pending()
    new_size, new_root = docs["checkpoint"]()
    assert new_size == 600
    assert docs["check_inclusion"](599, new_size, new_root) == {"n": 599, "type": "test"}
    for old_size in (1, 7, 256, 299, 300, 600):
        docs["check_consistency"](old_size, root_from_leaf_hashes(HASHES[:old_size]), new_size, new_root)
    with pytest.raises(AssertionError, match="rewrote"):
        docs["check_consistency"](size, leaf_hash(b"a forged tree"), new_size, new_root)

    docs["VKEY"] = Signer.generate(TEST_SIGNER.name).verifier.vkey  # another key of the same name
    with pytest.raises(AssertionError, match="not signed"):
        docs["checkpoint"]()
