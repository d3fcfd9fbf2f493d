"""Two real nodes on loopback: office A runs its rights rules over its own log; office B
mirrors A's log and replays every rule run exactly. A firing A's office then signs that no
rule made is found by B, and B's federation status says A is not healthy."""

import json
import shutil
import subprocess
import sys

import pytest

from .test_three_nodes import COMMAND_TIMEOUT, ROOT, Node, run_all

A_RUNS_ITS_RULES = """
from datetime import UTC, datetime
import time_machine
from ipchain.accounts.models import Organisation
from ipchain.ledger import log
from ipchain.registry import admission, keys, rule_runs
call_command('ipchain_setup_office', name='Office A', slug='office-a', country='EM')
with time_machine.travel(datetime(2015, 1, 10, tzinfo=UTC), tick=False) as clock:
    acme = Organisation.objects.create(kind='brand', slug='acme', name='Acme', country='DE')
    admission.add_ip_right(holder=acme, kind='trademark', office='EM', registration_number='018000001',
                           nice_classes=[25], filing_date='2015-01-05')
    keys.create_node_key(organisation=acme)
    clock.move_to(datetime(2025, 3, 1, tzinfo=UTC))
    print('in grace', rule_runs.run_rules().firings)
    clock.move_to(datetime(2025, 8, 1, tzinfo=UTC))
    print('after grace', rule_runs.run_rules().firings)
log.integrate_pending()
"""

A_FORGES_A_FIRING = """
from ipchain.ledger import log
from ipchain.registry import records, right_rules
from ipchain.registry.keys import office_sign
forged = records.rule_firing_record(
    kind=records.RIGHT_LAPSED,
    right={'office': 'EM', 'kind': 'trademark', 'number': '018000001'},
    fields={'effective_date': '2020-01-01'},
    rule={'set': right_rules.RULESET, 'name': 'lapse', 'run': 1, 'reads': []},
    time='2025-08-01T00:00:00Z',
)
log.append(office_sign(forged))
log.integrate_pending()
"""

B_REPLAYS_A = """
from ipchain.federation.models import Peer
from ipchain.federation.peer_rights import replay_peer
from ipchain.federation.status import federation_status
call_command('ipchain_mirror_sync', 'a')
problems = replay_peer(Peer.objects.get(name='a'))
(status,) = federation_status()
print(json.dumps({'problems': [p.reason for p in problems], 'healthy': status.healthy}))
"""


@pytest.fixture
def two_offices(tmp_path):
    template = tmp_path / "template"
    template.mkdir()
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0", "--skip-checks"],
        cwd=ROOT,
        env=Node("template", tmp_path).env,
        check=True,
        timeout=COMMAND_TIMEOUT,
    )
    a, b = Node("a", tmp_path), Node("b", tmp_path)
    for node in (a, b):
        node.dir.mkdir()
        for file in template.glob("db.sqlite3*"):
            shutil.copy(file, node.dir / file.name)
    keys = run_all({a: "call_command('ipchain_keygen')\ncall_command('ipchain_witness_key', generate=True)"})
    a.log_vkey = keys[a].strip().splitlines()[-2]  # each command prints its verifier key alone
    run_all(
        {b: f"call_command('ipchain_peer_add', 'a', url='{a.url}', log_vkey='{a.log_vkey}', mirror=True)"}
    )
    try:
        a.start()
        a.wait_ready()
        yield a, b
    finally:
        a.stop()


def test_a_peer_replays_the_rule_runs_of_a_real_node_and_finds_a_forged_firing(two_offices):
    a, b = two_offices
    out = run_all({a: A_RUNS_ITS_RULES})[a]
    assert "in grace 0" in out and "after grace 1" in out

    replayed = json.loads(run_all({b: B_REPLAYS_A})[b].strip().splitlines()[-1])
    assert replayed == {"problems": [], "healthy": True}

    run_all({a: A_FORGES_A_FIRING})
    replayed = json.loads(run_all({b: B_REPLAYS_A})[b].strip().splitlines()[-1])
    assert replayed == {"problems": ["extra_firing"], "healthy": False}
