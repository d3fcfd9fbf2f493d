"""Check a C2SP tlog-proof file offline: `python -m ipchain.verify_proof FILE`.

What it needs is public and small: the log's verifier key (`--log-key`, or in a trust file)
and, to count cosignatures, the witnesses' keys (`--witness-key`, or in the trust file). It
prints what the proof shows (the record, its index, the checkpoint, who signed and cosigned
it) and exits 0 when the proof holds (with at least `--quorum` known witnesses' cosignatures),
1 when it does not, 2 when it cannot be read. No network, no Django: a court's or another
office's machine can run it from this file and the ledger and federation cores it imports.

A trust file holds one verifier key a line (`#` comments allowed): Ed25519 note keys
(type 0x01) are log keys, cosignature/v1 keys (type 0x04) witness keys; or it is a node's
`/verify/trust-list.json`, whose log key it reads.
"""

import argparse
import base64
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from ipchain.errors import DomainError
from ipchain.federation.tlog_cosignature import CosignatureVerifier, verify_cosignatures
from ipchain.ledger.notes import Verifier
from ipchain.ledger.tlogproof import TlogProofError, parse, verify


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
        proof = parse(args.proof.read_text(encoding="utf-8"))
        record = args.record.read_bytes() if args.record else None
    except (OSError, UnicodeDecodeError, ValueError, DomainError) as exc:
        print(f"cannot read: {exc}", file=sys.stderr)
        return 2
    if not log_keys:
        print("give the log's key: --log-key, or --trust", file=sys.stderr)
        return 2
    proven, errors = None, []
    for key in log_keys:  # the key whose name is the checkpoint's origin
        try:
            proven = verify(proof, key, record)
            break
        except TlogProofError as exc:
            errors.append(f"{key.name}: {exc}")
    if proven is None:
        print("NOT PROVEN: " + "; ".join(errors))
        return 1
    try:
        cosigned = verify_cosignatures(proof.checkpoint, witness_keys)
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
