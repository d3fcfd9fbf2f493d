"""TopoJSON to SVG paths: decode quantized, delta-encoded arcs and draw rings in an
equirectangular projection. Pure: no Django, no I/O.

TopoJSON specification 1.0 (github.com/topojson/topojson-specification): a topology keeps
each shared border once, as an arc; geometries list arcs by index, and a negative index
~i means arc i reversed (section 2.2.4). With a "transform", arc positions are integers,
each one a delta from the previous position (section 2.1.2).
"""

from collections.abc import Iterable

Point = tuple[float, float]


def decode_arcs(topology: dict) -> list[list[Point]]:
    """Every arc as absolute (longitude, latitude) points."""
    transform = topology.get("transform")
    if transform is None:
        return [[(float(x), float(y)) for x, y, *_ in arc] for arc in topology["arcs"]]
    (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy, *_ in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring_points(ring: Iterable[int], arcs: list[list[Point]]) -> list[Point]:
    """Join a ring's arcs; consecutive arcs share their end and start point (spec 2.2.4)."""
    points: list[Point] = []
    for index in ring:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc[1:] if points else arc)
    return points


def polygons(geometry: dict) -> list[list[list[int]]]:
    """A Polygon or MultiPolygon geometry's polygons, each a list of rings of arc indexes."""
    kind = geometry.get("type")
    if kind == "Polygon":
        return [geometry["arcs"]]
    if kind == "MultiPolygon":
        return list(geometry["arcs"])
    return []


def project(point: Point, *, width: float, height: float) -> Point:
    """Equirectangular: longitude -180..180 to 0..width, latitude 90..-90 to 0..height."""
    lon, lat = point
    return ((lon + 180.0) / 360.0 * width, (90.0 - lat) / 180.0 * height)


def svg_path(geometry: dict, arcs: list[list[Point]], *, width: float, height: float) -> str:
    """The geometry as an SVG path's `d`, one closed subpath a ring, to one decimal."""
    parts = []
    for polygon in polygons(geometry):
        for ring in polygon:
            points = [project(p, width=width, height=height) for p in ring_points(ring, arcs)]
            if len(points) < 3:
                continue
            head, *tail = points
            parts.append(
                f"M{head[0]:.1f},{head[1]:.1f}" + "".join(f"L{x:.1f},{y:.1f}" for x, y in tail) + "Z"
            )
    return "".join(parts)
