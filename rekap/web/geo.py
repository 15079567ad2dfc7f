"""Projection of the packaged region polygons into compact inline-SVG path data for choropleth maps."""

from __future__ import annotations

import json
import math
import pathlib
import threading
from dataclasses import dataclass
from itertools import pairwise

__all__ = ["Atlas", "MapShapes", "Pin", "PinMap", "Shape"]

_GEO_DIR = pathlib.Path(__file__).with_name("geo_data")
# Number of dot-separated segments in a code -> file holding regions of that depth.
_LEVEL_FILES = {2: "kabkota.geojson", 3: "kecamatan.geojson", 4: "kelurahan.geojson"}
# Children drawn in their own inset box instead of at the common scale.
_INSETS: dict[str, frozenset[str]] = {"31": frozenset({"31.01"})}

_MARGIN = 0.02  # of the width, on every side
_MAX_ASPECT = 1.25  # height / width cap; taller sets are drawn narrower and centred
_INSET_MIN = 0.25  # inset height as a share of the map's inner height: below this, use a band under the map
_INSET_MAX = 0.45  # ... and the most it may take, so the inset never dominates
_MAX_CACHED = 256  # maps kept; width comes from callers, so the cache must be bounded

_Point = tuple[float, float]
_Ring = tuple[_Point, ...]
_Polygon = tuple[_Ring, ...]
_IntPoint = tuple[int, int]


@dataclass(frozen=True)
class Shape:
    """One region drawn on a map."""

    code: str
    name: str
    path: str  # SVG path data ("M..Z" per ring) in the map's viewBox coordinates
    label_x: int  # a point inside the region's largest ring, for a label
    label_y: int


@dataclass(frozen=True)
class MapShapes:
    """A set of sibling regions projected into one SVG viewBox."""

    view_box: str  # "0 0 W H"
    shapes: tuple[Shape, ...]
    # (x, y, w, h) of inset frames drawn at their own scale; the template should outline them.
    inset_boxes: tuple[tuple[int, int, int, int], ...] = ()


@dataclass(frozen=True)
class Pin:
    """A point on a map (a TPS), in the map's viewBox coordinates."""

    key: str
    x: int
    y: int


@dataclass(frozen=True)
class PinMap:
    """One region drawn alone with points inside it (the TPS of a kelurahan whose coordinates are known)."""

    view_box: str
    shape: Shape
    pins: tuple[Pin, ...]


@dataclass(frozen=True)
class _Region:
    code: str
    name: str
    parent_code: str
    polygons: tuple[_Polygon, ...]


@dataclass(frozen=True)
class _Projection:
    """Equirectangular: x = lon·cos(lat_mid), y = −lat, scaled and offset into a box (north up)."""

    lon0: float
    lat0: float  # northern edge
    kx: float
    scale: float
    ox: float
    oy: float

    def ring(self, ring: _Ring) -> list[_Point]:
        sx, sy = self.kx * self.scale, self.scale
        return [(self.ox + (lon - self.lon0) * sx, self.oy + (self.lat0 - lat) * sy) for lon, lat in ring]


class Atlas:
    """Loads the packaged GeoJSON once (lazily) and answers children shapes of a region.

    Codes are Kemendagri codes ("31", "31.71", "31.71.01", "31.71.01.1001"); the depth of a code picks the
    file. Thread-safe: loading and map building happen under one lock, and results are cached.
    """

    def __init__(self, geo_dir: pathlib.Path | None = None) -> None:
        self._dir = geo_dir if geo_dir is not None else _GEO_DIR
        self._regions: dict[int, dict[str, _Region]] = {}
        self._children: dict[int, dict[str, list[_Region]]] = {}
        self._maps: dict[tuple[str, int], MapShapes | None] = {}
        self._lock = threading.Lock()

    def has_geometry(self, code: str) -> bool:
        """True if the region itself has a polygon (provinces have none; only their children do)."""
        with self._lock:
            return code in self._level(_depth(code))[0]

    def children_map(self, parent_code: str, width: int = 800) -> MapShapes | None:
        """Shapes of the children of parent_code ("31" → the 6 kab/kota, "31.71" → its kecamatan,
        "31.71.01" → its kelurahan), projected to fit width (height from aspect). None when no child has geometry.
        Cached per (parent_code, width); ValueError for a width outside 100–10000.

        For "31" Kepulauan Seribu (31.01), which lies 20–90 km north of the mainland, is drawn in an inset
        box at its own scale, in the emptiest corner of the mainland map (listed in ``inset_boxes``).
        """
        if not 100 <= width <= 10_000:
            raise ValueError(f"width out of range: {width}")
        key = (parent_code, width)
        with self._lock:
            if key in self._maps:
                return self._maps[key]
            children = self._level(_depth(parent_code) + 1)[1].get(parent_code, [])
            result = _build_map(children, width, _INSETS.get(parent_code, frozenset())) if children else None
            if len(self._maps) >= _MAX_CACHED:
                del self._maps[next(iter(self._maps))]
            self._maps[key] = result
            return result

    def pin_map(self, code: str, points: list[tuple[str, int, int]], width: int = 400) -> PinMap | None:
        """The region `code` alone, with `points` (key, lat_e6, lon_e6) drawn on it; points outside the region's
        bounding box (a mistyped coordinate) are left off. None when the region has no polygon."""
        if not 100 <= width <= 10_000:
            raise ValueError(f"width out of range: {width}")
        with self._lock:
            region = self._level(_depth(code))[0].get(code)
        if region is None:
            return None
        margin = max(2, round(width * _MARGIN))
        west, south, east, north, kx = _extent([region])
        inner_w = width - 2 * margin
        scale = min(inner_w / ((east - west) * kx), _MAX_ASPECT * inner_w / (north - south))
        height = math.ceil((north - south) * scale) + 2 * margin
        proj = _fit([region], margin, margin, inner_w, height - 2 * margin)
        pins = []
        for key, lat_e6, lon_e6 in points:
            lat, lon = lat_e6 / 1e6, lon_e6 / 1e6
            if west <= lon <= east and south <= lat <= north:
                ((x, y),) = proj.ring(((lon, lat),))
                pins.append(Pin(key, round(x), round(y)))
        return PinMap(f"0 0 {width} {height}", _shape(region, proj), tuple(pins))

    def _level(self, depth: int) -> tuple[dict[str, _Region], dict[str, list[_Region]]]:
        if depth not in self._regions:
            name = _LEVEL_FILES.get(depth)
            path = self._dir / name if name else None
            regions = _load(path) if path is not None and path.is_file() else {}
            by_parent: dict[str, list[_Region]] = {}
            for region in sorted(regions.values(), key=lambda r: r.code):
                by_parent.setdefault(region.parent_code, []).append(region)
            self._regions[depth], self._children[depth] = regions, by_parent
        return self._regions[depth], self._children[depth]


def _depth(code: str) -> int:
    return len(code.split(".")) if code else 0


def _load(path: pathlib.Path) -> dict[str, _Region]:
    data = json.loads(path.read_text(encoding="utf-8"))
    regions: dict[str, _Region] = {}
    for feature in data.get("features", []):
        props, geometry = feature.get("properties") or {}, feature.get("geometry") or {}
        if geometry.get("type") == "Polygon":
            raw = [geometry["coordinates"]]
        elif geometry.get("type") == "MultiPolygon":
            raw = geometry["coordinates"]
        else:
            continue
        polygons = []
        for poly in raw:
            rings = []
            for coords in poly:
                ring = tuple((float(p[0]), float(p[1])) for p in coords)
                if len(ring) >= 3:
                    rings.append(ring if ring[0] == ring[-1] else (*ring, ring[0]))
            if rings:
                polygons.append(tuple(rings))
        if polygons:
            code = str(props["code"])
            parent = str(props.get("parent_code") or code.rpartition(".")[0])
            regions[code] = _Region(code, str(props.get("name", code)), parent, tuple(polygons))
    return regions


def _build_map(children: list[_Region], width: int, inset_codes: frozenset[str]) -> MapShapes:
    margin = max(2, round(width * _MARGIN))
    main = [r for r in children if r.code not in inset_codes]
    inset = [r for r in children if r.code in inset_codes]
    if not main:
        main, inset = inset, []

    inner_w = width - 2 * margin
    west, south, east, north, kx = _extent(main)
    ex, ey = (east - west) * kx, north - south
    scale = min(inner_w / ex, _MAX_ASPECT * inner_w / ey)
    height = math.ceil(ey * scale) + 2 * margin
    proj = _fit(main, margin, margin, inner_w, height - 2 * margin)
    shapes = {r.code: _shape(r, proj) for r in main}

    boxes: list[tuple[int, int, int, int]] = []
    if inset:
        i_west, i_south, i_east, i_north, i_kx = _extent(inset)
        aspect = (i_east - i_west) * i_kx / (i_north - i_south)
        rings = [proj.ring(ring) for r in main for poly in r.polygons for ring in poly]
        box, height = _place_inset(rings, width, height, margin, aspect)
        x, y, w, h = box
        pad = max(2, round(min(w, h) * 0.05))
        inset_proj = _fit(inset, x + pad, y + pad, w - 2 * pad, h - 2 * pad)
        shapes.update((r.code, _shape(r, inset_proj)) for r in inset)
        boxes.append(box)
    return MapShapes(f"0 0 {width} {height}", tuple(shapes[r.code] for r in children), tuple(boxes))


def _extent(regions: list[_Region]) -> tuple[float, float, float, float, float]:
    """West, south, east, north and the x-scale cos(mid-latitude); extents never zero."""
    lons = [lon for r in regions for poly in r.polygons for ring in poly for lon, _ in ring]
    lats = [lat for r in regions for poly in r.polygons for ring in poly for _, lat in ring]
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    east, north = max(east, west + 1e-9), max(north, south + 1e-9)
    return west, south, east, north, math.cos(math.radians((south + north) / 2))


def _fit(regions: list[_Region], x: float, y: float, w: float, h: float) -> _Projection:
    """Projection putting the regions' bounding box centred in the box (x, y, w, h), aspect kept."""
    west, south, east, north, kx = _extent(regions)
    ex, ey = (east - west) * kx, north - south
    scale = min(w / ex, h / ey)
    return _Projection(west, north, kx, scale, x + (w - ex * scale) / 2, y + (h - ey * scale) / 2)


def _place_inset(
    rings: list[list[_Point]], width: int, height: int, margin: int, aspect: float
) -> tuple[tuple[int, int, int, int], int]:
    """Largest box of the given aspect (w/h) that fits in a corner without touching the main map.

    Returns the box and the map height, which grows when no corner has room and the box goes below the map.
    """
    inner_w, inner_h = width - 2 * margin, height - 2 * margin
    cap = min(_INSET_MAX * inner_h, _INSET_MAX * inner_w / aspect)
    corners: list[tuple[float, int, int]] = []
    # Corners in order of preference (west first: in DKI the islands lie north-west of the city).
    for sx, sy in ((1, 1), (1, -1), (-1, 1), (-1, -1)):
        cx, cy = (margin if sx == 1 else width - margin), (margin if sy == 1 else height - margin)
        # In corner-local units a point (u, v) is inside a box of height h iff max(u / aspect, v) <= h.
        room = cap + margin
        for ring in rings:
            for (x0, y0), (x1, y1) in pairwise(ring):
                u0, v0 = sx * (x0 - cx) / aspect, sy * (y0 - cy)
                u1, v1 = sx * (x1 - cx) / aspect, sy * (y1 - cy)
                room = min(room, _segment_room(u0, v0, u1, v1))
        corners.append((min(room - margin, cap), sx, sy))
    h, sx, sy = max(corners, key=lambda c: c[0])
    if h < _INSET_MIN * inner_h:
        h = min(_INSET_MIN * inner_h, cap)
        box = (margin, height, round(aspect * h), round(h))
        return box, height + round(h) + margin
    w = aspect * h
    x = margin if sx == 1 else width - margin - w
    y = margin if sy == 1 else height - margin - h
    return (round(x), round(y), round(w), round(h)), height


def _segment_room(u0: float, v0: float, u1: float, v1: float) -> float:
    """Minimum over the segment of max(u, v): convex and piecewise linear, so ends or the u = v crossing."""
    room = min(max(u0, v0), max(u1, v1))
    du, dv = u1 - u0, v1 - v0
    if du != dv:
        t = (v0 - u0) / (du - dv)
        if 0 < t < 1:
            room = min(room, u0 + t * du)
    return room


def _shape(region: _Region, proj: _Projection) -> Shape:
    polygons = [[proj.ring(ring) for ring in poly] for poly in region.polygons]
    parts = [_ring_path(ring, hole=i > 0) for poly in polygons for i, ring in enumerate(poly)]
    largest = max((poly[0] for poly in polygons), key=lambda r: abs(_area(r)))
    lx, ly = _label_point(largest)
    x, y = round(lx), round(ly)
    # Every region stays visible and clickable, even one smaller than a tenth of a pixel.
    path = "".join(parts) or f"M{x} {y - 1}L{x + 1} {y} {x} {y + 1} {x - 1} {y}Z"
    return Shape(region.code, region.name, path, x, y)


def _ring_path(ring: list[_Point], *, hole: bool) -> str:
    """Path data of one ring, snapped to whole pixels (tenths for rings that would collapse), or ""."""
    for q in (1, 10):
        points = _snap(ring, q)
        if points:
            break
    else:
        return ""
    # Outer rings clockwise on screen, holes counter-clockwise: same result under nonzero and evenodd.
    if (_area(points) > 0) == hole:
        points.reverse()
    coords = [f"{_fmt(x, q)} {_fmt(y, q)}" for x, y in points]
    return f"M{coords[0]}L{' '.join(coords[1:])}Z"


def _snap(ring: list[_Point], q: int) -> list[_IntPoint]:
    """Round to a 1/q grid and drop repeated and collinear points; [] when nothing with area is left."""
    out: list[_IntPoint] = []
    for x, y in ring:
        p = (round(x * q), round(y * q))
        while len(out) >= 2 and out[-1] != p and _cross(out[-2], out[-1], p) == 0:
            out.pop()
        if not out or out[-1] != p:
            out.append(p)
    # Same clean-up across the seam where the ring closes.
    while len(out) >= 3:
        if out[-1] == out[0] or _cross(out[-2], out[-1], out[0]) == 0:
            out.pop()
        elif _cross(out[-1], out[0], out[1]) == 0:
            out.pop(0)
        else:
            break
    return out if len(out) >= 3 and _area(out) != 0 else []


def _cross(a: _IntPoint, b: _IntPoint, c: _IntPoint) -> int:
    return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])


def _area(points: list[_IntPoint] | list[_Point]) -> float:
    """Twice the signed area; positive is clockwise on screen (y down)."""
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(points, [*points[1:], points[0]], strict=True))


def _fmt(v: int, q: int) -> str:
    if q == 1:
        return str(v)
    whole, frac = divmod(abs(v), q)
    sign = "-" if v < 0 else ""
    return f"{sign}{whole}.{frac}" if frac else f"{sign}{whole}"


def _label_point(ring: list[_Point]) -> _Point:
    """Centroid of the ring, or, when that falls outside (a crescent), the middle of the widest span there."""
    a = cx = cy = 0.0
    for (x0, y0), (x1, y1) in pairwise(ring):
        c = x0 * y1 - x1 * y0
        a, cx, cy = a + c, cx + (x0 + x1) * c, cy + (y0 + y1) * c
    if a == 0:
        return ring[0]
    cx, cy = cx / (3 * a), cy / (3 * a)
    xs = sorted(
        x0 + (cy - y0) * (x1 - x0) / (y1 - y0) for (x0, y0), (x1, y1) in pairwise(ring) if (y0 > cy) != (y1 > cy)
    )
    spans = list(zip(xs[::2], xs[1::2], strict=False))
    if not spans or any(lo <= cx <= hi for lo, hi in spans):
        return cx, cy
    lo, hi = max(spans, key=lambda s: s[1] - s[0])
    return (lo + hi) / 2, cy
