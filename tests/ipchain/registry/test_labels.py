"""Labels in every format carry exactly the code qr_matrix made: PNG decoded by zxing-cpp, SVG
and PDF rasterised here from their own drawing operators (parsed by the standard library and
pypdf) and decoded too; sheets have the paper, pages and captions asked for."""

import io
import itertools
import re
import xml.etree.ElementTree as ET
import zipfile

import numpy as np
import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from ipchain.api_errors import status_for
from ipchain.registry.labels import (
    Label,
    LabelError,
    label_sheet_pdf,
    render_batch,
    render_png,
    render_svg,
)
from ipchain.registry.qr import qr_matrix

URI = "https://ipo.example.org/01/09506000134352/21/SER-0001?k=AbCdEfGhIjK&s=" + "y" * 86
SVG = "{http://www.w3.org/2000/svg}"
POINTS_PER_MM = 72 / 25.4


def labels(n: int) -> list[Label]:
    return [
        Label(URI.replace("SER-0001", f"SER-{i:04d}"), "09506000134352", f"SER-{i:04d}") for i in range(n)
    ]


def decode_one(image: Image.Image) -> zxingcpp.Barcode:
    (result,) = zxingcpp.read_barcodes(image)
    return result


def modules_image(grid: np.ndarray, px: int = 4) -> Image.Image:
    """Dark modules (True) as black squares of px pixels, on white."""
    light = (~grid).astype(np.uint8) * 255
    return Image.fromarray(light).resize((grid.shape[1] * px, grid.shape[0] * px), Image.NEAREST)


def page_operators(reader: PdfReader, page_no: int) -> str:
    """The page's content stream, decompressed by pypdf (its own operator parser takes about a
    second for a page of codes, too slow for a test suite)."""
    return reader.pages[page_no].get_contents().get_data().decode("latin-1")


def pdf_codes(reader: PdfReader, page_no: int) -> list[tuple[list[float], list[tuple[int, int, int, int]]]]:
    """Each code drawn on a page: its transformation (a b c d e f), drawn y-down unlike the
    text, and its rectangles in module units."""
    return [
        (
            [float(v) for v in cm.split()],
            [tuple(map(int, r)) for r in re.findall(r"(\d+) (\d+) (\d+) (\d+) re", body)],
        )
        for cm, body in re.findall(
            r"^(\S+ 0 0 -\S+ \S+ \S+) cm\n(.*?)^f$", page_operators(reader, page_no), re.M | re.S
        )
    ]


def pdf_captions(reader: PdfReader, page_no: int) -> list[str]:
    return re.findall(r"\((\\\(\d\d\\\) [^)]*)\) Tj", page_operators(reader, page_no))


def test_png_label_decodes_to_the_exact_uri_at_version_10_or_less_level_m():
    png = render_png(qr_matrix(URI), caption=["(01) 09506000134352", "(21) SER-0001"])
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.mode == "1"
    result = decode_one(image)
    assert result.text == URI
    assert int(result.extra["Version"]) <= 10
    assert result.extra["ECLevel"] == "M"


def test_png_has_the_quiet_zone_and_the_caption_under_the_code():
    matrix = qr_matrix(URI)
    plain = np.array(Image.open(io.BytesIO(render_png(matrix, module_px=3))))  # True = white
    side = (matrix.size + 8) * 3
    assert plain.shape == (side, side)
    assert plain[:12].all() and plain[-12:].all() and plain[:, :12].all() and plain[:, -12:].all()
    assert (~plain[12:-12:3, 12:-12:3] == matrix.modules).all()
    captioned = np.array(
        Image.open(io.BytesIO(render_png(matrix, module_px=3, caption=["(01) 09506000134352", "(21) X"])))
    )
    assert captioned.shape[0] > side
    assert (captioned[:side] == plain).all()
    assert not captioned[side:].all()  # some text was drawn


def test_png_with_a_caption_wider_than_the_code_is_widened_not_cut():
    matrix = qr_matrix("x")  # version 1: 29 modules with the quiet zone, 116 px
    image = Image.open(io.BytesIO(render_png(matrix, caption=["(21) ABCDEFGHIJ0123456789"])))
    assert image.width > 116
    assert decode_one(image).text == "x"


@pytest.mark.parametrize("module_px", [0, 41, 2.5])
def test_png_module_size_out_of_range_is_refused(module_px):
    with pytest.raises(LabelError) as exc:
        render_png(qr_matrix(URI), module_px=module_px)
    assert exc.value.reason == "bad_module_size"


def test_svg_is_well_formed_and_draws_exactly_the_matrix_in_its_view_box():
    matrix = qr_matrix(URI)
    root = ET.fromstring(render_svg(matrix, caption=["(01) 09506000134352", "(21) SER-0001"]))
    size = matrix.size + 8
    assert root.get("viewBox") == f"0 0 {size} {size + 5}"
    (path,) = root.findall(f"{SVG}path")
    assert path.get("fill") == "#000"
    grid = np.zeros((size, size), dtype=bool)
    subpaths = re.findall(r"M(\d+) (\d+)h(\d+)v1h-(\d+)z", path.get("d"))
    assert "".join(f"M{x} {y}h{n}v1h-{m}z" for x, y, n, m in subpaths) == path.get("d")
    for x, y, n, m in subpaths:
        assert n == m
        grid[int(y), int(x) : int(x) + int(n)] = True
    assert (grid[4:-4, 4:-4] == matrix.modules).all() and grid.sum() == matrix.modules.sum()
    assert decode_one(modules_image(grid)).text == URI
    assert [t.text for t in root.findall(f"{SVG}text")] == ["(01) 09506000134352", "(21) SER-0001"]


def test_svg_escapes_caption_text():
    svg = render_svg(qr_matrix("x"), caption=['(21) A<B&"C'])
    assert ET.fromstring(svg).find(f"{SVG}text").text == '(21) A<B&"C'


@pytest.mark.parametrize(
    ("paper", "size_mm", "count", "per_page"),
    [("A4", 38, 45, 20), ("Letter", 25, 50, 42), ("A4", 50, 7, 12), ("Letter", 50, 25, 12)],
)
def test_pdf_sheets_have_the_paper_size_pages_and_captions(paper, size_mm, count, per_page):
    sheet = labels(count)
    reader = PdfReader(io.BytesIO(label_sheet_pdf(sheet, paper=paper, label_mm=size_mm)))
    width_mm, height_mm = {"A4": (210.0, 297.0), "Letter": (215.9, 279.4)}[paper]
    pages = -(-count // per_page)
    assert len(reader.pages) == pages
    for n, page in enumerate(reader.pages):
        assert round(float(page.mediabox.width) / POINTS_PER_MM, 1) == width_mm
        assert round(float(page.mediabox.height) / POINTS_PER_MM, 1) == height_mm
        first, on_page = n * per_page, min(per_page, count - n * per_page)
        assert pdf_captions(reader, n) == [
            line.replace("(", "\\(").replace(")", "\\)")
            for label in sheet[first : first + on_page]
            for line in label.caption
        ]
        assert len(pdf_codes(reader, n)) == on_page


@pytest.mark.parametrize("size_mm", [25, 38, 50])
def test_pdf_codes_are_the_matrix_at_the_label_size_inside_the_margins(size_mm):
    sheet = labels(3)
    reader = PdfReader(io.BytesIO(label_sheet_pdf(sheet, paper="A4", label_mm=size_mm)))
    page_w, page_h = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    for label, ((a, b, c, d, e, f), rects) in zip(sheet, pdf_codes(reader, 0), strict=True):
        matrix = qr_matrix(label.uri)
        size = matrix.size + 8
        assert (b, c) == (0, 0) and a == -d
        assert a * size == pytest.approx(size_mm * POINTS_PER_MM, abs=0.01)
        margin = 10 * POINTS_PER_MM
        assert margin <= e and e + a * size <= page_w - margin
        assert f <= page_h - margin and f - a * size >= margin
        grid = np.zeros((size, size), dtype=bool)
        for x, y, w, h in rects:
            assert h == 1
            grid[y, x : x + w] = True
        assert (grid[4:-4, 4:-4] == matrix.modules).all() and grid.sum() == matrix.modules.sum()
        assert decode_one(modules_image(grid)).text == label.uri


def test_a_whole_pdf_page_rasterised_decodes_every_label():
    sheet = labels(20)
    reader = PdfReader(io.BytesIO(label_sheet_pdf(sheet, paper="A4", label_mm=38)))
    scale = 3  # pixels per point: about 3.5 pixels per module
    page = np.ones(
        (int(reader.pages[0].mediabox.height) * scale, int(reader.pages[0].mediabox.width) * scale)
    )
    height = page.shape[0]
    for (a, _, _, d, e, f), rects in pdf_codes(reader, 0):
        for x, y, w, h in rects:
            left, right = round((e + a * x) * scale), round((e + a * (x + w)) * scale)
            top, bottom = round(height - (f + d * y) * scale), round(height - (f + d * (y + h)) * scale)
            page[top:bottom, left:right] = 0
    found = zxingcpp.read_barcodes(Image.fromarray((page * 255).astype(np.uint8)))
    assert sorted(r.text for r in found) == sorted(label.uri for label in sheet)
    assert {r.extra["ECLevel"] for r in found} == {"M"}


@pytest.mark.parametrize(
    ("kwargs", "reason"), [({"paper": "A3"}, "bad_paper"), ({"label_mm": 30}, "bad_label_size")]
)
def test_bad_sheet_options_are_refused(kwargs, reason):
    with pytest.raises(LabelError) as exc:
        label_sheet_pdf(labels(1), **kwargs)
    assert exc.value.reason == reason


def test_a_png_batch_is_one_zip_with_every_label_and_reports_progress():
    seen = []
    data = render_batch(
        labels(300), fmt="png", workers=2, progress=lambda done, total: seen.append((done, total))
    )
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert len(archive.namelist()) == 300
    assert len(seen) > 2 and seen[-1] == (300, 300)
    assert all(total == 300 for _, total in seen)
    assert all(a < b for (a, _), (b, _) in itertools.pairwise(seen))
    image = Image.open(io.BytesIO(archive.read("09506000134352_SER-0299.png")))
    assert decode_one(image).text == URI.replace("SER-0001", "SER-0299")


def test_a_batch_on_two_processes_equals_one_on_one():
    one = zipfile.ZipFile(io.BytesIO(render_batch(labels(40), fmt="svg", workers=1)))
    two = zipfile.ZipFile(io.BytesIO(render_batch(labels(40), fmt="svg", workers=2)))
    assert one.namelist() == two.namelist()
    assert all(one.read(name) == two.read(name) for name in one.namelist())
    ET.fromstring(one.read("09506000134352_SER-0039.svg"))


def test_a_pdf_batch_is_one_document_with_progress_to_the_end():
    seen = []
    data = render_batch(
        labels(130), fmt="pdf", workers=2, paper="Letter", label_mm=50, progress=lambda *p: seen.append(p)
    )
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 11  # 12 labels a page
    assert seen[-1] == (130, 130) and len(seen) > 2
    # pypdf's own text extraction: the last page holds the last ten labels, in order.
    text = reader.pages[10].extract_text()
    assert re.findall(r"\(21\) (SER-\d{4})", text) == [f"SER-{i:04d}" for i in range(120, 130)]
    assert text.count("(01) 09506000134352") == 10


def test_serials_are_safe_file_names_in_the_zip():
    label = Label(URI, "09506000134352", "A/B..%")
    (name,) = zipfile.ZipFile(io.BytesIO(render_batch([label], fmt="svg", workers=1))).namelist()
    assert name == "09506000134352_A%2FB..%25.svg"


@pytest.mark.parametrize(
    ("call", "reason"),
    [
        (lambda: render_batch([], fmt="png"), "no_labels"),
        (lambda: label_sheet_pdf([]), "no_labels"),
        (lambda: render_batch(labels(1), fmt="gif"), "bad_format"),
        (lambda: render_batch(labels(1), fmt="pdf", paper="A5"), "bad_paper"),
    ],
)
def test_bad_batches_are_refused_with_a_reason(call, reason):
    with pytest.raises(LabelError) as exc:
        call()
    assert exc.value.reason == reason
    assert status_for(exc.value.reason) == 400  # the API answers it as bad input
