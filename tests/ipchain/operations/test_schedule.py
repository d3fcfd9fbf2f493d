"""The beat schedule: every entry names a registered task, and each task has its effect."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core import mail

from config import celery_app
from ipchain.accounts.models import Role
from ipchain.ledger import log
from ipchain.ledger.models import AuditRun, SignedCheckpoint
from ipchain.operations import tasks
from ipchain.operations.models import CaseReminder
from ipchain.registry import items
from tests import factories
from verifier import cases
from verifier.models import Alert

pytestmark = pytest.mark.django_db


def test_every_beat_entry_names_a_registered_task():
    celery_app.loader.import_default_modules()
    names = {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "ipchain.operations.tasks.publish_checkpoint",
        "ipchain.operations.tasks.send_case_reminders",
        "ipchain.ledger.tasks.audit_log",
    } <= names
    assert names <= set(celery_app.tasks)


def test_checkpoint_publishing_integrates_what_waits_and_signs_a_checkpoint(settings):
    for n in range(4):
        log.append({"kind": "test", "n": n})
    assert not SignedCheckpoint.objects.exists()
    assert tasks.publish_checkpoint.delay().get() == 4
    assert SignedCheckpoint.objects.get().tree_size == 4
    assert tasks.publish_checkpoint.delay().get() == 0  # nothing new: no second checkpoint
    assert SignedCheckpoint.objects.count() == 1


def test_the_periodic_audit_records_its_run():
    log.append({"kind": "test", "n": 1})
    log.integrate_pending()
    from ipchain.ledger.tasks import audit_log

    assert audit_log.delay().get() is True
    run = AuditRun.objects.get()
    assert run.ok and run.entries_checked == 1 and run.finished_at


@pytest.fixture
def case(django_capture_on_commit_callbacks):
    brand = factories.brand("acme")
    brand.contact_email = "protect@acme.example"
    brand.save()
    product = factories.product(brand)
    item = items.register_item(
        actor=factories.brand_admin(brand), brand=brand, gtin=product.gtin, serial="R1"
    )
    customs = factories.customs("nl-customs")
    factories.application(brand, customs)
    officer = factories.user(customs, Role.CUSTOMS_OFFICER)
    officer.email = "officer@customs.example"
    officer.save()
    with django_capture_on_commit_callbacks(execute=True):
        opened = cases.open_case(actor=officer, goods="Jackets", quantity=3, item=item)
    opened.refresh_from_db()
    mail.outbox.clear()
    Alert.objects.all().delete()
    return opened


def test_a_holder_deadline_a_day_away_is_reminded_once_to_holder_and_officer(case):
    due = case.holder_deadline
    assert tasks.reminders.send_case_reminders(now=due - timedelta(days=2)) == 0  # not yet
    assert tasks.reminders.send_case_reminders(now=due - timedelta(hours=12)) == 1
    (email,) = mail.outbox
    assert sorted(email.to) == ["officer@customs.example", "protect@acme.example"]
    assert f"Case {case.pk}" in email.subject
    assert Alert.objects.get(case=case).kind == "deadline"
    assert tasks.reminders.send_case_reminders(now=due - timedelta(hours=6)) == 0  # never twice
    assert len(mail.outbox) == 1


def test_a_passed_deadline_is_reminded_once_more_and_then_never(case):
    due = case.holder_deadline
    tasks.reminders.send_case_reminders(now=due - timedelta(hours=12))
    assert tasks.reminders.send_case_reminders(now=due + timedelta(hours=1)) == 1
    assert tasks.reminders.send_case_reminders(now=due + timedelta(days=3)) == 0
    assert list(CaseReminder.objects.order_by("sent_at").values_list("stage", flat=True)) == [
        "due_soon",
        "overdue",
    ]
    assert "passed" in mail.outbox[-1].body


def test_an_answered_case_gets_no_reminder(case):
    cases.holder_answer(actor=factories.brand_admin(case.brand), case=case, counterfeit=True)
    assert tasks.reminders.send_case_reminders(now=case.holder_deadline - timedelta(hours=1)) == 0
    assert not mail.outbox


def test_the_notification_clock_reminds_the_officer_only(case):
    case.notified_at = None
    case.holder_deadline = None
    case.save()
    assert tasks.reminders.send_case_reminders(now=case.notify_by + timedelta(minutes=5)) == 1
    (email,) = mail.outbox
    assert email.to == ["officer@customs.example"]
    assert not Alert.objects.filter(case=case).exists()


def test_the_beat_task_runs_the_reminders(case, settings):
    case.holder_deadline = case.detained_at  # already passed
    case.save()
    assert tasks.send_case_reminders.delay().get() == 1
    assert CaseReminder.objects.get(case=case).stage == "overdue"
