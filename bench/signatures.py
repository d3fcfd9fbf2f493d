"""P-256 signatures a second on one core: ipchain's signing module (OpenSSL through pyca
`cryptography`) against python-ecdsa with gmpy2 (and precomputed tables for verifying), the
baseline, in the same run.

    .venv/bin/python bench/signatures.py [--count 3000]
"""

import argparse
import hashlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ecdsa import NIST256p, VerifyingKey
from ecdsa.ellipticcurve import PointJacobi
from ecdsa.util import sigdecode_string, sigencode_string

from ipchain.registry.signing import PrivateKey


def rate(count: int, work) -> float:
    started = time.process_time()
    for n in range(count):
        work(n)
    return count / (time.process_time() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=3000)
    args = parser.parse_args()
    key = PrivateKey.generate()
    messages = [f'{{"gtin":"09506000134352","serial":"S{n}","v":1}}'.encode() for n in range(args.count)]
    ours = [key.sign(m) for m in messages]
    plain = key._key
    point = PointJacobi.from_bytes(NIST256p.curve, key.public_key.raw, order=NIST256p.order)
    baseline_key = VerifyingKey.from_public_point(point, curve=NIST256p, hashfunc=hashlib.sha256)
    baseline_key.precompute()

    def baseline_sign(n):
        plain.sign(messages[n], hashfunc=hashlib.sha256, sigencode=sigencode_string)

    def baseline_verify(n):
        baseline_key.verify(ours[n], messages[n], hashfunc=hashlib.sha256, sigdecode=sigdecode_string)

    def our_verify(n):
        assert key.public_key.verify(messages[n], ours[n])

    rows = [
        ("sign", rate(args.count, lambda n: key.sign(messages[n])), rate(args.count, baseline_sign)),
        ("verify", rate(args.count, our_verify), rate(args.count, baseline_verify)),
    ]
    print(f"P-256 over SHA-256, {args.count} messages, CPU time of this process (one core)")
    print(f"{'':8} {'ipchain/s':>10} {'python-ecdsa/s':>15} {'ratio':>7}")
    for name, ours_rate, base in rows:
        print(f"{name:8} {ours_rate:>10,.0f} {base:>15,.0f} {ours_rate / base:>6.1f}x")


if __name__ == "__main__":
    main()
