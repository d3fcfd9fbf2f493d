"""Applications for customs action: filing, the competent department's decisions, the period of
action and its extension, and the rights rules that end an application (Reg. 608/2013)."""

import json
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from ipchain.accounts.models import Role
from ipchain.enforcement import applications
from ipchain.enforcement.applications import ApplicationError
from ipchain.enforcement.models import Application, ApplicationEvent
from ipchain.ledger import log
from ipchain.registry import records, rights, rule_runs
from tests import factories
from verifier.clocks import add_working_days

pytestmark = pytest.mark.django_db


def at(year, month, day):
    return datetime(year, month, day, 9, tzinfo=UTC)


@pytest.fixture
def world():
    acme = factories.brand("acme")
    customs = factories.customs("nl-customs")
    return {
        "acme": acme,
        "admin": factories.brand_admin(acme),
        "customs": customs,
        "supervisor": factories.user(customs, Role.CUSTOMS_SUPERVISOR),
        "right": acme.ip_rights.get(),
        "product": factories.product(acme),
    }


def file(world, **extra):
    fields = {
        "actor": world["admin"],
        "holder": world["acme"],
        "competent_authority": world["customs"],
        "rights": [world["right"]],
        "products": [world["product"]],
        "contact_name": "Jane Brand-Protection",
        "contact_email": "jane@acme.example",
        "liability_undertaking": True,
    }
    return applications.file_application(**(fields | extra))


def body(event: ApplicationEvent) -> dict:
    return json.loads(bytes(event.entry.body))


def test_a_filing_is_a_signed_record_without_personal_data(world):
    application = file(world)
    assert application.status == Application.Status.FILED
    assert application.decide_by == add_working_days(application.filed_at, 30)  # Art. 9(1)
    record = body(application.events.get(kind=records.AFA_FILED))
    assert record["holder"] == "acme" and record["authorities"] == ["nl-customs"]
    assert record["rights"] == [world["right"].names] and record["products"] == [world["product"].gtin]
    assert "Jane" not in json.dumps(record) and "jane@" not in json.dumps(record)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"liability_undertaking": False}, "undertaking_required"),
        ({"rights": []}, "bad_rights"),
        ({"contact_name": " "}, "contact_name_required"),
        ({"contact_name": "x\x00"}, "bad_text"),
        ({"kind": "galactic"}, "bad_kind"),
    ],
)
def test_a_bad_filing_is_refused_and_nothing_is_written(world, change, reason):
    with pytest.raises(ApplicationError) as refused:
        file(world, **change)
    assert refused.value.reason == reason
    assert not Application.objects.exists()


def test_another_holders_rights_and_an_operator_are_refused(world):
    other = factories.brand("other")
    with pytest.raises(ApplicationError, match="rights in force that you hold"):
        file(world, rights=[other.ip_rights.get()])
    with pytest.raises(PermissionDenied):
        file(world, actor=factories.user(world["acme"], Role.BRAND_OPERATOR))


def test_only_the_competent_departments_supervisor_decides(world):
    application = file(world)
    elsewhere = factories.user(factories.customs("be-customs"), Role.CUSTOMS_SUPERVISOR)
    for actor in (elsewhere, factories.user(world["customs"], Role.CUSTOMS_OFFICER), world["admin"]):
        with pytest.raises(PermissionDenied):
            applications.decide(actor=actor, application=application, decision="granted")
    assert Application.objects.get().status == Application.Status.FILED


def test_a_grant_holds_at_most_a_year_from_the_day_after(world):
    application = file(world)
    with time_machine.travel(at(2027, 3, 10), tick=False):
        with pytest.raises(ApplicationError, match=r"Art\. 11"):
            applications.decide(
                actor=world["supervisor"],
                application=application,
                decision="granted",
                valid_until="2028-03-11",
            )
        granted = applications.decide(actor=world["supervisor"], application=application, decision="granted")
    assert (granted.status, granted.valid_until) == ("granted", date(2028, 3, 10))
    record = body(granted.events.get(kind=records.AFA_DECIDED))
    assert (record["decision"], record["valid_until"], record["by"]) == (
        "granted",
        "2028-03-10",
        "nl-customs",
    )
    assert list(granted.granted_rights.all()) == [world["right"]]


def test_a_partial_grant_names_some_rights_and_gives_reasons(world):
    design = rights.add_ip_right(
        holder=world["acme"], kind="design", office="EM", registration_number="D-1", locarno_classes=[2]
    )
    application = file(world, rights=[world["right"], design])
    supervisor = world["supervisor"]
    with pytest.raises(ApplicationError, match="reasons"):
        applications.decide(
            actor=supervisor, application=application, decision="partly_granted", granted_rights=[design]
        )
    with pytest.raises(ApplicationError, match="some, not all"):
        applications.decide(
            actor=supervisor,
            application=application,
            decision="partly_granted",
            granted_rights=[design, world["right"]],
            reasons="x",
        )
    decided = applications.decide(
        actor=supervisor,
        application=application,
        decision="partly_granted",
        granted_rights=[design],
        reasons="The mark is not shown to be used on the goods named.",
    )
    assert list(decided.granted_rights.all()) == [design]
    assert body(decided.events.get(kind=records.AFA_DECIDED))["rights"] == [design.names]


def test_a_rejection_gives_reasons_and_is_final(world):
    application = file(world)
    with pytest.raises(ApplicationError, match="reasons"):
        applications.decide(actor=world["supervisor"], application=application, decision="rejected")
    rejected = applications.decide(
        actor=world["supervisor"], application=application, decision="rejected", reasons="Incomplete."
    )
    assert rejected.valid_until is None
    with pytest.raises(ApplicationError, match="rejected"):
        applications.decide(actor=world["supervisor"], application=rejected, decision="granted")


def test_an_extension_is_asked_by_the_holder_and_runs_a_year_from_the_end(world):
    application = file(world)
    with time_machine.travel(at(2027, 3, 10), tick=False):
        application = applications.decide(
            actor=world["supervisor"], application=application, decision="granted"
        )
    with time_machine.travel(at(2028, 1, 10), tick=False):
        applications.request_extension(actor=world["admin"], application=application)
        with pytest.raises(ApplicationError, match=r"Art\. 12"):
            applications.extend(actor=world["supervisor"], application=application, valid_until="2029-03-11")
        extended = applications.extend(actor=world["supervisor"], application=application)
    assert extended.valid_until == date(2029, 3, 10) and extended.extension_requested_at is None


def test_suspension_and_revocation_give_reasons(world):
    application = file(world)
    applications.decide(actor=world["supervisor"], application=application, decision="granted")
    with pytest.raises(ApplicationError):
        applications.suspend(actor=world["supervisor"], application=application, reasons="")
    suspended = applications.suspend(
        actor=world["supervisor"], application=application, reasons="No answer to Art. 15"
    )
    assert suspended.status == "suspended"
    revoked = applications.revoke(actor=world["supervisor"], application=suspended, reasons="Still no answer")
    assert revoked.status == "revoked"
    assert (
        body(revoked.events.get(kind=records.AFA_REVOKED))["effective_date"] == revoked.ended_on.isoformat()
    )


def test_the_rules_expire_an_application_at_the_end_of_its_period(world):
    application = file(world)
    with time_machine.travel(at(2027, 3, 10), tick=False) as clock:
        applications.decide(actor=world["supervisor"], application=application, decision="granted")
        clock.move_to(at(2028, 3, 10))
        assert rule_runs.run_rules().firings == 0
        clock.move_to(at(2028, 3, 11))
        rule_runs.run_rules()
        application.refresh_from_db()
        assert (application.status, application.ended_on) == ("expired", date(2028, 3, 11))
        log.integrate_pending()
        assert list(rule_runs.check_rule_firings()) == []


def test_the_rules_end_an_application_when_its_last_right_leaves_the_holder(world):
    design = rights.add_ip_right(
        holder=world["acme"], kind="design", office="EM", registration_number="D-1", locarno_classes=[2]
    )
    application = file(world, rights=[world["right"], design])
    applications.decide(actor=world["supervisor"], application=application, decision="granted")
    rights.surrender(actor=world["admin"], right=design)
    rule_runs.run_rules()
    assert Application.objects.get().status == "granted"  # one right still stands
    newco = factories.brand("newco")
    rights.assign(actor=factories.office_admin(), right=world["right"], new_owner=newco, consent="Deed 7")
    rule_runs.run_rules()
    application.refresh_from_db()
    assert (application.status, application.ended_on) == ("ended", date.today())
    ended = application.events.get(kind=records.AFA_ENDED)
    assert ended.details["cause"] == "rights_gone"
    log.integrate_pending()
    assert list(rule_runs.check_rule_firings()) == []


def test_the_holder_is_reminded_before_the_period_ends_once_per_stage(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    application = file(world)
    with time_machine.travel(at(2027, 3, 10), tick=False) as clock:
        applications.decide(actor=world["supervisor"], application=application, decision="granted")
        clock.move_to(at(2028, 1, 15))  # 55 days left
        with django_capture_on_commit_callbacks(execute=True):
            assert applications.send_expiry_reminders() == 1
        assert applications.send_expiry_reminders() == 0
        clock.move_to(at(2028, 2, 20))  # 19 days left
        assert applications.send_expiry_reminders() == 1
    assert any("jane@acme.example" in m.to and "ends on 2028-03-10" in m.body for m in mailoutbox)


def test_each_sees_only_its_own(world):
    file(world)
    other = factories.brand("other")
    assert not applications.visible_applications(factories.brand_admin(other)).exists()
    assert applications.visible_applications(world["supervisor"]).count() == 1
    assert not applications.visible_applications(
        factories.user(factories.customs("be-customs"), Role.CUSTOMS_OFFICER)
    ).exists()
    assert applications.visible_applications(factories.office_admin()).count() == 1


def test_the_decision_deadline_skips_weekends():
    friday = datetime(2026, 12, 4, 12, tzinfo=UTC)
    assert add_working_days(friday, 1) == friday + timedelta(days=3)
