"""The world map the dashboard colours: Natural Earth 1:110m countries shipped with the app
(data/README.md), keyed by ST.3 / ISO 3166-1 alpha-2 code. No Django; read once a process."""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .topojson import decode_arcs, project, svg_path

DATA = Path(__file__).resolve().parent / "data"
WIDTH, HEIGHT = 960.0, 480.0
# Antarctica takes a sixth of an equirectangular map and no customs office is there.
LEFT_OUT = {"AQ"}
# Drawn down to 60° south: the rest is Antarctica's, which is left out.
VIEW_HEIGHT = project((0.0, -60.0), width=WIDTH, height=HEIGHT)[1]


@dataclass(frozen=True)
class Country:
    code: str  # ISO 3166-1 alpha-2 ("" for the few shapes without one)
    name: str
    path: str  # SVG path data in the map's 960 x 480 frame


@cache
def numeric_to_alpha2() -> dict[str, str]:
    rows = json.loads((DATA / "i18n-iso-countries" / "codes.json").read_text())
    return {numeric: alpha2 for alpha2, _alpha3, numeric, *_ in rows}


@cache
def countries() -> tuple[Country, ...]:
    topology = json.loads((DATA / "world-atlas" / "countries-110m.json").read_text())
    arcs = decode_arcs(topology)
    codes = numeric_to_alpha2()
    shapes = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        code = codes.get(str(geometry.get("id", "")), "")
        if code in LEFT_OUT:
            continue
        name = geometry.get("properties", {}).get("name", "")
        shapes.append(Country(code, name, svg_path(geometry, arcs, width=WIDTH, height=HEIGHT)))
    return tuple(shapes)


def focus(points: list[tuple[float, float]], *, pad: float = 12.0, min_width: float = 80.0):
    """The part of the map to show, (x, y, width, height) in the map's frame: the points with
    some room around them, in the whole map's proportions; the whole map without points."""
    if not points:
        return (0.0, 0.0, WIDTH, VIEW_HEIGHT)
    xs, ys = [x for x, _ in points], [y for _, y in points]
    ratio = WIDTH / VIEW_HEIGHT
    width = max(max(xs) - min(xs) + 2 * pad, (max(ys) - min(ys) + 2 * pad) * ratio, min_width)
    width = min(width, WIDTH)
    height = width / ratio
    x = min(max((min(xs) + max(xs)) / 2 - width / 2, 0.0), WIDTH - width)
    y = min(max((min(ys) + max(ys)) / 2 - height / 2, 0.0), VIEW_HEIGHT - height)
    return (x, y, width, height)


def point(latitude: float, longitude: float) -> tuple[float, float]:
    """A place on the map, in the same frame as the countries' paths."""
    return project((longitude, latitude), width=WIDTH, height=HEIGHT)
