"""Where each member lands after signing in."""

import pytest

from ipchain.accounts.models import Role
from tests import factories

pytestmark = pytest.mark.django_db


def landing(client, user) -> str:
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 302
    return response["Location"]


def test_office_admin_lands_on_the_dashboard_and_finds_it_in_the_nav(client):
    admin = factories.office_admin()
    assert landing(client, admin) == "/office/dashboard/"
    page = client.get("/portal/office/holders/")
    assert b'href="/office/dashboard/"' in page.content


def test_brand_member_lands_on_the_overview(client):
    org = factories.brand()
    assert landing(client, factories.brand_admin(org)) == "/portal/"


def test_customs_officer_lands_on_the_scanner(client):
    officer = factories.user(factories.customs(), Role.CUSTOMS_OFFICER)
    assert landing(client, officer) == "/verify/"


def test_someone_not_signed_in_finds_how_to_check_a_product(client):
    response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="check-a-product"' in page and 'href="/verify/"' in page
    assert 'name="gtin"' in page and "Keep the product, its packaging and the receipt." in page
    assert 'name="password"' not in page  # not a sign-in form: a link to it
    assert 'href="/accounts/login/"' in page
