"""The brand portal and office pages: who sees what, and the forms do what they say."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ipchain.accounts.models import Role
from ipchain.registry import items, label_jobs
from ipchain.registry.models import BulkJob, Item, LabelJob
from tests import factories

pytestmark = pytest.mark.django_db

BRAND_PAGES = [
    "/portal/",
    "/portal/products/",
    "/portal/items/",
    "/portal/bulk/",
    "/portal/keys/",
    "/portal/labels/",
    "/portal/alerts/",
]


@pytest.fixture
def acme():
    org = factories.brand("acme")
    product = factories.product(org)
    item = items.register_item(actor=factories.brand_admin(org), brand=org, gtin=product.gtin, serial="P1")
    return org, product, item


def signed_in(client, org, role):
    client.force_login(factories.user(org, role))
    return client


@pytest.mark.parametrize("page", BRAND_PAGES)
def test_brand_pages_render_for_brand_staff(client, acme, page):
    org, _, _ = acme
    assert signed_in(client, org, Role.BRAND_OPERATOR).get(page).status_code == 200


@pytest.mark.parametrize("page", BRAND_PAGES)
@pytest.mark.parametrize("who", ["customs", "office"])
def test_brand_pages_are_refused_to_customs_and_the_office(client, acme, page, who):
    org, role = (
        (factories.customs(), Role.CUSTOMS_OFFICER)
        if who == "customs"
        else (factories.office(), Role.OFFICE_ADMIN)
    )
    assert signed_in(client, org, role).get(page).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/portal/items/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_an_item_of_another_brand_is_not_found(client, acme):
    _, product, _ = acme
    other = factories.brand("other")
    assert (
        signed_in(client, other, Role.BRAND_ADMIN).get(f"/portal/items/{product.gtin}/P1/").status_code == 404
    )


def test_item_page_shows_history_and_label(client, acme):
    org, product, _ = acme
    html = signed_in(client, org, Role.BRAND_ADMIN).get(f"/portal/items/{product.gtin}/P1/").content.decode()
    assert "registered" in html and f"/01/{product.gtin}/21/P1?k=" in html


def test_registering_an_item_from_the_product_page(client, acme):
    org, product, _ = acme
    response = signed_in(client, org, Role.BRAND_OPERATOR).post(
        f"/portal/products/{product.gtin}/", {"register": "1", "serial": "WEB-1", "lot": "L1", "origin": "PT"}
    )
    assert response.status_code == 302
    assert Item.objects.get(serial="WEB-1").origin_country == "PT"


def test_a_bad_serial_is_a_form_error_not_a_500(client, acme):
    org, product, _ = acme
    response = signed_in(client, org, Role.BRAND_OPERATOR).post(
        f"/portal/products/{product.gtin}/", {"register": "1", "serial": "P1"}
    )
    assert response.status_code == 200
    assert "already registered" in response.content.decode()


def test_recording_an_event_from_the_item_page(client, acme):
    org, product, item = acme
    response = signed_in(client, org, Role.BRAND_ADMIN).post(
        f"/portal/items/{product.gtin}/P1/", {"event": "recalled", "note": "zip"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "recalled"


def test_bulk_upload_page_runs_the_job_and_shows_its_progress(
    client, acme, django_capture_on_commit_callbacks
):
    org, product, _ = acme
    csv = SimpleUploadedFile("items.csv", f"gtin,serial\n{product.gtin},B1\n{product.gtin},B2\n".encode())
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(client, org, Role.BRAND_OPERATOR).post("/portal/bulk/", {"file": csv})
    job = BulkJob.objects.get()
    assert response["Location"] == f"/portal/bulk/{job.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert 'data-status-url="/api/v1/bulk-jobs/' in page and "<progress" in page
    assert client.get(f"/api/v1/bulk-jobs/{job.pk}").json()["state"] == "done"


def test_an_operator_cannot_manage_keys(client, acme):
    org, _, _ = acme
    response = signed_in(client, org, Role.BRAND_OPERATOR).post("/portal/keys/", {"public_pem": ""})
    assert response.status_code == 200
    assert org.keys.count() == 1


def test_the_office_admits_a_rights_holder_from_its_page(client):
    office_admin = factories.office_admin()
    client.force_login(office_admin)
    response = client.post(
        "/portal/office/holders/",
        {
            "slug": "newco",
            "name": "NewCo",
            "country": "FR",
            "right_kind": "trademark",
            "right_office": "EM",
            "right_number": "018123456",
            "right_nice": "25, 18",
        },
    )
    assert response.status_code == 302
    client.post("/portal/office/holders/newco/decision/", {"decision": "admitted"})
    from ipchain.accounts.models import Organisation

    holder = Organisation.objects.get(slug="newco")
    assert holder.status == "admitted" and holder.ip_rights.get().nice_classes == [18, 25]


def test_a_label_batch_becomes_one_downloadable_zip(client, acme, django_capture_on_commit_callbacks):
    org, product, _ = acme
    admin = factories.brand_admin(org)
    for n in range(3):
        items.register_item(actor=admin, brand=org, gtin=product.gtin, serial=f"L{n}")
    with django_capture_on_commit_callbacks(execute=True):
        job = label_jobs.create_job(
            actor=admin, brand=org, item_filter={"gtin": product.gtin}, file_format="png"
        )
    job.refresh_from_db()
    assert (job.state, job.total, job.done) == (LabelJob.State.DONE, 4, 4)
    client.force_login(admin)
    response = client.get(f"/api/v1/label-jobs/{job.pk}/download")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert sorted(archive.namelist()) == sorted(f"{product.gtin}_{s}.png" for s in ["P1", "L0", "L1", "L2"])


def test_a_packaging_photo_joins_the_identification_guide(client, acme, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    org, product, _ = acme
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    photo = SimpleUploadedFile("box.png", buffer.getvalue(), content_type="image/png")
    response = signed_in(client, org, Role.BRAND_OPERATOR).post(
        f"/portal/products/{product.gtin}/", {"photo": photo, "caption": "carton"}
    )
    assert response.status_code == 302
    assert product.images.get().caption == "carton"
    not_an_image = SimpleUploadedFile("box.png", b"not an image", content_type="image/png")
    response = client.post(f"/portal/products/{product.gtin}/", {"photo": not_an_image})
    assert response.status_code == 200 and product.images.count() == 1
