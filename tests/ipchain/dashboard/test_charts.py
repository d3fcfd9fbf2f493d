"""Server-side SVG charts: the numbers they are drawn from, and the shipped world map."""

import xml.etree.ElementTree as ET

import pytest

from ipchain.dashboard import charts, worldmap

SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize(
    ("value", "top"), [(0, 1), (1, 1), (3, 5), (7, 10), (11, 20), (250, 500), (501, 1000), (1000, 1000)]
)
def test_nice_ceiling(value, top):
    assert charts.nice_ceiling(value) == top


def test_stacked_columns_draw_each_value_with_its_numbers_in_a_title():
    chart = charts.stacked_columns(
        ["1 Nov", "2 Nov"], [("genuine", "#0a0", [3, 0]), ("forged", "#a00", [1, 4])], label="Scans"
    )
    assert chart.top == 5
    root = ET.fromstring(chart.svg)
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("fill") not in ("transparent",)]
    # Zero values draw nothing: 3 genuine + 1 forged on day one, 4 forged on day two.
    assert [(b.get("fill"), float(b.get("height"))) for b in bars] == [
        ("#0a0", 3 / 5 * charts.HEIGHT),
        ("#a00", 1 / 5 * charts.HEIGHT),
        ("#a00", 4 / 5 * charts.HEIGHT),
    ]
    titles = [t.text for t in root.iter(f"{SVG}title")]
    assert "1 Nov: 4, genuine 3, forged 1" in titles and "2 Nov: 4, forged 4" in titles
    assert chart.ticks[0] == (25.0, "1 Nov")


def test_labels_are_escaped():
    chart = charts.stacked_columns(["<b>"], [("a&b", "#000", [1])], label='"x"')
    ET.fromstring(chart.svg)  # well-formed
    assert "<b>" not in chart.svg and "a&amp;b" in chart.svg


def test_an_empty_chart_is_still_drawn():
    chart = charts.stacked_columns([], [], label="Nothing")
    assert chart.top == 1 and chart.ticks == []
    ET.fromstring(chart.svg)


@pytest.mark.parametrize(
    ("value", "band"), [(0, -1), (1, 0), (10, 0), (11, 1), (26, 2), (51, 3), (76, 4), (100, 4)]
)
def test_choropleth_classes_by_share_of_the_largest(value, band):
    assert charts.choropleth_class(value, 100) == band


def test_the_choropleth_colours_countries_by_count():
    shapes = [
        ("NL", "Netherlands", "M0,0L1,0L1,1Z"),
        ("DE", "Germany", "M2,2L3,2L3,3Z"),
        ("", "Kosovo", "M5,5Z"),
    ]
    svg = charts.choropleth(
        shapes, {"NL": 10, "DE": 1}, label="Map", width=10, height=5, points=[("Rotterdam", 1, 1, 10)]
    )
    root = ET.fromstring(svg)
    fills = {p.find(f"{SVG}title").text: p.get("fill") for p in root.iter(f"{SVG}path")}
    assert fills == {
        "Netherlands: 10": charts.CHOROPLETH_SCALE[4],
        "Germany: 1": charts.CHOROPLETH_SCALE[0],
        "Kosovo: 0": charts.NO_DATA,
    }
    assert [c.find(f"{SVG}title").text for c in root.iter(f"{SVG}circle")] == ["Rotterdam: 10"]


def test_the_shipped_map_names_countries_by_their_st3_code():
    countries = {c.code: c for c in worldmap.countries()}
    assert worldmap.numeric_to_alpha2()["528"] == "NL"
    assert countries["NL"].name == "Netherlands" and countries["NL"].path.startswith("M")
    assert {"DE", "FR", "CN", "US", "BR", "ZA"} <= set(countries)
    assert "AQ" not in countries  # left out: no customs there
    assert len(worldmap.countries()) > 170


def test_focus_keeps_the_maps_proportions_and_stays_inside_it():
    assert worldmap.focus([]) == (0, 0, worldmap.WIDTH, worldmap.VIEW_HEIGHT)
    x, y, w, h = worldmap.focus([worldmap.point(52, 4), worldmap.point(40, -3)])
    assert w / h == pytest.approx(worldmap.WIDTH / worldmap.VIEW_HEIGHT)
    assert x >= 0 and x + w <= worldmap.WIDTH and y >= 0 and y + h <= worldmap.VIEW_HEIGHT
    px, py = worldmap.point(52, 4)
    assert x <= px <= x + w and y <= py <= y + h
