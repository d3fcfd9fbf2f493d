"""TopoJSON decoding (specification 1.0, sections 2.1.2 and 2.2.4) and the projection."""

from ipchain.dashboard.topojson import decode_arcs, polygons, project, ring_points, svg_path

# Two arcs of a unit square split along a shared edge, quantized with a transform.
TOPOLOGY = {
    "transform": {"scale": [0.5, 0.25], "translate": [10, 20]},
    "arcs": [
        [[0, 0], [2, 0], [0, 4]],  # (10,20) -> (11,20) -> (11,21)
        [[2, 4], [-2, 0], [0, -4]],  # (11,21) -> (10,21) -> (10,20)
    ],
}


def test_quantized_arcs_are_delta_decoded_then_transformed():
    arcs = decode_arcs(TOPOLOGY)
    assert arcs[0] == [(10.0, 20.0), (11.0, 20.0), (11.0, 21.0)]
    assert arcs[1] == [(11.0, 21.0), (10.0, 21.0), (10.0, 20.0)]


def test_arcs_without_a_transform_are_absolute():
    assert decode_arcs({"arcs": [[[1, 2], [3, 4]]]}) == [[(1.0, 2.0), (3.0, 4.0)]]


def test_a_ring_joins_its_arcs_without_repeating_the_shared_point():
    arcs = decode_arcs(TOPOLOGY)
    assert ring_points([0, 1], arcs) == [(10, 20), (11, 20), (11, 21), (10, 21), (10, 20)]


def test_a_negative_index_is_the_ones_complement_arc_reversed():
    arcs = decode_arcs(TOPOLOGY)
    # ~1 == -2 names arc 1 backwards, ~0 == -1 arc 0 backwards.
    assert ring_points([~1, ~0], arcs) == [(10, 20), (10, 21), (11, 21), (11, 20), (10, 20)]


def test_polygons_of_each_geometry_type():
    assert polygons({"type": "Polygon", "arcs": [[0, 1]]}) == [[[0, 1]]]
    assert polygons({"type": "MultiPolygon", "arcs": [[[0]], [[1]]]}) == [[[0]], [[1]]]
    assert polygons({"type": "Point", "coordinates": [0, 0]}) == []
    assert polygons({"type": None}) == []


def test_equirectangular_projection_corners():
    assert project((-180, 90), width=360, height=180) == (0, 0)
    assert project((180, -90), width=360, height=180) == (360, 180)
    assert project((0, 0), width=960, height=480) == (480, 240)


def test_svg_path_closes_each_ring():
    arcs = decode_arcs(TOPOLOGY)
    path = svg_path({"type": "Polygon", "arcs": [[0, 1]]}, arcs, width=360, height=180)
    assert path == "M190.0,70.0L191.0,70.0L191.0,69.0L190.0,69.0L190.0,70.0Z"
    # Degenerate rings (fewer than three points) are dropped.
    assert svg_path({"type": "Polygon", "arcs": [[]]}, arcs, width=360, height=180) == ""
