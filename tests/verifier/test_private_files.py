"""Uploads have no public URL: label sheets, bulk files, product and case photos are served
only through views that ask who is asking, in DEBUG and in production alike."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from ipchain.accounts.models import Role
from ipchain.registry import catalogue, items, label_jobs
from ipchain.registry.models import LabelJob
from tests import factories
from verifier import cases

pytestmark = pytest.mark.django_db


def png(name="photo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    brand = factories.brand("acme")
    admin = factories.brand_admin(brand)
    product = factories.product(brand)
    photo = catalogue.add_photo(actor=admin, product=product, photo=png())
    item = items.register_item(actor=admin, brand=brand, gtin=product.gtin, serial="F1")
    customs = factories.customs("nl-customs")
    factories.application(brand, customs)
    officer = factories.user(customs, Role.CUSTOMS_OFFICER)
    case = cases.open_case(actor=officer, goods="Jackets", item=item, photos=[png("case.png")])
    with django_capture_on_commit_callbacks(execute=True):
        job = label_jobs.create_job(actor=admin, brand=brand, item_filter={}, file_format="png")
    return {"brand": brand, "admin": admin, "photo": photo, "case": case, "officer": officer, "job": job}


def get(user, url):
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client.get(url)


@pytest.mark.parametrize("debug", [True, False])
def test_nothing_is_served_under_media(world, settings, debug):
    settings.DEBUG = debug
    job = LabelJob.objects.get(pk=world["job"].pk)
    for name in (job.output.name, world["photo"].image.name, world["case"].photos.get().image.name):
        assert get(world["admin"], f"/media/{name}").status_code == 404


def test_guide_photos_for_customs_the_office_and_their_brand_only(world):
    url = f"/verify/guide-photos/{world['photo'].pk}"
    assert get(None, url).status_code == 302  # to sign in
    assert get(factories.brand_admin(factories.brand("beta")), url).status_code == 404
    # An officer of an authority the holder does not share its guides with.
    assert get(factories.user(factories.customs("de-customs"), Role.CUSTOMS_OFFICER), url).status_code == 404
    for user in (world["officer"], world["admin"], factories.office_admin()):
        response = get(user, url)
        assert response.status_code == 200 and response["Content-Type"] == "image/png"
        assert response["Cache-Control"] == "private, max-age=3600"


def test_case_photos_for_the_cases_parties_only(world):
    case = world["case"]
    url = f"/verify/cases/{case.pk}/photos/{case.photos.get().pk}"
    assert get(world["officer"], url).status_code == 200
    assert get(world["admin"], url).status_code == 200  # the rights holder of the goods
    assert get(factories.user(factories.customs("de-customs"), Role.CUSTOMS_OFFICER), url).status_code == 404
    assert get(factories.brand_admin(factories.brand("beta")), url).status_code == 404
    body = APIClient()
    body.force_authenticate(world["officer"])
    assert body.get(f"/api/v1/cases/{case.pk}").json()["photos"] == [url]


def test_a_label_sheet_is_downloaded_by_its_brand_only(world):
    url = f"/api/v1/label-jobs/{world['job'].pk}/download"
    assert APIClient().get(url).status_code in (401, 403)
    other = APIClient()
    other.force_authenticate(factories.brand_admin(factories.brand("beta")))
    assert other.get(url).status_code == 404
    mine = APIClient()
    mine.force_authenticate(world["admin"])
    response = mine.get(url)
    assert response.status_code == 200
    assert zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).namelist()
