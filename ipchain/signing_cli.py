"""Sign ipchain records and labels offline with your own key, no node needed.

    ipchain-sign keygen --out brand.pem
    ipchain-sign record item.json --key brand.pem      # prints the signed record
    ipchain-sign label --gtin 09506000134352 --serial ABC123 --key brand.pem --host ipo.example

The exact bytes signed are in docs/signing.md. Exit status 2 and a message on bad input.
"""

import argparse
import json
import os
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

from ipchain.ledger.canonical import RecordError, parse_json
from ipchain.registry import records
from ipchain.registry.digital_link import (
    DigitalLinkError,
    build_label_uri,
    label_message,
    normalize_gtin,
    validate_serial,
)
from ipchain.registry.signing import PrivateKey, SignatureError, b64url_encode, sign_record

# A DNS name or IPv4 address with an optional port, as IPCHAIN_PUBLIC_HOST holds it.
_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(?::[0-9]{1,5})?", re.ASCII)


class UsageError(Exception):
    pass


def _load_key(path: str) -> PrivateKey:
    try:
        return PrivateKey.from_pem(Path(path).read_bytes())
    except OSError as exc:
        raise UsageError(f"cannot read the key file: {exc.strerror}") from None
    except SignatureError as exc:
        raise UsageError(str(exc)) from None


def keygen(args) -> None:
    key = PrivateKey.generate()
    try:
        fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise UsageError(f"{args.out} exists; refusing to overwrite a private key") from None
    except OSError as exc:
        raise UsageError(f"cannot write {args.out}: {exc.strerror}") from None
    with os.fdopen(fd, "w") as f:
        f.write(key.to_pem())
    public = key.public_key
    print(f"private key written to {args.out} (mode 0600): keep it secret\n")
    print(f"key id: {public.key_id}\n")
    print(public.to_pem())
    print(json.dumps(public.to_jwk()))


def record(args) -> None:
    key = _load_key(args.key)
    raw = sys.stdin.buffer.read() if args.file == "-" else _read(args.file)
    try:
        data = parse_json(raw)
    except RecordError as exc:
        raise UsageError(str(exc)) from None
    if not isinstance(data, dict):
        raise UsageError("a record is a JSON object")
    data.setdefault("v", records.VERSION)
    data.setdefault("time", records.timestamp(datetime.now(UTC)))
    if data.get("type") == records.ITEM_REGISTERED and "label_sig" not in data:
        try:
            gtin, serial = (
                normalize_gtin(str(data.get("gtin", ""))),
                validate_serial(str(data.get("serial", ""))),
            )
        except DigitalLinkError as exc:
            raise UsageError(str(exc)) from None
        data["gtin"] = gtin
        data["label_sig"] = b64url_encode(key.sign(label_message(gtin, serial)))
    try:
        print(json.dumps(sign_record(data, key), ensure_ascii=False))
    except SignatureError as exc:
        raise UsageError(str(exc)) from None


def label(args) -> None:
    if not _HOST.fullmatch(args.host):
        raise UsageError(f"--host {args.host!r} is not a host name (with an optional :port)")
    key = _load_key(args.key)
    try:
        gtin, serial = normalize_gtin(args.gtin), validate_serial(args.serial)
    except DigitalLinkError as exc:
        raise UsageError(str(exc)) from None
    signature = key.sign(label_message(gtin, serial))
    print(build_label_uri(args.host, gtin, serial, key.public_key.key_id, signature))


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ipchain-sign", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("keygen", help="make a P-256 key pair")
    p.add_argument("--out", required=True, help="where to write the private key (PKCS#8 PEM)")
    p.set_defaults(run=keygen)
    p = commands.add_parser("record", help="sign a record (adds kid and sig; label_sig for item.registered)")
    p.add_argument("file", help="the record as JSON, or - for standard input")
    p.add_argument("--key", required=True)
    p.set_defaults(run=record)
    p = commands.add_parser("label", help="print the signed label URI for a GTIN and serial")
    p.add_argument("--gtin", required=True)
    p.add_argument("--serial", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--host", required=True, help="the node's public host, as in IPCHAIN_PUBLIC_HOST")
    p.set_defaults(run=label)
    args = parser.parse_args(argv)
    try:
        args.run(args)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
