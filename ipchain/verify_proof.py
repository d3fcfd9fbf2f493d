"""Check a C2SP tlog-proof file, or a case's evidence package, offline:
`python -m ipchain.verify_proof FILE`.

What it needs is public and small: the log's verifier key (`--log-key`, or in a trust file)
and, to count cosignatures, the witnesses' keys (`--witness-key`, or in the trust file). It
prints what the proof shows (the record, its index, the checkpoint, who signed and cosigned
it) and exits 0 when the proof holds (with at least `--quorum` known witnesses' cosignatures),
1 when it does not, 2 when it cannot be read. No network, no Django: a court's or another
office's machine can run it from this file and the ledger and federation cores it imports.

An evidence package (a case's `.zip`, verifier/evidence_package.py) is checked whole: every
file against the SHA-256 its manifest gives, every proof in it, and the manifest's signature
by the customs authority's key, which the package proves was registered in the log.

A trust file holds one verifier key a line (`#` comments allowed): Ed25519 note keys
(type 0x01) are log keys, cosignature/v1 keys (type 0x04) witness keys; or it is a node's
`/verify/trust-list.json`, whose log key it reads.
"""

import argparse
import base64
import hashlib
import json
import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from ipchain.errors import DomainError
from ipchain.federation.tlog_cosignature import CosignatureVerifier, verify_cosignatures
from ipchain.ledger.notes import Verifier
from ipchain.ledger.tlogproof import TlogProofError, parse, verify
from ipchain.registry.signing import PublicKey, verify_record


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ipchain.verify_proof", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("proof", type=Path, help="the .tlog-proof file")
    parser.add_argument("--log-key", action="append", default=[], help="a log's verifier key (name+id+key)")
    parser.add_argument("--witness-key", action="append", default=[], help="a witness's verifier key")
    parser.add_argument("--trust", type=Path, help="a file of verifier keys, or a node's trust-list.json")
    parser.add_argument("--quorum", type=int, default=0, help="known witnesses' cosignatures required")
    parser.add_argument("--record", type=Path, help="the record's bytes, if not in the proof's extra line")
    args = parser.parse_args(argv)
    try:
        log_keys, witness_keys = _keys(args)
        if not log_keys:
            print("give the log's key: --log-key, or --trust", file=sys.stderr)
            return 2
        if zipfile.is_zipfile(args.proof):
            return check_package(args.proof, log_keys, witness_keys, args.quorum)
        proof = parse(args.proof.read_text(encoding="utf-8"))
        record = args.record.read_bytes() if args.record else None
    except (OSError, UnicodeDecodeError, ValueError, KeyError, DomainError, zipfile.BadZipFile) as exc:
        print(f"cannot read: {exc}", file=sys.stderr)
        return 2
    try:
        proven, cosigned = _proven(proof, log_keys, witness_keys, record)
    except DomainError as exc:
        print(f"NOT PROVEN: {exc}")
        return 1
    print(f"PROVEN: entry {proven.index} of the log {proven.origin}")
    root = base64.b64encode(proven.root_hash).decode()
    print(f"  in its checkpoint of {proven.tree_size} entries, root {root}")
    for cosignature in cosigned:
        when = datetime.fromtimestamp(cosignature.timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        print(f"  cosigned by the witness {cosignature.witness.name} at {when}")
    print(f"  the record: {proven.record.decode('utf-8', 'replace')}")
    if len(cosigned) < args.quorum:
        print(f"NOT ENOUGH WITNESSES: {len(cosigned)} known witnesses cosigned, {args.quorum} required")
        return 1
    return 0


def _proven(proof, log_keys, witness_keys, record: bytes | None = None):
    """(Proven, cosignatures) of a proof, by the log key its checkpoint names; TlogProofError
    (each key's reason) or another DomainError (a bad cosignature) when it does not hold."""
    errors = []
    for key in log_keys:
        try:
            return verify(proof, key, record), verify_cosignatures(proof.checkpoint, witness_keys)
        except TlogProofError as exc:
            errors.append(f"{key.name}: {exc}")
    raise TlogProofError("not_proven", "; ".join(errors))


def check_package(path: Path, log_keys, witness_keys, quorum: int) -> int:
    """A case's evidence package: files, proofs and the authority's signature."""
    with zipfile.ZipFile(path) as package:
        manifest = json.loads(package.read("manifest.json"))
        listed = {f["name"]: f["sha256"] for f in manifest["files"]}
        problems = [
            f"{name}: not listed in the manifest"
            for name in package.namelist()
            if name != "manifest.json" and name not in listed
        ]
        contents = {}
        for name, digest in listed.items():
            try:
                contents[name] = package.read(name)
            except KeyError:
                problems.append(f"{name}: missing")
                continue
            if hashlib.sha256(contents[name]).hexdigest() != digest:
                problems.append(f"{name}: changed (its SHA-256 is not the manifest's)")
    proven_records = {}
    for entry in manifest["proofs"]:
        try:
            proven, cosigned = _proven(
                parse(contents.get(entry["file"], b"").decode()), log_keys, witness_keys
            )
        except DomainError as exc:
            problems.append(f"{entry['file']}: {exc}")
            continue
        if proven.index != entry["index"]:
            problems.append(f"{entry['file']}: proves entry {proven.index}, not {entry['index']}")
        if len(cosigned) < quorum:
            problems.append(f"{entry['file']}: {len(cosigned)} known witnesses cosigned, {quorum} required")
        proven_records[entry["file"]] = json.loads(proven.record)
    key_record = proven_records.get(manifest.get("signing_key", {}).get("proof"))
    if not (
        key_record
        and key_record.get("type") == "key.registered"
        and key_record.get("org") == manifest.get("authority")
        and key_record.get("key", {}).get("kid") == manifest.get("kid")
    ):
        problems.append("the manifest's signing key is not proven registered to its authority in the log")
    else:
        try:
            verify_record(manifest, PublicKey.from_jwk(key_record["key"]["jwk"]))
        except DomainError as exc:
            problems.append(f"manifest: {exc}")
    if problems:
        print("NOT PROVEN:\n  " + "\n  ".join(problems))
        return 1
    case = manifest["case"]
    authority, kid = manifest["authority"], manifest["kid"]
    print(f"PROVEN: the evidence of case {case['id']} of {authority}, signed by its key {kid}")
    place = case["customs_office"] or "?"
    print(f"  {case['quantity']} x {case['goods']}, detained at {place} on {case['detained_at']}")
    for entry in manifest["proofs"]:
        print(f"  ledger entry {entry['index']} ({entry['what']}) proven")
    print(f"  {len(listed)} files as the manifest lists them")
    return 0


def _keys(args) -> tuple[list[Verifier], list[CosignatureVerifier]]:
    logs = [Verifier.from_vkey(vkey) for vkey in args.log_key]
    witnesses = [CosignatureVerifier.from_vkey(vkey) for vkey in args.witness_key]
    if args.trust:
        text = args.trust.read_text(encoding="utf-8")
        if text.lstrip().startswith("{"):
            signed = json.loads(text)
            payload = json.loads(
                base64.urlsafe_b64decode(signed["payload"] + "=" * (-len(signed["payload"]) % 4))
            )
            logs.append(Verifier.from_vkey(payload["log"]["vkey"]))
        else:
            for line in text.splitlines():
                line = line.split("#", 1)[0].strip()
                if line:
                    try:
                        logs.append(Verifier.from_vkey(line))
                    except DomainError:
                        witnesses.append(CosignatureVerifier.from_vkey(line))
    return logs, witnesses


if __name__ == "__main__":
    sys.exit(main())
