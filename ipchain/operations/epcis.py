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
from datetime import datetime

from django.utils import timezone

from ipchain.errors import DomainError
from ipchain.registry.digital_link import DigitalLinkError, parse_epc
from ipchain.registry.models import Item
from ipchain.registry.records import CBV, EPCIS_EVENTS, timestamp
from ipchain.registry.selectors import item_history, visible_items

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


# --- The REST binding's GET /events, the subset that fits: an item's history, filtered ---------

QUERY_PARAMETER = "epcisException:QueryParameterException"
QUERY_TOO_COMPLEX = "epcisException:QueryTooComplexException"
# The standard's common query parameters this node answers; any other is refused by name.
QUERY_PARAMETERS = {
    "eventType",
    "GE_eventTime",
    "LT_eventTime",
    "GE_recordTime",
    "LT_recordTime",
    "EQ_action",
    "EQ_bizStep",
    "EQ_disposition",
    "MATCH_epc",
    "MATCH_anyEPC",
    "perPage",
    "nextPageToken",
}
MAX_QUERY_EPCS = 100
PER_PAGE, MAX_PER_PAGE = 30, 1000


class QueryError(DomainError):
    def __init__(self, reason: str, message: str, *, problem_type: str = QUERY_PARAMETER, status: int = 400):
        super().__init__(reason, message)
        self.problem_type = problem_type
        self.status = status


def query_events(organisation, params) -> tuple[list[dict], str | None]:
    """The events of the items named by MATCH_epc / MATCH_anyEPC (values separated by "|", as
    the REST binding writes lists) that `organisation` may see, filtered by the other
    parameters, one page at a time; the next page's token, or None."""
    unknown = sorted(set(params) - QUERY_PARAMETERS)
    if unknown:
        raise QueryError("unknown_parameter", f"query parameters not supported here: {', '.join(unknown)}")
    wanted = [epc for name in ("MATCH_epc", "MATCH_anyEPC") for epc in params.get(name, "").split("|") if epc]
    if not wanted:
        raise QueryError(
            "query_too_broad",
            "name the items: MATCH_epc=<EPC>|<EPC>… (GS1 Digital Link URIs or SGTIN URNs)",
            problem_type=QUERY_TOO_COMPLEX,
            status=413,
        )
    if len(wanted) > MAX_QUERY_EPCS:
        raise QueryError(
            "query_too_broad",
            f"at most {MAX_QUERY_EPCS} EPCs a query",
            problem_type=QUERY_TOO_COMPLEX,
            status=413,
        )
    try:
        keys = [parse_epc(epc) for epc in wanted]
    except DigitalLinkError as exc:
        raise QueryError("bad_epc", str(exc)) from None
    per_page = _bounded_int(params.get("perPage"), "perPage", PER_PAGE, 1, MAX_PER_PAGE)
    offset = _bounded_int(params.get("nextPageToken"), "nextPageToken", 0, 0, 10**9)
    checks = _filters(params)
    events = []
    mine = visible_items(organisation).select_related("product")
    for gtin, serial in dict.fromkeys(keys):
        item = mine.filter(product__gtin=gtin, serial=serial).first()
        if item is None:
            continue  # not this organisation's: nothing, as for an item never registered
        events += [
            e for e in (_event(item, s) for s in item_history(item, with_entries=True)) if _keep(e, checks)
        ]
    page = events[offset : offset + per_page]
    more = offset + per_page < len(events)
    return page, (str(offset + per_page) if more else None)


def query_document(events: list[dict]) -> dict:
    """An EPCISQueryDocument holding `events`, the result of a SimpleEventQuery."""
    return {
        "@context": [EPCIS_CONTEXT_URL, {"ipchain": IPCHAIN_NAMESPACE}],
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "creationDate": timestamp(timezone.now()),
        "epcisBody": {
            "queryResults": {"queryName": "SimpleEventQuery", "resultsBody": {"eventList": events}}
        },
    }


def _bounded_int(value, name: str, default: int, low: int, high: int) -> int:
    if value in (None, ""):
        return default
    if not (isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 10):
        raise QueryError("bad_parameter", f"{name} must be a whole number")
    number = int(value)
    if not low <= number <= high:
        raise QueryError("bad_parameter", f"{name} runs from {low} to {high}")
    return number


def _filters(params) -> list:
    checks = []
    for name, field in (("eventType", "type"), ("EQ_action", "action")):
        if params.get(name):
            allowed = set(params[name].split("|"))
            checks.append(lambda e, f=field, a=allowed: e.get(f) in a)
    for name, field in (("EQ_bizStep", "bizStep"), ("EQ_disposition", "disposition")):
        if params.get(name):
            allowed = {cbv_term_any(v) for v in params[name].split("|")}
            checks.append(lambda e, f=field, a=allowed: e.get(f) in a)
    for name, field in (("eventTime", "eventTime"), ("recordTime", "recordTime")):
        for prefix, keep in (("GE_", lambda t, b: t >= b), ("LT_", lambda t, b: t < b)):
            if params.get(prefix + name):
                bound = _time(params[prefix + name], prefix + name)
                checks.append(lambda e, f=field, b=bound, k=keep: k(_time(e[f], f), b))
    return checks


def _keep(event: dict, checks) -> bool:
    return all(check(event) for check in checks)


def cbv_term_any(value: str) -> str:
    """A CBV value asked for in any spelling (word, web vocabulary IRI, 1.x URN) as the word."""
    for prefix in ("https://ref.gs1.org/cbv/BizStep-", "https://ref.gs1.org/cbv/Disp-"):
        if value.startswith(prefix):
            return value.removeprefix(prefix)
    return cbv_term(value)


def _time(value: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        raise QueryError("bad_parameter", f"{name} must be a date and time with its offset") from None
    if moment.tzinfo is None:
        raise QueryError("bad_parameter", f"{name} must carry its offset (e.g. Z)")
    return moment
