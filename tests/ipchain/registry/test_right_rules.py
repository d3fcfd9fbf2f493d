"""The rights rules as pure functions: vectors for each rule, the standing of a label, replay."""

from datetime import date

import pytest

from ipchain.registry import records, right_rules
from ipchain.registry.right_rules import Ledger, Parameters, RuleInputError, fold, fold_all

RIGHT = {"office": "EM", "kind": "trademark", "number": "018000001"}
KEY = "EM/trademark/018000001"
PARAMS = Parameters()


def registered(owner="acme", registered="2015-01-05", expiry="2025-01-05"):
    return {
        "type": records.RIGHT_REGISTERED,
        "right": RIGHT,
        "owner": owner,
        "registered": registered,
        "expiry": expiry,
    }


def licensed(ref="L1", licensee="lic", territory=("FR",), starts="2026-03-01", ends="2028-12-31", gtins=()):
    return {
        "type": records.RIGHT_LICENSED,
        "right": RIGHT,
        "licence": ref,
        "licensor": "acme",
        "licensee": licensee,
        "territory": list(territory),
        "starts": starts,
        "ends": ends,
        "gtins": list(gtins),
    }


def test_add_months_keeps_the_day_or_takes_the_months_last():
    assert right_rules.add_months(date(2025, 1, 5), 6) == date(2025, 7, 5)
    assert right_rules.add_months(date(2025, 1, 5), -6) == date(2024, 7, 5)
    assert right_rules.add_months(date(2024, 8, 31), 6) == date(2025, 2, 28)
    assert right_rules.add_months(date(2023, 8, 31), 6) == date(2024, 2, 29)
    assert right_rules.add_months(date(2015, 1, 5), 120) == date(2025, 1, 5)


def test_no_lapse_before_the_grace_period_ends():
    ledger = fold_all([(0, registered())])
    assert right_rules.evaluate(ledger, on=date(2025, 1, 6), params=PARAMS) == []  # in grace
    assert right_rules.evaluate(ledger, on=date(2025, 7, 5), params=PARAMS) == []  # grace's last day


def test_a_right_not_renewed_lapses_from_the_day_after_expiry():
    ledger = fold_all([(0, registered()), (3, licensed())])
    firings = right_rules.evaluate(ledger, on=date(2025, 7, 6), params=PARAMS)
    assert [(f.rule, f.kind, f.fields["effective_date"]) for f in firings] == [
        ("lapse", records.RIGHT_LAPSED, "2025-01-06"),
        ("licence_right_ended", records.RIGHT_LICENCE_ENDED, "2025-01-06"),
    ]
    assert firings[0].reads == (0, 3)
    assert ledger.rights[KEY].dead_from == date(2025, 1, 6)  # applied as it went
    assert right_rules.evaluate(ledger, on=date(2025, 7, 7), params=PARAMS) == []  # once


def test_a_renewal_moves_the_lapse_a_term_later():
    ledger = fold_all(
        [(0, registered()), (1, {"type": records.RIGHT_RENEWED, "right": RIGHT, "expiry": "2035-01-05"})]
    )
    assert right_rules.evaluate(ledger, on=date(2025, 7, 6), params=PARAMS) == []
    assert right_rules.evaluate(ledger, on=date(2035, 7, 6), params=PARAMS)[0].reads == (0, 1)


def test_the_grace_period_is_a_parameter():
    ledger = fold_all([(0, registered())])
    no_grace = Parameters(grace_months=0)
    assert right_rules.evaluate(ledger, on=date(2025, 1, 6), params=no_grace)[0].rule == "lapse"


def test_a_licence_ends_at_its_term():
    ledger = fold_all([(0, registered(expiry="2035-01-05")), (1, licensed())])
    assert right_rules.evaluate(ledger, on=date(2028, 12, 31), params=PARAMS) == []
    (firing,) = right_rules.evaluate(ledger, on=date(2029, 1, 1), params=PARAMS)
    assert (firing.rule, firing.fields) == (
        "licence_term",
        {"licence": "L1", "effective_date": "2029-01-01", "cause": "term"},
    )


def test_a_label_stands_on_a_live_right_its_signer_held_that_day():
    ledger = fold_all(
        [
            (0, registered()),
            (
                1,
                {
                    "type": records.RIGHT_ASSIGNED,
                    "right": RIGHT,
                    "to": "newco",
                    "effective_date": "2020-03-01",
                },
            ),
        ]
    )
    state = ledger.rights[KEY]
    assert right_rules.standing([state], org="acme", gtin="1", day=date(2020, 2, 29)).holds
    assert (
        right_rules.standing([state], org="acme", gtin="1", day=date(2020, 3, 1)).reason == "not_right_holder"
    )
    assert right_rules.standing([state], org="newco", gtin="1", day=date(2020, 3, 1)).holds
    assert right_rules.standing([state], org="newco", gtin="1", day=date(2014, 1, 1)).reason == "right_lapsed"
    assert right_rules.standing([], org="acme", gtin="1", day=date(2020, 1, 1)).reason == "no_right"


def test_a_licensee_stands_within_its_term_for_the_products_licensed():
    ledger = fold_all([(0, registered(expiry="2035-01-05")), (1, licensed(gtins=["05000000000011"]))])
    state = ledger.rights[KEY]
    inside = right_rules.standing([state], org="lic", gtin="05000000000011", day=date(2027, 1, 1))
    assert inside.holds and inside.licence.licensor == "acme" and inside.licence.territory == ("FR",)
    late = right_rules.standing([state], org="lic", gtin="05000000000011", day=date(2029, 1, 1))
    assert late.reason == "outside_licence"
    other = right_rules.standing([state], org="lic", gtin="05000000000028", day=date(2027, 1, 1))
    assert other.reason == "not_right_holder"


def test_the_union_covers_its_member_states():
    assert right_rules.in_territory("FR", ["EM"]) and right_rules.in_territory("FR", ["FR"])
    assert not right_rules.in_territory("CH", ["EM"]) and not right_rules.in_territory("NL", ["FR"])


def test_records_that_do_not_fold_are_refused():
    with pytest.raises(RuleInputError, match="never registered"):
        fold(Ledger(), 0, {"type": records.RIGHT_RENEWED, "right": RIGHT, "expiry": "2035-01-05"})
    with pytest.raises(RuleInputError, match="YYYY-MM-DD"):
        fold(Ledger(), 0, registered(registered="05/01/2015"))
    ledger = fold_all([(0, registered())])
    with pytest.raises(RuleInputError, match="twice"):
        fold(ledger, 1, registered())


# --- replay -------------------------------------------------------------------------------------


def run_log(on="2025-07-06T00:00:00Z"):
    """A log: a registration, a licence, then a run that fired a lapse and the licence's end."""
    entries = [(0, registered()), (1, licensed())]
    ledger = fold_all(entries)
    firings = right_rules.evaluate(ledger, on=date.fromisoformat(on[:10]), params=PARAMS)
    index = 2
    for firing in firings:
        entries.append((index, right_rules.firing_record(firing, run=2, time=on) | {"kid": "k", "sig": "s"}))
        index += 1
    run = {
        "type": records.RULES_EVALUATED,
        "ruleset": right_rules.RULESET,
        "params": PARAMS.as_record(),
        "at": on,
        "upto": 2,
        "firings": len(firings),
    }
    entries.append((index, run))
    return entries


def test_a_faithful_log_replays_clean():
    assert len(run_log()) == 5
    assert right_rules.replay(run_log()) == []


def test_a_missing_firing_is_found():
    entries = [e for e in run_log() if e[1].get("rule", {}).get("name") != "licence_right_ended"]
    problems = right_rules.replay(entries)
    assert [(p.index, p.reason) for p in problems] == [(4, "missing_firing")]  # named by the run


def test_an_extra_firing_is_found():
    entries = run_log()
    forged = dict(entries[2][1], right={"office": "EM", "kind": "trademark", "number": "9"})
    problems = right_rules.replay([*entries, (9, forged)])
    assert [(p.index, p.reason) for p in problems] == [(9, "extra_firing")]


def test_a_changed_firing_is_found():
    entries = run_log()
    entries[2] = (2, dict(entries[2][1], effective_date="2025-07-06"))
    assert [(p.index, p.reason) for p in right_rules.replay(entries)] == [(2, "different_firing")]


def test_a_run_that_fired_too_early_is_found():
    entries = run_log(on="2025-03-01T00:00:00Z")  # in grace: nothing is due
    assert right_rules.replay(entries) == []
    lapse = right_rules.firing_record(
        right_rules.Firing("lapse", records.RIGHT_LAPSED, KEY, {"effective_date": "2025-01-06"}, (0, 1)),
        run=2,
        time="2025-03-01T00:00:00Z",
    )
    problems = right_rules.replay([*entries[:2], (2, lapse), (3, dict(entries[2][1], firings=1))])
    assert [p.reason for p in problems] == ["extra_firing", "bad_run"]


def test_a_run_with_parameters_it_does_not_know_is_refused():
    entries = run_log()
    entries[-1] = (4, dict(entries[-1][1], params={"grace_months": 6}))
    assert "bad_run" in {p.reason for p in right_rules.replay(entries)}
