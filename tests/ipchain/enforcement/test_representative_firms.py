"""The office admits legal representative firms and invites their people from its pages;
no one else may."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from ipchain.accounts.models import Organisation, Role
from tests import factories

pytestmark = pytest.mark.django_db
PASSWORD = "a long-enough pass phrase 42"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_office_admits_a_firm_and_invites_its_first_person_who_acts_as_a_representative():
    office = signed_in(factories.office_admin())
    page = office.get("/portal/office/representatives/")
    assert page.status_code == 200 and "Admit a legal representative" in page.content.decode()
    bad = office.post("/portal/office/representatives/", {"name": "Firm\x00", "country": "ZZ"})
    assert bad.status_code == 400 and not Organisation.objects.filter(kind="representative").exists()
    made = office.post("/portal/office/representatives/", {"name": "Brandguard Legal", "country": "NL"})
    assert made.status_code == 302
    firm = Organisation.objects.get(kind="representative")
    assert (firm.slug, firm.status, firm.country) == ("brandguard-legal", "admitted", "NL")
    again = office.post(
        "/portal/office/representatives/", {"name": "Other", "slug": "brandguard-legal", "country": "NL"}
    )
    assert again.status_code == 400  # the identifier is taken

    office.post(f"/portal/office/representatives/{firm.slug}/invite/", {"email": "Lawyer@Brandguard.example"})
    (message,) = mail.outbox
    path = re.search(r"https?://\S+(/accounts/invitation/\S+/)", message.body).group(1)
    joined = Client().post(path, {"username": "lawyer", "password1": PASSWORD, "password2": PASSWORD})
    assert joined.status_code == 302
    lawyer = get_user_model().objects.get(username="lawyer")
    assert (lawyer.membership.organisation, lawyer.membership.role) == (firm, Role.REPRESENTATIVE)
    card = office.get("/portal/office/representatives/").content.decode()
    assert "1 person" in card and "0 clients" in card


@pytest.mark.parametrize("who", ["brand_admin", "customs_supervisor", "representative"])
def test_only_the_office_admits_firms_and_invites_their_people(who):
    firm = Organisation.objects.create(
        kind="representative", slug="firm", name="Firm", country="NL", status="admitted"
    )
    users = {
        "brand_admin": lambda: factories.brand_admin(factories.brand("acme")),
        "customs_supervisor": lambda: factories.user(factories.customs("nl"), Role.CUSTOMS_SUPERVISOR),
        "representative": lambda: factories.user(firm, Role.REPRESENTATIVE),
    }
    client = signed_in(users[who]())
    assert client.get("/portal/office/representatives/").status_code == 403
    assert client.post("/portal/office/representatives/", {"name": "X", "country": "NL"}).status_code == 403
    invited = client.post("/portal/office/representatives/firm/invite/", {"email": "x@example.com"})
    assert invited.status_code == 403 and not mail.outbox
