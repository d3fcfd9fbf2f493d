"""The officer's next step on every verdict: detain and record a suspicion where the goods
look wrong (also when no item of that serial exists but the product is registered), nothing
red under a genuine verdict, a note with every suspicion, photos after the case is opened,
the case list in working order, closed cases read-only."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from ipchain.accounts.models import Role
from ipchain.ledger import log
from ipchain.registry import items
from ipchain.registry.digital_link import build_label_uri, label_message
from ipchain.registry.models import ItemEvent
from ipchain.registry.signing import PrivateKey
from tests import factories
from verifier import cases
from verifier.models import Alert, Case

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(client):
    brand = factories.brand("acme")
    product = factories.product(brand, name="Trail Jacket")
    admin = factories.brand_admin(brand)
    item = items.register_item(actor=admin, brand=brand, gtin=product.gtin, serial="G1")
    log.integrate_pending()
    customs = factories.customs("nl-customs")
    factories.application(brand, customs)  # the guides go to the authority the holder asked
    officer = factories.user(customs, Role.CUSTOMS_OFFICER)
    client.force_login(officer)
    forged = build_label_uri(
        "x.example",
        product.gtin,
        "NEVER1",
        item.key.kid,
        PrivateKey.generate().sign(label_message(product.gtin, "NEVER1")),
    )
    return {"brand": brand, "product": product, "item": item, "officer": officer, "forged": forged}


def verdict(client, code):
    response = client.get("/verify/", {"code": code})
    return response, response.content.decode()


def test_a_genuine_verdict_has_no_big_red_button(client, world):
    _, page = verdict(client, items.label_uri(world["item"]))
    assert 'data-verdict="genuine"' in page
    assert "big danger" not in page  # detaining stays possible, behind "Something looks wrong?"
    assert "Something looks wrong?" in page and "Record a suspicion" in page


def test_a_forged_label_of_a_serial_never_registered_can_be_detained(client, world):
    response, page = verdict(client, world["forged"])
    assert 'data-verdict="forged"' in page
    assert "big danger" in page and "Detain the goods" in page and "Record a suspicion" in page
    ref = response.context["act"]["scan"]
    form = client.get("/verify/cases/new", {"scan": ref})
    assert form.status_code == 200 and "Trail Jacket" in form.content.decode()
    opened = client.post("/verify/cases/new", {"scan": ref, "goods": "Jackets", "quantity": 12})
    case = Case.objects.get()
    assert opened["Location"] == case.get_absolute_url()
    assert (case.item, case.product, case.brand) == (None, world["product"], world["brand"])
    assert Alert.objects.get(case=case).kind == "detained"  # the brand is told


def test_an_unknown_product_offers_no_action_but_says_why(client, world):
    response, page = verdict(client, f"(01){factories.gtin(999_999)}(21)X1")
    assert response.context["act"] is None
    assert "No rights holder is registered here for this product" in page


def test_a_suspicion_is_asked_for_with_a_note_and_recorded_only_when_sent(client, world):
    response, _ = verdict(client, items.label_uri(world["item"]))
    ref = response.context["act"]["scan"]
    form = client.get("/verify/suspect", {"scan": ref})
    assert form.status_code == 200 and "What looks wrong" in form.content.decode()
    assert not ItemEvent.objects.filter(kind="customs_suspected").exists()  # nothing on one tap
    sent = client.post("/verify/suspect", {"scan": ref, "note": "Stitching uneven, logo blurred"})
    assert sent.status_code == 302
    assert ItemEvent.objects.filter(item=world["item"], kind="customs_suspected").count() == 1
    alert = Alert.objects.get(kind="suspected")
    assert "Stitching uneven" in alert.message
    record = ItemEvent.objects.get(kind="customs_suspected").entry.body
    assert b"Stitching" not in bytes(record)  # the note stays off the public log


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(buffer, format="PNG")
    return SimpleUploadedFile("later.png", buffer.getvalue(), content_type="image/png")


def test_photos_are_added_after_the_case_is_opened(client, world):
    case = cases.open_case(actor=world["officer"], goods="Jackets", item=world["item"])
    page = client.get(case.get_absolute_url())
    assert "Add the photos" in page.content.decode()
    added = client.post(case.get_absolute_url(), {"photos": [png()]})
    assert added.status_code == 302 and case.photos.count() == 1
    assert case.actions.filter(action="photos_added").exists()
    cases.close(actor=world["officer"], case=case, outcome="released")
    closed = client.get(case.get_absolute_url()).content.decode()
    assert "Add the photos" not in closed and 'name="action"' not in closed  # read-only


def test_the_case_list_puts_open_cases_first(client, world):
    opened = [cases.open_case(actor=world["officer"], goods=f"Lot {n}", item=world["item"]) for n in range(4)]
    cases.close(actor=world["officer"], case=opened[0], outcome="released")
    cases.close(actor=world["officer"], case=opened[2], outcome="released")
    rows = [row["case"].pk for row in client.get("/verify/cases/").context["rows"]]
    assert rows == [opened[3].pk, opened[1].pk, opened[2].pk, opened[0].pk]


def test_a_closed_case_takes_no_answer_from_the_holder(client, world):
    case = cases.open_case(actor=world["officer"], goods="Jackets", item=world["item"])
    cases.close(actor=world["officer"], case=case, outcome="released")
    client.force_login(factories.brand_admin(world["brand"]))
    page = client.get("/portal/cases/").content.decode()
    assert "Our genuine goods" not in page
    client.post("/portal/cases/", {"case": case.pk, "answer": "counterfeit", "confirm": "yes"})
    case.refresh_from_db()
    assert case.state == Case.State.RELEASED and case.holder_answer == ""


def test_no_guide_no_word_of_comparing_with_it(client, world):
    _, page = verdict(client, items.label_uri(world["item"]))
    assert "guide below" not in page and "gave no identification guide" in page
    product = world["product"]
    product.genuine_features = "Holographic label inside the collar"
    product.save()
    _, page = verdict(client, items.label_uri(world["item"]))
    assert "guide below" in page and "Holographic label inside the collar" in page


def test_a_label_whose_serial_holds_a_slash_reads_genuine(client, world):
    """GS1 allows "/" in a serial; the label percent-encodes it, the server decodes the path."""
    item = items.register_item(
        actor=world["brand"].members.first().user,
        brand=world["brand"],
        gtin=world["product"].gtin,
        serial="AB/12",
    )
    uri = items.label_uri(item)
    assert "/21/AB%2F12?" in uri
    path = uri.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path)
    assert response.status_code == 200 and 'data-verdict="genuine"' in response.content.decode()
    forged = "/" + path.replace("AB%2F12", "AB%2F13")
    assert 'data-verdict="genuine"' not in client.get(forged).content.decode()
