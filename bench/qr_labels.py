"""QR label throughput: PNG labels/s, the qrcode package's default path as the baseline.

    .venv/bin/python bench/qr_labels.py [--labels 2000]

All in one run, on label URIs of the real shape (~190 characters, version 9-10 at level M):
  baseline: qrcode.make(uri) saved as PNG (qrcode's own mask choice and drawing, its
            default 10-pixel modules, no caption);
  ours, 1 core: qr_matrix + render_png (4-pixel modules) with the GTIN/serial caption;
  ours, all cores: render_batch (a process pool), the whole ZIP.
Also the QR matrix alone, SVG, and PDF sheets in one process and through render_batch.
Target: >= 500 PNG labels/s on this 2-core machine.
"""

import argparse
import io
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import qrcode

from ipchain.registry.labels import Label, label_sheet_pdf, render_batch, render_png, render_svg
from ipchain.registry.qr import qr_matrix

TARGET = 500


def labels(n: int) -> list[Label]:
    host = "ipo.example-office.europa.eu"
    return [
        Label(
            f"https://{host}/01/09506000134352/21/TJ{i:010d}?k=AbCdEfGhIjK&s={'Q' * 80}{i:06d}",
            "09506000134352",
            f"TJ{i:010d}",
        )
        for i in range(n)
    ]


def rate(count: int, started: float) -> float:
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--labels", type=int, default=2000)
    args = parser.parse_args()
    batch = labels(args.labels)
    sample = batch[: max(200, args.labels // 10)]
    print(
        f"QR labels, {len(batch[0].uri)}-character URIs, "
        f"version {qr_matrix(batch[0].uri).version} at level M, {os.cpu_count()} cores"
    )

    started = time.perf_counter()
    for label in sample:
        out = io.BytesIO()
        qrcode.make(label.uri, error_correction=qrcode.constants.ERROR_CORRECT_M).save(out)
    baseline = rate(len(sample), started)

    started = time.perf_counter()
    for label in batch:
        qr_matrix(label.uri)
    matrix_only = rate(len(batch), started)

    started = time.perf_counter()
    for label in batch:
        render_png(qr_matrix(label.uri), caption=label.caption)
    one_core = rate(len(batch), started)

    started = time.perf_counter()
    render_batch(batch, fmt="png")
    all_cores = rate(len(batch), started)

    started = time.perf_counter()
    for label in sample:
        render_svg(qr_matrix(label.uri), caption=label.caption)
    svg = rate(len(sample), started)

    started = time.perf_counter()
    render_batch(batch, fmt="svg")
    svg_all = rate(len(batch), started)

    started = time.perf_counter()
    label_sheet_pdf(sample, paper="A4", label_mm=38)
    pdf = rate(len(sample), started)

    started = time.perf_counter()
    render_batch(batch, fmt="pdf", paper="A4", label_mm=38)
    pdf_all = rate(len(batch), started)

    print(f"{'path':<40}{'labels/s':>10}{'vs baseline':>13}")
    for name, value in (
        ("qrcode.make PNG (baseline)", baseline),
        ("ours, QR matrix only, 1 core", matrix_only),
        ("ours PNG, 1 core", one_core),
        ("ours PNG batch, all cores (ZIP)", all_cores),
        ("ours SVG, 1 core", svg),
        ("ours SVG batch, all cores (ZIP)", svg_all),
        ("ours PDF sheets A4 38 mm, 1 core", pdf),
        ("ours PDF sheets batch, all cores", pdf_all),
    ):
        print(f"{name:<40}{value:>10,.0f}{value / baseline:>12.1f}x")
    print(
        f"target >= {TARGET} PNG/s: {'met' if all_cores >= TARGET else 'MISSED'} ({all_cores / TARGET:.2f}x)"
    )


if __name__ == "__main__":
    main()
