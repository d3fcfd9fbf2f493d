"""Legal representatives: a firm acts for two rights holders under mandates they give and
withdraw (signed ledger records); its users switch between clients in the portal and act for
one in the API; never across clients, never beyond the mandate's scope."""

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from rest_framework.test import APIClient

from ipchain.accounts.models import Role
from ipchain.accounts.roles import membership_of
from ipchain.enforcement import mandates
from ipchain.enforcement.mandates import MandateError
from ipchain.ledger import log
from ipchain.registry import records
from ipchain.registry.audit import check_record_signatures
from tests import factories
from verifier import cases

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    acme, beta = factories.brand("acme"), factories.brand("beta")
    customs = factories.customs("nl-customs")
    office = factories.office_admin()
    firm = mandates.create_representative(
        actor=office, name="Brandguard Legal", slug="brandguard", country="NL"
    )
    lawyer = factories.user(firm, Role.REPRESENTATIVE, username="lawyer")
    acme_mandate = mandates.grant(actor=factories.brand_admin(acme), holder=acme, representative=firm)
    beta_mandate = mandates.grant(actor=factories.brand_admin(beta), holder=beta, representative=firm)
    factories.application(acme, customs)
    factories.application(beta, customs)
    return {
        "acme": acme,
        "beta": beta,
        "customs": customs,
        "firm": firm,
        "lawyer": lawyer,
        "acme_mandate": acme_mandate,
        "beta_mandate": beta_mandate,
    }


def portal(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def holders_seen(client) -> set[str]:
    return {a.holder.slug for a in client.get("/portal/applications/").context["applications"]}


def test_mandates_are_signed_ledger_records(world):
    log.integrate_pending()
    granted = json.loads(bytes(world["acme_mandate"].entry.body))
    assert granted["type"] == records.MANDATE_GRANTED
    assert (granted["holder"], granted["representative"]) == ("acme", "brandguard")
    mandates.withdraw(actor=factories.brand_admin(world["acme"]), mandate=world["acme_mandate"])
    log.integrate_pending()
    assert list(check_record_signatures()) == []


def test_a_representative_switches_clients_and_never_sees_across(world):
    client = portal(world["lawyer"])
    assert holders_seen(client) == set()  # acting for no one: nothing
    page = client.get("/portal/applications/representatives/").content.decode()
    assert 'data-client="acme"' in page and 'data-client="beta"' in page
    assert client.post("/portal/applications/representatives/act-for", {"client": "acme"}).status_code == 302
    assert holders_seen(client) == {"acme"}
    assert 'data-acting-for="acme"' in client.get("/portal/applications/").content.decode()
    client.post("/portal/applications/representatives/act-for", {"client": "beta"})
    assert holders_seen(client) == {"beta"}
    beta_ref = client.get("/portal/applications/").context["applications"][0].ref
    client.post("/portal/applications/representatives/act-for", {"client": "acme"})
    assert client.get(f"/portal/applications/{beta_ref}/").status_code == 404


def test_a_client_without_a_mandate_cannot_be_picked(world):
    factories.brand("gamma")
    client = portal(world["lawyer"])
    assert client.post("/portal/applications/representatives/act-for", {"client": "gamma"}).status_code == 403
    assert holders_seen(client) == set()


def test_a_withdrawn_mandate_stops_at_once(world):
    client = portal(world["lawyer"])
    client.post("/portal/applications/representatives/act-for", {"client": "acme"})
    assert holders_seen(client) == {"acme"}
    admin = portal(factories.brand_admin(world["acme"]))
    ref = world["acme_mandate"].ref
    assert (
        admin.post(f"/portal/applications/representatives/{ref}/withdraw", {"confirm": "yes"}).status_code
        == 302
    )
    assert holders_seen(client) == set()
    api = APIClient()
    api.force_authenticate(world["lawyer"])
    assert api.get("/api/v1/applications", HTTP_X_ACT_FOR="acme").status_code == 403


def test_the_api_acts_for_the_client_in_the_header(world):
    api = APIClient()
    api.force_authenticate(world["lawyer"])
    assert api.get("/api/v1/applications").json() == []
    acme = api.get("/api/v1/applications", HTTP_X_ACT_FOR="acme").json()
    assert {a["holder"] for a in acme} == {"acme"}
    assert api.get("/api/v1/applications", HTTP_X_ACT_FOR="nl-customs").status_code == 403
    right = world["acme"].ip_rights.get().names
    body = {
        "competent_authority": "nl-customs",
        "rights": [right],
        "contact_name": "Brandguard",
        "contact_email": "cases@brandguard.example",
        "liability_undertaking": True,
    }
    filed = api.post("/api/v1/applications", body, format="json", HTTP_X_ACT_FOR="acme")
    assert filed.status_code == 201, filed.content
    assert filed.json()["holder"] == "acme"
    # Beta's right, filed while acting for Acme: no such right of the client.
    body["rights"] = [world["beta"].ip_rights.get().names]
    assert api.post("/api/v1/applications", body, format="json", HTTP_X_ACT_FOR="acme").status_code == 400


def test_a_representative_answers_its_clients_case_but_never_touches_keys_or_items(world):
    product = factories.product(world["acme"])
    officer = factories.user(world["customs"], Role.CUSTOMS_OFFICER)
    case = cases.open_case(actor=officer, goods="Jackets", product=product, quantity=3)
    cases.mark_notified(case)
    api = APIClient()
    api.force_authenticate(world["lawyer"])
    answered = api.post(
        f"/api/v1/cases/{case.pk}/answer", {"answer": "counterfeit"}, format="json", HTTP_X_ACT_FOR="acme"
    )
    assert answered.status_code == 200 and answered.json()["state"] == "confirmed_counterfeit"
    assert api.get(f"/api/v1/cases/{case.pk}", HTTP_X_ACT_FOR="beta").status_code == 404
    assert api.post("/api/v1/keys", {"rotate": True}, format="json", HTTP_X_ACT_FOR="acme").status_code == 403
    new_item = {"gtin": product.gtin, "serial": "X1"}
    assert api.post("/api/v1/items", new_item, format="json", HTTP_X_ACT_FOR="acme").status_code == 403
    # Nor does it give mandates in its client's name.
    with pytest.raises(PermissionDenied):
        lawyer = world["lawyer"]
        setattr(lawyer, "_ipchain_acting_for", world["acme"])
        mandates.grant(actor=lawyer, holder=world["acme"], representative=world["firm"])


def test_the_acting_membership_is_never_saved_and_the_real_one_is_untouched(world):
    lawyer = world["lawyer"]
    setattr(lawyer, "_ipchain_acting_for", world["acme"])
    acting = membership_of(lawyer)
    assert acting.organisation == world["acme"] and acting.representative == world["firm"]
    assert lawyer.membership.organisation == world["firm"]
    with pytest.raises(RuntimeError):
        acting.save()


def test_only_the_holder_gives_a_mandate_once_to_an_admitted_firm(world):
    admin = factories.brand_admin(world["acme"])
    with pytest.raises(MandateError) as twice:
        mandates.grant(actor=admin, holder=world["acme"], representative=world["firm"])
    assert twice.value.reason == "already_mandated"
    with pytest.raises(MandateError):
        mandates.grant(actor=admin, holder=world["acme"], representative=world["customs"])
    with pytest.raises(PermissionDenied):
        mandates.grant(
            actor=factories.brand_admin(world["beta"]), holder=world["acme"], representative=world["firm"]
        )
    operator = factories.user(world["acme"], Role.BRAND_OPERATOR)
    with pytest.raises(PermissionDenied):
        mandates.withdraw(actor=operator, mandate=world["acme_mandate"])


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/portal/cases/", 200),
        ("/portal/products/", 200),
        ("/portal/rights/", 200),
        ("/portal/applications/", 200),
        ("/portal/", 403),  # the client's overview
        ("/portal/items/", 403),
        ("/portal/keys/", 403),
        ("/portal/labels/", 403),
        ("/portal/bulk/", 403),
        ("/portal/team/", 403),
    ],
)
def test_the_portal_pages_a_representative_opens_for_its_client(world, path, status):
    client = portal(world["lawyer"])
    client.post("/portal/applications/representatives/act-for", {"client": "acme"})
    assert client.get(path).status_code == status
    assert client.get("/").url == "/portal/applications/representatives/"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/cases", 200),
        ("/api/v1/products", 200),
        ("/api/v1/ip-rights", 200),
        ("/api/v1/portfolio/shares", 200),
        ("/api/v1/items", 403),
        ("/api/v1/keys", 403),
        ("/api/v1/bulk-jobs", 403),
        ("/api/v1/label-jobs", 403),
        ("/api/v1/mandates", 403),  # its own mandates: without X-Act-For
    ],
)
def test_the_api_a_representative_calls_for_its_client(world, path, status):
    api = APIClient()
    api.force_authenticate(world["lawyer"])
    assert api.get(path, HTTP_X_ACT_FOR="acme").status_code == status
    if path == "/api/v1/mandates":
        assert {m["holder"] for m in api.get(path).json()} == {"acme", "beta"}
