"""A detention case's evidence, as one file to keep: a zip a court or another office checks
offline with only the log's (and witnesses') public keys (`python -m ipchain.verify_proof`).

    manifest.json              what the package holds, each file with its SHA-256, signed
                               by the detaining customs authority's key (ECDSA P-256 over
                               RFC 8785 JSON, as every record of the registry)
    proofs/<what>-<N>.tlog-proof
                               C2SP tlog-proofs of every ledger record the case relies on:
                               the item's registration and events (the customs outcomes
                               among them), or for goods with no registered item the
                               case's customs.case records; the registrations of the IP
                               rights concerned; and the registration of the authority's
                               key, which is how a checker knows the manifest's key
    scans.json                 the scan that opened the case, as recorded
    photos/<n>-<name>          the case's photos, as uploaded

The case itself is named in the log only by a commitment (records.case_commitment); the
manifest gives its salt, so the package opens the commitment for whoever holds it.
"""

import hashlib
import io
import json
import zipfile
from datetime import timedelta
from pathlib import PurePath

from django.utils import timezone

from ipchain.ledger import reads
from ipchain.ledger.logkey import log_verifier
from ipchain.ledger.models import LogEntry
from ipchain.ledger.tlogproof import SUFFIX
from ipchain.registry import records
from ipchain.registry.keys import active_key, sign_as

from .models import Case

MANIFEST = "manifest.json"
PACKAGE_TYPE = "case.evidence"


def case_package(case: Case) -> bytes:
    """The case's evidence as a zip (built in memory: a case holds a few photos)."""
    files: dict[str, bytes] = {}
    proofs = []
    for what, entry in _entries(case):
        if entry is None or entry.leaf_index is None:
            continue  # not in the log yet: nothing to prove (the manifest lists what is)
        try:
            proof = reads.tlog_proof(entry.leaf_index)
        except reads.NotFound:
            continue
        name = f"proofs/{what}-{entry.leaf_index}{SUFFIX}"
        files[name] = proof.text().encode()
        proofs.append({"file": name, "index": entry.leaf_index, "what": what})
    files["scans.json"] = json.dumps(_scans(case), indent=2, ensure_ascii=False).encode()
    for n, photo in enumerate(case.photos.order_by("id"), start=1):
        with photo.image.open("rb") as image:
            files[f"photos/{n}-{PurePath(photo.image.name).name}"] = image.read()
    key = active_key(case.authority)
    manifest = {
        "v": 1,
        "type": PACKAGE_TYPE,
        "issued": records.timestamp(timezone.now()),
        "authority": case.authority.slug,
        "case": {
            "id": case.pk,
            "goods": case.goods,
            "quantity": case.quantity,
            "customs_office": case.customs_office,
            "detained_at": records.timestamp(case.detained_at),
            "state": case.state,
            "gtin": case.item.product.gtin if case.item else (case.product.gtin if case.product else None),
            "serial": case.item.serial if case.item else None,
            "commitment_salt": case.commitment_salt,
            "commitment": records.case_commitment(
                salt=case.commitment_salt, authority=case.authority.slug, case=case.pk
            ),
        },
        "log": {"origin": log_verifier().name, "vkey": log_verifier().vkey},
        "signing_key": {"kid": key.kid, "proof": _key_proof_name(proofs)},
        "proofs": proofs,
        "files": [
            {"name": name, "sha256": hashlib.sha256(data).hexdigest()} for name, data in sorted(files.items())
        ],
    }
    _key, signed = sign_as(case.authority, manifest)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(MANIFEST, json.dumps(signed, indent=2, ensure_ascii=False))
        for name, data in sorted(files.items()):
            package.writestr(name, data)
    return buffer.getvalue()


def _entries(case: Case):
    """The ledger records the case relies on, each with what it is."""
    key = active_key(case.authority)
    yield "authority-key", key.registration_entry
    for right in case.rights.all():
        if right.registration_entry_id:
            yield f"right-{right.office}-{right.registration_number}", right.registration_entry
    if case.item is None:
        yield from _case_records(case)
        return
    yield "registration", case.item.registration_entry
    for event in case.item.events.select_related("entry").order_by("recorded_at", "id"):
        yield f"event-{event.kind}", event.entry


def _case_records(case: Case):
    """The customs.case records of goods with no registered item: those since the detention
    that name this case's commitment."""
    commitment = records.case_commitment(
        salt=case.commitment_salt, authority=case.authority.slug, case=case.pk
    )
    since = case.detained_at - timedelta(minutes=1)
    found = LogEntry.objects.filter(kind=records.CUSTOMS_CASE, submitted_at__gte=since).order_by("pk")
    for entry in found.iterator(chunk_size=500):
        record = json.loads(bytes(entry.body))
        if record.get("case_commitment") == commitment:
            yield f"customs-{record['outcome']}", entry


def _key_proof_name(proofs: list[dict]) -> str | None:
    return next((p["file"] for p in proofs if p["what"] == "authority-key"), None)


def _scans(case: Case) -> list[dict]:
    scan = case.scan
    if scan is None:
        return []
    return [
        {
            "ref": str(scan.ref),
            "time": records.timestamp(scan.created_at),
            "code": scan.code,
            "gtin": scan.gtin,
            "serial": scan.serial,
            "verdict": scan.verdict,
            "trusted": scan.trusted,
            "customs_office": scan.customs_office,
            "latitude": scan.latitude,
            "longitude": scan.longitude,
        }
    ]
