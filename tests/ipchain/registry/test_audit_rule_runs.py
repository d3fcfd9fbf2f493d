"""`manage.py ipchain_audit` replays the rule runs with the other record checks: a forged
firing fails the audit, naming the entry."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.core.management import CommandError, call_command

from ipchain.ledger import log
from ipchain.registry import records, right_rules, rule_runs
from ipchain.registry.keys import office_sign
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_audit_fails_on_a_forged_firing(capsys, settings, log_verifier):
    with time_machine.travel(datetime(2025, 8, 1, tzinfo=UTC), tick=False):
        right = factories.brand("acme").ip_rights.get()
        rule_runs.run_rules()
        log.integrate_pending()
        call_command("ipchain_audit")
        assert "record signatures ok" in capsys.readouterr().out
        forged = records.rule_firing_record(
            kind=records.RIGHT_LAPSED,
            right=right.names,
            fields={"effective_date": "2025-08-02"},
            rule={"set": right_rules.RULESET, "name": "lapse", "run": 0, "reads": []},
            time="2025-08-01T00:00:00Z",
        )
        entry = log.append(office_sign(forged))
        log.integrate_pending()
        entry.refresh_from_db()
        with pytest.raises(CommandError, match=f"index {entry.leaf_index}: extra_firing"):
            call_command("ipchain_audit")
