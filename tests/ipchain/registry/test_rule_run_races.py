"""Two rule runs at the same moment, on PostgreSQL: the office's row lock makes the second
read what the first appended, so a lapse fires once and the log still replays exactly."""

import threading
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection

from ipchain.ledger import log
from ipchain.registry import records, rule_runs
from ipchain.registry.models import IpRight, RightEvent, RuleRun
from tests import factories

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def at_once(*actions) -> list:
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


def test_two_runs_at_once_fire_a_lapse_once():
    with time_machine.travel(datetime(2015, 1, 10, tzinfo=UTC), tick=False) as clock:
        brand = factories.brand("acme")
        log.integrate_pending()
        clock.move_to(datetime(2025, 8, 1, tzinfo=UTC))
        first, second = at_once(rule_runs.run_rules, rule_runs.run_rules)
        assert isinstance(first, RuleRun) and isinstance(second, RuleRun), (first, second)
        assert sorted([first.firings, second.firings]) == [0, 1]
        assert first.upto != second.upto
        right = brand.ip_rights.get()
        assert RightEvent.objects.filter(right=right, kind=records.RIGHT_LAPSED).count() == 1
        assert IpRight.objects.get(pk=right.pk).status == IpRight.Status.LAPSED
        log.integrate_pending()
        assert list(rule_runs.check_rule_firings()) == []
