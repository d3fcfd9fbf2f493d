"""An item's history as an EPCIS 2.0 document (JSON-LD), built from its ledger records.

Each record already carries its EPCIS event type, action, bizStep and disposition
(ipchain.registry.records: CBV terms as URNs, customs outcomes with our own
urn:ipchain:disp:customs_* dispositions, docs/verifier.md); this module lays them out as
GS1 EPCIS 2.0 JSON, CBV values as the bare words EPCIS 2.0 uses. The exports validate
against GS1's EPCIS 2.0 JSON schema (tests/data/epcis). The item is named by its GS1
Digital Link URI, which EPCIS 2.0 accepts as an EPC. Our own fields (the ledger index,
leaf hash and signer) are in the "ipchain" namespace declared in the document's context,
as EPCIS extensions must be.
"""

import json

from django.utils import timezone

from ipchain.registry.models import Item
from ipchain.registry.records import CBV, EPCIS_EVENTS, timestamp
from ipchain.registry.selectors import item_history

EPCIS_CONTEXT_URL = "https://ref.gs1.org/standards/epcis/epcis-context.jsonld"
IPCHAIN_NAMESPACE = "urn:ipchain:epcis:"
GS1_DIGITAL_LINK = "https://id.gs1.org/01/{gtin}/21/{serial}"


def item_epc(item: Item) -> str:
    return GS1_DIGITAL_LINK.format(gtin=item.product.gtin, serial=item.serial)


def item_epcis_document(item: Item) -> dict:
    """Every event of the item's chain, registration first, in the order it was recorded."""
    events = [_event(item, step) for step in item_history(item, with_entries=True)]
    return {
        "@context": [EPCIS_CONTEXT_URL, {"ipchain": IPCHAIN_NAMESPACE}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": timestamp(timezone.now()),
        "epcisBody": {"eventList": events},
    }


def _event(item: Item, step: dict) -> dict:
    entry = step["entry"]
    record = json.loads(bytes(entry.body))
    epcis = record.get("epcis") or _registration_epcis()
    event = {
        "type": epcis["eventType"],
        "eventID": f"urn:ipchain:leaf:{bytes(entry.leaf_hash).hex()}",
        "eventTime": record["time"],
        "eventTimeZoneOffset": "+00:00",
        "recordTime": timestamp(entry.integrated_at or entry.submitted_at),
        "epcList": [item_epc(item)],
        "action": epcis["action"],
        "bizStep": cbv_term(epcis["bizStep"]),
        "disposition": cbv_term(epcis["disposition"]),
        "ipchain:event": step["event"],
        "ipchain:signer": step["signer"],
        "ipchain:leafHash": bytes(entry.leaf_hash).hex(),
    }
    if entry.leaf_index is not None:
        event["ipchain:ledgerIndex"] = entry.leaf_index
    if epcis["eventType"] == "TransactionEvent":
        # EPCIS requires a business transaction on a TransactionEvent: the signed record itself.
        event["bizTransactionList"] = [{"bizTransaction": event["eventID"]}]
    if record.get("office"):
        event["ipchain:customsOffice"] = record["office"]
    return event


# The signed records keep the EPCIS 1.x URN spelling of CBV values; EPCIS 2.0 JSON wants the
# bare CBV word ("commissioning"), and only values outside the CBV as other URIs (GS1's EPCIS
# 2.0 JSON schema, definitions bizStep and disposition; our customs dispositions stay URNs).
CBV_PREFIXES = (f"{CBV}:bizstep:", f"{CBV}:disp:")


def cbv_term(value: str) -> str:
    for prefix in CBV_PREFIXES:
        if value.startswith(prefix):
            return value.removeprefix(prefix)
    return value


def _registration_epcis() -> dict:
    # Registration records predate the "epcis" field; the registry's own table maps them.
    event_type, action, biz_step, disposition = EPCIS_EVENTS["registered"]
    return {
        "eventType": event_type,
        "action": action,
        "bizStep": f"{CBV}:bizstep:{biz_step}",
        "disposition": f"{CBV}:disp:{disposition}",
    }
