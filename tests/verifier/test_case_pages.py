"""Detention case pages, the brand portal's answer page and the case API: who sees what,
the flow from a verdict to destruction, and bad input as 4xx."""

import io

import pytest
from django.core import mail
from PIL import Image
from rest_framework.test import APIClient

from ipchain.accounts.models import Role
from ipchain.ledger import log
from ipchain.registry import items
from ipchain.registry.models import ItemEvent
from tests import factories
from verifier import cases
from verifier.models import Alert, Case, Scan

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    brand = factories.brand("acme")
    brand.contact_email = "protect@acme.example"
    brand.save()
    product = factories.product(brand, name="Trail Jacket")
    admin = factories.brand_admin(brand)
    item = items.register_item(actor=admin, brand=brand, gtin=product.gtin, serial="C1")
    log.integrate_pending()
    customs = factories.customs("nl-customs")
    factories.application(brand, customs)
    officer = factories.user(customs, Role.CUSTOMS_OFFICER)
    officer.membership.customs_office = "Rotterdam"
    officer.membership.save()
    other_brand = factories.brand("other")
    return {
        "brand": brand,
        "item": item,
        "admin": admin,
        "officer": officer,
        "stranger_officer": factories.user(factories.customs("de-customs"), Role.CUSTOMS_OFFICER),
        "other_admin": factories.brand_admin(other_brand),
    }


def scanned(client, world) -> str:
    """The officer scans the item's label on the verdict page; the page's scan reference."""
    response = client.get(items.label_uri(world["item"]).split("ipchain.example", 1)[-1])
    assert response.status_code == 200
    return response.context["data"]["scan"]


def photo() -> io.BytesIO:
    data = io.BytesIO()
    Image.new("RGB", (32, 24), "red").save(data, format="PNG")
    data.name = "parcel.png"
    data.seek(0)
    return data


def test_from_a_verdict_to_destruction_through_the_pages(client, world, django_capture_on_commit_callbacks):
    client.force_login(world["officer"])
    ref = scanned(client, world)
    verdict = client.get(f"/verify/?code={items.label_uri(world['item'])}")
    assert f"/verify/cases/new?scan={verdict.context['data']['scan']}" in verdict.content.decode()

    form = client.get(f"/verify/cases/new?scan={ref}")
    assert form.status_code == 200 and "Trail Jacket" in form.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        opened = client.post(
            "/verify/cases/new",
            {"scan": ref, "goods": "Trail jackets", "quantity": 40, "notes": "in a van", "photos": [photo()]},
        )
    case = Case.objects.get()
    assert opened.status_code == 302 and opened["Location"] == f"/verify/cases/{case.pk}/"
    assert case.scan == Scan.objects.get(ref=ref) and case.photos.count() == 1
    assert case.state == Case.State.AWAITING_HOLDER  # the e-mail task ran: notified, clock started
    assert mail.outbox[0].to == ["protect@acme.example"]
    assert Alert.objects.filter(brand=world["brand"], case=case, kind="detained").exists()

    page = client.get(f"/verify/cases/{case.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Waiting for the rights holder" in html and 'data-clock="holder"' in html
    assert 'data-procedure="application"' in html and 'data-clock="declarant"' in html
    names = ["declarant_agreed", "declarant_objected", "extend", "released"]
    assert [a["name"] for a in page.context["actions"]] == names
    assert f"/verify/cases/{case.pk}/photos/{case.photos.get().pk}" in html

    # The rights holder answers in the brand portal.
    holder = APIClient()
    holder.force_login(world["admin"])
    portal = holder.get("/portal/cases/")
    assert portal.status_code == 200 and f'data-case="{case.pk}"' in portal.content.decode()
    # The answer is final: asked first, taken only once confirmed.
    asked = holder.post("/portal/cases/", {"case": case.pk, "answer": "counterfeit"})
    assert asked.status_code == 200 and "Your answer is final" in asked.content.decode()
    case.refresh_from_db()
    assert case.holder_answer == ""
    confirmed = holder.post("/portal/cases/", {"case": case.pk, "answer": "counterfeit", "confirm": "yes"})
    assert confirmed.status_code == 302
    case.refresh_from_db()
    assert case.state == Case.State.CONFIRMED_COUNTERFEIT and case.holder_answer == "counterfeit"

    # Not destroyed while the declarant may still object (Art. 23(1)(c)); the officer records
    # its agreement, asked first.
    page = client.get(f"/verify/cases/{case.pk}/")
    assert [a["name"] for a in page.context["actions"]] == [
        "declarant_agreed",
        "declarant_objected",
        "released",
    ]
    asked = client.post(f"/verify/cases/{case.pk}/action", {"action": "declarant_agreed"})
    assert asked.status_code == 200 and "The answer is final." in asked.content.decode()
    client.post(f"/verify/cases/{case.pk}/action", {"action": "declarant_agreed", "confirm": "yes"})
    page = client.get(f"/verify/cases/{case.pk}/")
    assert [a["name"] for a in page.context["actions"]] == ["released", "destroyed"]
    asked = client.post(f"/verify/cases/{case.pk}/action", {"action": "destroyed"})
    assert asked.status_code == 200 and "This cannot be undone." in asked.content.decode()
    case.refresh_from_db()
    assert case.state == Case.State.CONFIRMED_COUNTERFEIT  # nothing happened yet
    destroyed = client.post(f"/verify/cases/{case.pk}/action", {"action": "destroyed", "confirm": "yes"})
    assert destroyed.status_code == 302
    case.refresh_from_db()
    assert case.state == Case.State.DESTROYED and case.closed_at
    assert [a.action for a in case.actions.all()] == [
        "opened",
        "notified",
        "confirmed_counterfeit",
        "declarant_agreed",
        "destroyed",
    ]
    outcomes = ItemEvent.objects.filter(item=world["item"]).order_by("recorded_at", "pk")
    assert list(outcomes.values_list("kind", flat=True)) == ["customs_detained", "customs_destroyed"]


def test_a_case_is_seen_only_by_its_authority_and_its_brand(client, world):
    case = cases.open_case(actor=world["officer"], goods="Jackets", quantity=2, item=world["item"])
    for user, status in [
        (world["officer"], 200),
        (world["admin"], 200),
        (world["stranger_officer"], 404),
        (world["other_admin"], 404),
    ]:
        client.force_login(user)
        assert client.get(f"/verify/cases/{case.pk}/").status_code == status, user
        listed = client.get("/verify/cases/").context["rows"]
        assert [row["case"].pk for row in listed] == ([case.pk] if status == 200 else [])
        api = APIClient()
        api.force_authenticate(user)
        assert api.get(f"/api/v1/cases/{case.pk}").status_code == status
        assert [c["id"] for c in api.get("/api/v1/cases").json()] == ([case.pk] if status == 200 else [])
    # Another brand cannot answer for it, in the portal either.
    client.force_login(world["other_admin"])
    assert client.post("/portal/cases/", {"case": case.pk, "answer": "genuine"}).status_code == 404
    client.force_login(world["stranger_officer"])
    assert client.post(f"/verify/cases/{case.pk}/action", {"action": "released"}).status_code == 404
    case.refresh_from_db()
    assert case.state in (Case.State.DETAINED, Case.State.AWAITING_HOLDER) and not case.closed_at


def test_only_officers_open_cases_and_only_the_holder_answers(client, world):
    client.force_login(world["officer"])
    ref = scanned(client, world)
    # The holder cannot open a case on an officer's scan, nor answer through customs' buttons.
    client.force_login(world["admin"])
    assert client.get(f"/verify/cases/new?scan={ref}").status_code == 403
    case = cases.open_case(actor=world["officer"], goods="Jackets", quantity=2, item=world["item"])
    assert client.post(f"/verify/cases/{case.pk}/action", {"action": "released"}).status_code == 403
    # An officer cannot answer for the holder.
    api = APIClient()
    api.force_authenticate(world["officer"])
    answer = api.post(f"/api/v1/cases/{case.pk}/answer", {"answer": "genuine"}, format="json")
    assert answer.status_code == 403 and answer.json()["error"]["reason"] == "permission_denied"
    # Another officer's scan is not this officer's to act on.
    client.force_login(world["stranger_officer"])
    assert client.get(f"/verify/cases/new?scan={ref}").status_code == 403
    # Signed out: to the sign-in page.
    client.logout()
    assert client.get(f"/verify/cases/{case.pk}/").status_code == 302


def test_bad_input_is_a_4xx_with_a_reason(client, world):
    client.force_login(world["officer"])
    ref = scanned(client, world)
    bad_form = client.post("/verify/cases/new", {"scan": ref, "goods": "", "quantity": 0})
    assert bad_form.status_code == 400 and set(bad_form.context["form"].errors) == {"goods", "quantity"}
    not_an_image = io.BytesIO(b"%PDF-1.4 not an image")
    not_an_image.name = "x.png"
    bad_photo = client.post(
        "/verify/cases/new", {"scan": ref, "goods": "x", "quantity": 1, "photos": [not_an_image]}
    )
    assert bad_photo.status_code == 400 and "photos" in bad_photo.context["form"].errors
    assert client.get("/verify/cases/new?scan=not-a-uuid").status_code == 403
    assert Case.objects.count() == 0

    case = cases.open_case(actor=world["officer"], goods="Jackets", quantity=2, item=world["item"])
    assert client.post(f"/verify/cases/{case.pk}/action", {"action": "explode"}).status_code == 400
    # Destroying before the holder confirmed: refused with the reason, the case unchanged.
    refused = client.post(f"/verify/cases/{case.pk}/action", {"action": "destroyed"}, follow=True)
    assert "only after the rights holder confirms they are counterfeit" in refused.content.decode()
    case.refresh_from_db()
    assert case.closed_at is None

    api = APIClient()
    api.force_authenticate(world["officer"])
    for body, reason in [
        ({"goods": "x", "quantity": 0, "gtin": "1", "serial": "C1"}, "invalid"),
        ({"goods": "x", "quantity": 1, "gtin": "12345678", "serial": "C1"}, "bad_check_digit"),
        ({"goods": "x", "quantity": 1, "gtin": world["item"].product.gtin, "serial": "NOPE"}, "no_item"),
        ({"goods": "x", "quantity": 1, "scan": "6f1c0d2e-0000-4000-8000-000000000000"}, "no_item"),
    ]:
        response = api.post("/api/v1/cases", body, format="json")
        assert 400 <= response.status_code < 500 and response.json()["error"]["reason"] == reason, body
    close = api.post(f"/api/v1/cases/{case.pk}/close", {"outcome": "vanished"}, format="json")
    assert close.status_code == 400 and close.json()["error"]["reason"] == "invalid"
    early = api.post(f"/api/v1/cases/{case.pk}/close", {"outcome": "destroyed"}, format="json")
    assert early.status_code == 409 and early.json()["error"]["reason"] == "not_confirmed"
    holder = APIClient()
    holder.force_authenticate(world["admin"])
    assert (
        holder.post(f"/api/v1/cases/{case.pk}/answer", {"answer": "maybe"}, format="json").status_code == 400
    )
    client.force_login(world["admin"])
    assert client.post("/portal/cases/", {"case": "x", "answer": "genuine"}).status_code == 404
    assert client.post("/portal/cases/", {"case": case.pk, "answer": "maybe"}).status_code == 400


def test_the_case_api_opens_extends_and_releases(world, django_capture_on_commit_callbacks):
    api = APIClient()
    api.force_authenticate(world["officer"])
    gtin = world["item"].product.gtin
    with django_capture_on_commit_callbacks(execute=True):
        opened = api.post(
            "/api/v1/cases", {"goods": "Jackets", "quantity": 3, "gtin": gtin, "serial": "C1"}, format="json"
        )
    assert opened.status_code == 201
    body = opened.json()
    assert body["authority"] == "nl-customs" and body["brand"] == "acme" and body["serial"] == "C1"
    case_id = body["id"]
    shown = api.get(f"/api/v1/cases/{case_id}").json()
    assert shown["state"] == "awaiting_holder" and [c["clock"] for c in shown["clocks"]] == [
        "holder",
        "declarant",
    ]
    extended = api.post(f"/api/v1/cases/{case_id}/extend").json()
    assert extended["extended"] is True and extended["holder_deadline"] > shown["holder_deadline"]
    again = api.post(f"/api/v1/cases/{case_id}/extend")
    assert again.status_code == 400 and again.json()["error"]["reason"] == "no_extension"
    released = api.post(f"/api/v1/cases/{case_id}/close", {"outcome": "released"}, format="json")
    assert released.status_code == 200 and released.json()["state"] == "released"
    closed = api.post(f"/api/v1/cases/{case_id}/close", {"outcome": "released"}, format="json")
    assert closed.status_code == 409 and closed.json()["error"]["reason"] == "case_closed"


def test_a_refusal_is_said_in_the_viewers_language(client, world):
    case = cases.open_case(actor=world["officer"], goods="Jackets", quantity=2, item=world["item"])
    client.force_login(world["officer"])
    refused = client.post(
        f"/verify/cases/{case.pk}/action", {"action": "destroyed"}, follow=True, HTTP_ACCEPT_LANGUAGE="ar"
    )
    html = refused.content.decode()
    assert "لا تُتلف البضائع إلا بعد أن يؤكد صاحب الحق أنها مقلَّدة." in html and "counterfeit" not in html
