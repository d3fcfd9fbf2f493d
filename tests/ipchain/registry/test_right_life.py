"""Eleven years of a trade mark under a controlled clock: registered, a renewal reminder,
renewed, licensed in one territory, assigned, protected by an application for customs action,
not renewed, grace, lapse, the application ending; the verdicts on its labels change at each
step, and the log's rule runs replay exactly."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core import mail

from ipchain.accounts.models import Role
from ipchain.enforcement import applications
from ipchain.enforcement.models import Application
from ipchain.ledger import log
from ipchain.registry import items, records, right_rules, rights, rule_runs
from ipchain.registry.errors import RegistryError
from ipchain.registry.keys import office_sign
from ipchain.registry.models import IpRight, Licence, RightEvent
from tests import factories
from verifier.verification import verify_code

pytestmark = pytest.mark.django_db


def at(year, month, day):
    return datetime(year, month, day, 9, tzinfo=UTC)


def register(brand, product, serial):
    item = items.register_item(
        actor=factories.brand_admin(brand), brand=brand, gtin=product.gtin, serial=serial
    )
    log.integrate_pending()
    return item


def verdict(item, user=None):
    item.refresh_from_db()
    result = verify_code(items.label_uri(item), user=user, log=False)
    return result.verdict.value, [reason.code for reason in result.reasons]


def officer_in(country):
    authority = factories.customs(f"customs-{country.lower()}")
    authority.country = country
    authority.save()
    return factories.user(authority, Role.CUSTOMS_OFFICER)


def refused(brand, product, serial):
    with pytest.raises(RegistryError) as refusal:
        register(brand, product, serial)
    return refusal.value.reason


def test_eleven_years_of_a_trade_mark():
    with time_machine.travel(at(2015, 1, 10), tick=False) as clock:
        acme, licensee, newco = factories.brand("acme"), factories.brand("lic"), factories.brand("newco")
        office = factories.office_admin()
        for brand in (acme, newco):
            brand.contact_email = f"ip@{brand.slug}.example"
            brand.save()
        right = rights.add_ip_right(
            holder=acme,
            kind="trademark",
            office="EM",
            registration_number="018000001",
            nice_classes=[25],
            mark="ACME",
            filing_date="2015-01-05",
            registration_date="2015-01-09",
        )
        assert right.expiry_date == date(2025, 1, 5)  # ten years from filing (EUTMR Art. 52)
        jacket = factories.product(acme, rights=[right])
        a1 = register(acme, jacket, "A1")
        assert verdict(a1) == ("genuine", ["registered", "signature_matches"])

        # The renewal window opens six months before expiry: the owner is reminded, once.
        clock.move_to(at(2024, 8, 1))
        assert rule_runs.send_renewal_reminders() >= 1
        assert any("Renewal due: EM" in m.subject and "ip@acme.example" in m.to for m in mail.outbox)
        assert rule_runs.send_renewal_reminders() == 0
        right = rights.renew(actor=office, right=right)
        assert right.expiry_date == date(2035, 1, 5)

        # A licence in France until the end of 2028: the licensee's labels say so, and fail
        # when an officer finds them elsewhere.
        clock.move_to(at(2026, 3, 1))
        licence = rights.grant_licence(
            actor=factories.brand_admin(acme),
            right=right,
            licensee=licensee,
            territory=["FR"],
            ends="2028-12-31",
        )
        l1 = register(licensee, jacket, "L1")
        assert l1.owner == licensee and l1.licence == licence
        in_france, in_holland = officer_in("FR"), officer_in("NL")
        assert verdict(l1, in_france) == ("genuine", ["registered", "licensed", "signature_matches"])
        assert verdict(l1, in_holland) == ("revoked", ["outside_territory"])
        assert verdict(l1) == ("genuine", ["registered", "licensed", "signature_matches"])  # the public

        # The licence ends at its term by a rule run; labels made under it stay good.
        clock.move_to(at(2029, 2, 1))
        rule_runs.run_rules()
        licence.refresh_from_db()
        assert (licence.status, licence.ended_on) == (Licence.Status.ENDED, date(2029, 1, 1))
        assert refused(licensee, jacket, "L2") == "outside_licence"
        assert verdict(l1, in_france)[0] == "genuine"

        # An assignment recorded in June, effective in March: what the old owner signed since
        # no longer holds, what it signed before does.
        clock.move_to(at(2030, 4, 15))
        a2 = register(acme, jacket, "A2")
        assert verdict(a2)[0] == "genuine"
        clock.move_to(at(2030, 6, 1))
        with pytest.raises(RegistryError, match="consent"):
            rights.assign(actor=office, right=right, new_owner=newco, effective_date="2030-03-01")
        rights.assign(
            actor=office, right=right, new_owner=newco, effective_date="2030-03-01", consent="Deed 2030/17"
        )
        assert verdict(a2) == ("revoked", ["not_right_holder"])
        assert verdict(a1)[0] == "genuine"
        assert refused(acme, jacket, "A3") == "not_right_holder"
        coat = factories.product(newco, rights=[right])
        b1 = register(newco, coat, "B1")
        assert verdict(b1)[0] == "genuine"

        # The new owner asks customs to act on the mark: granted for a year.
        clock.move_to(at(2034, 10, 1))
        customs = factories.customs("nl-customs")
        right.refresh_from_db()
        afa = applications.file_application(
            actor=factories.brand_admin(newco),
            holder=newco,
            competent_authority=customs,
            rights=[right],
            products=[coat],
            contact_name="Brand protection",
            contact_email="bp@newco.example",
            liability_undertaking=True,
        )
        afa = applications.decide(
            actor=factories.user(customs, Role.CUSTOMS_SUPERVISOR), application=afa, decision="granted"
        )
        assert afa.valid_until == date(2035, 10, 1)  # Reg. 608/2013 Art. 11(1)

        # Not renewed: in the grace period labels are still signed, and the owner reminded.
        clock.move_to(at(2035, 3, 1))
        b2 = register(newco, coat, "B2")
        assert verdict(b2)[0] == "genuine"
        mail.outbox.clear()
        assert rule_runs.send_renewal_reminders() >= 1
        assert any("grace period" in m.body and "ip@newco.example" in m.to for m in mail.outbox)

        # The grace period ends: the right lapses from the day after expiry, by a rule run.
        clock.move_to(at(2035, 7, 6))
        run = rule_runs.run_rules()
        right.refresh_from_db()
        assert (right.status, right.ended_on) == (IpRight.Status.LAPSED, date(2035, 1, 6))
        lapse = RightEvent.objects.get(right=right, kind=records.RIGHT_LAPSED)
        assert lapse.details["rule"]["run"] == run.upto and lapse.details["rule"]["name"] == "lapse"
        assert verdict(b2) == ("revoked", ["right_lapsed"])
        assert verdict(b1)[0] == "genuine"
        assert refused(newco, coat, "B3") == "right_lapsed"
        # The application stood on that right alone: the same run ends it (Art. 12(5), 15).
        afa.refresh_from_db()
        assert (afa.status, afa.ended_on) == (Application.Status.ENDED, date(2035, 1, 6))
        assert afa.events.last().kind == records.AFA_ENDED
        assert afa.events.last().details["rule"]["run"] == run.upto
        assert not applications.rights_under_protection().exists()

        # Every run replays to the same firings.
        log.integrate_pending()
        assert list(rule_runs.check_rule_firings()) == []
        timeline = list(RightEvent.objects.filter(right=right).values_list("kind", flat=True))
        assert timeline == [
            records.RIGHT_REGISTERED,
            records.RIGHT_RENEWED,
            records.RIGHT_LICENSED,
            records.RIGHT_LICENCE_ENDED,
            records.RIGHT_ASSIGNED,
            records.RIGHT_LAPSED,
        ]


def test_the_audit_finds_a_firing_no_rule_made_and_one_a_run_left_out():
    with time_machine.travel(at(2015, 1, 10), tick=False) as clock:
        brand = factories.brand("acme")
        (right,) = brand.ip_rights.all()
        clock.move_to(at(2025, 3, 1))  # in grace: nothing is due
        rule_runs.run_rules()
        log.integrate_pending()
        assert list(rule_runs.check_rule_firings()) == []
        forged = records.rule_firing_record(
            kind=records.RIGHT_LAPSED,
            right=right.names,
            fields={"effective_date": "2025-01-11"},
            rule={"set": right_rules.RULESET, "name": "lapse", "run": 1, "reads": []},
            time=records.timestamp(at(2025, 3, 1)),
        )
        log.append(office_sign(forged))
        log.integrate_pending()
        assert [p.reason for p in rule_runs.check_rule_firings()] == ["extra_firing"]

    with time_machine.travel(at(2025, 8, 1), tick=False):
        # A run that says it found nothing due, when the lapse was.
        upto = log.current_tree_size()
        run = records.rules_evaluated_record(
            ruleset=right_rules.RULESET,
            params=right_rules.Parameters().as_record(),
            upto=upto,
            firings=0,
            moment=at(2025, 8, 1),
        )
        log.append(office_sign(run))
        log.integrate_pending()
        assert "missing_firing" in {p.reason for p in rule_runs.check_rule_firings()}


def test_two_runs_on_the_same_log_do_not_fire_twice():
    with time_machine.travel(at(2015, 1, 10), tick=False) as clock:
        factories.brand("acme")
        clock.move_to(at(2025, 8, 1))
        first, second = rule_runs.run_rules(), rule_runs.run_rules()
        assert (first.firings, second.firings) == (1, 0)
        assert second.upto > first.upto
        log.integrate_pending()
        assert list(rule_runs.check_rule_firings()) == []
