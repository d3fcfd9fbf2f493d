"""The curves of docs/performance.md: runs the benchmarks at several sizes and loads, keeps
their figures in bench/out/, and draws them as PNG into docs/img/.

    .venv/bin/pip install -e '.[bench]'     # matplotlib, for this script only
    .venv/bin/python bench/plots.py [--sizes 10000,100000,1000000] [--connections 1,2,4,8]
        [--redraw]

- log size: bench/log_10m.py at each size (a COPY-built log, a database per size), plus the
  10M figures of bench/out/log_10m.json when that run was made: integration and incremental
  audit entries/s, and proof latency (median and p99 through the API), against log size;
- load: bench/registration_load.py at each number of connections: registrations a second
  and their latency, against the bare DRF lookup.

--redraw draws from the figures kept in bench/out/ without running anything.
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
IMAGES = HERE.parent / "docs" / "img"


def run_sizes(sizes: list[int]) -> None:
    for size in sizes:
        target = OUT / f"log_{size}.json"
        url = f"postgres://postgres@127.0.0.1:5432/ipchain_bench_size_{size}"
        appended = min(200_000, max(20_000, size // 10))
        options = ["--appended", str(appended), "--proofs", "1000", "--json", str(target)]
        subprocess.run(
            [sys.executable, "log_10m.py", "--entries", str(size), *options, "--database-url", url],
            cwd=HERE,
            check=True,
        )


def run_load(connections: str) -> None:
    subprocess.run(
        [sys.executable, "registration_load.py", "--connections", connections, "--rounds", "2"],
        cwd=HERE,
        env=os.environ | {"BENCH_JSON": str(OUT / "registration_load.json")},
        check=True,
    )


def draw() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    IMAGES.mkdir(parents=True, exist_ok=True)
    logs = sorted(
        (json.loads(p.read_text()) for p in OUT.glob("log_*.json")), key=lambda figures: figures["entries"]
    )
    if logs:
        sizes = [f["entries"] for f in logs]
        fig, (rates, proofs) = plt.subplots(1, 2, figsize=(11, 4.2))
        rates.plot(sizes, [f["integration"]["integrate"] for f in logs], "o-", label="integration")
        rates.plot(sizes, [f["incremental_audit"]["rate"] for f in logs], "s-", label="incremental audit")
        rates.plot(sizes, [f["full_audit"]["rate"] for f in logs], "^-", label="full audit")
        rates.axhline(10_000, color="grey", ls="--", lw=1, label="integration target")
        rates.set(xscale="log", yscale="log", xlabel="entries in the log", ylabel="entries a second")
        rates.set_title("Throughput against log size")
        rates.legend(fontsize=8)
        for kind, marker in (("inclusion", "o"), ("consistency", "s")):
            proofs.plot(sizes, [f["proofs"][kind]["p50"] for f in logs], marker + "-", label=f"{kind} median")
            proofs.plot(sizes, [f["proofs"][kind]["p99"] for f in logs], marker + ":", label=f"{kind} p99")
        proofs.axhline(5, color="grey", ls="--", lw=1, label="p99 target")
        proofs.set(
            xscale="log", xlabel="entries in the log", ylabel="ms through the JSON API", ylim=(0, None)
        )
        proofs.set_title("Proof latency against log size")
        proofs.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(IMAGES / "log_size.png", dpi=110)
        print(f"wrote {IMAGES / 'log_size.png'} ({len(logs)} sizes)")
    load_file = OUT / "registration_load.json"
    if load_file.exists():
        rows = json.loads(load_file.read_text())
        fig, (rates, latency) = plt.subplots(1, 2, figsize=(11, 4.2))
        for name, label, marker in (
            ("register", "POST /api/v1/items", "o"),
            ("baseline", "bare DRF lookup", "s"),
        ):
            mine = sorted((r for r in rows if r["endpoint"] == name), key=lambda r: r["connections"])
            conns = [r["connections"] for r in mine]
            rates.plot(conns, [r["rate"] for r in mine], marker + "-", label=label)
            latency.plot(conns, [r["p50"] for r in mine], marker + "-", label=f"{label}, median")
            latency.plot(conns, [r["p99"] for r in mine], marker + ":", label=f"{label}, p99")
        rates.axhline(1000, color="grey", ls="--", lw=1, label="registration target")
        rates.set(xlabel="concurrent connections", ylabel="requests a second", ylim=(0, None))
        rates.set_title("Single-record registration under load")
        rates.legend(fontsize=8)
        latency.axhline(50, color="grey", ls="--", lw=1, label="p99 target")
        latency.set(xlabel="concurrent connections", ylabel="ms", ylim=(0, None))
        latency.set_title("Latency against load")
        latency.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(IMAGES / "registration_load.png", dpi=110)
        print(f"wrote {IMAGES / 'registration_load.png'}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--connections", default="1,2,4,8")
    parser.add_argument("--redraw", action="store_true")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    if not args.redraw:
        run_sizes([int(s) for s in args.sizes.split(",")])
        run_load(args.connections)
    draw()


if __name__ == "__main__":
    main()
