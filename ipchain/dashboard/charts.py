"""Server-side SVG charts: strings of SVG built from numbers. Pure: no Django, no I/O.

Every chart is drawn in a fixed viewBox and scales to its container; its numbers are always
shown beside it as a table (templates/dashboard/), so the drawing can stay plain.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

HEIGHT = 200


@dataclass(frozen=True)
class ColumnChart:
    """Columns drawn as SVG that stretches to its box (preserveAspectRatio="none"), with the
    axis labels left to HTML so that text keeps its size from a phone to a wide screen."""

    svg: str
    top: int  # the y axis' top value
    ticks: list[tuple[float, str]]  # (percent from the left, label) under the columns


def nice_ceiling(value: float) -> int:
    """The axis top: 1, 2 or 5 times a power of ten, at least `value` (and at least 1)."""
    if value <= 1:
        return 1
    magnitude = 1
    while magnitude * 10 <= value:
        magnitude *= 10
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude  # pragma: no cover - the loop always returns


def stacked_columns(
    labels: Sequence[str], series: Sequence[tuple[str, str, Sequence[int]]], *, label: str, ticks: int = 6
) -> ColumnChart:
    """One column a label, its series stacked bottom-up in the order given.

    `series` is (name, colour, values), each values list as long as `labels`. About `ticks`
    evenly spaced labels go under the axis; every column has a <title> with its numbers.
    The frame is one unit a column wide and HEIGHT units high.
    """
    count = len(labels)
    totals = [sum(values[i] for _, _, values in series) for i in range(count)]
    top = nice_ceiling(max(totals, default=0))
    width = max(count, 1)
    axis = 'stroke="#999" vector-effect="non-scaling-stroke"'
    parts = [f'<line x1="0" y1="{HEIGHT}" x2="{width}" y2="{HEIGHT}" {axis}/>']
    for i, name in enumerate(labels):
        y = float(HEIGHT)
        tip = [f"{name}: {totals[i]:,}"]
        for series_name, colour, values in series:
            value = values[i]
            if not value:
                continue
            h = value / top * HEIGHT
            y -= h
            parts.append(
                f'<rect x="{i + 0.1:.2f}" y="{y:.2f}" width="0.8" height="{h:.2f}" fill="{colour}"/>'
            )
            tip.append(f"{series_name} {value:,}")
        parts.append(
            f'<rect x="{i}" y="0" width="1" height="{HEIGHT}" fill="transparent">'
            f"<title>{escape(', '.join(tip))}</title></rect>"
        )
    svg = (
        f'<svg class="columns" viewBox="0 0 {width} {HEIGHT}" preserveAspectRatio="none" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(label)}</title>'
        f"{''.join(parts)}</svg>"
    )
    every = max(1, round(count / ticks)) if count else 1
    tick_list = [((i + 0.5) / width * 100, labels[i]) for i in range(0, count, every)]
    return ColumnChart(svg=svg, top=top, ticks=tick_list)


def bar(value: int, top: int, *, colour: str = "#0b57d0", width: int = 120, height: int = 14) -> str:
    """A single horizontal bar for a table cell: `value` out of `top`."""
    length = 0 if top <= 0 else max(1.0, value / top * width) if value else 0
    return (
        f'<svg class="bar" viewBox="0 0 {width} {height}" preserveAspectRatio="none" aria-hidden="true" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<rect width="{length:.1f}" height="{height}" fill="{colour}"/></svg>'
    )


# Sequential reds (ColorBrewer "Reds", 5 classes); grey for no suspected counterfeits.
CHOROPLETH_SCALE = ("#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15")
NO_DATA = "#e8e8e8"


def choropleth_class(value: int, top: int) -> int:
    """Which of the scale's classes a count falls in: -1 for none, else 0..4 by share of the
    largest count (quantiles would hide the one country that matters when few have any)."""
    if value <= 0 or top <= 0:
        return -1
    share = value / top
    for index, limit in enumerate((0.1, 0.25, 0.5, 0.75)):
        if share <= limit:
            return index
    return len(CHOROPLETH_SCALE) - 1


def choropleth(
    shapes: Sequence[tuple[str, str, str]],
    counts: dict[str, int],
    *,
    label: str,
    width: float,
    height: float,
    points: Sequence[tuple[str, float, float, int]] = (),
    view: tuple[float, float, float, float] | None = None,
) -> str:
    """Countries filled by their count; optional points (name, x, y, count) as circles.

    `shapes` is (code, name, path) in a width x height frame; `counts` is keyed by code;
    `view` (x, y, width, height) shows part of the frame, the whole of it by default.
    """
    vx, vy, vw, vh = view or (0.0, 0.0, width, height)
    # Strokes and circles are drawn in the frame's units: keep them the same size on screen.
    zoom = width / vw
    top = max(counts.values(), default=0)
    parts = []
    for code, name, path in shapes:
        value = counts.get(code, 0) if code else 0
        band = choropleth_class(value, top)
        fill = CHOROPLETH_SCALE[band] if band >= 0 else NO_DATA
        parts.append(
            f'<path d="{path}" fill="{fill}" stroke="#fff" stroke-width="{0.5 / zoom:.2f}">'
            f"<title>{escape(name)}: {value:,}</title></path>"
        )
    point_top = max((n for *_, n in points), default=0)
    for name, x, y, value in points:
        radius = (3 + 9 * (value / point_top) ** 0.5 if point_top else 3) / zoom
        parts.append(
            f'<circle cx="{x:.2f}" cy="{y:.2f}" r="{radius:.2f}" fill="#35506b" fill-opacity="0.75" '
            f'stroke="#fff" stroke-width="{1 / zoom:.2f}"><title>{escape(name)}: {value:,}</title></circle>'
        )
    return (
        f'<svg class="chart map" viewBox="{vx:.1f} {vy:.1f} {vw:.1f} {vh:.1f}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(label)}</title>'
        f'<rect width="{width:.0f}" height="{height:.0f}" fill="#f4f8fb"/>{"".join(parts)}</svg>'
    )
