"""Verdicts for items a peer office registered, from its mirrored log, through the verify API.

The peer is a PeerLog of real signed records (office anchor key, admitted brand, brand key,
item, events), served over HTTP on 127.0.0.1 and mirrored before each verification.
"""

import base64
import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from ipchain.accounts.models import Role
from ipchain.federation import mirror, peer_keys
from ipchain.federation.models import MirroredEntry, Peer, SplitViewEvidence
from ipchain.ledger import tlogproof
from ipchain.ledger.merkle import leaf_hash, verify_inclusion
from ipchain.ledger.models import LogEntry
from ipchain.ledger.notes import Verifier, open_checkpoint
from ipchain.registry import items, records
from ipchain.registry.audit import check_record_signatures
from ipchain.registry.digital_link import build_label_uri, label_message
from ipchain.registry.keys import active_key
from ipchain.registry.signing import PrivateKey, PublicKey, b64url_encode, sign_record, verify_record
from tests import factories
from verifier import evidence, golomb, status_list, verification
from verifier.models import Alert, Scan, StatusChange
from verifier.trustlist import trust_list_payload

from .conftest import TEST_WITNESS, add_peer
from .peerlog import PeerLog

pytestmark = pytest.mark.django_db

GTIN = "09506000134352"
T0 = datetime(2026, 11, 24, 10, tzinfo=UTC)
T1 = datetime(2026, 11, 25, 10, tzinfo=UTC)


class PeerOffice:
    """Another office's registry, writing its records as ipchain/registry does."""

    def __init__(self, log: PeerLog):
        self.log = log
        self.office = PrivateKey.generate()
        self.brand = PrivateKey.generate()
        self.heads: dict[str, bytes] = {}
        self.add(self._key_record("office-a", self.office), self.office)  # the self-signed anchor
        admitted = records.org_decision_record(
            decision="admitted",
            org="acme",
            name="Acme Outdoor",
            country="VN",
            ip_rights=[],
            reason="",
            moment=T0,
        )
        self.add(admitted, self.office)
        self.add(self._key_record("acme", self.brand), self.office)

    @staticmethod
    def _key_record(org: str, key: PrivateKey) -> dict:
        return records.key_registered_record(
            org=org,
            key_id=key.public_key.key_id,
            jwk=key.public_key.to_jwk(),
            custody="node",
            replaces=None,
            moment=T0,
        )

    def add(self, record: dict, key: PrivateKey) -> bytes:
        signed = sign_record(record, key)
        self.log.append_records([signed])
        return self.log.entries[-1]

    def register(self, serial: str, *, key: PrivateKey | None = None, moment: datetime = T0) -> str:
        key = key or self.brand
        label = key.sign(label_message(GTIN, serial))
        record = records.item_registered_record(
            brand="acme", gtin=GTIN, serial=serial, label_sig=b64url_encode(label), moment=moment
        )
        self.heads[serial] = leaf_hash(self.add(record, key))
        return build_label_uri("peer.example", GTIN, serial, key.public_key.key_id, label)

    def event(
        self, serial: str, kind: str, *, key: PrivateKey | None = None, prev: bytes | None = None
    ) -> None:
        record = records.item_event_record(
            event=kind,
            gtin=GTIN,
            serial=serial,
            prev=prev or self.heads[serial],
            by="acme",
            details={},
            moment=T1,
        )
        self.heads[serial] = leaf_hash(self.add(record, key or self.brand))

    def revoke_brand_key(self, effective: datetime) -> None:
        record = records.key_revoked_record(
            org="acme", key_id=self.brand.public_key.key_id, reason="stolen", effective=effective, moment=T1
        )
        self.add(record, self.office)


@pytest.fixture(autouse=True)
def fresh_verifier(settings):
    evidence.forget()
    verification.forget()
    peer_keys.forget()
    yield
    peer_keys.forget()


@pytest.fixture
def log():
    return PeerLog(origin="node-a.example/log")


@pytest.fixture
def office(log):
    return PeerOffice(log)


@pytest.fixture
def served(log, office):
    with log.serve() as server:
        yield server


@pytest.fixture
def peer(log, served):
    return add_peer(log, url=served.url, name="office-a")


def sync(peer):
    peer_keys.forget()
    result = mirror.sync_peer(Peer.objects.get(pk=peer.pk))
    assert result.status in {"advanced", "up_to_date"}, result
    return result


def verify(code: str, *, as_officer: bool = False) -> dict:
    client = APIClient()
    if as_officer:
        client.force_authenticate(officer_client_user())
    response = client.post("/api/v1/verify", {"code": code}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def officer_client_user():
    from ipchain.accounts.models import Organisation

    authority = Organisation.objects.filter(slug="peer-customs").first() or factories.customs("peer-customs")
    return factories.user(authority, Role.CUSTOMS_OFFICER)


def officer_browser():
    client = APIClient()
    client.force_login(officer_client_user())
    return client


def test_a_peer_item_is_genuine_with_its_office_and_the_peer_log_as_evidence(log, office, peer):
    code = office.register("P1")
    office.register("P2")
    sync(peer)
    body = verify(code)
    assert body["verdict"] == "genuine"
    assert body["registered_by"]["office"] == "office-a"
    assert body["registered_by"]["origin"] == "node-a.example/log"
    assert [r["code"] for r in body["reasons"]] == ["peer_registered", "registered", "signature_matches"]
    assert "office-a (node-a.example/log) by Acme Outdoor" in body["reasons"][0]["text"]
    assert body["peer_item"]["brand_name"] == "Acme Outdoor"
    assert body["item"] is None  # not an item of this node: no case can be opened on it here
    # The evidence is the peer's own signed checkpoint and an inclusion proof anyone can check.
    found = body["evidence"]
    assert (found["office"], found["inclusion_proof_checked"], found["trusted"]) == ("office-a", True, True)
    checkpoint = open_checkpoint(found["checkpoint"], Verifier.from_vkey(log.vkey))
    assert found["checkpoint_size"] == checkpoint.size == len(log.entries)
    proof = [base64.b64decode(h) for h in found["inclusion_proof"]]
    leaf = base64.b64decode(found["leaf_hash"])
    assert leaf == leaf_hash(log.entries[found["ledger_index"]])
    verify_inclusion(found["ledger_index"], checkpoint.size, leaf, proof, checkpoint.root_hash)
    scan = Scan.objects.get()
    assert (scan.verdict, scan.item, scan.serial) == ("genuine", None, "P1")
    # The same as a file to keep, that holds with the peer's log key alone.
    proven = tlogproof.verify(tlogproof.parse(found["tlog_proof"]), Verifier.from_vkey(log.vkey))
    assert (proven.index, proven.origin) == (found["ledger_index"], "node-a.example/log")
    assert proven.record == log.entries[found["ledger_index"]]


def test_the_label_page_names_the_registering_office(office, peer):
    code = office.register("P1")
    sync(peer)
    path = code.removeprefix("https://peer.example")
    response = officer_browser().get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-verdict="genuine"' in page
    assert "registered at office office-a (node-a.example/log) by Acme Outdoor" in page
    assert "This node has no guide for it" in page and "match the guide below" not in page
    public = APIClient().get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "registered at office office-a" in public and "This node has no guide" not in public


def test_the_label_page_shows_the_peer_items_history_from_its_office_log(office, peer):
    code = office.register("P1")
    office.event("P1", "shipped")
    office.event("P1", "recalled")
    sync(peer)
    response = officer_browser().get(code.removeprefix("https://peer.example"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-verdict="recalled"' in page
    assert "Registered at another office, office-a (node-a.example/log)" in page
    history = page.split('<ol class="history">')[1].split("</ol>")[0]
    assert [line.split("</strong>")[0] for line in history.split("<strong>")[1:]] == [
        "Registered",
        "Shipped",
        "Recalled",
    ]
    indexes = [step["ledger_index"] for step in verify(code, as_officer=True)["peer_item"]["history"]]
    # The public learns whose product it is, not its history.
    assert "history" not in verify(code)["peer_item"]
    public = APIClient().get(code.removeprefix("https://peer.example")).content.decode()
    assert '<ol class="history">' not in public
    assert [f"entry #{index} of office-a's log" in history for index in indexes] == [True] * 3
    assert "of office-a's log, which this node last reached" in page


def test_a_forged_label_signature_on_a_peer_item_is_forged(office, peer):
    office.register("P1")
    sync(peer)
    forger = PrivateKey.generate()
    code = build_label_uri(
        "x.example", GTIN, "P1", office.brand.public_key.key_id, forger.sign(label_message(GTIN, "P1"))
    )
    body = verify(code)
    assert body["verdict"] == "forged"
    assert "signature_mismatch" in [r["code"] for r in body["reasons"]]


def test_the_peers_recall_and_theft_events_are_honoured(office, peer):
    recalled, stolen = office.register("P1"), office.register("P2")
    office.event("P1", "shipped")
    office.event("P1", "recalled")
    office.event("P2", "stolen")
    sync(peer)
    body = verify(recalled, as_officer=True)
    assert body["verdict"] == "recalled"
    assert [step["event"] for step in body["peer_item"]["history"]] == ["registered", "shipped", "recalled"]
    assert verify(stolen)["verdict"] == "stolen"
    # The offline status list carries them too (phones at this office hear of a peer's theft).
    changes = StatusChange.objects.filter(item=None).order_by("serial")
    assert list(changes.values_list("gtin", "serial", "status")) == [
        (GTIN, "P1", "recalled"),
        (GTIN, "P2", "stolen"),
    ]
    factories.office()
    header, blob = status_list.parse(status_list.build_full_list())[1:]
    sizes = {entry["status"]: entry["n"] for entry in header["sets"]}
    assert (sizes["recalled"], sizes["stolen"]) == (1, 1)
    offset = header["sets"][0]["bytes"]
    assert golomb.contains(
        blob[offset : offset + header["sets"][1]["bytes"]], 1, 14, golomb.item_hash(GTIN, "P2")
    )


def test_an_event_by_an_unknown_key_changes_no_status_on_the_list(office, peer):
    office.register("P1")
    office.event("P1", "stolen", key=PrivateKey.generate())  # no key the office admitted
    sync(peer)
    assert not StatusChange.objects.exists()
    assert verify(f"https://node-a.example/01/{GTIN}/21/P1")["verdict"] != "stolen"


def test_an_event_off_the_items_chain_or_by_an_unknown_key_is_ignored(office, peer):
    code = office.register("P1")
    registration = office.heads["P1"]
    office.event("P1", "recalled", prev=b"\x00" * 32)  # not linked to the registration
    office.event("P1", "stolen", prev=registration, key=PrivateKey.generate())  # a key never admitted
    sync(peer)
    body = verify(code)
    assert body["verdict"] == "genuine"
    notes = " ".join(body["evidence"]["notes"])
    assert "prev is not the item's latest record" in notes
    assert "not a key of 'acme'" in notes


def test_a_registration_signed_by_a_key_the_office_never_admitted_does_not_count(office, peer):
    stranger = PrivateKey.generate()
    code = office.register("P1", key=stranger)
    sync(peer)
    body = verify(code)
    assert body["verdict"] == "forged"  # signed, but by no key known here or at the peer
    assert body.get("registered_by") is None


def test_keys_come_only_through_the_peer_log_signed_by_its_office(log, office, peer):
    impostor = PrivateKey.generate()  # registers a brand key, signed by itself, not the office
    office.add(PeerOffice._key_record("acme", impostor), impostor)
    code = office.register("P1", key=impostor)
    sync(peer)
    assert verify(code)["verdict"] == "forged"
    refused = peer_keys.peer_keys(Peer.objects.get(pk=peer.pk)).refused
    assert any("not an office key" in r for r in refused)


def test_a_key_revoked_before_the_registration_gives_revoked(office, peer):
    code = office.register("P1", moment=T1)
    office.revoke_brand_key(effective=T0)
    sync(peer)
    assert verify(code)["verdict"] == "revoked"


def test_a_label_signed_by_a_peer_brand_key_for_no_registered_item_is_unknown_not_forged(office, peer):
    office.register("P1")
    sync(peer)
    label = office.brand.sign(label_message(GTIN, "NEVER"))
    body = verify(build_label_uri("x.example", GTIN, "NEVER", office.brand.public_key.key_id, label))
    assert body["verdict"] == "unknown"
    assert [r["code"] for r in body["reasons"]] == ["peer_unknown_signed"]


def test_below_the_witness_quorum_the_checkpoint_is_not_trusted_and_the_item_unknown(
    log, office, peer, settings
):
    code = office.register("P1")
    settings.IPCHAIN_WITNESS_QUORUM = 1
    factories.office()  # the trust list is signed by this node's office
    sync(peer)
    body = verify(code)
    assert (body["verdict"], body["evidence"]["trusted"], body["evidence"]["quorum"]) == ("unknown", False, 1)
    assert [r["code"] for r in body["reasons"]] == ["peer_registered", "peer_untrusted"]
    assert all(k["office"]["name"] != "office-a" for k in trust_list_payload()["keys"] if "office" in k)

    # A trusted witness (this node's own, in tests) cosigns the peer's checkpoint: trusted now.
    text = log.checkpoint().split("\n\n")[0] + "\n"
    log.extra_signature_lines = TEST_WITNESS.cosign(text, int(time.time()))
    sync(peer)
    body = verify(code)
    assert (body["verdict"], body["evidence"]["trusted"]) == ("genuine", True)
    assert body["evidence"]["cosigned_by"] == [TEST_WITNESS.name]
    assert TEST_WITNESS.name in body["evidence"]["checkpoint"]

    # Only named witnesses count when IPCHAIN_TRUSTED_WITNESSES is set.
    settings.IPCHAIN_TRUSTED_WITNESSES = ["another.example/witness"]
    body = verify(code)
    assert (body["verdict"], body["evidence"]["trusted"], body["evidence"]["cosigned_by"]) == (
        "unknown",
        False,
        [],
    )


def test_the_trust_list_carries_peer_brand_keys_marked_with_their_office(office, peer):
    factories.office()
    office.register("P1")
    sync(peer)
    keys = [k for k in trust_list_payload()["keys"] if k.get("office")]
    assert [(k["kid"], k["org"], k["name"], k["kind"]) for k in keys] == [
        (office.brand.public_key.key_id, "acme", "Acme Outdoor", "brand")
    ]
    assert keys[0]["office"] == {"name": "office-a", "origin": "node-a.example/log"}
    assert keys[0]["jwk"] == office.brand.public_key.to_jwk()
    # The brand's products as the peer's log registered them: the offline product check.
    assert keys[0]["gtins"] == [GTIN]
    json.dumps(keys)  # plain JSON, as the signed payload needs
    # The peer's log key, for the proof page to check a peer item's proof offline.
    assert trust_list_payload()["peer_logs"] == [
        {
            "origin": "node-a.example/log",
            "vkey": Peer.objects.get(name="office-a").log_vkey,
            "office": "office-a",
        }
    ]


def test_the_mirror_keeps_each_brands_products_and_the_migration_finds_the_earlier_ones(office, peer):
    import importlib

    from django.apps import apps

    from ipchain.federation.models import MirroredProduct

    office.register("P1")
    office.register("P2")
    sync(peer)
    assert list(MirroredProduct.objects.values_list("peer", "brand", "gtin")) == [(peer.pk, "acme", GTIN)]
    office.register("P3")
    sync(peer)  # a product already known: no second row
    assert MirroredProduct.objects.count() == 1
    MirroredProduct.objects.all().delete()  # as mirrored before the table existed
    migration = importlib.import_module("ipchain.federation.migrations.0002_mirroredproduct")
    migration.fill_products(apps, None)
    assert list(MirroredProduct.objects.values_list("peer", "brand", "gtin")) == [(peer.pk, "acme", GTIN)]


def test_a_revoked_peer_key_is_in_the_trust_list_with_its_revocation(office, peer):
    factories.office()
    office.register("P1")
    office.revoke_brand_key(effective=T1)
    sync(peer)
    [key] = [k for k in trust_list_payload()["keys"] if k.get("office")]
    assert (key["status"], key["revoked_from"]) == ("revoked", "2026-11-25T10:00:00Z")


def test_an_office_no_longer_mirrored_vouches_for_nothing(office, peer):
    code = office.register("P1")
    sync(peer)
    Peer.objects.filter(pk=peer.pk).update(mirror_its_log=False)
    body = verify(code)
    assert body["verdict"] == "forged"  # its brand key is no longer known here either
    assert body.get("registered_by") is None


def test_a_signed_registration_with_a_malformed_time_is_not_valid_and_not_a_500(office, peer):
    label = office.brand.sign(label_message(GTIN, "P1"))
    record = records.item_registered_record(
        brand="acme", gtin=GTIN, serial="P1", label_sig=b64url_encode(label), moment=T0
    )
    office.add(record | {"time": "yesterday"}, office.brand)
    sync(peer)
    body = verify(build_label_uri("x.example", GTIN, "P1", office.brand.public_key.key_id, label))
    assert body["verdict"] == "unknown"  # signed by the peer brand's key, but no valid registration
    assert "is not valid" in " ".join(body["evidence"]["notes"])


def test_a_proven_split_view_by_the_office_is_noted_in_the_evidence(office, peer):
    code = office.register("P1")
    sync(peer)
    SplitViewEvidence.objects.create(
        peer=peer,
        seen_by="witness",
        reason="root_mismatch",
        proven=True,
        first_size=1,
        first_note="a",
        second_size=1,
        second_note="b",
    )
    body = verify(code)
    assert body["verdict"] == "genuine"  # the history the mirror verified still proves it
    assert "1 proven split view(s)" in " ".join(body["evidence"]["notes"])


def test_a_stale_peer_is_flagged_in_the_evidence_and_its_items_still_verify(office, peer, settings):
    code = office.register("P1")
    sync(peer)
    settings.IPCHAIN_PEER_STALE_AFTER = 60
    Peer.objects.filter(pk=peer.pk).update(mirror_ok_at=timezone.now() - timedelta(hours=2))
    body = verify(code)
    assert (body["verdict"], body["evidence"]["stale"]) == ("genuine", True)
    assert body["evidence"]["checkpoint_age_seconds"] >= 7200
    assert "was not reached for over 60 s" in " ".join(body["evidence"]["notes"])


def test_a_peer_item_seen_here_too_far_apart_is_a_suspected_clone(office, peer):
    from ipchain.accounts.models import Role

    code = office.register("P1")
    sync(peer)
    officer = factories.user(factories.customs("nl-customs"), Role.CUSTOMS_OFFICER)
    rotterdam, singapore = (51.95, 4.14), (1.26, 103.84)
    first = verification.verify_code(code, user=officer, latitude=rotterdam[0], longitude=rotterdam[1])
    # The public's sightings weigh less and never count for travel.
    public = verification.verify_code(code, latitude=singapore[0], longitude=singapore[1])
    assert (str(first.verdict), str(public.verdict)) == ("genuine", "genuine")
    second = verification.verify_code(code, user=officer, latitude=singapore[0], longitude=singapore[1])
    assert str(second.verdict) == "suspected_clone"
    assert "travel" in [r.code for r in second.reasons]
    assert second.registered_by["office"] == "office-a"
    # Another serial of the same product has sightings of its own.
    other = office.register("P2")
    sync(peer)
    assert (
        str(verification.verify_code(other, user=officer, latitude=1.26, longitude=103.84).verdict)
        == "genuine"
    )


def test_the_evidence_notes_are_in_the_officers_language_and_english_in_the_api(office, peer):
    code = office.register("P1")
    sync(peer)
    english = verify(code)["evidence"]["notes"]
    assert any(note.startswith("checkpoint ") and note.endswith("required: trusted") for note in english)
    page = APIClient().get(code.removeprefix("https://peer.example"), HTTP_ACCEPT_LANGUAGE="fr")
    html = page.content.decode()
    assert "point de contrôle" in html and "requis : fiable" in html
    assert "required: trusted" not in html


# --- Sightings: a suspect verdict on another office's item reaches that office's rights holder
# through the logs (ipchain/federation/sightings.py).


def sightings() -> list[dict]:
    return [json.loads(bytes(e.body)) for e in LogEntry.objects.filter(kind=records.CUSTOMS_SIGHTING)]


def test_an_officers_suspect_verdict_on_a_peer_item_is_signed_into_this_log(office, peer):
    code = office.register("P1")
    sync(peer)
    authority = factories.customs("nl-customs")
    officer = factories.user(authority, Role.CUSTOMS_OFFICER)
    officer.membership.customs_office = "Rotterdam"
    officer.membership.save()
    forged = build_label_uri(
        "x.example",
        GTIN,
        "P1",
        office.brand.public_key.key_id,
        PrivateKey.generate().sign(label_message(GTIN, "P1")),
    )
    assert str(verification.verify_code(code, user=officer).verdict) == "genuine"
    assert str(verification.verify_code(forged).verdict) == "forged"  # the public: not reported
    assert sightings() == []
    assert str(verification.verify_code(forged, user=officer).verdict) == "forged"
    [record] = sightings()
    assert (record["gtin"], record["serial"], record["verdict"]) == (GTIN, "P1", "forged")
    assert (record["by"], record["office"], record["registry"]) == (
        "nl-customs",
        "Rotterdam",
        "node-a.example/log",
    )
    assert "signature_mismatch" in record["reasons"]
    verify_record(record, PublicKey.from_pem(active_key(authority).public_pem))
    # The node's own audit re-checks it with the rest of the log.
    assert list(check_record_signatures()) == []

    # The same scan made offline and sent later is reported too, as of when it was made.
    client = APIClient()
    client.force_authenticate(officer)
    made = timezone.now() - timedelta(minutes=5)
    scan = {"id": str(uuid.uuid4()), "code": forged, "scanned_at": made.isoformat()}
    response = client.post("/api/v1/verify/offline", {"scans": [scan]}, format="json")
    assert response.json()["results"][0]["verdict"] == "forged"
    assert [r["time"] for r in sightings()][1:] == [records.timestamp(made)]


@pytest.fixture
def local_item():
    brand = factories.brand("local-brand")
    product = factories.product(brand)
    return items.register_item(
        actor=factories.brand_admin(brand), brand=brand, gtin=product.gtin, serial="L1"
    )


def sighting(local_item, *, verdict="forged", serial=None) -> dict:
    return records.customs_sighting_record(
        gtin=local_item.product.gtin,
        serial=serial or local_item.serial,
        verdict=verdict,
        reasons=["signature_mismatch"],
        by="nl-customs",
        office="Rotterdam",
        registry="test.ipchain.example/log",
        moment=T1,
    )


def test_a_sighting_in_a_mirrored_log_alerts_our_rights_holder_once(office, peer, local_item):
    customs_key = PrivateKey.generate()
    office.add(office._key_record("nl-customs", customs_key), office.office)  # admitted by office-a
    office.add(sighting(local_item), customs_key)
    sync(peer)
    [alert] = Alert.objects.all()
    assert (alert.brand, alert.item, alert.kind) == (local_item.product.brand, local_item, "forged")
    assert "Rotterdam" in alert.message and "office-a" in alert.message
    assert alert.created_at == T1
    office.register("P9")  # the log grows; the sighting is not read again
    sync(peer)
    assert Alert.objects.count() == 1


def test_sightings_that_do_not_hold_raise_nothing(office, peer, local_item):
    customs_key, stranger = PrivateKey.generate(), PrivateKey.generate()
    office.add(office._key_record("nl-customs", customs_key), office.office)
    office.add(sighting(local_item), stranger)  # a key office-a never admitted
    office.add(sighting(local_item, verdict="genuine"), customs_key)  # nothing to alert
    office.add(sighting(local_item, serial="NOT-OURS"), customs_key)  # no such item here
    signed = sign_record(sighting(local_item), customs_key) | {"office": "Somewhere"}
    office.log.append_records([signed])  # signed, then changed
    sync(peer)
    assert not Alert.objects.exists()
    # The mirror went on: every entry is stored, the refused sightings with the rest.
    assert MirroredEntry.objects.filter(peer=peer, kind=records.CUSTOMS_SIGHTING).count() == 4
