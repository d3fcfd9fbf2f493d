"""Provenance rules: who may sign which event, the status each leaves, the shape of a history
step, and whether a scanned label is the registered one.

One home for the rules applied to items held here (registry/items.py, the verifier) and to
items replayed from a peer office's log (federation/peer_items.py), so both read an item's
chain the same way. Pure: no Django.
"""

import hmac

# Who may sign each event: the item's current owner, its brand, or either.
EVENT_SIGNERS = {
    "shipped": "owner",
    "received": "owner",
    "ownership_transferred": "owner",
    "licensed": "brand",
    "recalled": "brand",
    "stolen": "either",
    "decommissioned": "either",
    "destroyed": "either",
}
# The item's status after an event; an event not named leaves it as it was. Customs outcomes
# change nothing: the goods customs hold may bear a cloned label of a genuine item elsewhere.
STATUS_AFTER = {
    "recalled": "recalled",
    "stolen": "stolen",
    "decommissioned": "decommissioned",
    "destroyed": "destroyed",
}
# After these, nothing more happens to the item.
FINAL_STATUSES = frozenset({"destroyed", "decommissioned"})


def may_sign(kind: str, *, is_owner: bool, is_brand: bool) -> bool:
    """Whether an organisation that is (or is not) the item's owner or brand may sign `kind`."""
    rule = EVENT_SIGNERS.get(kind)
    return {"owner": is_owner, "brand": is_brand, "either": is_owner or is_brand}.get(rule, False)


def status_after(kind: str, status: str) -> str:
    return STATUS_AFTER.get(kind, status)


def customs_event(outcome: str) -> str:
    """The history's name for a customs outcome record (`customs.outcome`)."""
    return f"customs_{outcome}"


def history_step(*, event: str, time, by: str, ledger_index: int | None, details: dict | None = None) -> dict:
    """One step of an item's history as every reader shows it: what happened, when, who signed
    it (the organisation's name), and the log entry that proves it (None while pending)."""
    return {"event": event, "time": time, "by": by, "ledger_index": ledger_index, "details": details or {}}


def label_signature_matches(
    *, scanned_kid: str | None, scanned_sig: bytes | None, registered_kid: str, registered_sig: bytes
) -> bool:
    """The scanned label carries the signature registered for the item, by the same key: a
    byte comparison in constant time (no ECDSA: the registration was verified when logged)."""
    if scanned_kid is None or scanned_sig is None:
        return False
    return scanned_kid == registered_kid and hmac.compare_digest(scanned_sig, registered_sig)
