"""Two people acting on one case at the same moment, on PostgreSQL: each change locks the
case's row, so one wins and the other is refused on the state it then finds; the append-only
ledger never receives two outcomes for one decision, and every change names who made it."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from ipchain.accounts.models import Role
from ipchain.registry import items
from ipchain.registry.models import ItemEvent
from tests import factories
from verifier import cases, notifications
from verifier.models import Case, CaseAction

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world():
    brand = factories.brand("acme")
    brand.contact_email = "protect@acme.example"
    brand.save()
    product = factories.product(brand)
    admin = factories.brand_admin(brand)
    item = items.register_item(actor=admin, brand=brand, gtin=product.gtin, serial="RACE1")
    customs = factories.customs("nl-customs")
    officers = [factories.user(customs, Role.CUSTOMS_OFFICER) for _ in range(2)]
    # As open_case leaves it before its notification runs (here every commit is final, so the
    # service would notify at once: the race below is about that notification).
    case = Case.objects.create(
        authority=customs,
        opened_by=officers[0],
        brand=brand,
        item=item,
        goods="Trail jackets",
        quantity=40,
        procedure=Case.Procedure.APPLICATION,  # under the holder's application: it answers
        notify_by=timezone.now() + timedelta(days=1),
    )
    CaseAction.objects.create(case=case, action="opened", actor=officers[0])
    return {"brand": brand, "item": item, "admin": admin, "officers": officers, "case": case}


def at_once(*actions) -> list:
    """Run each action in its own thread and database connection, released together; each
    result is what it returned or the exception it raised."""
    barrier = threading.Barrier(len(actions))
    results: list = [None] * len(actions)

    def run(i, action):
        try:
            barrier.wait()
            results[i] = action()
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def test_two_officers_releasing_at_once_release_once(world):
    case = world["case"]
    results = at_once(
        *[
            lambda o=officer: cases.close(actor=o, case=fresh(case), outcome="released")
            for officer in world["officers"]
        ]
    )
    refused = [r for r in results if isinstance(r, cases.CaseError)]
    assert len(refused) == 1 and refused[0].reason == "case_closed"
    assert fresh(case).state == Case.State.RELEASED
    assert ItemEvent.objects.filter(item=world["item"], kind="customs_released").count() == 1
    (released,) = CaseAction.objects.filter(case=case, action="released")
    winner = next(r for r in results if isinstance(r, Case))
    assert released.actor_id == winner.actions.get(action="released").actor_id
    assert released.actor_id in {o.pk for o in world["officers"]}


def test_an_answer_racing_a_release_never_lands_on_a_closed_case(world):
    case = world["case"]
    answer, release = at_once(
        lambda: cases.holder_answer(actor=world["admin"], case=fresh(case), counterfeit=True),
        lambda: cases.close(actor=world["officers"][1], case=fresh(case), outcome="released"),
    )
    assert isinstance(release, Case), release  # customs may release from either state
    final = fresh(case)
    assert final.state == Case.State.RELEASED
    actions = list(CaseAction.objects.filter(case=case).values_list("action", "actor_id"))
    if isinstance(answer, cases.CaseError):  # the release came first
        assert answer.reason == "case_closed" and final.holder_answer == ""
        assert actions == [("opened", world["officers"][0].pk), ("released", world["officers"][1].pk)]
    else:  # the answer came first, then the release
        assert final.holder_answer == "counterfeit"
        assert actions == [
            ("opened", world["officers"][0].pk),
            ("confirmed_counterfeit", world["admin"].pk),
            ("released", world["officers"][1].pk),
        ]


def test_two_workers_given_the_same_notification_send_one_email(world):
    case = world["case"]
    mail.outbox.clear()
    results = at_once(
        lambda: notifications.notify_holder(case.pk), lambda: notifications.notify_holder(case.pk)
    )
    assert sorted(results) == [False, True]
    assert len(mail.outbox) == 1
    assert CaseAction.objects.filter(case=case, action="notified", actor=None).count() == 1
    assert fresh(case).state == Case.State.AWAITING_HOLDER


def test_a_notification_after_the_case_closed_leaves_it_closed(world):
    case = world["case"]
    cases.close(actor=world["officers"][0], case=fresh(case), outcome="released")
    assert notifications.notify_holder(case.pk) is False
    assert fresh(case).state == Case.State.RELEASED and fresh(case).notified_at is None


def test_two_officers_recording_the_declarants_answer_at_once_record_one(world):
    case = world["case"]
    first, second = world["officers"]
    results = at_once(
        lambda: cases.declarant_answer(actor=first, case=fresh(case), agreed=True),
        lambda: cases.declarant_answer(actor=second, case=fresh(case), agreed=False),
    )
    winners = [r for r in results if isinstance(r, Case)]
    losers = [r for r in results if isinstance(r, cases.CaseError)]
    assert len(winners) == 1 and [e.reason for e in losers] == ["already_answered"]
    assert fresh(case).declarant_answer == winners[0].declarant_answer
    assert CaseAction.objects.filter(case=case, action__startswith="declarant_").count() == 1


def test_a_mandate_given_twice_at_once_is_given_once(world):
    from ipchain.enforcement import mandates
    from ipchain.enforcement.models import Mandate

    firm = mandates.create_representative(
        actor=factories.office_admin(), name="Brandguard", slug="brandguard", country="NL"
    )
    admins = [factories.user(world["brand"], Role.BRAND_ADMIN) for _ in range(2)]
    results = at_once(
        *[lambda a=a: mandates.grant(actor=a, holder=world["brand"], representative=firm) for a in admins]
    )
    assert sorted(type(r).__name__ for r in results) == ["Mandate", "MandateError"]
    assert Mandate.objects.filter(holder=world["brand"], withdrawn_at__isnull=True).count() == 1
