"""Label images and printable sheets from QR matrices. Pure: no Django.

PNG through pillow straight from the module array (nearest-neighbour scaling, no drawing
module by module), SVG as one path of horizontal runs, PDF sheets with reportlab drawing
the same runs as rectangles. Big batches use every core.
"""

import io
import os
import zipfile
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache
from multiprocessing import current_process
from xml.sax.saxutils import escape

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ipchain.errors import DomainError

from .qr import QrMatrix, qr_matrix

QUIET_ZONE = 4  # modules, ISO/IEC 18004 table 1
PAPERS_MM = {"A4": (210.0, 297.0), "Letter": (215.9, 279.4)}
LABEL_SIZES_MM = (25, 38, 50)
CHUNK = 250

Progress = Callable[[int, int], None]


class LabelError(DomainError):
    """Refused with a machine-readable `reason` (ipchain.errors.DomainError)."""


@dataclass(frozen=True)
class Label:
    uri: str
    gtin: str
    serial: str

    @property
    def caption(self) -> list[str]:
        return [f"(01) {self.gtin}", f"(21) {self.serial}"]


def _runs(row: np.ndarray) -> list[tuple[int, int]]:
    """(start, length) of each dark run in a row of modules."""
    padded = np.concatenate(([False], row, [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return [(int(a), int(b - a)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


@cache
def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def render_png(matrix: QrMatrix, *, module_px: int = 4, caption: Sequence[str] = ()) -> bytes:
    """A PNG label: the code with its quiet zone, and optional lines of text under it."""
    light = ~np.pad(matrix.modules, QUIET_ZONE)
    side = light.shape[0] * module_px
    code = Image.fromarray(light.astype(np.uint8) * 255, mode="L").resize((side, side), Image.NEAREST)
    if caption:
        line_px = max(16, 4 * module_px)
        image = Image.new("L", (side, side + line_px * len(caption) + module_px), 255)
        image.paste(code, (0, 0))
        draw = ImageDraw.Draw(image)
        font = _font(line_px - 2)
        for n, text in enumerate(caption):
            draw.text((side // 2, side + n * line_px), text, fill=0, font=font, anchor="ma")
        code = image
    out = io.BytesIO()
    code.convert("1").save(out, format="PNG", compress_level=1)
    return out.getvalue()


def render_svg(matrix: QrMatrix, *, caption: Sequence[str] = ()) -> str:
    """An SVG label in module units: one path of dark runs, crisp at any size."""
    size = matrix.size + 2 * QUIET_ZONE
    height = size + (2 * len(caption) + 1 if caption else 0)
    path = "".join(
        f"M{QUIET_ZONE + start} {QUIET_ZONE + y}h{length}v1h-{length}z"
        for y, row in enumerate(matrix.modules)
        for start, length in _runs(row)
    )
    texts = "".join(
        f'<text x="{size / 2}" y="{size + 2 * (n + 1) - 0.4}" font-size="1.8" text-anchor="middle" '
        f'font-family="monospace">{escape(line)}</text>'
        for n, line in enumerate(caption)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {height}" '
        f'shape-rendering="crispEdges"><rect width="{size}" height="{height}" fill="#fff"/>'
        f'<path d="{path}" fill="#000"/>{texts}</svg>'
    )


def label_sheet_pdf(labels: Sequence[Label], *, paper: str = "A4", label_mm: int = 38) -> bytes:
    """Printable sheets: as many labels per page as fit, GTIN and serial under each code."""
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    if paper not in PAPERS_MM:
        raise LabelError("bad_paper", "paper is A4 or Letter")
    if label_mm not in LABEL_SIZES_MM:
        raise LabelError("bad_label_size", f"label size is one of {LABEL_SIZES_MM} mm")
    if not labels:
        raise LabelError("no_labels", "no labels to print")
    width, height = PAPERS_MM[paper]
    margin, gap, text_mm = 10.0, 4.0, 8.0
    columns = int((width - 2 * margin + gap) // (label_mm + gap))
    rows = int((height - 2 * margin + gap) // (label_mm + text_mm + gap))
    per_page = columns * rows
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=(width * mm, height * mm), pageCompression=1)
    pdf.setTitle("ipchain labels")
    for n, label in enumerate(labels):
        if n and n % per_page == 0:
            pdf.showPage()
        slot = n % per_page
        x = (margin + (slot % columns) * (label_mm + gap)) * mm
        top = (height - margin - (slot // columns) * (label_mm + text_mm + gap)) * mm
        _draw_code(pdf, qr_matrix(label.uri), x, top, label_mm * mm)
        pdf.setFont("Courier", 6.5 if label_mm < 38 else 7.5)
        for line_no, text in enumerate(label.caption):
            pdf.drawCentredString(x + label_mm * mm / 2, top - label_mm * mm - (line_no + 1) * 3.2 * mm, text)
    pdf.save()
    return out.getvalue()


def _draw_code(pdf, matrix: QrMatrix, x: float, top: float, side: float) -> None:
    unit = side / (matrix.size + 2 * QUIET_ZONE)
    path = pdf.beginPath()
    for y, row in enumerate(matrix.modules):
        for start, length in _runs(row):
            path.rect(x + (QUIET_ZONE + start) * unit, top - (QUIET_ZONE + y + 1) * unit, length * unit, unit)
    pdf.drawPath(path, stroke=0, fill=1)


def _render_chunk(fmt: str, labels: Sequence[Label]) -> list[bytes]:
    if fmt == "png":
        return [render_png(qr_matrix(label.uri), caption=label.caption) for label in labels]
    return [render_svg(qr_matrix(label.uri), caption=label.caption).encode() for label in labels]


def _workers(requested: int | None) -> int:
    # A daemonic process (a Celery prefork child) may not start children: render there alone.
    if current_process().daemon:
        return 1
    return max(1, requested or os.cpu_count() or 1)


def render_batch(
    labels: Sequence[Label],
    *,
    fmt: str,
    workers: int | None = None,
    progress: Progress | None = None,
    paper: str = "A4",
    label_mm: int = 38,
) -> bytes:
    """Many labels as one file: a ZIP of PNG or SVG images, or one PDF of sheets."""
    if not labels:
        raise LabelError("no_labels", "no labels to render")
    if fmt not in ("png", "svg", "pdf"):
        raise LabelError("bad_format", "format is png, svg or pdf")
    chunks = [labels[i : i + CHUNK] for i in range(0, len(labels), CHUNK)]
    total, done = len(labels), 0
    if fmt == "pdf":
        # One PDF, drawn in order; reportlab's canvas cannot be split across processes.
        parts = []
        for chunk in chunks:
            parts.append(chunk)
            done += len(chunk)
            if progress:
                progress(done, total)
        return label_sheet_pdf([label for part in parts for label in part], paper=paper, label_mm=label_mm)
    out = io.BytesIO()
    n_workers = min(_workers(workers), len(chunks))
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:

        def write(chunk: Sequence[Label], images: list[bytes]) -> None:
            nonlocal done
            for label, image in zip(chunk, images, strict=True):
                archive.writestr(f"{label.gtin}_{_safe(label.serial)}.{fmt}", image)
            done += len(chunk)
            if progress:
                progress(done, total)

        if n_workers == 1:
            for chunk in chunks:
                write(chunk, _render_chunk(fmt, chunk))
        else:
            with ProcessPoolExecutor(max_workers=n_workers) as pool:
                for chunk, images in zip(
                    chunks, pool.map(_render_chunk, [fmt] * len(chunks), chunks), strict=True
                ):
                    write(chunk, images)
    return out.getvalue()


def _safe(serial: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else f"%{ord(c):02X}" for c in serial)
