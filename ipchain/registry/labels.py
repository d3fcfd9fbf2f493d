"""Label images and printable sheets from QR matrices. Pure: no Django.

Every format draws the same thing, the horizontal runs of dark modules: PNG through pillow
straight from the module array (a 1-bit image scaled nearest-neighbour, never drawn module
by module), SVG as one path, PDF sheets with reportlab as rectangles in module units (its
QR widget took 4x longer, shared/MEASURED.md). Big batches use every core.
"""

import io
import math
import os
import zipfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from multiprocessing import current_process
from xml.sax.saxutils import escape

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ipchain.errors import DomainError

from .qr import QrMatrix, qr_matrix

QUIET_ZONE = 4  # modules on each side, ISO/IEC 18004:2015 table 1
FORMATS = ("png", "svg", "pdf")
PAPERS_MM = {"A4": (210.0, 297.0), "Letter": (215.9, 279.4)}
LABEL_SIZES_MM = (25, 38, 50)  # the printed square, quiet zone included
SHEET_MARGIN_MM = 10.0  # inside most printers' unprintable border
LABEL_GAP_MM = 4.0
CAPTION_MM = 8.0  # two lines of text under each code
PRINT_DPI = 300  # a single PNG label for printing: most label printers' resolution
MAX_CHUNK = 200  # labels per task in a batch: small enough for a smooth progress bar

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
        """The human-readable interpretation, GS1 style: each element string after its AI."""
        return [f"(01) {self.gtin}", f"(21) {self.serial}"]


def dark_runs(modules: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row, first column and length of every horizontal run of dark modules, row by row."""
    rows, columns = modules.shape
    padded = np.zeros((rows, columns + 2), dtype=np.int8)
    padded[:, 1:-1] = modules
    edge_rows, edge_columns = np.nonzero(np.diff(padded, axis=1))
    # Every padded row starts and ends light, so its edges alternate: a run starts, it ends.
    starts, ends = edge_columns[::2], edge_columns[1::2]
    return edge_rows[::2], starts, ends - starts


def check_label_size(label_mm: int) -> None:
    if label_mm not in LABEL_SIZES_MM:
        raise LabelError("bad_label_size", f"label size is one of {LABEL_SIZES_MM} mm")


def print_layout(matrix: QrMatrix, label_mm: int) -> tuple[int, float]:
    """Pixels a module, and the resolution to write in the file, for a code printed
    `label_mm` wide (quiet zone included): whole pixels a module, near PRINT_DPI, and the
    resolution that makes the code print at exactly that width."""
    check_label_size(label_mm)
    modules = matrix.size + 2 * QUIET_ZONE
    module_px = max(1, round(label_mm / 25.4 * PRINT_DPI / modules))
    return module_px, module_px * modules * 25.4 / label_mm


def render_png(
    matrix: QrMatrix, *, module_px: int = 4, caption: Sequence[str] = (), dpi: float | None = None
) -> bytes:
    """A PNG label: the code with its quiet zone, and optional lines of text under it; `dpi`
    written into the file, so a printer prints it at its size."""
    if not isinstance(module_px, int) or not 1 <= module_px <= 40:
        raise LabelError("bad_module_size", "a module is 1 to 40 pixels")
    side = (matrix.size + 2 * QUIET_ZONE) * module_px
    code = Image.fromarray(~np.pad(matrix.modules, QUIET_ZONE)).resize((side, side), Image.NEAREST)
    if caption:
        line_px = max(16, 4 * module_px)
        lines = [_caption_line(text, line_px) for text in caption]
        width = max(side, *(line.width + 2 * module_px for line in lines))
        label = Image.new("1", (width, side + line_px * len(lines) + module_px), 1)
        label.paste(code, ((width - side) // 2, 0))
        for n, line in enumerate(lines):
            label.paste(line, ((width - line.width) // 2, side + n * line_px))
        code = label
    out = io.BytesIO()
    code.save(out, format="PNG", compress_level=1, **({"dpi": (dpi, dpi)} if dpi else {}))
    return out.getvalue()


@lru_cache(maxsize=256)
def _caption_line(text: str, line_px: int) -> Image.Image:
    """One line of caption, 1-bit: crisp on label printers, and the GTIN line, the same for a
    whole batch, is drawn once (pillow's text drawing was a third of a label's time)."""
    font = _font(line_px - 2)
    line = Image.new("1", (max(1, math.ceil(font.getlength(text))), line_px), 1)
    draw = ImageDraw.Draw(line)
    draw.fontmode = "1"
    draw.text((0, 0), text, fill=0, font=font)
    return line


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)  # pillow's own font: nothing to install


def render_svg(matrix: QrMatrix, *, caption: Sequence[str] = ()) -> str:
    """An SVG label in module units: one path of dark runs, crisp at any size."""
    size = matrix.size + 2 * QUIET_ZONE
    height = size + (2 * len(caption) + 1 if caption else 0)
    rows, starts, lengths = dark_runs(matrix.modules)
    path = "".join(
        f"M{QUIET_ZONE + x} {QUIET_ZONE + y}h{n}v1h-{n}z"
        for y, x, n in zip(rows.tolist(), starts.tolist(), lengths.tolist(), strict=True)
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


@dataclass(frozen=True)
class PdfCode:
    """A code as PDF path operators in module units, origin at the top left of the quiet zone,
    y downwards: made in a worker process, placed on the sheet by the parent."""

    size: int  # modules across, quiet zone included
    operators: str


def pdf_code(matrix: QrMatrix) -> PdfCode:
    rows, starts, lengths = dark_runs(matrix.modules)
    operators = "\n".join(
        f"{QUIET_ZONE + x} {QUIET_ZONE + y} {n} 1 re"
        for y, x, n in zip(rows.tolist(), starts.tolist(), lengths.tolist(), strict=True)
    )
    return PdfCode(matrix.size + 2 * QUIET_ZONE, operators + "\nf")


class LabelSheets:
    """Pages of labels in reading order: as many columns and rows as fit inside the margins,
    the grid centred on the page, GTIN and serial under each code."""

    def __init__(self, *, paper: str = "A4", label_mm: int = 38):
        from reportlab.lib.units import mm
        from reportlab.pdfgen import canvas

        if paper not in PAPERS_MM:
            raise LabelError("bad_paper", "paper is A4 or Letter")
        check_label_size(label_mm)
        width, height = PAPERS_MM[paper]
        pitch_x, pitch_y = label_mm + LABEL_GAP_MM, label_mm + CAPTION_MM + LABEL_GAP_MM
        self.columns = int((width - 2 * SHEET_MARGIN_MM + LABEL_GAP_MM) // pitch_x)
        self.rows = int((height - 2 * SHEET_MARGIN_MM + LABEL_GAP_MM) // pitch_y)
        self.per_page = self.columns * self.rows
        left = (width - (self.columns * pitch_x - LABEL_GAP_MM)) / 2
        top = height - (height - (self.rows * pitch_y - LABEL_GAP_MM)) / 2
        self._slots = [
            ((left + column * pitch_x) * mm, (top - row * pitch_y) * mm)
            for row in range(self.rows)
            for column in range(self.columns)
        ]
        self._side = label_mm * mm
        self._caption_width = (label_mm + LABEL_GAP_MM - 1) * mm  # may reach into the gap
        self._line = 0.4 * CAPTION_MM * mm  # baselines of the two lines within the caption band
        self._font_pt = 6.5 if label_mm < 38 else 7.5
        self._out = io.BytesIO()
        self._pdf = canvas.Canvas(self._out, pagesize=(width * mm, height * mm), pageCompression=1)
        self._pdf.setTitle("ipchain labels")
        self.count = 0

    def add(self, label: Label, code: PdfCode) -> None:
        pdf, slot = self._pdf, self.count % self.per_page
        if self.count and slot == 0:
            pdf.showPage()
        x, top = self._slots[slot]
        unit = self._side / code.size
        pdf.saveState()
        pdf.transform(unit, 0, 0, -unit, x, top)
        # Whole-module rectangles as literal operators: reportlab's path API formatted each
        # rectangle's four floats one by one, several times slower for the same drawing.
        pdf.addLiteral(code.operators)
        pdf.restoreState()
        for n, text in enumerate(label.caption):
            # Courier, shrunk to fit: a 20-character serial must not run into the next label.
            size = min(self._font_pt, self._caption_width / pdf.stringWidth(text, "Courier", 1))
            pdf.setFont("Courier", size)
            pdf.drawCentredString(x + self._side / 2, top - self._side - (n + 1) * self._line, text)
        self.count += 1

    def finish(self) -> bytes:
        self._pdf.save()
        return self._out.getvalue()


def label_sheet_pdf(labels: Sequence[Label], *, paper: str = "A4", label_mm: int = 38) -> bytes:
    """Printable sheets of `labels`, in one process (render_batch uses every core)."""
    if not labels:
        raise LabelError("no_labels", "no labels to print")
    sheets = LabelSheets(paper=paper, label_mm=label_mm)
    for label in labels:
        sheets.add(label, pdf_code(qr_matrix(label.uri)))
    return sheets.finish()


def render_batch(
    labels: Sequence[Label],
    *,
    fmt: str,
    workers: int | None = None,
    progress: Progress | None = None,
    paper: str = "A4",
    label_mm: int = 38,
) -> bytes:
    """Many labels as one file: a ZIP of PNG or SVG images, or one PDF of sheets.

    Chunks of labels are encoded in a pool of `workers` processes (all cores by default) and
    written here in order; `progress(done, total)` is called as each chunk is written, and
    with (total, total) once the file is whole.
    """
    if fmt not in FORMATS:
        raise LabelError("bad_format", "format is png, svg or pdf")
    if not labels:
        raise LabelError("no_labels", "no labels to render")
    rendered = _rendered(labels, fmt, _workers(workers), progress)
    if fmt == "pdf":
        sheets = LabelSheets(paper=paper, label_mm=label_mm)
        for label, code in rendered:
            sheets.add(label, code)
        data = sheets.finish()
    else:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
            for label, image in rendered:
                archive.writestr(f"{label.gtin}_{_file_safe(label.serial)}.{fmt}", image)
        data = out.getvalue()
    if progress:
        progress(len(labels), len(labels))
    return data


def _rendered(
    labels: Sequence[Label], fmt: str, workers: int, progress: Progress | None
) -> Iterator[tuple[Label, bytes | PdfCode]]:
    """(label, its image or PDF code), in order; progress once a chunk has been consumed."""
    size = max(1, min(MAX_CHUNK, math.ceil(len(labels) / (4 * workers))))
    chunks = [labels[i : i + size] for i in range(0, len(labels), size)]
    pool = ProcessPoolExecutor(max_workers=min(workers, len(chunks))) if workers > 1 else None
    try:
        results = (pool.map if pool else map)(_render_chunk, [fmt] * len(chunks), chunks)
        done = 0
        for chunk, rendered in zip(chunks, results, strict=True):
            yield from zip(chunk, rendered, strict=True)
            done += len(chunk)
            if progress and done < len(labels):
                progress(done, len(labels))
    finally:
        if pool:
            pool.shutdown(cancel_futures=True)


def _render_chunk(fmt: str, labels: Sequence[Label]) -> list[bytes] | list[PdfCode]:
    if fmt == "png":
        return [render_png(qr_matrix(label.uri), caption=label.caption) for label in labels]
    if fmt == "svg":
        return [render_svg(qr_matrix(label.uri), caption=label.caption).encode() for label in labels]
    return [pdf_code(qr_matrix(label.uri)) for label in labels]


def _workers(requested: int | None) -> int:
    # A daemonic process (a Celery prefork child) may not start children: render there alone.
    if current_process().daemon:
        return 1
    return max(1, requested or os.cpu_count() or 1)


def _file_safe(serial: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else f"%{ord(c):02X}" for c in serial)
