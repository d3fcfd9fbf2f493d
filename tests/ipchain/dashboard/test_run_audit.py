"""The office runs the ledger audit from the dashboard, where it is explained; nobody else."""

import pytest

from ipchain.accounts.models import Role
from ipchain.ledger.models import AuditRun
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_office_runs_the_audit_from_the_dashboard(client, django_capture_on_commit_callbacks):
    client.force_login(factories.office_admin())
    page = client.get("/office/dashboard/").content.decode()
    assert "not run yet" in page and "It runs every 6 hours." in page
    assert 'action="/office/dashboard/audit/"' in page
    with django_capture_on_commit_callbacks(execute=True):  # the task, once the request commits
        response = client.post("/office/dashboard/audit/")
    assert response.status_code == 302
    run = AuditRun.objects.get()
    assert run.ok and run.finished_at
    assert "entries checked" in client.get("/office/dashboard/").content.decode()


def test_a_customs_supervisor_cannot_run_it(client):
    supervisor = factories.user(factories.customs("nl-customs"), Role.CUSTOMS_SUPERVISOR)
    client.force_login(supervisor)
    assert 'action="/office/dashboard/audit/"' not in client.get("/office/dashboard/").content.decode()
    assert client.post("/office/dashboard/audit/").status_code == 403
    assert not AuditRun.objects.exists()
