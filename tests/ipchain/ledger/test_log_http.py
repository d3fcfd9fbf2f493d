"""The log over HTTP: tiles for standard clients, JSON for others; bad input is a 4xx."""

import base64

import pytest
from rest_framework.test import APIClient

from ipchain.accounts.models import Role
from ipchain.ledger import log
from ipchain.ledger.merkle import inclusion_proof, leaf_hash, verify_inclusion
from ipchain.ledger.notes import Verifier, open_checkpoint
from ipchain.ledger.tiles import TiledTree, tile_path
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def log_of_600():
    log.append_many({"type": "test", "n": n} for n in range(600))
    log.integrate_pending(batch_size=250)


@pytest.fixture
def client():
    return APIClient()


def test_checkpoint_and_key_are_public_text(client, log_of_600):
    response = client.get("/log/checkpoint")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response["Cache-Control"] == "no-cache"
    verifier = Verifier.from_vkey(client.get("/log/key").content.decode())
    assert open_checkpoint(response.content.decode(), verifier).size == 600


def test_a_standard_tiles_client_can_prove_an_entry(client, log_of_600):
    """Read only the tile endpoints, as a tlog-tiles client does, and check an entry."""
    verifier = Verifier.from_vkey(client.get("/log/key").content.decode())
    checkpoint = open_checkpoint(client.get("/log/checkpoint").content.decode(), verifier)

    def fetch(keys):
        tiles = {}
        for level, index in keys:
            width = min(256, (checkpoint.size >> (8 * level)) - index * 256)
            path = tile_path(level, index, width if width < 256 else 256)
            response = client.get("/log/" + path)
            if response.status_code == 200:
                tiles[(level, index)] = response.content
        return tiles

    tree = TiledTree(checkpoint.size, fetch)
    assert tree.root() == checkpoint.root_hash
    bundle = client.get("/log/tile/entries/002.p/88").content
    entries, offset = [], 0
    while offset < len(bundle):
        length = int.from_bytes(bundle[offset : offset + 2], "big")
        entries.append(bundle[offset + 2 : offset + 2 + length])
        offset += 2 + length
    assert len(entries) == 88 and entries[0] == b'{"n":512,"type":"test"}'
    proof = tree.inclusion_proof(599)
    verify_inclusion(599, 600, leaf_hash(entries[-1]), proof, checkpoint.root_hash)


def test_full_tiles_are_immutable_and_partial_ones_served_at_their_width(client, log_of_600):
    full = client.get("/log/tile/0/001")
    assert full.status_code == 200 and len(full.content) == 256 * 32
    assert full["Cache-Control"] == "public, max-age=31536000, immutable"
    partial = client.get("/log/tile/0/002.p/10")
    assert partial.status_code == 200 and len(partial.content) == 10 * 32
    assert len(client.get("/log/tile/1/000.p/2").content) == 64
    assert len(client.get("/log/tile/entries/000").content) > 256 * 2


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


def test_json_entry_and_proofs(client, log_of_600):
    entry = client.get("/api/v1/log/entries/7").json()
    assert entry["record"] == {"type": "test", "n": 7}
    assert base64.b64decode(entry["leaf_hash"]) == leaf_hash(b'{"n":7,"type":"test"}')
    hexed = client.get("/api/v1/log/entries/7?encoding=hex").json()
    assert bytes.fromhex(hexed["leaf_hash"]) == base64.b64decode(entry["leaf_hash"])

    proof = client.get("/api/v1/log/proof/inclusion?index=7&tree_size=500").json()
    hashes = [leaf_hash(f'{{"n":{n},"type":"test"}}'.encode()) for n in range(600)]
    expected = inclusion_proof(7, 500, lambda a, b: _mth(hashes[a:b]))
    assert [base64.b64decode(h) for h in proof["proof"]] == expected

    consistency = client.get("/api/v1/log/proof/consistency?first=250&second=600").json()
    assert consistency["first"] == 250 and consistency["second"] == 600 and consistency["proof"]
    latest = client.get("/api/v1/log/proof/consistency?first=250").json()
    assert latest["second"] == 600


def _mth(hashes):
    from ipchain.ledger.merkle import root_from_leaf_hashes

    return root_from_leaf_hashes(hashes)


@pytest.mark.parametrize(
    ("url", "status", "reason"),
    [
        ("/api/v1/log/entries/600", 404, "no_such_entry"),
        ("/api/v1/log/entries/1?encoding=base32", 400, "bad_encoding"),
        ("/api/v1/log/proof/inclusion?index=600&tree_size=600", 404, "index_out_of_range"),
        ("/api/v1/log/proof/inclusion?index=1&tree_size=601", 404, "tree_size_too_large"),
        ("/api/v1/log/proof/inclusion?index=0&tree_size=0", 400, "empty_tree"),
        ("/api/v1/log/proof/inclusion?index=-1", 400, "bad_parameter"),
        ("/api/v1/log/proof/inclusion?index=abc", 400, "bad_parameter"),
        ("/api/v1/log/proof/inclusion", 400, "missing_parameter"),
        ("/api/v1/log/proof/inclusion?index=99999999999999999999999", 400, "bad_parameter"),
        ("/api/v1/log/proof/inclusion?index=\u00b2", 400, "bad_parameter"),  # "²".isdigit() is True
        ("/api/v1/log/proof/inclusion?index=\u0663&tree_size=5", 400, "bad_parameter"),
        ("/api/v1/log/proof/inclusion?index=1.0", 400, "bad_parameter"),
        ("/api/v1/log/proof/inclusion?index=+1", 400, "bad_parameter"),
        ("/api/v1/log/proof/consistency?first=1&second=\u00b2", 400, "bad_parameter"),
        ("/api/v1/log/proof/consistency?second=10", 400, "missing_parameter"),
        ("/api/v1/log/proof/consistency?first=600&second=600&encoding=HEX", 400, "bad_encoding"),
        ("/api/v1/log/proof/consistency?first=0&second=10", 400, "bad_tree_sizes"),
        ("/api/v1/log/proof/consistency?first=20&second=10", 400, "bad_tree_sizes"),
        ("/api/v1/log/proof/consistency?first=1&second=9999", 404, "tree_size_too_large"),
    ],
)
def test_bad_queries_get_a_4xx_with_a_reason(client, log_of_600, url, status, reason):
    response = client.get(url)
    assert response.status_code == status
    assert response.json()["error"]["reason"] == reason


def test_wrong_method_is_405(client):
    assert client.post("/log/checkpoint").status_code == 405
    assert client.delete("/api/v1/log/entries/0").status_code == 405


@pytest.fixture
def office_client(client):
    client.force_authenticate(factories.office_admin())
    return client


def test_the_office_appends_a_raw_record_and_follows_it(office_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # integration runs after commit
        response = office_client.post(
            "/api/v1/log/entries", '{"type":"note","text":"hello"}', content_type="application/json"
        )
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "pending"
    status = office_client.get(f"/api/v1/log/submissions/{body['id']}").json()
    assert status["status"] == "integrated" and status["leaf_index"] is not None


@pytest.mark.parametrize(
    ("payload", "status", "reason"),
    [
        ('{"a":', 400, "malformed_json"),
        ("[1]", 400, "not_an_object"),
        ('{"a":1,"a":2}', 400, "duplicate_key"),
        ('{"a":NaN}', 400, "bad_number"),
        ('{"a":' + "[" * 100_000 + "]" * 100_000 + "}", 400, "too_deep"),
        ('{"a":"\\ud800"}', 400, "not_canonicalizable"),
        ("", 400, "malformed_json"),
        ('{"text":"' + "x" * 20000 + '"}', 413, "record_too_large"),
    ],
)
def test_bad_records_are_refused(office_client, payload, status, reason):
    response = office_client.post("/api/v1/log/entries", payload, content_type="application/json")
    assert response.status_code == status
    assert response.json()["error"]["reason"] == reason


def test_only_the_office_may_append_raw_records(client):
    assert client.post("/api/v1/log/entries", "{}", content_type="application/json").status_code == 401
    client.force_authenticate(factories.user(factories.brand("acme"), Role.BRAND_ADMIN))
    assert client.post("/api/v1/log/entries", "{}", content_type="application/json").status_code == 403
