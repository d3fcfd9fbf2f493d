"""The registry's part of the audit: every signed record in the ledger re-verified.

The ledger audit proves the log was not edited; this proves each record in it was signed by
the key it names, a key registered to the organisation, and for items that the label
signature covers the GTIN and serial. Called by `manage.py ipchain_audit` through
IPCHAIN_AUDIT_RECORD_CHECKS, so the ledger app need not know the registry.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from ipchain.ledger.canonical import RecordError, parse_json
from ipchain.ledger.models import LogEntry

from . import records
from .digital_link import label_message
from .models import OrgKey
from .signing import PublicKey, SignatureError, b64url_decode, verify_record

SIGNED_TYPES = {
    records.ORG_ADMITTED,
    records.ORG_SUSPENDED,
    records.KEY_REGISTERED,
    records.KEY_REVOKED,
    records.ITEM_REGISTERED,
    records.ITEM_EVENT,
    records.CUSTOMS_OUTCOME,
    records.CUSTOMS_SIGHTING,
    records.CUSTOMS_CASE,
    records.MANDATE_GRANTED,
    records.MANDATE_WITHDRAWN,
    *records.RIGHT_TYPES,
}


@dataclass(frozen=True)
class RecordProblem:
    index: int
    reason: str
    message: str


def check_record_signatures(since: int = 0) -> Iterator[RecordProblem]:
    """Yield a problem for each integrated registry record (from index `since`) whose
    signature does not hold."""
    keys = {kid: PublicKey.from_pem(pem) for kid, pem in OrgKey.objects.values_list("kid", "public_pem")}
    entries = (
        LogEntry.objects.filter(leaf_index__gte=since, kind__in=SIGNED_TYPES)
        .order_by("leaf_index")
        .values_list("leaf_index", "body")
        .iterator(chunk_size=5000)
    )
    for index, body in entries:
        try:
            record = parse_json(bytes(body))
        except RecordError as exc:
            yield RecordProblem(index, exc.reason, f"entry {index}: {exc}")
            continue
        key = keys.get(record.get("kid"))
        if key is None:
            yield RecordProblem(
                index, "unknown_key", f"entry {index}: signed by unknown key {record.get('kid')!r}"
            )
            continue
        try:
            verify_record(record, key)
            if record.get("type") == records.ITEM_REGISTERED:
                signature = b64url_decode(record.get("label_sig", ""))
                if not key.verify(label_message(record["gtin"], record["serial"]), signature):
                    yield RecordProblem(
                        index, "bad_label_signature", f"entry {index}: label signature does not verify"
                    )
        except SignatureError as exc:
            yield RecordProblem(index, exc.reason, f"entry {index}: {exc}")
