"""A peer office's rights, from its mirrored log: its labels' standing in verdicts here, and
its rule runs replayed exactly, a forged or missing firing found."""

import json
from datetime import UTC, date, datetime

import pytest

from ipchain.federation import peer_keys, peer_rights
from ipchain.federation.status import federation_status
from ipchain.registry import records, right_rules

from .test_peer_items import GTIN, PeerOffice, sync, verify
from .test_peer_items import log as log
from .test_peer_items import office as office
from .test_peer_items import peer as peer
from .test_peer_items import served as served

pytestmark = pytest.mark.django_db

RIGHT = {"office": "EM", "kind": "trademark", "number": "018000001"}
RUN_AT = datetime(2024, 8, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fresh_rights():
    peer_rights.forget()
    yield
    peer_rights.forget()


def add_rights(office: PeerOffice) -> None:
    registered = records.right_record(
        records.RIGHT_REGISTERED,
        right=RIGHT,
        moment=datetime(2014, 1, 2, tzinfo=UTC),
        owner="acme",
        registered="2014-01-01",
        expiry="2024-01-01",
    )
    office.add(registered, office.office)
    product = records.product_rights_record(
        brand="acme", gtin=GTIN, rights=[RIGHT], guide="0" * 64, moment=datetime(2014, 1, 2, tzinfo=UTC)
    )
    office.add(product, office.brand)


def add_run(office: PeerOffice, *, drop: str = "", forge: bool = False) -> None:
    """The peer's rule run at RUN_AT, as its node writes it (or with a firing left out)."""
    upto = len(office.log.entries)
    entries = [(i, record) for i, record in enumerate(map(_parse, office.log.entries))]
    ledger = right_rules.fold_all((i, r) for i, r in entries if r.get("type") in records.RIGHT_TYPES)
    firings = right_rules.evaluate(ledger, on=RUN_AT.date(), params=right_rules.Parameters())
    time = records.timestamp(RUN_AT)
    kept = [f for f in firings if f.rule != drop]
    for firing in kept:
        office.add(right_rules.firing_record(firing, run=upto, time=time), office.office)
    if forge:
        extra = right_rules.Firing(
            "lapse", records.RIGHT_LAPSED, "EM/trademark/018000001", {"effective_date": "2023-01-01"}, ()
        )
        office.add(right_rules.firing_record(extra, run=upto, time=time), office.office)
    run = records.rules_evaluated_record(
        ruleset=right_rules.RULESET,
        params=right_rules.Parameters().as_record(),
        upto=upto,
        firings=len(firings),
        moment=RUN_AT,
    )
    office.add(run, office.office)


def _parse(body: bytes) -> dict:
    return json.loads(body)


def test_a_peer_label_signed_after_its_right_lapsed_is_revoked_one_before_stands(office, peer):
    add_rights(office)
    before = office.register("OLD", moment=datetime(2023, 6, 1, tzinfo=UTC))
    add_run(office)
    after = office.register("NEW")  # 2026: the peer's log says the right lapsed on 2024-01-02
    sync(peer)
    assert verify(before)["verdict"] == "genuine"
    body = verify(after)
    assert body["verdict"] == "revoked"
    assert [r["code"] for r in body["reasons"]] == ["peer_registered", "right_lapsed"]
    assert peer_rights.replay_peer(peer) == []


def test_a_peer_that_never_logged_rights_keeps_its_verdicts(office, peer):
    code = office.register("P1")
    sync(peer)
    assert verify(code)["verdict"] == "genuine"
    assert peer_rights.peer_standing(peer, brand="acme", gtin=GTIN, day=date(2026, 1, 1)) is None


def test_a_firing_the_peer_left_out_is_found(office, peer):
    add_rights(office)
    add_run(office, drop="lapse")
    sync(peer)
    assert [p.reason for p in peer_rights.replay_peer(peer)] == ["missing_firing"]


def test_a_firing_no_rule_made_is_found_and_the_peer_is_not_healthy(office, peer):
    add_rights(office)
    add_run(office, forge=True)
    sync(peer)
    assert [p.reason for p in peer_rights.replay_peer(peer)] == ["extra_firing"]
    (status,) = federation_status()
    assert status.healthy is False and "no rule of the run makes it" in status.rule_problems[0]


def test_a_firing_signed_by_the_brand_not_the_office_does_not_count(office, peer):
    add_rights(office)
    upto = len(office.log.entries)
    lapse = right_rules.Firing(
        "lapse", records.RIGHT_LAPSED, "EM/trademark/018000001", {"effective_date": "2024-01-02"}, ()
    )
    office.add(right_rules.firing_record(lapse, run=upto, time=records.timestamp(RUN_AT)), office.brand)
    sync(peer)
    peer_keys.forget()
    reasons = [p.reason for p in peer_rights.replay_peer(peer)]
    assert reasons == ["bad_signature"]
