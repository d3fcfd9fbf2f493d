"""EPCIS 2.0 capture and query (the REST binding's /capture and /events, the subset that fits):
a brand's EPCIS system sends documents shaped like GS1's published examples; each event is
signed into the ledger as a provenance event or refused with its reason, as a capture job
shows; the events query answers an EPCISQueryDocument valid by GS1's own schema."""

import json
from datetime import timedelta
from pathlib import Path

import jsonschema
import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from ipchain.accounts.models import Role
from ipchain.ledger import log
from ipchain.operations.models import CaptureJob
from ipchain.registry import items
from ipchain.registry.models import Item, ItemEvent
from tests import factories

pytestmark = pytest.mark.django_db

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "data/epcis/EPCISDocument.schema.json").read_text()
)
CONTEXT = [
    "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
    {"example": "http://ns.example.com/epcis/"},
]


def sgtin(gtin: str, serial: str) -> str:
    """The SGTIN EPC URN of a GTIN-14 whose company prefix is 7 digits (GS1's examples' form)."""
    return f"urn:epc:id:sgtin:{gtin[1:8]}.{gtin[0]}{gtin[8:13]}.{serial}"


def document(*events) -> dict:
    return {
        "@context": CONTEXT,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-12-01T11:30:47.0Z",
        "epcisBody": {"eventList": list(events)},
    }


def event(epcs, biz_step, disposition, *, action="OBSERVE", when=None, event_id=None, **more) -> dict:
    when = when or (timezone.now() - timedelta(minutes=1))
    body = {
        "type": "ObjectEvent",
        "action": action,
        "bizStep": biz_step,
        "disposition": disposition,
        "epcList": epcs,
        "eventTime": when.astimezone(timezone.get_fixed_timezone(-360)).isoformat(),
        "eventTimeZoneOffset": "-06:00",
        **more,
    }
    if event_id:
        body["eventID"] = event_id
    return body


@pytest.fixture
def brand_api():
    brand = factories.brand("acme")
    product = factories.product(brand)
    api = APIClient()
    api.force_authenticate(factories.brand_admin(brand))
    return brand, product, api


def capture(api, doc, behaviour=None):
    headers = {"HTTP_GS1_CAPTURE_ERROR_BEHAVIOUR": behaviour} if behaviour else {}
    answer = api.post("/api/v1/epcis/capture", doc, format="json", **headers)
    return answer


def job_of(api, answer) -> dict:
    assert answer.status_code == 202, answer.content
    assert answer["GS1-EPCIS-Version"] == "2.0.0"
    job = api.get(answer["Location"])
    assert job.status_code == 200
    return job.json()


def test_a_document_like_gs1s_examples_registers_and_records_with_its_times(brand_api):
    _brand, product, api = brand_api
    shipped_at = timezone.now() - timedelta(minutes=2)
    doc = document(
        event(
            [sgtin(product.gtin, "C1"), sgtin(product.gtin, "C2")], "commissioning", "active", action="ADD"
        ),
        event(
            [f"https://id.gs1.org/01/{product.gtin}/21/C1"],
            "shipping",
            "in_transit",
            when=shipped_at,
            event_id="ni:///sha-256;df7bb3c352fef055578554f09f5e2aa41782150ced7bd0b8af24dd3ccb30ba69?ver=CBV2.0",
            readPoint={"id": "urn:epc:id:sgln:0614141.07346.1234"},
            bizTransactionList=[{"type": "po", "bizTransaction": "http://transaction.acme.com/po/12345678"}],
            **{"example:myField": "Example of a vendor/user extension"},
        ),
        event([sgtin(product.gtin, "C1")], "receiving", "in_progress"),
    )
    assert list(jsonschema.Draft7Validator(SCHEMA).iter_errors(doc)) == []  # a valid EPCIS 2.0 document
    job = job_of(api, capture(api, doc))
    assert (job["running"], job["success"], job["errors"], job["captureErrorBehaviour"]) == (
        False,
        True,
        [],
        "rollback",
    )
    assert job["ipchain:captured"] == 4
    c1 = Item.objects.get(serial="C1")
    assert Item.objects.filter(serial="C2", product=product).exists()
    shipped, received = ItemEvent.objects.filter(item=c1).order_by("id")
    assert (shipped.kind, received.kind) == ("shipped", "received")
    assert abs(shipped.occurred_at - shipped_at) < timedelta(seconds=1)
    assert shipped.details["readPoint"] == "urn:epc:id:sgln:0614141.07346.1234"
    assert shipped.details["epcisEventID"].startswith("ni:///sha-256;")
    # Signed into the ledger like any event: each is an entry whose record names the brand.
    log.integrate_pending()
    record = json.loads(bytes(shipped.entry.body))
    assert (record["event"], record["by"], record["serial"]) == ("shipped", "acme", "C1")


def test_rollback_keeps_nothing_and_proceed_keeps_the_good_events(brand_api):
    brand, product, api = brand_api
    items.register_item(actor=factories.brand_admin(brand), brand=brand, gtin=product.gtin, serial="R1")
    doc = document(
        event([sgtin(product.gtin, "R1")], "shipping", "in_transit"),
        event([sgtin(product.gtin, "NOPE")], "shipping", "in_transit", event_id="urn:uuid:1"),
        event([sgtin(product.gtin, "R1")], "other", "stolen", event_id="urn:uuid:2", action="DELETE"),
        {"type": "TransactionEvent", "action": "ADD"},
    )
    job = job_of(api, capture(api, doc))
    assert (job["success"], job["ipchain:captured"]) == (False, 0)
    assert [(e["eventIndex"], e["reason"]) for e in job["errors"]] == [
        (1, "unknown_item"),
        (2, "bad_event"),
        (3, "unsupported_event"),
    ]
    assert all(
        e["type"] == "epcisException:ValidationException" and e["status"] == 400 for e in job["errors"]
    )
    assert "(urn:uuid:1)" in job["errors"][0]["detail"]
    assert not ItemEvent.objects.exists()

    job = job_of(api, capture(api, doc, behaviour="proceed"))
    assert (job["success"], job["ipchain:captured"], job["captureErrorBehaviour"]) == (False, 1, "proceed")
    assert list(ItemEvent.objects.values_list("kind", flat=True)) == ["shipped"]


def test_a_document_sent_twice_records_nothing_twice(brand_api):
    brand, product, api = brand_api
    items.register_item(actor=factories.brand_admin(brand), brand=brand, gtin=product.gtin, serial="D1")
    doc = document(event([sgtin(product.gtin, "D1")], "holding", "recalled", event_id="urn:uuid:recall-1"))
    assert job_of(api, capture(api, doc))["success"] is True
    again = job_of(api, capture(api, doc))
    assert (again["success"], again["errors"][0]["reason"]) == (False, "duplicate_event")
    assert ItemEvent.objects.filter(kind="recalled").count() == 1


@pytest.mark.parametrize(
    "body, status, problem_type",
    [
        ([], 400, "epcisException:ValidationException"),
        (
            {"type": "EPCISDocument", "schemaVersion": "1.2", "epcisBody": {"eventList": []}},
            400,
            "epcisException:ValidationException",
        ),
        (
            {"type": "EPCISDocument", "schemaVersion": "2.0", "epcisBody": {"eventList": "x"}},
            400,
            "epcisException:ValidationException",
        ),
        ({"type": "Nope"}, 400, "epcisException:ValidationException"),
    ],
)
def test_a_document_that_is_not_epcis_2_0_is_refused_whole(brand_api, body, status, problem_type):
    _brand, _product, api = brand_api
    answer = capture(api, body)
    assert answer.status_code == status
    assert answer["Content-Type"] == "application/problem+json"
    assert answer.json()["type"] == problem_type
    assert not CaptureJob.objects.exists()


def test_a_nul_byte_anywhere_is_refused_before_capture(brand_api):
    _brand, product, api = brand_api
    answer = capture(api, document(event([sgtin(product.gtin, "N\x00")], "shipping", "in_transit")))
    assert (answer.status_code, answer.json()["error"]["reason"]) == (400, "parse_error")
    assert not CaptureJob.objects.exists()


def test_more_than_the_capture_limit_is_refused_with_the_limit(brand_api):
    _brand, product, api = brand_api
    epcs = [sgtin(product.gtin, f"L{n}") for n in range(1001)]
    answer = capture(api, document(event(epcs, "commissioning", "active", action="ADD")))
    assert answer.status_code == 413
    assert answer.json()["type"] == "epcisException:CaptureLimitExceededException"
    assert not Item.objects.exists()


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"eventTime": "yesterday"}, "bad_event_time"),
        ({"eventTime": "2026-12-01T10:00:00"}, "bad_event_time"),
        ({"eventTime": (timezone.now() + timedelta(days=1)).isoformat()}, "bad_event_time"),
        ({"eventTime": "2001-01-01T00:00:00Z"}, "bad_event_time"),
        ({"epcList": ["urn:epc:id:sgln:0614141.07346.1234"]}, "bad_epc"),
        ({"epcList": []}, "bad_event"),
        ({"epcList": "urn:epc:id:sgtin:9506000.012345.1"}, "bad_event"),
        ({"action": "MAYBE"}, "bad_event"),
        ({"bizStep": "retail_selling"}, "unsupported_event"),
        ({"eventID": ["x"]}, "bad_event"),
        ({"eventID": "urn:uuid:" + "x" * 300}, "bad_event"),
        ({"action": "DELETE"}, "bad_event"),
    ],
)
def test_each_bad_event_is_refused_with_its_reason(brand_api, change, reason):
    brand, product, api = brand_api
    items.register_item(actor=factories.brand_admin(brand), brand=brand, gtin=product.gtin, serial="B1")
    job = job_of(
        api, capture(api, document(event([sgtin(product.gtin, "B1")], "shipping", "in_transit") | change))
    )
    assert [e["reason"] for e in job["errors"]] == [reason]
    assert not ItemEvent.objects.exists()


def test_others_items_are_not_captured_nor_shown_and_customs_may_not_capture(brand_api):
    brand, product, api = brand_api
    items.register_item(actor=factories.brand_admin(brand), brand=brand, gtin=product.gtin, serial="O1")
    other = APIClient()
    other.force_authenticate(factories.brand_admin(factories.brand("other")))
    doc = document(event([sgtin(product.gtin, "O1")], "holding", "recalled"))
    job = job_of(other, capture(other, doc))
    assert job["errors"][0]["reason"] == "unknown_item"
    assert (
        other.get(f"/api/v1/epcis/events?MATCH_epc={sgtin(product.gtin, 'O1')}").json()["epcisBody"][
            "queryResults"
        ]["resultsBody"]["eventList"]
        == []
    )
    assert (
        other.get(
            job_of(api, capture(api, document()))["captureID"].join(["/api/v1/epcis/capture/", ""])
        ).status_code
        == 404
    )
    customs = APIClient()
    customs.force_authenticate(factories.user(factories.customs(), Role.CUSTOMS_OFFICER))
    assert capture(customs, doc).status_code == 403
    assert not ItemEvent.objects.exists()


def test_the_events_query_answers_gs1_valid_epcis_filtered_and_paged(brand_api):
    brand, product, api = brand_api
    admin = factories.brand_admin(brand)
    item = items.register_item(actor=admin, brand=brand, gtin=product.gtin, serial="Q1")
    for kind in ("shipped", "received", "shipped"):
        items.record_event(actor=admin, item=item, kind=kind)
    log.integrate_pending()
    epc = f"https://id.gs1.org/01/{product.gtin}/21/Q1"
    validator = jsonschema.Draft7Validator(SCHEMA, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)

    answer = api.get("/api/v1/epcis/events", {"MATCH_epc": epc})
    assert answer.status_code == 200
    result = answer.json()
    assert result["type"] == "EPCISQueryDocument"
    assert [f"{e.path}: {e.message}" for e in validator.iter_errors(result)] == []
    events = result["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert [e["bizStep"] for e in events] == ["commissioning", "shipping", "receiving", "shipping"]

    by_step = api.get(
        "/api/v1/epcis/events",
        {"MATCH_epc": sgtin(product.gtin, "Q1"), "EQ_bizStep": "https://ref.gs1.org/cbv/BizStep-shipping"},
    ).json()
    assert len(by_step["epcisBody"]["queryResults"]["resultsBody"]["eventList"]) == 2
    later = api.get("/api/v1/epcis/events", {"MATCH_epc": epc, "GE_eventTime": "2999-01-01T00:00:00Z"}).json()
    assert later["epcisBody"]["queryResults"]["resultsBody"]["eventList"] == []

    first = api.get("/api/v1/epcis/events", {"MATCH_epc": epc, "perPage": "3"})
    assert len(first.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]) == 3
    next_page = first["Link"].split(">")[0].lstrip("<")
    rest = api.get(next_page).json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert [e["bizStep"] for e in rest] == ["shipping"]
    assert "Link" not in api.get(next_page)


@pytest.mark.parametrize(
    "params, status, problem_type",
    [
        ({}, 413, "epcisException:QueryTooComplexException"),
        ({"MATCH_epc": "x", "EQ_quantity": "1"}, 400, "epcisException:QueryParameterException"),
        ({"MATCH_epc": "not-an-epc"}, 400, "epcisException:QueryParameterException"),
        (
            {"MATCH_epc": "|".join(f"urn:epc:id:sgtin:9506000.012345.{n}" for n in range(101))},
            413,
            "epcisException:QueryTooComplexException",
        ),
        (
            {"MATCH_epc": "urn:epc:id:sgtin:9506000.012345.1", "perPage": "0"},
            400,
            "epcisException:QueryParameterException",
        ),
        (
            {"MATCH_epc": "urn:epc:id:sgtin:9506000.012345.1", "perPage": "1e3"},
            400,
            "epcisException:QueryParameterException",
        ),
        (
            {"MATCH_epc": "urn:epc:id:sgtin:9506000.012345.1", "GE_eventTime": "soon"},
            400,
            "epcisException:QueryParameterException",
        ),
    ],
)
def test_a_query_it_cannot_answer_says_why(brand_api, params, status, problem_type):
    _brand, _product, api = brand_api
    answer = api.get("/api/v1/epcis/events", params)
    assert answer.status_code == status
    assert answer["Content-Type"] == "application/problem+json"
    assert answer.json()["type"] == problem_type


def test_a_brand_that_keeps_its_own_key_sends_its_signed_records_in_the_events():
    from ipchain.registry import keys, records
    from ipchain.registry.digital_link import label_message
    from ipchain.registry.signing import PrivateKey, b64url_encode, sign_record

    brand = factories.brand("byok", node_key=False)
    private = PrivateKey.generate()
    keys.register_holder_key(organisation=brand, public_key=private.public_key)
    product = factories.product(brand)
    api = APIClient()
    api.force_authenticate(factories.brand_admin(brand))
    registration = records.item_registered_record(
        brand="byok",
        gtin=product.gtin,
        serial="K1",
        label_sig=b64url_encode(private.sign(label_message(product.gtin, "K1"))),
        moment=timezone.now(),
    )
    epc = [sgtin(product.gtin, "K1")]
    signed = sign_record(registration, private)
    job = job_of(
        api,
        capture(
            api,
            document(event(epc, "commissioning", "active", action="ADD") | {"ipchain:signedRecord": signed}),
        ),
    )
    assert job["success"] is True, job
    item = Item.objects.get(serial="K1")
    assert item.key.custody == "holder"

    shipped = sign_record(
        records.item_event_record(
            event="shipped",
            gtin=product.gtin,
            serial="K1",
            prev=bytes(item.head_hash),
            by="byok",
            details={},
            moment=timezone.now(),
        ),
        private,
    )
    # The record must say what the event says, and its signature must hold.
    wrong = job_of(
        api,
        capture(api, document(event(epc, "receiving", "in_progress") | {"ipchain:signedRecord": shipped})),
    )
    assert wrong["errors"][0]["reason"] == "record_mismatch"
    forged = shipped | {
        "sig": shipped["sig"][:9] + ("A" if shipped["sig"][9] != "A" else "B") + shipped["sig"][10:]
    }
    refused = job_of(
        api, capture(api, document(event(epc, "shipping", "in_transit") | {"ipchain:signedRecord": forged}))
    )
    assert refused["errors"][0]["reason"] == "bad_signature"
    assert not ItemEvent.objects.exists()
    done = job_of(
        api, capture(api, document(event(epc, "shipping", "in_transit") | {"ipchain:signedRecord": shipped}))
    )
    assert done["success"] is True, done
    (recorded,) = ItemEvent.objects.all()
    assert recorded.key.custody == "holder" and recorded.kind == "shipped"
    # Without its signed record, the node has no key of this brand's to sign with.
    unsigned = job_of(api, capture(api, document(event(epc, "receiving", "in_progress"))))
    assert unsigned["errors"][0]["reason"] == "key_not_held"
