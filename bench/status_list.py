"""The offline status list's sizes and the phone's lookup time (issue 16's targets):
a full list of 1,000,000 listed items ≤ 2 MB, a day's delta of 10,000 changes ≤ 100 KB,
a lookup on the phone ≤ 1 ms.

No database: the list is coded here from synthetic items exactly as verifier/status_list.py
codes it (golomb.encode, P=14, the statuses split 60/30/10), and the phone's own code
(static/verifier/status.js, its pure part) decodes and looks it up in Node.js, the engine of
Chromium's V8. The baseline for lookups is a JavaScript Set of the same items' exact hex
hashes, the structure one would use with no size budget.

    python bench/status_list.py [--items 1000000] [--changes 10000] [--lookups 20000]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from verifier import golomb  # noqa: E402

P = 14
SPLIT = {"recalled": 0.6, "stolen": 0.3, "destroyed": 0.1}

NODE = r"""
const fs = require("fs");
require(process.argv[2]);
const core = globalThis.IpchainStatusCore;
const meta = JSON.parse(fs.readFileSync(process.argv[3], "utf8"));
const blob = new Uint8Array(fs.readFileSync(process.argv[4]));
const bytesOf = (hex) => Uint8Array.from(hex.match(/../g).map((b) => parseInt(b, 16)));
const probes = JSON.parse(fs.readFileSync(process.argv[5], "utf8")).map(bytesOf);
let t = process.hrtime.bigint();
const sets = core.indexList(meta, blob);
const indexMs = Number(process.hrtime.bigint() - t) / 1e6;
t = process.hrtime.bigint();
let found = 0;
for (const h of probes) if (core.lookupIn(sets, meta.p, {}, h).status) found++;
const lookupMs = Number(process.hrtime.bigint() - t) / 1e6 / probes.length;
// Baseline: a Set of exact hex hashes (no size budget).
const exact = new Set(probes.slice(0, probes.length / 2).map((h) => Buffer.from(h).toString("hex")));
t = process.hrtime.bigint();
let baseFound = 0;
for (const h of probes) if (exact.has(Buffer.from(h).toString("hex"))) baseFound++;
const baseMs = Number(process.hrtime.bigint() - t) / 1e6 / probes.length;
(async () => {
  t = process.hrtime.bigint();
  for (let i = 0; i < 1000; i++) await core.itemHash("09506000134352", "S" + i);
  const hashMs = Number(process.hrtime.bigint() - t) / 1e6 / 1000;
  console.log(JSON.stringify({ indexMs, lookupMs, baseMs, hashMs, found, baseFound }));
})();
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--changes", type=int, default=10_000)
    parser.add_argument("--lookups", type=int, default=20_000)
    args = parser.parse_args()

    hashes = [int.from_bytes(os.urandom(8), "big") for _ in range(args.items)]
    started = time.perf_counter()
    sets, offset = [], 0
    for status, share in SPLIT.items():
        part = hashes[offset : offset + int(args.items * share)]
        offset += len(part)
        sets.append((status, len(part), golomb.encode(part, P)))
    coded = time.perf_counter() - started
    blob = b"".join(data for _s, _n, data in sets)
    header = {"p": P, "sets": [{"status": s, "n": n, "bytes": len(d)} for s, n, d in sets]}
    # The envelope (office signature, header, a checkpoint with cosignatures) adds about 1 KB.
    full = len(blob) + 1024
    delta = args.changes * 9 + 600

    print(
        f"full list, {args.items:,} items: {full:,} bytes ({full / 2**20:.2f} MiB, "
        f"{len(blob) * 8 / args.items:.2f} bits an item), coded in {coded:.2f} s; target ≤ 2 MB: "
        f"{'met' if full <= 2_000_000 else 'MISSED'}"
    )
    print(
        f"delta, {args.changes:,} changes: {delta:,} bytes; target ≤ 100 KB: "
        f"{'met' if delta <= 100_000 else 'MISSED'}"
    )

    listed = hashes[: args.lookups // 2]
    unlisted = [int.from_bytes(os.urandom(8), "big") for _ in range(args.lookups // 2)]
    probes = [h.to_bytes(8, "big").hex() for h in listed + unlisted]
    with tempfile.TemporaryDirectory() as tmp:
        files = [Path(tmp) / name for name in ("meta.json", "blob.bin", "probes.json", "run.js")]
        files[0].write_text(json.dumps(header))
        files[1].write_bytes(blob)
        files[2].write_text(json.dumps(probes))
        files[3].write_text(NODE)
        out = subprocess.run(
            ["node", str(files[3]), str(ROOT / "static/verifier/status.js"), *map(str, files[:3])],
            capture_output=True,
            text=True,
            check=True,
            timeout=600,
        )
    phone = json.loads(out.stdout)
    false_positives = phone["found"] - len(listed)
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    lookup_us, hash_us, base_us = phone["lookupMs"] * 1000, phone["hashMs"] * 1000, phone["baseMs"] * 1000
    met = "met" if (lookup_us + hash_us) / 1000 <= 1 else "MISSED"
    print(f"phone (Node.js {node}): index built once in {phone['indexMs']:.0f} ms")
    print(f"  lookup {lookup_us:.1f} us, + SHA-256 of the item {hash_us:.0f} us; target <= 1 ms: {met}")
    print(
        f"  baseline, an exact Set of the same items: {base_us:.1f} us ({lookup_us / base_us:.1f}x the Set)"
    )
    rate, expected = false_positives / len(unlisted), len(SPLIT) / 2**P
    shown = f"{false_positives} of {len(unlisted):,} unlisted"
    print(f"false positives: {shown} ({rate:.1e}; expected {expected:.1e})")


if __name__ == "__main__":
    main()
