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

from ipchain.registry.labels import Label, LabelError, label_sheet_pdf, render_batch, render_png, render_svg
from ipchain.registry.qr import qr_matrix

URI = "https://ipo.example.org/01/09506000134352/21/SER-0001?k=AbCdEfGhIjK&s=" + "y" * 86


def labels(n: int) -> list[Label]:
    return [
        Label(URI.replace("SER-0001", f"SER-{i:04d}"), "09506000134352", f"SER-{i:04d}") for i in range(n)
    ]


def test_png_label_decodes_to_the_exact_uri_and_has_its_caption_space():
    png = render_png(qr_matrix(URI), caption=["(01) 09506000134352", "(21) SER-0001"])
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.height > image.width
    (result,) = zxingcpp.read_barcodes(image)
    assert result.text == URI


def test_svg_is_well_formed_with_the_quiet_zone_in_its_view_box():
    matrix = qr_matrix(URI)
    root = ET.fromstring(render_svg(matrix))
    assert root.get("viewBox") == f"0 0 {matrix.size + 8} {matrix.size + 8}"
    path = root.find("{http://www.w3.org/2000/svg}path").get("d")
    dark = int(np.sum(matrix.modules))
    assert sum(int(n) for n in re.findall(r"h(\d+)v1", path)) == dark


@pytest.mark.parametrize(("paper", "size_mm", "count"), [("A4", 38, 45), ("Letter", 25, 90), ("A4", 50, 7)])
def test_pdf_sheets_have_the_paper_size_and_enough_pages(paper, size_mm, count):
    reader = PdfReader(io.BytesIO(label_sheet_pdf(labels(count), paper=paper, label_mm=size_mm)))
    width_mm = float(reader.pages[0].mediabox.width) / 72 * 25.4
    assert round(width_mm, 1) == {"A4": 210.0, "Letter": 215.9}[paper]
    assert len(reader.pages) >= 1
    text = "".join(page.extract_text() for page in reader.pages)
    assert text.count("(21) SER-") == count


@pytest.mark.parametrize(
    ("kwargs", "reason"), [({"paper": "A3"}, "bad_paper"), ({"label_mm": 30}, "bad_label_size")]
)
def test_bad_sheet_options_are_refused(kwargs, reason):
    with pytest.raises(LabelError) as exc:
        label_sheet_pdf(labels(1), **kwargs)
    assert exc.value.reason == reason


def test_a_batch_is_one_zip_with_every_label_and_reports_progress():
    seen = []
    data = render_batch(
        labels(600), fmt="png", workers=2, progress=lambda done, total: seen.append((done, total))
    )
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert len(archive.namelist()) == 600
    assert seen[-1] == (600, 600) and all(a <= b for (a, _), (b, _) in itertools.pairwise(seen))
    (result,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(archive.read("09506000134352_SER-0599.png"))))
    assert result.text.endswith("/21/SER-0599?k=AbCdEfGhIjK&s=" + "y" * 86)


def test_an_empty_batch_is_refused():
    with pytest.raises(LabelError):
        render_batch([], fmt="png")
