"""EPCIS 2.0 capture, the subset of the REST binding's `/capture` that fits a registry of
items: a brand's EPCIS system sends a document of ObjectEvents about its items; each event is
checked, mapped to the provenance event it means and signed into the ledger with the brand's
node-held key, exactly as one recorded in the portal (registry/items.py). The capture job
says how it went, each refused event with its reason, as the standard describes it.

- `commissioning` (action ADD) registers the items named in `epcList`; `shipping`,
  `receiving`, `decommissioning`, `destroying`, and the dispositions `recalled` and `stolen`
  record those events (records.EPCIS_EVENTS is the same table, read the other way).
- `GS1-Capture-Error-Behaviour: rollback` (the default) keeps nothing if any event is
  refused; `proceed` keeps the good ones.
- An event whose `eventID` was captured before for the item is refused as a duplicate, so
  that a document sent twice records nothing twice.
- A brand that keeps its own key (docs/signing.md) signs each record itself and sends it in
  the event as `ipchain:signedRecord`, one item per event: the node checks the record's
  signature and that it says what the event says, and logs the record as signed.
- Transfers and licences are TransactionEvents naming a party: they go through the API.
"""

import uuid
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from ipchain.accounts.roles import require
from ipchain.errors import DomainError
from ipchain.registry import items
from ipchain.registry.digital_link import parse_epc
from ipchain.registry.models import ItemEvent
from ipchain.registry.records import CBV, EPCIS_EVENTS, ITEM_REGISTERED
from ipchain.registry.selectors import visible_items

from .models import CaptureJob

# Events (counting each EPC of an event) one document may carry: GS1-EPCIS-Capture-Limit.
CAPTURE_LIMIT = 1000
VALIDATION = "epcisException:ValidationException"
TOO_LARGE = "epcisException:CaptureLimitExceededException"
# Event times a little ahead of ours are clock skew, not the future.
CLOCK_SKEW = timedelta(minutes=5)
# The extension member carrying a record the brand signed with its own key.
SIGNED_RECORD = "ipchain:signedRecord"
# Dispositions that alone say what happened, then bizSteps (records.EPCIS_EVENTS reversed).
BY_DISPOSITION = {"recalled": "recalled", "stolen": "stolen"}
BY_BIZ_STEP = {
    "commissioning": "registered",
    "shipping": "shipped",
    "receiving": "received",
    "decommissioning": "decommissioned",
    "destroying": "destroyed",
}


class CaptureError(DomainError):
    """The document as a whole is refused (nothing captured): `status` and `problem_type` for
    the RFC 7807 answer."""

    def __init__(self, reason: str, message: str, *, status: int = 400, problem_type: str = VALIDATION):
        super().__init__(reason, message)
        self.status = status
        self.problem_type = problem_type


class _RolledBack(Exception):
    pass


def problem(title: str, *, reason: str, status: int = 400, problem_type: str = VALIDATION, **more) -> dict:
    """An RFC 7807 problem as EPCIS 2.0 reports errors, with our reason code as an extension."""
    return {"type": problem_type, "title": title, "status": status, "reason": reason, **more}


def capture(*, actor, document, behaviour: str = CaptureJob.Behaviour.ROLLBACK) -> CaptureJob:
    """Capture a document; the job records the outcome. CaptureError when the document itself
    is not one this node takes."""
    membership = require(actor, "registry.add_itemevent")
    if behaviour not in CaptureJob.Behaviour.values:
        raise CaptureError("bad_error_behaviour", "GS1-Capture-Error-Behaviour is rollback or proceed")
    events = event_list(document)
    job = CaptureJob.objects.create(
        capture_id=uuid.uuid4().hex,
        organisation=membership.organisation,
        created_by=actor,
        error_behaviour=behaviour,
        events=len(events),
    )
    errors: list[dict] = []
    captured = 0
    try:
        with transaction.atomic():
            for index, event in enumerate(events):
                try:
                    with transaction.atomic():
                        captured += _capture_event(actor, membership.organisation, event)
                except DomainError as exc:
                    errors.append(_refused(index, event, exc))
            if errors and behaviour == CaptureJob.Behaviour.ROLLBACK:
                raise _RolledBack
    except _RolledBack:
        captured = 0
    job.running = False
    job.success = not errors
    job.captured = captured
    job.errors = errors
    job.finished_at = timezone.now()
    job.save(update_fields=["running", "success", "captured", "errors", "finished_at"])
    return job


def event_list(document) -> list:
    """The document's events: an EPCISDocument (or EPCISQueryDocument) of EPCIS 2.0."""
    if not isinstance(document, dict):
        raise CaptureError("bad_document", "the body is not an EPCIS 2.0 document (a JSON object)")
    kind = document.get("type")
    if kind not in ("EPCISDocument", "EPCISQueryDocument"):
        raise CaptureError("bad_document", "type must be EPCISDocument or EPCISQueryDocument")
    if document.get("schemaVersion") != "2.0":
        raise CaptureError("bad_document", 'schemaVersion must be "2.0"')
    body = document.get("epcisBody")
    if kind == "EPCISQueryDocument":
        results = body.get("queryResults") if isinstance(body, dict) else None
        body = results.get("resultsBody") if isinstance(results, dict) else None
    events = body.get("eventList") if isinstance(body, dict) else None
    if not isinstance(events, list):
        raise CaptureError("bad_document", "epcisBody.eventList must be a list of events")
    size = sum(
        len(e["epcList"]) if isinstance(e, dict) and isinstance(e.get("epcList"), list) else 1 for e in events
    )
    if size > CAPTURE_LIMIT:
        raise CaptureError(
            "capture_limit",
            f"{size} item events: one capture takes at most {CAPTURE_LIMIT}; split the document",
            status=413,
            problem_type=TOO_LARGE,
        )
    return events


def _epc_count(event) -> int:
    epcs = event.get("epcList") if isinstance(event, dict) else None
    return len(epcs) if isinstance(epcs, list) else 1


def _capture_event(actor, organisation, event) -> int:
    """Record one EPCIS event; the number of provenance events it made. DomainError if refused."""
    if not isinstance(event, dict):
        raise DomainError("bad_event", "an event is a JSON object")
    if event.get("type") != "ObjectEvent":
        raise DomainError(
            "unsupported_event",
            "only ObjectEvents are captured; record ownership transfers and licences (which name "
            "the new owner or licensee) through the API",
        )
    kind = event_kind(event)
    when = event_time(event.get("eventTime"))
    epcs = event.get("epcList")
    if not isinstance(epcs, list) or not epcs:
        raise DomainError("bad_event", "epcList must list the items (GS1 Digital Link URIs or SGTIN URNs)")
    event_id = event.get("eventID")
    if event_id is not None and (not isinstance(event_id, str) or len(event_id) > items.MAX_DETAIL):
        raise DomainError("bad_event", f"eventID must be a URI of at most {items.MAX_DETAIL} characters")
    keys = [parse_epc(epc) for epc in epcs]
    if SIGNED_RECORD in event:
        return _capture_signed(actor, event[SIGNED_RECORD], kind, keys)
    if kind == "registered":
        for gtin, serial in keys:
            items.register_item(actor=actor, brand=organisation, gtin=gtin, serial=serial)
        return len(keys)
    details = {"epcisEventID": event_id} if event_id else {}
    place = event.get("readPoint")
    if isinstance(place, dict) and isinstance(place.get("id"), str):
        details["readPoint"] = place["id"][: items.MAX_DETAIL]
    mine = visible_items(organisation)
    for gtin, serial in keys:
        item = mine.filter(product__gtin=gtin, serial=serial).first()
        if item is None:
            raise DomainError("unknown_item", f"{gtin} {serial}: not an item of yours registered here")
        if when < item.registered_at - CLOCK_SKEW:
            raise DomainError("bad_event_time", "eventTime is before the item was registered")
        if event_id and ItemEvent.objects.filter(item=item, details__epcisEventID=event_id).exists():
            raise DomainError("duplicate_event", f"event {event_id} was captured before for {gtin} {serial}")
        items.record_event(actor=actor, item=item, kind=kind, details=details, occurred_at=when)
    return len(keys)


def _capture_signed(actor, record, kind: str, keys: list[tuple[str, str]]) -> int:
    """The brand's own signed record for this event's one item (items.submit_signed_record
    checks its signature and its chain)."""
    if len(keys) != 1 or not isinstance(record, dict):
        raise DomainError("bad_event", f"{SIGNED_RECORD} is one signed record, for an event of one item")
    says = (
        "registered" if record.get("type") == ITEM_REGISTERED else record.get("event"),
        record.get("gtin"),
        record.get("serial"),
    )
    if says != (kind, *keys[0]):
        raise DomainError("record_mismatch", f"{SIGNED_RECORD} does not record this event for this item")
    items.submit_signed_record(actor=actor, record=dict(record))
    return 1


def event_kind(event: dict) -> str:
    """The provenance event an ObjectEvent means, by its action, disposition and bizStep."""
    action = event.get("action")
    if action not in ("ADD", "OBSERVE", "DELETE"):
        raise DomainError("bad_event", "action must be ADD, OBSERVE or DELETE")
    disposition, biz_step = (
        cbv_word(event.get("disposition"), "Disp"),
        cbv_word(event.get("bizStep"), "BizStep"),
    )
    kind = BY_DISPOSITION.get(disposition) or BY_BIZ_STEP.get(biz_step)
    if kind is None:
        raise DomainError(
            "unsupported_event",
            f"bizStep {biz_step or '(none)'} with disposition {disposition or '(none)'} is no provenance "
            f"event here (bizSteps: {', '.join(BY_BIZ_STEP)}; dispositions: {', '.join(BY_DISPOSITION)})",
        )
    expected = EPCIS_EVENTS[kind][1]
    if action != expected:
        raise DomainError("bad_event", f"a {biz_step or disposition} event is an {expected} event")
    return kind


def cbv_word(value, vocabulary: str) -> str:
    """A CBV value in any of its spellings (bare word, GS1 web vocabulary, EPCIS 1.x URN) as the word."""
    if not isinstance(value, str):
        return ""
    for prefix in (f"https://ref.gs1.org/cbv/{vocabulary}-", f"{CBV}:{vocabulary.lower()}:"):
        if value.startswith(prefix):
            return value.removeprefix(prefix)
    return value


def event_time(value) -> datetime:
    """eventTime as EPCIS requires it: a date and time with its offset, not in the future."""
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        raise DomainError("bad_event_time", "eventTime must be a date and time with its offset") from None
    if when.tzinfo is None:
        raise DomainError("bad_event_time", "eventTime must carry its offset (e.g. +02:00 or Z)")
    if when > timezone.now() + CLOCK_SKEW:
        raise DomainError("bad_event_time", "eventTime is in the future")
    return when


def _refused(index: int, event, exc: DomainError) -> dict:
    event_id = event.get("eventID") if isinstance(event, dict) else None
    where = f"event {index}" + (f" ({event_id})" if isinstance(event_id, str) else "")
    return problem(str(exc), reason=exc.reason, detail=f"{where} refused", eventIndex=index)
