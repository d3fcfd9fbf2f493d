"""In the embedded mode (no broker), a bulk upload runs on the embedded worker's thread: the
upload answers at once, its page shows the job waiting and then done, another user's page
does not wait for it, and the finished job offers to make its labels."""

import threading
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ipchain.accounts.models import Role
from ipchain.outbox import enqueue
from ipchain.registry.models import BulkJob, Item
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def held_worker(settings, monkeypatch):
    """The embedded worker on, holding each of its tasks until the test lets it go."""
    settings.IPCHAIN_EMBEDDED_WORKER = True
    go = threading.Event()
    ran_on = []
    run = enqueue.run_inline

    def held(task, args, kwargs):
        if threading.current_thread().name == "ipchain-embedded-worker":
            go.wait(10)
            ran_on.append(task)
        run(task, args, kwargs)  # the quick periodic ones (nudge) run inline, as before

    monkeypatch.setattr(enqueue, "run_inline", held)
    yield go, ran_on
    go.set()
    enqueue.wait_for_embedded_worker()


def test_a_bulk_upload_answers_at_once_and_its_page_shows_the_progress(client, held_worker):
    go, ran_on = held_worker
    org = factories.brand("acme")
    product = factories.product(org)
    client.force_login(factories.user(org, Role.BRAND_ADMIN))
    rows = "".join(f"{product.gtin},E{n}\n" for n in range(50))
    upload = SimpleUploadedFile("items.csv", f"gtin,serial\n{rows}".encode())

    started = time.monotonic()
    response = client.post("/portal/bulk/", {"file": upload})
    assert response.status_code == 302 and time.monotonic() - started < 5
    job = BulkJob.objects.get()
    assert job.state == "queued" and not Item.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert '<strong id="state">Queued</strong>' in page and "<progress" in page
    assert "Make labels for this upload" not in page  # nothing registered yet
    # Another page answers while the job waits (it is not run inside a request).
    assert client.get("/portal/items/").status_code == 200

    go.set()
    enqueue.wait_for_embedded_worker()
    job.refresh_from_db()
    assert (job.state, job.registered_rows) == ("done", 50)
    assert Item.objects.filter(product=product).count() == 50
    assert ran_on[0] == "ipchain.registry.tasks.run_bulk_job"  # on the worker's thread
    page = client.get(response["Location"]).content.decode()
    assert f'href="/portal/labels/?bulk_job={job.pk}"' in page and 'id="next-step" hidden' not in page
    labels = client.get(f"/portal/labels/?bulk_job={job.pk}").content.decode()
    assert f'name="bulk_job" value="{job.pk}"' in labels
