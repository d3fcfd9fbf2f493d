"""Detention cases: the clocks, the holder's answer, and customs outcomes in the item's chain."""

from datetime import UTC, datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from ipchain.accounts.models import Role
from ipchain.ledger import log
from ipchain.ledger.canonical import parse_json
from ipchain.registry import items, records
from ipchain.registry.audit import check_record_signatures
from ipchain.registry.selectors import item_history
from tests import factories
from verifier import cases, clocks
from verifier.models import Alert, Case

pytestmark = pytest.mark.django_db


def test_working_days_skip_weekends():
    friday = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    assert clocks.add_working_days(friday, 1).weekday() == 0  # Monday
    assert clocks.add_working_days(friday, 10).date().isoformat() == "2026-12-11"
    rules = {"holder_working_days": 10, "perishable_working_days": 3, "small_consignment_working_days": 10}
    assert (
        clocks.holder_deadline(friday, perishable=True, small_consignment=False, clocks=rules)
        .date()
        .isoformat()
        == "2026-12-02"
    )


@pytest.fixture
def world():
    brand = factories.brand("acme")
    brand.contact_email = "protect@acme.example"
    brand.save()
    product = factories.product(brand)
    admin = factories.brand_admin(brand)
    item = items.register_item(actor=admin, brand=brand, gtin=product.gtin, serial="C1")
    customs = factories.customs("nl-customs")
    officer = factories.user(customs, Role.CUSTOMS_OFFICER)
    # Acme asked customs to act on its mark: detentions run under Art. 17.
    factories.application(brand, customs)
    return {"brand": brand, "item": item, "admin": admin, "officer": officer, "customs": customs}


def test_a_detention_alerts_and_emails_the_holder_and_starts_its_clock(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = cases.open_case(actor=world["officer"], goods="Trail jackets", quantity=40, item=world["item"])
    case.refresh_from_db()
    assert case.state == Case.State.AWAITING_HOLDER
    assert case.notified_at and case.holder_deadline > case.notified_at
    assert Alert.objects.get(brand=world["brand"]).kind == "detained"
    (email,) = mail.outbox
    assert email.to == ["protect@acme.example"] and f"case {case.pk}" in email.subject


def test_the_holder_confirms_counterfeit_and_customs_destroy_in_the_items_signed_chain(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = cases.open_case(actor=world["officer"], goods="Trail jackets", item=world["item"])
    case.refresh_from_db()
    cases.holder_answer(actor=world["admin"], case=case, counterfeit=True)
    with pytest.raises(cases.CaseError) as refused:
        cases.close(actor=world["officer"], case=case, outcome="destroyed")
    assert refused.value.reason == "declarant_period_running"  # Art. 23(1)(c)
    cases.declarant_answer(actor=world["officer"], case=case, agreed=True)
    cases.close(actor=world["officer"], case=case, outcome="destroyed")

    history = item_history(world["item"], with_entries=True)
    assert [step["event"] for step in history] == ["registered", "customs_detained", "customs_destroyed"]
    record = parse_json(bytes(history[-1]["entry"].body))
    assert record["type"] == "customs.outcome" and record["by"] == "nl-customs"
    # The public log names the case by a commitment only the authority can open.
    assert "case" not in record
    assert record["case_commitment"] == records.case_commitment(
        salt=case.commitment_salt, authority="nl-customs", case=case.pk
    )
    assert record["epcis"]["disposition"] == "urn:ipchain:disp:customs_destroyed"
    assert record["prev"] == bytes(history[-2]["entry"].leaf_hash).hex()
    log.integrate_pending()
    assert list(check_record_signatures()) == []
    world["item"].refresh_from_db()
    assert world["item"].status == "active", (
        "a cloned label in customs' hands does not destroy the genuine item"
    )


def test_goods_are_not_destroyed_before_the_holder_confirms(world):
    case = cases.open_case(actor=world["officer"], goods="Jackets", item=world["item"])
    with pytest.raises(cases.CaseError) as exc:
        cases.close(actor=world["officer"], case=case, outcome="destroyed")
    assert exc.value.reason == "not_confirmed"
    cases.close(actor=world["officer"], case=case, outcome="released")
    case.refresh_from_db()
    assert case.state == Case.State.RELEASED


def test_only_customs_open_cases_and_only_the_holder_answers(world):
    with pytest.raises(PermissionDenied):
        cases.open_case(actor=world["admin"], goods="Jackets", item=world["item"])
    case = cases.open_case(actor=world["officer"], goods="Jackets", item=world["item"])
    other = factories.brand("other")
    with pytest.raises(PermissionDenied):
        cases.holder_answer(actor=factories.brand_admin(other), case=case, counterfeit=False)


def test_one_extension_and_none_for_perishable_goods(world):
    case = cases.mark_notified(
        cases.open_case(actor=world["officer"], goods="Cheese", item=world["item"], perishable=True)
    )
    with pytest.raises(cases.CaseError):
        cases.extend(actor=world["officer"], case=case)
    case = cases.mark_notified(cases.open_case(actor=world["officer"], goods="Jackets", item=world["item"]))
    before = case.holder_deadline
    cases.extend(actor=world["officer"], case=case)
    assert case.holder_deadline > before
    with pytest.raises(cases.CaseError):
        cases.extend(actor=world["officer"], case=case)
