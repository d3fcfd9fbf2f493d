"""Cases on any goods under Regulation (EU) No 608/2013: under an application for action
(Art. 17, 23), ex officio with an application filed in time or not (Art. 18, 5(3)), and the
small-consignment procedure (Art. 26), each on a controlled clock."""

import json
from datetime import UTC, datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from ipchain.accounts.models import Role
from ipchain.enforcement import applications
from ipchain.ledger import log
from ipchain.ledger.models import LogEntry
from ipchain.registry import records
from ipchain.registry.audit import check_record_signatures
from tests import factories
from verifier import cases
from verifier.cases import CaseError
from verifier.models import Case

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 3, 2, 9, tzinfo=UTC)


@pytest.fixture
def world():
    acme = factories.brand("acme")
    customs = factories.customs("nl-customs")
    return {
        "acme": acme,
        "admin": factories.brand_admin(acme),
        "right": acme.ip_rights.get(),
        "customs": customs,
        "officer": factories.user(customs, Role.CUSTOMS_OFFICER),
        "supervisor": factories.user(customs, Role.CUSTOMS_SUPERVISOR),
    }


def detain(world, **extra):
    fields = {
        "actor": world["officer"],
        "goods": "Sneakers with the ACME mark",
        "quantity": 2,
        "rights": [world["right"]],
        "details": {
            "declarant": "J. Doe",
            "consignor": "Shop Ltd",
            "origin_country": "cn",
            "dispatch_country": "HK",
            "transport_mode": "post",
            "tracking_ref": "LX123456789CN",
            "unit": "pairs",
            "estimated_value": "180.00",
        },
    }
    return cases.open_case(**(fields | extra))


def case_records():
    return [
        json.loads(bytes(e.body)) for e in LogEntry.objects.filter(kind=records.CUSTOMS_CASE).order_by("pk")
    ]


def test_goods_with_no_label_under_an_application_are_destroyed_with_both_answers(
    world, django_capture_on_commit_callbacks
):
    with time_machine.travel(MONDAY, tick=False) as clock:
        afa = factories.application(world["acme"], world["customs"])
        with django_capture_on_commit_callbacks(execute=True):
            case = detain(world)
        case.refresh_from_db()
        assert (case.procedure, case.application_ref) == (Case.Procedure.APPLICATION, afa.ref)
        assert case.state == Case.State.AWAITING_HOLDER and case.item is None
        assert case.origin_country == "CN" and case.unit == "pairs" and str(case.estimated_value) == "180.00"
        assert list(case.rights.all()) == [world["right"]]
        # The ledger says which right and procedure, never who declared the goods.
        (detained,) = case_records()
        assert detained["outcome"] == "detained" and detained["afa"] == afa.ref
        assert detained["rights"] == [world["right"].names] and detained["procedure"] == "application"
        assert "Doe" not in json.dumps(detained) and "LX123" not in json.dumps(detained)

        cases.holder_answer(actor=world["admin"], case=case, answer="counterfeit")
        with pytest.raises(CaseError) as refused:
            cases.close(actor=world["officer"], case=case, outcome="destroyed")
        assert refused.value.reason == "declarant_period_running"
        # The declarant says nothing for ten working days: deemed to agree (Art. 23(1)(c)).
        clock.move_to(datetime(2026, 3, 17, 9, tzinfo=UTC))
        cases.close(actor=world["officer"], case=case, outcome="destroyed")
        assert [r["outcome"] for r in case_records()] == ["detained", "destroyed"]
        log.integrate_pending()
        assert list(check_record_signatures()) == []


def test_a_declarant_objection_needs_the_holders_proceedings(world):
    factories.application(world["acme"], world["customs"])
    case = detain(world)
    cases.mark_notified(case)
    cases.holder_answer(actor=world["admin"], case=case, answer="counterfeit")
    cases.declarant_answer(actor=world["officer"], case=case, agreed=False, note="says they are genuine")
    with pytest.raises(CaseError) as refused:
        cases.close(actor=world["officer"], case=case, outcome="destroyed")
    assert refused.value.reason == "declarant_objected"
    assert cases.holder_options(case) == ["proceedings"]
    cases.holder_answer(actor=world["admin"], case=case, answer="proceedings")
    assert case.state == Case.State.PROCEEDINGS
    cases.close(actor=world["officer"], case=case, outcome="destroyed")  # by the court's order
    assert case.state == Case.State.DESTROYED


def test_ex_officio_the_holder_files_in_time_and_the_application_carries_the_case(
    world, django_capture_on_commit_callbacks
):
    with time_machine.travel(MONDAY, tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            case = detain(world)
        case.refresh_from_db()
        assert case.procedure == Case.Procedure.EX_OFFICIO and case.state == Case.State.AWAITING_APPLICATION
        assert case.application_by == datetime(2026, 3, 6, 9, tzinfo=UTC)  # 4 working days (Art. 5(3))
        assert cases.holder_options(case) == []
        with pytest.raises(CaseError) as refused:
            cases.holder_answer(actor=world["admin"], case=case, answer="counterfeit")
        assert refused.value.reason == "no_application"

        clock.move_to(datetime(2026, 3, 4, 9, tzinfo=UTC))
        filed = applications.file_application(
            actor=world["admin"],
            holder=world["acme"],
            competent_authority=world["customs"],
            rights=[world["right"]],
            contact_name="Brand protection",
            contact_email="bp@acme.example",
            liability_undertaking=True,
        )
        assert filed.decide_by == datetime(2026, 3, 6, 9, tzinfo=UTC)  # 2 working days (Art. 9(2))
        clock.move_to(datetime(2026, 3, 5, 9, tzinfo=UTC))
        applications.decide(actor=world["supervisor"], application=filed, decision="granted")
        case.refresh_from_db()
        assert case.application_ref == filed.ref and case.state == Case.State.AWAITING_HOLDER
        assert case.holder_deadline == datetime(2026, 3, 19, 9, tzinfo=UTC)  # 10 working days
        assert cases.holder_options(case) == ["genuine", "counterfeit"]
        assert [a.action for a in case.actions.all()] == ["opened", "notified", "application_granted"]
        assert cases.parties_shown(case, "brand")


def test_ex_officio_with_no_application_in_time_the_goods_are_released(
    world, django_capture_on_commit_callbacks
):
    with time_machine.travel(MONDAY, tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            case = detain(world)
        assert not cases.parties_shown(case, "brand")  # quantity and nature only (Art. 18(4))
        clock.move_to(datetime(2026, 3, 9, 9, tzinfo=UTC))  # past the four working days
        late = factories.application(world["acme"], world["customs"])
        case.refresh_from_db()
        assert case.application_ref == "" and case.state == Case.State.AWAITING_APPLICATION
        assert late.status == "granted"
        assert [c["clock"] for c in cases.clocks_of(case) if c["overdue"]] == ["application"]
        cases.close(actor=world["officer"], case=case, outcome="released")
        assert case.state == Case.State.RELEASED


def test_a_small_consignment_is_destroyed_when_the_declarant_does_not_object_in_time(world):
    with time_machine.travel(MONDAY, tick=False) as clock:
        factories.application(world["acme"], world["customs"], small_consignment=True)
        case = detain(world, small_consignment=True)
        assert case.procedure == Case.Procedure.SMALL_CONSIGNMENT
        assert case.state == Case.State.AWAITING_DECLARANT and case.notified_at is None
        assert case.declarant_deadline == datetime(2026, 3, 16, 9, tzinfo=UTC)  # Art. 26(4)
        assert not cases.parties_shown(case, "brand") and cases.holder_options(case) == []
        with pytest.raises(CaseError) as refused:
            cases.close(actor=world["officer"], case=case, outcome="destroyed")
        assert refused.value.reason == "declarant_period_running"
        clock.move_to(datetime(2026, 3, 16, 10, tzinfo=UTC))
        cases.close(actor=world["officer"], case=case, outcome="destroyed")
        assert case.state == Case.State.DESTROYED
        assert case_records()[-1]["procedure"] == "small_consignment"


def test_a_small_consignment_objection_goes_to_the_holder(world):
    factories.application(world["acme"], world["customs"], small_consignment=True)
    case = detain(world, small_consignment=True)
    cases.declarant_answer(actor=world["officer"], case=case, agreed=False)
    assert case.state == Case.State.AWAITING_HOLDER and case.holder_deadline
    assert cases.parties_shown(case, "brand") and cases.holder_options(case) == ["proceedings"]
    with pytest.raises(CaseError):
        cases.holder_answer(actor=world["admin"], case=case, answer="counterfeit")
    cases.holder_answer(actor=world["admin"], case=case, answer="proceedings")
    assert case.state == Case.State.PROCEEDINGS


def test_a_parcel_under_an_application_without_the_small_procedure_runs_the_standard_one(world):
    factories.application(world["acme"], world["customs"])
    case = detain(world, small_consignment=True)
    assert case.procedure == Case.Procedure.APPLICATION


def test_an_application_to_another_authority_does_not_cover_the_goods(world):
    factories.application(world["acme"], factories.customs("be-customs"))
    assert detain(world).procedure == Case.Procedure.EX_OFFICIO


def test_an_expired_application_does_not_cover_the_goods(world):
    with time_machine.travel(MONDAY, tick=False) as clock:
        factories.application(world["acme"], world["customs"])
        clock.move_to(datetime(2027, 3, 10, 9, tzinfo=UTC))
        assert detain(world).procedure == Case.Procedure.EX_OFFICIO


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"details": {"origin_country": "XX"}}, "bad_country"),
        ({"details": {"transport_mode": "teleport"}}, "bad_transport"),
        ({"details": {"unit": "bushels"}}, "bad_unit"),
        ({"details": {"estimated_value": "-1"}}, "bad_value"),
        ({"details": {"estimated_value": "NaN"}}, "bad_value"),
        ({"details": {"estimated_value": True}}, "bad_value"),
        ({"details": {"declarant": "x\x00y"}}, "bad_text"),
        ({"details": {"declarant": "x" * 201}}, "bad_text"),
        ({"details": {"tracking_ref": "<script>"}}, "bad_reference"),
        ({"details": {"password": "x"}}, "bad_field"),
        ({"rights": []}, "right_required"),
        ({"quantity": 0}, "bad_goods"),
        ({"quantity": True}, "bad_goods"),
        ({"goods": "  "}, "bad_goods"),
    ],
)
def test_bad_case_input_is_refused_and_nothing_is_written(world, change, reason):
    with pytest.raises(CaseError) as refused:
        detain(world, **change)
    assert refused.value.reason == reason
    assert not Case.objects.exists() and not case_records()


def test_rights_of_two_holders_make_two_cases(world):
    other = factories.brand("other").ip_rights.get()
    with pytest.raises(CaseError) as refused:
        detain(world, rights=[world["right"], other])
    assert refused.value.reason == "bad_rights"


def test_only_the_detaining_authority_records_the_declarants_answer(world):
    case = detain(world)
    stranger = factories.user(factories.customs("be-customs"), Role.CUSTOMS_OFFICER)
    for actor in (stranger, world["admin"]):
        with pytest.raises(PermissionDenied):
            cases.declarant_answer(actor=actor, case=case, agreed=True)
    cases.declarant_answer(actor=world["officer"], case=case, agreed=True)
    with pytest.raises(CaseError) as again:
        cases.declarant_answer(actor=world["officer"], case=case, agreed=False)
    assert again.value.reason == "already_answered"


def test_an_officer_opens_cases_from_the_catalogue_and_from_scratch_on_the_pages(world, client):
    factories.application(world["acme"], world["customs"])
    product = factories.product(world["acme"], name="Trail Jacket")
    client.force_login(world["officer"])
    form = client.get("/verify/cases/new", {"gtin": product.gtin})
    assert form.status_code == 200 and "Trail Jacket" in form.content.decode()
    assert "right_number" not in form.content.decode()
    opened = client.post(
        "/verify/cases/new",
        {
            "gtin": product.gtin,
            "goods": "Jackets, no label",
            "quantity": 12,
            "unit": "pieces",
            "origin_country": "CN",
            "transport_mode": "sea",
            "declaration_ref": "26NL0000000000001A",
        },
    )
    case = Case.objects.get()
    assert opened.status_code == 302 and case.product == product and case.item is None
    assert case.procedure == Case.Procedure.APPLICATION and case.declaration_ref == "26NL0000000000001A"

    scratch = client.get("/verify/cases/new")
    assert scratch.status_code == 200 and "right_number" in scratch.content.decode()
    refused = client.post("/verify/cases/new", {"goods": "Caps", "quantity": 3, "right_number": "999"})
    assert refused.status_code == 400 and "no IP right in force has this number" in refused.content.decode()
    number = world["right"].registration_number
    client.post("/verify/cases/new", {"goods": "Caps", "quantity": 3, "right_number": number})
    caps = Case.objects.get(goods="Caps")
    assert caps.product is None and list(caps.rights.all()) == [world["right"]]
    assert client.get("/verify/cases/new", {"gtin": "12345"}).status_code == 404


def test_customs_do_not_act_on_a_right_no_longer_in_force(world):
    factories.application(world["acme"], world["customs"])
    right = world["right"]
    right.status = "lapsed"
    right.save(update_fields=["status"])
    with pytest.raises(CaseError) as refused:
        detain(world)
    assert refused.value.reason == "right_not_in_force" and not Case.objects.exists()
