"""The dashboard page, its CSV tables and the retry button: who may see what."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ipchain.accounts.models import Role
from ipchain.operations.models import FailedTask
from tests import factories

from .conftest import scan

pytestmark = pytest.mark.django_db
PAGE = "/office/dashboard/"


def login(client, org, role):
    user = factories.user(org, role)
    client.force_login(user)
    return user


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_it_renders_with_no_data_at_all(client):
    login(client, factories.office(), Role.OFFICE_ADMIN)
    response = client.get(PAGE)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Office dashboard" in body
    assert "No open cases." in body
    assert "No failed tasks." in body
    assert "<svg" in body


def test_anonymous_users_are_sent_to_sign_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert client.get(PAGE + "scans-by-day.csv").status_code == 302


@pytest.mark.parametrize("role", [Role.BRAND_ADMIN, Role.BRAND_OPERATOR])
def test_brand_users_are_refused(client, role):
    login(client, factories.brand(), role)
    assert client.get(PAGE).status_code == 403
    assert client.get(PAGE + "scans-by-day.csv").status_code == 403


def test_customs_officers_are_refused(client):
    login(client, factories.customs(), Role.CUSTOMS_OFFICER)
    assert client.get(PAGE).status_code == 403


def test_the_office_sees_every_authority(client, world):
    login(client, factories.office(), Role.OFFICE_ADMIN)
    rows = csv_rows(client.get(PAGE + "suspects-by-office.csv"))
    assert [(r[0], r[2]) for r in rows[1:]] == [
        ("Rotterdam (Douane)", "3"),
        ("Hamburg (Zoll)", "2"),
        ("Schiphol (Douane)", "1"),
    ]
    body = client.get(PAGE).content.decode()
    assert "Items registered per day" in body
    assert 'id="workers"' in body


def test_a_supervisor_sees_only_their_authority(client, world):
    login(client, world["de"], Role.CUSTOMS_SUPERVISOR)
    response = client.get(PAGE)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Dashboard: Zoll" in body
    assert "Rotterdam" not in body and "Schiphol" not in body
    # Workers' failed tasks and the node's registrations are the office's business.
    assert 'id="workers"' not in body
    assert "Items registered per day" not in body
    rows = csv_rows(client.get(PAGE + "suspects-by-office.csv"))
    assert [(r[0], r[2]) for r in rows[1:]] == [("Hamburg (Zoll)", "2")]
    assert client.get(PAGE + "registrations-by-day.csv").status_code == 404


def test_a_supervisor_of_another_kind_of_organisation_is_refused(client):
    # The permission alone is not enough: the scope is the user's customs authority.
    user = login(client, factories.office(), Role.OFFICE_ADMIN)
    user.groups.clear()
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="view_authority_dashboard"))
    assert client.get(PAGE).status_code == 403


def test_the_scans_table_as_csv(client, world):
    login(client, factories.office(), Role.OFFICE_ADMIN)
    response = client.get(PAGE + "scans-by-day.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="scans-by-day.csv"'
    rows = csv_rows(response)
    assert rows[0][0] == "day" and rows[0][-1] == "total"
    assert len(rows) == 1 + 90
    assert sum(int(r[-1]) for r in rows[1:]) == 12
    assert response.content.endswith(b"\r\n")


def test_every_table_on_the_page_has_its_csv(client, world):
    login(client, factories.office(), Role.OFFICE_ADMIN)
    body = client.get(PAGE).content.decode()
    for name in (
        "scans-by-day",
        "suspects-by-country",
        "suspects-by-office",
        "targeted-products",
        "targeted-brands",
        "open-cases",
        "recent-alerts",
        "registrations-by-day",
    ):
        assert f'href="{PAGE}{name}.csv"' in body
        assert client.get(f"{PAGE}{name}.csv").status_code == 200


def test_an_unknown_table_is_a_404_with_a_reason(client):
    login(client, factories.office(), Role.OFFICE_ADMIN)
    response = client.get(PAGE + "nonsense.csv")
    assert response.status_code == 404
    assert response.json()["reason"] == "unknown_table"


def test_figures_are_cached_briefly_and_the_page_says_so(client, world):
    login(client, factories.office(), Role.OFFICE_ADMIN)
    first = csv_rows(client.get(PAGE + "suspects-by-country.csv"))
    scan(world["de"], "forged", timezone.now(), office="Hamburg")
    assert csv_rows(client.get(PAGE + "suspects-by-country.csv")) == first
    assert "recomputed at most every 60 s" in client.get(PAGE).content.decode()


def failed_task() -> FailedTask:
    return FailedTask.objects.create(
        task_name="ipchain.ledger.tasks.integrate_pending",
        task_id="t-1",
        exception_type="OperationalError",
        exception_message="database went away",
    )


def test_the_office_sees_failed_tasks_and_retries_one(client, django_capture_on_commit_callbacks):
    user = login(client, factories.office(), Role.OFFICE_ADMIN)
    failed = failed_task()
    body = client.get(PAGE).content.decode()
    assert "database went away" in body
    assert reverse("dashboard:retry", args=[failed.pk]) in body
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("dashboard:retry", args=[failed.pk]))
    assert response.status_code == 302
    assert response["Location"] == PAGE + "#workers"
    failed.refresh_from_db()
    assert failed.retried_at is not None and failed.retried_by == user
    assert len(callbacks) == 1  # the task is sent after commit


def test_a_failure_is_sent_again_only_once(client):
    login(client, factories.office(), Role.OFFICE_ADMIN)
    failed = failed_task()
    client.post(reverse("dashboard:retry", args=[failed.pk]))
    response = client.post(reverse("dashboard:retry", args=[failed.pk]), follow=True)
    assert "Not sent again: this failure was already sent again" in response.content.decode()


def test_retry_needs_post(client):
    login(client, factories.office(), Role.OFFICE_ADMIN)
    failed = failed_task()
    assert client.get(reverse("dashboard:retry", args=[failed.pk])).status_code == 405
    failed.refresh_from_db()
    assert failed.retried_at is None


@pytest.mark.parametrize("role", [Role.CUSTOMS_SUPERVISOR, Role.CUSTOMS_OFFICER])
def test_customs_staff_cannot_retry(client, role):
    login(client, factories.customs(), role)
    failed = failed_task()
    assert client.post(reverse("dashboard:retry", args=[failed.pk])).status_code == 403
    failed.refresh_from_db()
    assert failed.retried_at is None


def test_brands_cannot_retry(client):
    login(client, factories.brand(), Role.BRAND_ADMIN)
    failed = failed_task()
    assert client.post(reverse("dashboard:retry", args=[failed.pk])).status_code == 403


def test_retrying_a_missing_failure_is_a_404(client):
    login(client, factories.office(), Role.OFFICE_ADMIN)
    assert client.post(reverse("dashboard:retry", args=[999])).status_code == 404


def test_a_task_this_node_does_not_register_is_not_sent(client):
    login(client, factories.office(), Role.OFFICE_ADMIN)
    failed = failed_task()
    FailedTask.objects.filter(pk=failed.pk).update(task_name="os.system")
    response = client.post(reverse("dashboard:retry", args=[failed.pk]), follow=True)
    assert "Not sent again: no task named &#x27;os.system&#x27; is registered" in response.content.decode()
    failed.refresh_from_db()
    assert failed.retried_at is None


def test_the_first_view_folds_the_rollups(client, world, django_capture_on_commit_callbacks):
    from ipchain.dashboard import rollup

    login(client, factories.office(), Role.OFFICE_ADMIN)
    assert rollup.state() is None
    with django_capture_on_commit_callbacks(execute=True):  # the fold follows the request
        client.get(PAGE)
    assert rollup.state() is not None


def test_stale_rollups_are_folded_here_without_a_worker(client, world, django_capture_on_commit_callbacks):
    from ipchain.dashboard import rollup
    from ipchain.dashboard.models import RollupState

    login(client, factories.office(), Role.OFFICE_ADMIN)
    rollup.fold()
    stale = timezone.now() - rollup.STALE_AFTER - timedelta(minutes=1)
    RollupState.objects.filter(pk=1).update(folded_at=stale)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(PAGE)
    assert rollup.state().folded_at > stale


def test_stale_rollups_are_folded_by_the_worker_once(
    client, world, monkeypatch, django_capture_on_commit_callbacks
):
    from config import celery_app
    from ipchain.dashboard import rollup
    from ipchain.dashboard.models import RollupState

    login(client, factories.office(), Role.OFFICE_ADMIN)
    rollup.fold()
    stale = timezone.now() - rollup.STALE_AFTER - timedelta(minutes=1)
    RollupState.objects.filter(pk=1).update(folded_at=stale)
    queued = []
    monkeypatch.setattr(celery_app, "send_task", lambda name, **kwargs: queued.append(name))
    celery_app.conf.task_always_eager = False  # as with a broker and a worker
    try:
        with django_capture_on_commit_callbacks(execute=True):
            before = csv_rows(client.get(PAGE + "suspects-by-office.csv"))
            client.get(PAGE)
    finally:
        celery_app.conf.task_always_eager = True
    assert queued == ["ipchain.dashboard.tasks.fold_rollups"]  # sent once, not once a page view
    assert rollup.state().folded_at == stale  # the request did not fold
    # Stale rollups still give the right figures: what came since is counted live.
    assert before[1][:3] == ["Rotterdam (Douane)", "NL", "3"]


def test_never_folded_with_a_worker_counts_live_and_queues_a_fold(
    client, world, monkeypatch, django_capture_on_commit_callbacks
):
    from config import celery_app
    from ipchain.dashboard import rollup

    login(client, factories.office(), Role.OFFICE_ADMIN)
    queued = []
    monkeypatch.setattr(celery_app, "send_task", lambda name, **kwargs: queued.append(name))
    celery_app.conf.task_always_eager = False
    try:
        with django_capture_on_commit_callbacks(execute=True):
            rows = csv_rows(client.get(PAGE + "suspects-by-office.csv"))
    finally:
        celery_app.conf.task_always_eager = True
    assert queued == ["ipchain.dashboard.tasks.fold_rollups"]
    assert rollup.state() is None
    assert rows[1][:3] == ["Rotterdam (Douane)", "NL", "3"]


@pytest.mark.parametrize("page", ["/verify/", "/verify/cases/"])
def test_supervisors_find_the_dashboard_from_the_scanner_and_officers_do_not(client, page):
    authority = factories.customs()
    link = f'href="{PAGE}"'
    login(client, authority, Role.CUSTOMS_SUPERVISOR)
    assert link in client.get(page).content.decode()
    login(client, authority, Role.CUSTOMS_OFFICER)
    assert link not in client.get(page).content.decode()


def test_a_csv_cell_a_spreadsheet_would_run_is_quoted_as_text(client):
    # Office names come from users, as in the scans export (ipchain.operations.exports).
    authority = factories.customs()
    scan(authority, "forged", timezone.now(), office="=HYPERLINK(1)", lat=51.9, lon=4.1)
    login(client, factories.office(), Role.OFFICE_ADMIN)
    offices = [row[0] for row in csv_rows(client.get(PAGE + "suspects-by-office.csv"))[1:]]
    assert offices == ["'=HYPERLINK(1) (Customs)"]
