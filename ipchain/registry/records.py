"""The ledger records of the registry: what each holds, built from plain values.

Every record is a flat JSON object with "v", "type" and "time", signed by adding "kid"
and "sig" (signing.sign_record). Provenance events use the GS1 EPCIS 2.0 / CBV 2.0
vocabulary for their business step and disposition, so an item's history exports to
EPCIS without translation. Pure: no Django.
"""

import hashlib
from datetime import UTC, date, datetime

VERSION = 1

# Record types.
ORG_ADMITTED = "org.admitted"
ORG_SUSPENDED = "org.suspended"
KEY_REGISTERED = "key.registered"
KEY_REVOKED = "key.revoked"
ITEM_REGISTERED = "item.registered"
ITEM_EVENT = "item.event"
CUSTOMS_OUTCOME = "customs.outcome"
# A customs authority saw, at its border, a suspect item another office registered (federation).
CUSTOMS_SIGHTING = "customs.sighting"
# EPCIS/CBV has no disposition for customs decisions: ours, documented in docs/verifier.md.
CUSTOMS_DISPOSITION = "urn:ipchain:disp:customs_{}"
CUSTOMS_OUTCOMES = ("suspected", "detained", "released", "destroyed")
# A customs decision on goods bearing no registered label (a case on the IP right): not in
# any item's chain (docs/enforcement.md).
CUSTOMS_CASE = "customs.case"

CBV = "urn:epcglobal:cbv"

# event kind -> (EPCIS event type, action, CBV bizStep, CBV disposition)
EPCIS_EVENTS: dict[str, tuple[str, str, str, str]] = {
    "registered": ("ObjectEvent", "ADD", "commissioning", "active"),
    "shipped": ("ObjectEvent", "OBSERVE", "shipping", "in_transit"),
    "received": ("ObjectEvent", "OBSERVE", "receiving", "in_progress"),
    "ownership_transferred": ("TransactionEvent", "ADD", "accepting", "in_progress"),
    "licensed": ("TransactionEvent", "ADD", "other", "active"),
    "recalled": ("ObjectEvent", "OBSERVE", "holding", "recalled"),
    "stolen": ("ObjectEvent", "OBSERVE", "other", "stolen"),
    "decommissioned": ("ObjectEvent", "DELETE", "decommissioning", "inactive"),
    "destroyed": ("ObjectEvent", "DELETE", "destroying", "destroyed"),
}


def timestamp(moment: datetime) -> str:
    """RFC 3339 UTC with a Z and whole seconds: one spelling per instant."""
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _base(kind: str, moment: datetime) -> dict:
    return {"v": VERSION, "type": kind, "time": timestamp(moment)}


def org_decision_record(
    *, decision: str, org: str, name: str, country: str, ip_rights: list[dict], reason: str, moment: datetime
) -> dict:
    kind = ORG_ADMITTED if decision == "admitted" else ORG_SUSPENDED
    record = _base(kind, moment) | {"org": org, "name": name, "country": country, "ip_rights": ip_rights}
    if reason:
        record["reason"] = reason
    return record


def authority_admitted_record(*, org: str, name: str, country: str, moment: datetime) -> dict:
    """A customs authority the office admitted: peer offices read its name from here, so their
    rights holders can name it in an application for action (docs/enforcement.md)."""
    return _base(ORG_ADMITTED, moment) | {"org": org, "kind": "customs", "name": name, "country": country}


def key_registered_record(
    *, org: str, key_id: str, jwk: dict, custody: str, replaces: str | None, moment: datetime
) -> dict:
    record = _base(KEY_REGISTERED, moment) | {
        "org": org,
        "key": {"kid": key_id, "jwk": jwk, "custody": custody},
    }
    if replaces:
        record["replaces"] = replaces
    return record


def key_revoked_record(*, org: str, key_id: str, reason: str, effective: datetime, moment: datetime) -> dict:
    return _base(KEY_REVOKED, moment) | {
        "org": org,
        "key_id": key_id,
        "reason": reason,
        "effective": timestamp(effective),
    }


def item_registered_record(
    *,
    brand: str,
    gtin: str,
    serial: str,
    label_sig: str,
    lot: str = "",
    production_date: date | None = None,
    origin: str = "",
    moment: datetime,
) -> dict:
    record = _base(ITEM_REGISTERED, moment) | {
        "brand": brand,
        "gtin": gtin,
        "serial": serial,
        "label_sig": label_sig,
    }
    if lot:
        record["lot"] = lot
    if production_date:
        record["production_date"] = production_date.isoformat()
    if origin:
        record["origin"] = origin
    return record


def item_event_record(
    *, event: str, gtin: str, serial: str, prev: bytes, by: str, details: dict, moment: datetime
) -> dict:
    """A provenance event, linked to the item's previous record by its leaf hash."""
    event_type, action, biz_step, disposition = EPCIS_EVENTS[event]
    record = _base(ITEM_EVENT, moment) | {
        "event": event,
        "gtin": gtin,
        "serial": serial,
        "prev": prev.hex(),
        "by": by,
        "epcis": {
            "eventType": event_type,
            "action": action,
            "bizStep": f"{CBV}:bizstep:{biz_step}",
            "disposition": f"{CBV}:disp:{disposition}",
        },
    }
    if details:
        record["details"] = details
    return record


def customs_sighting_record(
    *,
    gtin: str,
    serial: str,
    verdict: str,
    reasons: list[str],
    by: str,
    office: str,
    registry: str,
    moment: datetime,
) -> dict:
    """A customs authority's suspect verdict on an item registered at another office (`registry`,
    that office's log origin), so that office can tell the rights holder (docs/federation.md).
    Not in the item's chain: this node does not hold the item's latest record."""
    return _base(CUSTOMS_SIGHTING, moment) | {
        "gtin": gtin,
        "serial": serial,
        "verdict": verdict,
        "reasons": reasons,
        "by": by,
        "office": office,
        "registry": registry,
        "epcis": {"eventType": "ObjectEvent", "action": "OBSERVE", "bizStep": f"{CBV}:bizstep:inspecting"},
    }


def case_commitment(*, salt: str, authority: str, case: int) -> str:
    """What the public log says of a detention case: SHA-256 over a salt only the authority
    keeps and the case's reference, hex. The log shows that one case is behind several
    outcomes without showing which case; the authority opens it by giving the salt
    (docs/security.md)."""
    return hashlib.sha256(f"ipchain-case/v1\n{salt}\n{authority}\n{case}".encode()).hexdigest()


def customs_outcome_record(
    *,
    outcome: str,
    gtin: str,
    serial: str,
    prev: bytes,
    by: str,
    case_commitment: str | None,
    office: str,
    moment: datetime,
) -> dict:
    """A customs authority's decision on goods bearing this item's label, in the item's chain.
    The case is named by its commitment (case_commitment), never by its number."""
    record = _base(CUSTOMS_OUTCOME, moment) | {
        "outcome": outcome,
        "gtin": gtin,
        "serial": serial,
        "prev": prev.hex(),
        "by": by,
        "office": office,
        "epcis": {
            "eventType": "ObjectEvent",
            "action": "OBSERVE",
            "bizStep": f"{CBV}:bizstep:inspecting",
            "disposition": CUSTOMS_DISPOSITION.format(outcome),
        },
    }
    if case_commitment:
        record["case_commitment"] = case_commitment
    return record


def right_list(names) -> list[dict]:
    """Rights named in a record ({"office", "kind", "number"} each), in one order."""
    return sorted(names, key=lambda n: (n["office"], n["kind"], n["number"]))


def customs_case_record(
    *,
    outcome: str,
    by: str,
    case_commitment: str,
    procedure: str,
    afa: str,
    rights: list[dict],
    gtins: list[str],
    office: str,
    moment: datetime,
    registered_at: dict | None = None,
) -> dict:
    """A customs decision on goods no registered label here names: which rights and products
    they infringe, under which procedure and application, never who declared or sent them.

    For goods a peer office registered, `registered_at` names that office's log (`registry`),
    the rights holder's identifier there (`holder`), the code on the goods (`gtin`, `serial`)
    and how many were detained (`quantity`, `unit`): the office tells its holder from this
    alone (Art. 18(3): the quantity and nature of the goods)."""
    record = _base(CUSTOMS_CASE, moment) | {
        "outcome": outcome,
        "by": by,
        "office": office,
        "case_commitment": case_commitment,
        "procedure": procedure,
        "afa": afa or None,
        "rights": rights,
        "gtins": sorted(gtins),
    }
    if registered_at:
        record |= {
            key: registered_at[key]
            for key in ("registry", "holder", "gtin", "serial", "quantity", "unit")
            if registered_at.get(key) not in (None, "")
        }
    return record


# A rights holder's mandate to a legal representative, and its withdrawal (docs/enforcement.md).
MANDATE_GRANTED = "mandate.granted"
MANDATE_WITHDRAWN = "mandate.withdrawn"


def mandate_record(kind: str, *, mandate: str, holder: str, representative: str, moment: datetime) -> dict:
    return _base(kind, moment) | {"mandate": mandate, "holder": holder, "representative": representative}


# --- IP rights (docs/rules.md) ---------------------------------------------------------------

RIGHT_REGISTERED = "right.registered"
RIGHT_RENEWED = "right.renewed"
RIGHT_ASSIGNED = "right.assigned"
RIGHT_LICENSED = "right.licensed"
RIGHT_LICENCE_ENDED = "right.licence_ended"
RIGHT_LAPSED = "right.lapsed"
RIGHT_SURRENDERED = "right.surrendered"
RIGHT_INVALIDATED = "right.invalidated"
RIGHT_RESTORED = "right.restored"
PRODUCT_RIGHTS = "product.rights"
RULES_EVALUATED = "rules.evaluated"
# Applications for customs action (EU Regulation 608/2013; ipchain/enforcement, docs/enforcement.md):
# the register of rights under customs protection, without personal data.
AFA_FILED = "afa.filed"
AFA_DECIDED = "afa.decided"
AFA_EXTENDED = "afa.extended"
AFA_SUSPENDED = "afa.suspended"
AFA_REVOKED = "afa.revoked"
AFA_EXPIRED = "afa.expired"
AFA_ENDED = "afa.ended"
AFA_TYPES = (AFA_FILED, AFA_DECIDED, AFA_EXTENDED, AFA_SUSPENDED, AFA_REVOKED, AFA_EXPIRED, AFA_ENDED)
RIGHT_TYPES = (
    RIGHT_REGISTERED,
    RIGHT_RENEWED,
    RIGHT_ASSIGNED,
    RIGHT_LICENSED,
    RIGHT_LICENCE_ENDED,
    RIGHT_LAPSED,
    RIGHT_SURRENDERED,
    RIGHT_INVALIDATED,
    RIGHT_RESTORED,
    PRODUCT_RIGHTS,
    RULES_EVALUATED,
    *AFA_TYPES,
)


def right_record(kind: str, *, right: dict, moment: datetime, **fields) -> dict:
    """A right's change: `right` names it ({office, kind, number}); empty fields are left out.
    Legal dates (expiry, effective_date, starts, ends) are YYYY-MM-DD."""
    values = {name: value for name, value in fields.items() if value not in (None, "", [], {})}
    return _base(kind, moment) | {"right": right} | values


def afa_record(record_type: str, /, *, afa: str, moment: datetime, **fields) -> dict:
    """An application for action's filing or a decision on it: `afa` is its reference; names
    organisations by slug and rights as {office, kind, number}; never a person."""
    values = {name: value for name, value in fields.items() if value not in (None, "", [], {})}
    return _base(record_type, moment) | {"afa": afa} | values


def product_rights_record(*, brand: str, gtin: str, rights: list[dict], guide: str, moment: datetime) -> dict:
    """A product's public record: the rights that protect it and a SHA-256 of its identification
    guide (the guide's text stays with the node: a peer learns that it changed, not what it says)."""
    return _base(PRODUCT_RIGHTS, moment) | {"brand": brand, "gtin": gtin, "rights": rights, "guide": guide}


def rule_firing_record(*, kind: str, right: dict | None, fields: dict, rule: dict, time: str) -> dict:
    """A rule's firing: about a right (`right`) or, for an application for action, `fields`
    name it (`afa`)."""
    named = {"right": right} if right is not None else {}
    return {"v": VERSION, "type": kind, "time": time} | named | fields | {"rule": rule}


def rules_evaluated_record(*, ruleset: str, params: dict, upto: int, firings: int, moment: datetime) -> dict:
    """A rule run: the rule set and parameters it ran, at `time`, over the log's first `upto`
    entries, and how many firings it appended (docs/rules.md)."""
    return _base(RULES_EVALUATED, moment) | {
        "ruleset": ruleset,
        "params": params,
        "at": timestamp(moment),
        "upto": upto,
        "firings": firings,
    }
