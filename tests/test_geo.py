"""Tests for the SVG projection of the packaged DKI Jakarta boundaries."""

from __future__ import annotations

import json
import pathlib
import re

import pytest

from rekap.web import geo
from rekap.web.geo import Atlas, MapShapes

PATH_BUDGET = 40_000  # characters of path data per map at the default width
_TOKEN = re.compile(r"[MLZ]|-?\d+(?:\.\d+)?")


@pytest.fixture(scope="module")
def atlas() -> Atlas:
    return Atlas()


def _all_parents() -> list[str]:
    # Every region with children in the packaged data: the province, its kab/kota and kecamatan.
    geo_dir = pathlib.Path(geo.__file__).with_name("geo_data")
    parents = ["31"]
    for name in ("kabkota.geojson", "kecamatan.geojson"):
        data = json.loads((geo_dir / name).read_text(encoding="utf-8"))
        parents += [f["properties"]["code"] for f in data["features"]]
    return parents


PARENTS = _all_parents()


def _size(m: MapShapes) -> tuple[int, int]:
    x0, y0, w, h = (int(v) for v in m.view_box.split())
    assert (x0, y0) == (0, 0)
    return w, h


def _subpaths(path: str) -> list[list[tuple[float, float]]]:
    """Absolute M/L/Z path data -> list of rings; fails on anything else."""
    rings: list[list[tuple[float, float]]] = []
    tokens = _TOKEN.findall(path)
    assert "".join(tokens) == path.replace(" ", ""), "unexpected characters in path"
    numbers: list[float] = []
    for tok in tokens:
        if tok == "M":
            rings.append([])
        elif tok == "Z":
            assert len(numbers) % 2 == 0
            rings[-1] += list(zip(numbers[::2], numbers[1::2], strict=True))
            numbers = []
        elif tok != "L":
            numbers.append(float(tok))
    assert not numbers, "path does not end with Z"
    return rings


def test_province_gives_six_kabkota(atlas: Atlas) -> None:
    m = atlas.children_map("31")
    assert m is not None
    assert [s.code for s in m.shapes] == ["31.01", "31.71", "31.72", "31.73", "31.74", "31.75"]
    assert m.shapes[1].name == "Kota Administrasi Jakarta Pusat"


def test_kepulauan_seribu_is_in_its_inset(atlas: Atlas) -> None:
    m = atlas.children_map("31")
    assert m is not None and len(m.inset_boxes) == 1
    x, y, w, h = m.inset_boxes[0]

    def inside(px: float, py: float) -> bool:
        return x <= px <= x + w and y <= py <= y + h

    for shape in m.shapes:
        points = [p for ring in _subpaths(shape.path) for p in ring]
        if shape.code == "31.01":
            assert all(inside(*p) for p in points)
            assert inside(shape.label_x, shape.label_y)
        else:
            assert not any(inside(*p) for p in points), shape.code


def test_jakarta_pusat_gives_its_eight_kecamatan(atlas: Atlas) -> None:
    m = atlas.children_map("31.71")
    assert m is not None
    assert [s.code for s in m.shapes] == [f"31.71.0{i}" for i in range(1, 9)]
    assert m.inset_boxes == ()


def test_kecamatan_gives_its_kelurahan(atlas: Atlas) -> None:
    m = atlas.children_map("31.71.01")
    assert m is not None
    assert [s.code for s in m.shapes] == [f"31.71.01.100{i}" for i in range(1, 7)]


def test_kelurahan_has_no_children(atlas: Atlas) -> None:
    assert atlas.has_geometry("31.71.01.1001")
    assert atlas.children_map("31.71.01.1001") is None


def test_region_without_geometry(atlas: Atlas) -> None:
    assert atlas.children_map("11") is None
    assert atlas.children_map("") is None
    assert not atlas.has_geometry("11")
    assert not atlas.has_geometry("31")  # the province itself has no polygon, only its children
    assert atlas.has_geometry("31.71")
    assert atlas.has_geometry("31.71.01")


def test_missing_data_dir(tmp_path: pathlib.Path) -> None:
    empty = Atlas(tmp_path)
    assert empty.children_map("31") is None
    assert not empty.has_geometry("31.71")


def test_result_is_cached(atlas: Atlas) -> None:
    first = atlas.children_map("31.72")
    assert first is not None
    assert atlas.children_map("31.72") is first
    other = atlas.children_map("31.72", width=400)
    assert other is not first
    assert _size(other)[0] == 400


def test_width_is_validated(atlas: Atlas) -> None:
    with pytest.raises(ValueError):
        atlas.children_map("31", width=0)


@pytest.mark.parametrize("parent", PARENTS)
def test_paths_lie_within_view_box(atlas: Atlas, parent: str) -> None:
    m = atlas.children_map(parent)
    assert m is not None and m.shapes
    w, h = _size(m)
    for shape in m.shapes:
        rings = _subpaths(shape.path)
        assert rings and all(len(ring) >= 3 for ring in rings), shape.code
        for px, py in (p for ring in rings for p in ring):
            assert 0 <= px <= w and 0 <= py <= h, (shape.code, px, py)
        assert 0 <= shape.label_x <= w and 0 <= shape.label_y <= h


@pytest.mark.parametrize("parent", PARENTS)
def test_path_text_is_compact(atlas: Atlas, parent: str) -> None:
    m = atlas.children_map(parent)
    assert m is not None
    assert sum(len(s.path) for s in m.shapes) < PATH_BUDGET
    for shape in m.shapes:
        # Whole pixels, or one decimal for rings too small for whole pixels; never float noise.
        assert all(re.fullmatch(r"\d+(\.\d)?", n) for n in re.findall(r"[-\d.]+", shape.path)), shape.code


def test_outer_rings_share_orientation(atlas: Atlas) -> None:
    # Same winding everywhere keeps nonzero and evenodd fill rules equivalent (the data has no holes).
    m = atlas.children_map("31")
    assert m is not None
    for shape in m.shapes:
        for ring in _subpaths(shape.path):
            twice_area = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, [*ring[1:], ring[0]], strict=True))
            assert twice_area > 0, shape.code


def test_north_is_up(atlas: Atlas) -> None:
    m = atlas.children_map("31")
    assert m is not None
    label = {s.code: (s.label_x, s.label_y) for s in m.shapes}
    assert label["31.72"][1] < label["31.71"][1] < label["31.74"][1]  # Utara above Pusat above Selatan
    assert label["31.73"][0] < label["31.71"][0] < label["31.75"][0]  # Barat left of Pusat left of Timur
