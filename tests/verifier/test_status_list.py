"""The offline status list: recalled, stolen and destroyed items as compact Golomb-coded
sets signed by the office, with deltas of the changes since a phone's version."""

import hashlib

import pytest

from ipchain.registry import items, rights
from ipchain.registry.keys import active_key, the_office
from ipchain.registry.signing import PublicKey, b64url_decode
from tests import factories
from verifier import golomb, status_list
from verifier.models import StatusChange

pytestmark = pytest.mark.django_db


def test_golomb_sets_round_trip_and_keep_their_false_positive_rate():
    listed = [golomb.item_hash("09506000134352", f"S{n}") for n in range(20_000)]
    data = golomb.encode(listed, 14)
    assert golomb.decode(data, len(listed), 14) == golomb.mapped(listed, len(listed), 14)
    assert len(data) * 8 / len(listed) < 16  # about P + 1.5 bits an item
    values = set(golomb.decode(data, len(listed), 14))
    others = [golomb.item_hash("09506000134352", f"X{n}") for n in range(100_000)]
    false = sum((h * (len(listed) << 14)) >> 64 in values for h in others)
    assert false < 100_000 / 2**14 * 3  # about 6 expected
    assert golomb.encode([], 14) == b"" and not golomb.contains(b"", 0, 14, listed[0])


def verified(data: bytes) -> tuple[dict, bytes]:
    envelope, header, blob = status_list.parse(data)
    office_key = active_key(the_office())
    assert envelope["kid"] == office_key.kid
    assert PublicKey.from_pem(office_key.public_pem).verify(
        b64url_decode(envelope["payload"]), b64url_decode(envelope["sig"])
    )
    assert hashlib.sha256(blob).hexdigest() == header["blob_sha256"]
    return header, blob


@pytest.fixture
def world():
    brand = factories.brand("acme")
    product = factories.product(brand)
    admin = factories.brand_admin(brand)
    made = {
        s: items.register_item(actor=admin, brand=brand, gtin=product.gtin, serial=s)
        for s in ("A", "R", "T", "D")
    }
    items.record_event(actor=admin, item=made["R"], kind="recalled")
    items.record_event(actor=admin, item=made["T"], kind="stolen")
    items.record_event(actor=admin, item=made["D"], kind="decommissioned")
    return product, admin, made


def test_the_full_list_holds_each_listed_item_in_its_status_set(client, world):
    product, _admin, _made = world
    answer = client.get("/verify/status-list")
    assert answer.status_code == 200 and answer["Content-Type"] == "application/octet-stream"
    header, blob = verified(answer.content)
    last = StatusChange.objects.latest("id").id  # ids are the versions (sequences never go back)
    assert header["type"] == "status_list" and header["version"] == last and header["p"] == 14
    assert header["checkpoint"].startswith("test.ipchain.example/log\n")
    offset, sets = 0, {}
    for entry in header["sets"]:
        sets[entry["status"]] = (blob[offset : offset + entry["bytes"]], entry["n"])
        offset += entry["bytes"]
    for serial, status in (("R", "recalled"), ("T", "stolen"), ("D", "destroyed")):
        data, n = sets[status]
        assert golomb.contains(data, n, 14, golomb.item_hash(product.gtin, serial))
    data, n = sets["recalled"]
    assert not golomb.contains(data, n, 14, golomb.item_hash(product.gtin, "A"))


def test_a_delta_carries_the_changes_since_a_version(client, world, settings):
    product, admin, made = world
    first = StatusChange.objects.order_by("id").first().id
    items.record_event(actor=admin, item=made["R"], kind="destroyed")  # recalled, then destroyed
    last = StatusChange.objects.latest("id").id
    header, blob = verified(client.get(f"/verify/status-list?since={first}").content)
    assert (header["type"], header["from"], header["version"], header["count"]) == (
        "status_delta",
        first,
        last,
        3,
    )
    changes = {blob[i : i + 8]: blob[i + 8] for i in range(0, len(blob), 9)}
    assert changes == {
        golomb.item_hash(product.gtin, "T").to_bytes(8, "big"): 2,
        golomb.item_hash(product.gtin, "D").to_bytes(8, "big"): 3,
        golomb.item_hash(product.gtin, "R").to_bytes(8, "big"): 3,  # its latest status only
    }
    # 9 bytes a change and an envelope under 1 KB: a day's 10,000 changes fit in 100 KB.
    assert len(client.get(f"/verify/status-list?since={first}").content) - 9 * 3 < 1000
    assert verified(client.get(f"/verify/status-list?since={last}").content)[0]["count"] == 0
    settings.IPCHAIN_STATUS_DELTA_MAX = 2
    too_many = client.get("/verify/status-list?since=0")
    assert (too_many.status_code, too_many.json()["error"]["reason"]) == (410, "delta_too_large")
    for bad in ("x", "-1", "1" * 30, "²"):
        assert client.get("/verify/status-list", {"since": bad}).status_code == 400


def test_a_suspected_clone_is_listed_for_a_while_then_leaves_the_list(client, world, settings):
    product, _admin, made = world
    status_list.clone_suspected(made["A"])
    status_list.clone_suspected(made["A"])  # seen again: listed once
    assert StatusChange.objects.filter(status="suspected_clone").count() == 1
    header, blob = verified(status_list.build_full_list())
    sizes = {entry["status"]: entry["n"] for entry in header["sets"]}
    assert sizes == {"recalled": 1, "stolen": 1, "destroyed": 1, "suspected_clone": 1, "revoked": 0}
    offset = sum(entry["bytes"] for entry in header["sets"][:3])
    assert golomb.contains(blob[offset:], 1, 14, golomb.item_hash(product.gtin, "A"))
    clone = StatusChange.objects.get(status="suspected_clone")
    _header, delta = verified(status_list.delta(clone.id - 1))
    assert delta == golomb.item_hash(product.gtin, "A").to_bytes(8, "big") + bytes([4])
    settings.IPCHAIN_STATUS_CLONE_DAYS = 0  # the suspicion has aged out of the list
    header, _blob = verified(status_list.build_full_list())
    assert {entry["status"]: entry["n"] for entry in header["sets"]}["suspected_clone"] == 0


def test_labels_whose_right_no_longer_holds_them_are_listed_as_revoked(client, world):
    """An assignment effective before it was recorded: labels the old owner signed since are
    revoked (docs/rules.md), in the list and in a delta, as code 5."""
    product, _admin, made = world
    right = product.brand.ip_rights.get()
    since = StatusChange.objects.latest("id").id
    newco = factories.brand("newco")
    rights.assign(
        actor=factories.office_admin(),
        right=right,
        new_owner=newco,
        effective_date=made["A"].registered_at.date(),
        consent="Deed 1",
    )
    header, blob = verified(status_list.build_full_list())
    sets, offset = {}, 0
    for entry in header["sets"]:
        sets[entry["status"]] = (blob[offset : offset + entry["bytes"]], entry["n"])
        offset += entry["bytes"]
    data, n = sets["revoked"]
    assert n == 1  # A: the recalled, stolen and destroyed items are listed by their status
    assert golomb.contains(data, n, 14, golomb.item_hash(product.gtin, "A"))
    _header, delta = verified(status_list.delta(since))
    changes = {delta[i : i + 8]: delta[i + 8] for i in range(0, len(delta), 9)}
    assert changes[golomb.item_hash(product.gtin, "A").to_bytes(8, "big")] == 5
    assert len(changes) == 1  # the recalled, stolen and destroyed items keep their statuses
