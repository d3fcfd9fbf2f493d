"""Detention cases on goods a peer office registered (ipchain/federation/peer_holders.py).

This node's customs detain a peer's item: the case runs ex officio against an organisation
made here for the peer's rights holder, and the case's signed `customs.case` record names
the registering office and the holder there. In the other direction, a peer's
`customs.case` record naming this node's log alerts this node's rights holder. The peer is a
PeerLog of real signed records served on 127.0.0.1 (test_peer_items.py)."""

import json
from datetime import UTC, datetime

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.test import Client
from rest_framework.test import APIClient

from ipchain.accounts.models import Organisation, Role
from ipchain.enforcement import applications
from ipchain.enforcement.applications import ApplicationError
from ipchain.federation import peer_keys
from ipchain.federation.models import MirroredEntry
from ipchain.ledger.models import LogEntry
from ipchain.registry import keys, records
from ipchain.registry.audit import check_record_signatures
from ipchain.registry.keys import active_key
from ipchain.registry.signing import PrivateKey, PublicKey, sign_record, verify_record
from tests import factories
from verifier import cases, evidence, verification
from verifier.cases import CaseError
from verifier.models import Alert, Case

from .conftest import add_peer
from .peerlog import PeerLog
from .test_peer_items import GTIN, T1, PeerOffice, sync

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 3, 2, 9, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fresh_verifier():
    evidence.forget()
    verification.forget()
    peer_keys.forget()
    yield
    peer_keys.forget()


@pytest.fixture
def office():
    return PeerOffice(PeerLog(origin="node-a.example/log"))


@pytest.fixture
def peer(office):
    with office.log.serve() as served:
        yield add_peer(office.log, url=served.url, name="office-a")


@pytest.fixture
def officer():
    authority = factories.customs("nl-customs")
    officer = factories.user(authority, Role.CUSTOMS_OFFICER)
    officer.membership.customs_office = "Rotterdam"
    officer.membership.save()
    return officer


def case_records() -> list[dict]:
    return [
        json.loads(bytes(e.body)) for e in LogEntry.objects.filter(kind=records.CUSTOMS_CASE).order_by("pk")
    ]


def test_an_officer_detains_a_peer_item_from_the_scan_and_its_office_is_told_through_the_log(
    office, peer, officer, django_capture_on_commit_callbacks
):
    code = office.register("P1")
    sync(peer)
    page = APIClient()
    page.force_login(officer)
    verdict = page.get(code.removeprefix("https://peer.example"), HTTP_ACCEPT="text/html")
    assert verdict.status_code == 200
    html = verdict.content.decode()
    # The officer can detain the goods of the peer's holder; a suspicion is for holders here.
    assert "cases/new?scan=" in html and "verify/suspect" not in html
    scan_ref = html.split("cases/new?scan=")[1].split('"')[0]

    form = page.get(f"/verify/cases/new?scan={scan_ref}")
    assert form.status_code == 200 and "data-peer-holder" in form.content.decode()
    assert "Acme Outdoor" in form.content.decode() and 'name="right_number"' not in form.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        opened = page.post(
            "/verify/cases/new",
            {"scan": scan_ref, "goods": "Boots", "quantity": "3", "unit": "pairs", "declarant": "J. Doe"},
        )
    assert opened.status_code == 302, opened.content.decode()[:2000]
    case = Case.objects.get()
    holder = case.brand
    # The peer's holder, made here once: pending admission, named as the peer's log names it.
    assert (holder.kind, holder.status, holder.name, holder.country) == (
        "brand",
        "pending",
        "Acme Outdoor",
        "VN",
    )
    assert (holder.home_office, holder.home_slug) == ("node-a.example/log", "acme")
    assert (case.gtin, case.serial, case.item, case.product) == (GTIN, "P1", None, None)
    # No application here covers a holder unknown here: ex officio (Art. 18), and it is told
    # through the log at once, so its period to file runs.
    assert case.procedure == Case.Procedure.EX_OFFICIO and case.state == Case.State.AWAITING_APPLICATION
    notified = case.actions.get(action="notified")
    assert "node-a.example/log" in notified.note
    (record,) = case_records()
    assert (record["registry"], record["holder"], record["gtin"], record["serial"]) == (
        "node-a.example/log",
        "acme",
        GTIN,
        "P1",
    )
    assert (record["quantity"], record["unit"], record["outcome"], record["gtins"]) == (
        3,
        "pairs",
        "detained",
        [GTIN],
    )
    assert "Doe" not in json.dumps(record)  # parties stay here
    verify_record(record, PublicKey.from_pem(active_key(case.authority).public_pem))
    assert list(check_record_signatures()) == []

    # A second case on the same holder's goods finds the same organisation here.
    second = cases.open_case(actor=officer, goods="Boots", quantity=1, gtin=GTIN, serial="P1")
    assert second.brand == holder and Organisation.objects.filter(home_office__gt="").count() == 1


def test_the_api_opens_cases_on_a_peer_item_and_on_its_product(office, peer, officer):
    office.register("P1")
    sync(peer)
    client = APIClient()
    client.force_authenticate(officer)
    body = {"goods": "Boots", "quantity": 2, "gtin": GTIN, "serial": "P1"}
    made = client.post("/api/v1/cases", body, format="json")
    assert made.status_code == 201, made.content
    assert (made.json()["gtin"], made.json()["serial"], made.json()["procedure"]) == (
        GTIN,
        "P1",
        "ex_officio",
    )
    # A forged label of the peer's product (a serial it never registered) names its holder too.
    forged = client.post("/api/v1/cases", body | {"serial": "NEVER"}, format="json")
    assert forged.status_code == 201 and forged.json()["brand"] == made.json()["brand"]
    # A code no office registered still needs the right it infringes.
    unknown = client.post("/api/v1/cases", body | {"gtin": "04012345678901"}, format="json")
    assert unknown.status_code == 404 and unknown.json()["error"]["reason"] == "no_item"


def test_a_registration_not_signed_by_its_brands_key_names_no_holder(office, peer, officer):
    office.register("P1", key=PrivateKey.generate())  # a key office-a never admitted for acme
    sync(peer)
    with pytest.raises(CaseError) as refused:
        cases.open_case(actor=officer, goods="Boots", quantity=1, gtin=GTIN, serial="P1")
    assert refused.value.reason == "right_required"
    assert not Organisation.objects.filter(home_office__gt="").exists()


def test_a_refused_case_on_a_peer_item_leaves_nothing_behind(office, peer, officer):
    office.register("P1")
    sync(peer)
    with pytest.raises(CaseError):
        cases.open_case(actor=officer, goods="", quantity=1, gtin=GTIN, serial="P1")
    assert not Organisation.objects.filter(home_office__gt="").exists() and not Case.objects.exists()


def test_admitted_here_the_holder_files_in_time_and_its_application_carries_the_case(
    office, peer, officer, django_capture_on_commit_callbacks
):
    office.register("P1")
    sync(peer)
    with time_machine.travel(MONDAY, tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            case = cases.open_case(actor=officer, goods="Boots", quantity=1, gtin=GTIN, serial="P1")
        case.refresh_from_db()
        assert case.state == Case.State.AWAITING_APPLICATION
        holder = case.brand
        # The holder gets in touch; on its holders page the office sees where it comes from,
        # records its right and admits it here.
        pages = Client()
        pages.force_login(factories.office_admin())
        listed = pages.get("/portal/office/holders/").content.decode()
        card = listed.split(f'data-holder="{holder.slug}"')[1].split("</section>")[0]
        assert "data-peer-holder" in card and "node-a.example/log" in card and "from 1 customs case" in card
        refused = pages.post(f"/portal/office/holders/{holder.slug}/decision/", {"decision": "admitted"})
        assert refused.status_code == 302
        holder.refresh_from_db()
        assert holder.status == "pending"  # not without a right to admit it against
        recorded = pages.post(
            f"/portal/office/holders/{holder.slug}/rights/",
            {
                "right_kind": "trademark",
                "right_office": "EM",
                "right_number": "018000001",
                "right_nice": "25",
            },
        )
        assert recorded.status_code == 302
        bad = pages.post(f"/portal/office/holders/{holder.slug}/rights/", {"right_kind": "x\x00"})
        assert bad.status_code == 302 and holder.ip_rights.count() == 1
        pages.post(f"/portal/office/holders/{holder.slug}/decision/", {"decision": "admitted"})
        holder.refresh_from_db()
        assert holder.status == "admitted"
        right = holder.ip_rights.get()
        assert (right.office, right.registration_number, right.nice_classes) == ("EM", "018000001", [25])
        keys.create_node_key(organisation=holder)
        admin = factories.brand_admin(holder)
        clock.move_to(datetime(2026, 3, 4, 9, tzinfo=UTC))
        filed = applications.file_application(
            actor=admin,
            holder=holder,
            competent_authority=case.authority,
            rights=[right],
            contact_name="Brand protection",
            contact_email="bp@acme.example",
            liability_undertaking=True,
        )
        assert filed.decide_by == datetime(2026, 3, 6, 9, tzinfo=UTC)  # filed after a detention (Art. 9(2))
        supervisor = factories.user(case.authority, Role.CUSTOMS_SUPERVISOR)
        applications.decide(actor=supervisor, application=filed, decision="granted")
        case.refresh_from_db()
        assert (case.application_ref, case.state) == (filed.ref, Case.State.AWAITING_HOLDER)
        assert list(case.rights.all()) == [right]
        cases.holder_answer(actor=admin, case=case, answer="counterfeit")


# --- The other direction: a peer's customs detain goods this node registered ----------------


@pytest.fixture
def our_holder():
    return factories.brand("acme-here")


def peer_case(holder_slug: str, *, registry: str = "test.ipchain.example/log", outcome="detained") -> dict:
    return records.customs_case_record(
        outcome=outcome,
        by="be-customs",
        case_commitment="ab" * 32,
        procedure="ex_officio",
        afa="",
        rights=[],
        gtins=[GTIN],
        office="Antwerp",
        moment=T1,
        registered_at={
            "registry": registry,
            "holder": holder_slug,
            "gtin": GTIN,
            "serial": "S1",
            "quantity": 12,
            "unit": "pieces",
        },
    )


def test_a_peer_customs_case_naming_our_log_alerts_our_holder_once(settings, office, peer, our_holder):
    settings.IPCHAIN_LOG_ORIGIN = "test.ipchain.example/log"
    customs_key = PrivateKey.generate()
    office.add(office._key_record("be-customs", customs_key), office.office)
    office.add(peer_case("acme-here"), customs_key)
    sync(peer)
    (alert,) = Alert.objects.all()
    assert (alert.brand, alert.kind, alert.created_at) == (our_holder, "detained", T1)
    assert "12 pieces" in alert.message and "Antwerp" in alert.message and "office-a" in alert.message
    assert "application for action" in alert.message
    office.register("P9")  # the log grows; the record is not read again
    sync(peer)
    assert Alert.objects.count() == 1


def test_peer_case_records_that_do_not_hold_raise_nothing(settings, office, peer, our_holder):
    settings.IPCHAIN_LOG_ORIGIN = "test.ipchain.example/log"
    customs_key, stranger = PrivateKey.generate(), PrivateKey.generate()
    office.add(office._key_record("be-customs", customs_key), office.office)
    office.add(peer_case("acme-here"), stranger)  # a key office-a never admitted
    office.add(peer_case("acme-here", registry="elsewhere.example/log"), customs_key)  # not ours
    office.add(peer_case("nobody-here"), customs_key)  # no such holder here
    office.add(peer_case("acme-here", outcome="released"), customs_key)  # nothing to file for
    signed = sign_record(peer_case("acme-here"), customs_key) | {"office": "Somewhere"}
    office.log.append_records([signed])  # signed, then changed
    sync(peer)
    assert not Alert.objects.exists()
    assert MirroredEntry.objects.filter(peer=peer, kind=records.CUSTOMS_CASE).count() == 5


# --- Applications across offices (Art. 4): a holder at office-a names this node's authority -


RIGHT = {"office": "EM", "kind": "trademark", "number": "018000001"}
SMALL_RIGHT = {"office": "EM", "kind": "trademark", "number": "018000002"}


class AbroadApplications:
    """office-a's customs authority and its applications for action, as its node writes them."""

    def __init__(self, office: PeerOffice):
        self.office = office
        self.authority = PrivateKey.generate()
        office.add(office._key_record("a-customs", self.authority), office.office)
        admitted = records.authority_admitted_record(
            org="a-customs", name="Douane A", country="FR", moment=T1
        )
        office.add(admitted, office.office)

    def file(self, ref: str, *, naming=None, key=None) -> None:
        naming = (
            naming if naming is not None else [{"registry": settings.IPCHAIN_LOG_ORIGIN, "org": "nl-customs"}]
        )
        record = records.afa_record(
            records.AFA_FILED,
            afa=ref,
            moment=T1,
            holder="acme",
            kind="union",
            rights=[RIGHT, SMALL_RIGHT],
            authorities=["a-customs"],
            peer_authorities=naming,
            small_consignments=[SMALL_RIGHT],
        )
        self.office.add(record, key or self.office.brand)

    def decide(
        self, ref: str, *, decision="granted", until="2027-12-31", rights=(RIGHT, SMALL_RIGHT), key=None
    ):
        record = records.afa_record(
            records.AFA_DECIDED,
            afa=ref,
            moment=T1,
            by="a-customs",
            decision=decision,
            rights=list(rights),
            valid_until=until,
        )
        self.office.add(record, key or self.authority)

    def end(self, ref: str, kind=records.AFA_REVOKED, effective="2026-12-01") -> None:
        record = records.afa_record(kind, afa=ref, moment=T1, by="a-customs", effective_date=effective)
        self.office.add(record, self.authority)


@pytest.fixture
def abroad(office):
    return AbroadApplications(office)


def detain_p1(officer, **extra):
    return cases.open_case(actor=officer, goods="Boots", quantity=1, gtin=GTIN, serial="P1", **extra)


def test_an_application_filed_at_the_holders_office_naming_our_authority_carries_the_case(
    office, abroad, peer, officer, django_capture_on_commit_callbacks
):
    office.register("P1")
    abroad.file("AFA-2026-A1")
    abroad.decide("AFA-2026-A1")
    sync(peer)
    with django_capture_on_commit_callbacks(execute=True):
        case = detain_p1(officer)
    case.refresh_from_db()
    assert (case.procedure, case.application_ref, case.state) == (
        "application",
        "AFA-2026-A1",
        "awaiting_holder",
    )
    (record,) = case_records()
    assert record["afa"] == "AFA-2026-A1" and record["registry"] == "node-a.example/log"
    # The holder has no one here: the officer records the answer it gave in writing.
    page = Client()
    page.force_login(officer)
    html = page.get(f"/verify/cases/{case.pk}/").content.decode()
    assert "The rights holder confirms: counterfeit" in html
    cases.holder_answer(actor=officer, case=case, answer="counterfeit")
    case.refresh_from_db()
    assert case.state == Case.State.CONFIRMED_COUNTERFEIT
    assert "written answer" in case.actions.get(action="confirmed_counterfeit").note
    # Another authority's officer may not answer for it.
    stranger = factories.user(factories.customs("be-customs"), Role.CUSTOMS_OFFICER)
    with pytest.raises(PermissionDenied):
        cases.holder_answer(actor=stranger, case=case, answer="genuine")


def test_a_parcel_under_an_application_abroad_that_asked_for_it_runs_the_small_consignment_procedure(
    office, abroad, peer, officer
):
    office.register("P1")
    abroad.file("AFA-2026-A1")
    abroad.decide("AFA-2026-A1")
    sync(peer)
    assert detain_p1(officer, small_consignment=True).procedure == "small_consignment"
    # Granted without the right the procedure was asked for: the standard one.
    abroad.file("AFA-2026-A2")
    abroad.decide("AFA-2026-A2", rights=[RIGHT], until="2026-12-30")
    abroad.end("AFA-2026-A1")
    sync(peer)
    assert detain_p1(officer, small_consignment=True).procedure == "application"


@pytest.mark.parametrize(
    "story",
    [
        "not_naming_us",
        "rejected",
        "expired",
        "revoked",
        "ended_by_rules",
        "filed_by_a_stranger",
        "decided_by_a_stranger",
    ],
)
def test_applications_abroad_that_do_not_hold_leave_the_case_ex_officio(office, abroad, peer, officer, story):
    office.register("P1")
    stranger = PrivateKey.generate()
    if story == "not_naming_us":
        abroad.file("AFA-1", naming=[{"registry": "elsewhere.example/log", "org": "nl-customs"}])
    else:
        abroad.file("AFA-1", key=stranger if story == "filed_by_a_stranger" else None)
    abroad.decide(
        "AFA-1",
        decision="rejected" if story == "rejected" else "granted",
        until="2026-01-31" if story == "expired" else "2027-12-31",
        key=stranger if story == "decided_by_a_stranger" else None,
    )
    if story == "revoked":
        abroad.end("AFA-1")
    if story == "ended_by_rules":
        firing = records.afa_record(records.AFA_ENDED, afa="AFA-1", moment=T1, effective_date="2026-12-01")
        office.add(firing | {"rule": "afa_rights_gone"}, office.office)
    sync(peer)
    case = detain_p1(officer)
    assert (case.procedure, case.application_ref) == ("ex_officio", "")


def test_a_holder_here_names_a_peer_offices_authority_in_its_application(office, abroad, peer):
    sync(peer)
    acme = factories.brand("acme-here")
    customs = factories.customs("nl-customs")
    admin = factories.brand_admin(acme)
    page = Client()
    page.force_login(admin)
    form = page.get("/portal/applications/").content.decode()
    assert "Douane A (office-a)" in form and 'value="node-a.example/log a-customs"' in form
    fields = {
        "actor": admin,
        "holder": acme,
        "competent_authority": customs,
        "rights": list(acme.ip_rights.all()),
        "contact_name": "Brand protection",
        "contact_email": "bp@acme.example",
        "liability_undertaking": True,
    }
    with pytest.raises(ApplicationError) as refused:
        applications.file_application(**fields, peer_authorities=["node-a.example/log acme"])  # a brand
    assert refused.value.reason == "bad_authority"
    filed = applications.file_application(**fields, peer_authorities=["node-a.example/log a-customs"])
    assert filed.peer_authorities == [
        {"registry": "node-a.example/log", "org": "a-customs", "name": "Douane A"}
    ]
    (record,) = [json.loads(bytes(e.body)) for e in LogEntry.objects.filter(kind=records.AFA_FILED)]
    assert record["peer_authorities"] == [{"registry": "node-a.example/log", "org": "a-customs"}]
    api = APIClient()
    api.force_authenticate(admin)
    body = {
        "competent_authority": "nl-customs",
        "peer_authorities": [{"registry": "node-a.example/log", "org": "a-customs"}],
        "rights": [acme.ip_rights.get().names],
        "contact_name": "BP",
        "contact_email": "bp@acme.example",
        "liability_undertaking": True,
    }
    made = api.post("/api/v1/applications", body, format="json")
    assert made.status_code == 201, made.content
    assert made.json()["peer_authorities"][0]["org"] == "a-customs"
    wrong = api.post(
        "/api/v1/applications", body | {"peer_authorities": [{"registry": "x", "org": "y"}]}, format="json"
    )
    assert wrong.status_code == 400 and wrong.json()["error"]["reason"] == "bad_authority"
