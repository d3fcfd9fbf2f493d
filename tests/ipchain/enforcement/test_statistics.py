"""Detention statistics: each reader over its own cases, grouped as asked, CSV without
personal data and safe in a spreadsheet."""

import csv
import io

import pytest
from django.test import Client

from ipchain.accounts.models import Role
from tests import factories
from verifier import cases

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    acme, beta = factories.brand("acme"), factories.brand("beta")
    nl, be = factories.customs("nl-customs"), factories.customs("be-customs")
    nl_officer, be_officer = (
        factories.user(nl, Role.CUSTOMS_OFFICER),
        factories.user(be, Role.CUSTOMS_OFFICER),
    )
    factories.application(acme, nl, small_consignment=True)
    details = {
        "origin_country": "CN",
        "transport_mode": "post",
        "declarant": "J. Doe",
        "estimated_value": "100",
    }
    for quantity in (2, 3):
        cases.open_case(
            actor=nl_officer,
            goods="=HYPERLINK(1)",
            quantity=quantity,
            rights=list(acme.ip_rights.all()),
            small_consignment=True,
            details=details,
        )
    cases.open_case(
        actor=be_officer,
        goods="Boots",
        quantity=40,
        rights=list(beta.ip_rights.all()),
        details={"origin_country": "TR", "transport_mode": "road"},
    )
    return {"acme": acme, "beta": beta, "nl_officer": nl_officer, "be_officer": be_officer}


def rows(user, **query):
    client = Client()
    client.force_login(user)
    response = client.get("/portal/applications/statistics/", query)
    assert response.status_code == 200
    return [(r["label"], r["cases"], r["quantity"]) for r in response.context["rows"]]


def test_each_reader_counts_its_own_cases(world):
    assert rows(factories.office_admin(), by="origin") == [("CN", 2, 5), ("TR", 1, 40)]
    assert rows(world["nl_officer"], by="origin") == [("CN", 2, 5)]
    assert rows(world["be_officer"], by="transport") == [("Road", 1, 40)]
    assert rows(factories.brand_admin(world["acme"]), by="procedure") == [
        ("Small consignment (Art. 26)", 2, 5)
    ]
    assert rows(factories.brand_admin(world["beta"]), by="procedure") == [
        ("Ex officio: no application yet (Art. 18)", 1, 40)
    ]
    right = world["acme"].ip_rights.get().registration_number
    assert rows(factories.brand_admin(world["acme"]), by="right") == [(right, 2, 5)]


def test_the_csv_has_no_personal_data_and_no_formulas(world):
    client = Client()
    client.force_login(factories.office_admin())
    response = client.get("/portal/applications/statistics/", {"format": "csv"})
    text = response.content.decode()
    assert response["Content-Type"] == "text/csv" and "Doe" not in text
    table = list(csv.DictReader(io.StringIO(text)))
    assert len(table) == 3 and {r["goods"] for r in table} == {"'=HYPERLINK(1)", "Boots"}


def test_bad_filters_are_400(world):
    client = Client()
    client.force_login(world["nl_officer"])
    assert client.get("/portal/applications/statistics/", {"by": "declarant"}).status_code == 400
    assert client.get("/portal/applications/statistics/", {"since": "yesterday"}).status_code == 400
    assert Client().get("/portal/applications/statistics/").status_code == 302  # sign in first


def test_the_holder_sees_its_alerts_by_kind(world):
    client = Client()
    client.force_login(factories.brand_admin(world["acme"]))
    alerts = client.get("/portal/applications/statistics/").context["alerts"]
    assert alerts == [{"kind": "Detained by customs", "alerts": 2, "times": 2}]
    client.force_login(world["nl_officer"])
    assert client.get("/portal/applications/statistics/").context["alerts"] == []
