"""Plane geometry for the demo map, in pure Python (no GIS library, no Django).

Points are `(lon, lat)` tuples in WGS84 degrees, the GeoJSON order. Over a few kilometres a
local equirectangular projection is exact enough: the demo lays regions out in metres east and
north of a centre and converts with `offset`.

Tiling: `lattice` builds a (rows + 1) x (cols + 1) grid of corner points whose interior points are
jittered, and `cell` returns the quadrilateral of one cell. Neighbouring cells share their corner
points, so the cells tile the outer rectangle with no gap and no overlap, and look like hand-drawn
grid boundaries rather than a chessboard. `bilinear` maps (u, v) in the unit square into a convex
cell, which places buildings inside their grid by construction.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from typing import Any

Point = tuple[float, float]
Ring = list[Point]

METRES_PER_DEGREE_LAT = 111_320.0
COORD_DECIMALS = 6  # about 0.1 m: plenty for a map, and keeps the JSON small


def metres_per_degree_lon(lat: float) -> float:
    return METRES_PER_DEGREE_LAT * math.cos(math.radians(lat))


def offset(origin: Point, east_m: float, north_m: float) -> Point:
    """The point `east_m` metres east and `north_m` metres north of `origin`."""
    lon, lat = origin
    return (lon + east_m / metres_per_degree_lon(lat), lat + north_m / METRES_PER_DEGREE_LAT)


def rounded(point: Point) -> Point:
    return (round(point[0], COORD_DECIMALS), round(point[1], COORD_DECIMALS))


def close_ring(points: Iterable[Point]) -> Ring:
    """A closed ring (first point repeated at the end), as GeoJSON wants."""
    ring = [rounded(p) for p in points]
    if ring and ring[0] != ring[-1]:
        ring.append(ring[0])
    return ring


def polygon(outer: Iterable[Point], holes: Iterable[Iterable[Point]] = ()) -> dict[str, Any]:
    """A GeoJSON Polygon from an outer ring (counter-clockwise) and optional holes."""
    rings = [close_ring(outer), *(close_ring(h) for h in holes)]
    return {"type": "Polygon", "coordinates": [[[x, y] for x, y in r] for r in rings]}


def rectangle(west: float, south: float, east: float, north: float) -> Ring:
    """The counter-clockwise corners of an axis-aligned rectangle (not closed)."""
    return [(west, south), (east, south), (east, north), (west, north)]


def signed_area(ring: Sequence[Point]) -> float:
    """Shoelace area in squared coordinate units; positive when counter-clockwise."""
    pts = _open(ring)
    total = 0.0
    for i, (x1, y1) in enumerate(pts):
        x2, y2 = pts[(i + 1) % len(pts)]
        total += x1 * y2 - x2 * y1
    return total / 2.0


def centroid(ring: Sequence[Point]) -> Point:
    """Area centroid of a simple polygon ring (inside it whenever the ring is convex)."""
    pts = _open(ring)
    area = signed_area(pts)
    if area == 0:
        n = len(pts)
        return (sum(p[0] for p in pts) / n, sum(p[1] for p in pts) / n)
    cx = cy = 0.0
    for i, (x1, y1) in enumerate(pts):
        x2, y2 = pts[(i + 1) % len(pts)]
        cross = x1 * y2 - x2 * y1
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    return (cx / (6.0 * area), cy / (6.0 * area))


def point_in_ring(point: Point, ring: Sequence[Point]) -> bool:
    """Even-odd ray casting. Points exactly on an edge may fall either way."""
    x, y = point
    pts = _open(ring)
    inside = False
    j = len(pts) - 1
    for i in range(len(pts)):
        xi, yi = pts[i]
        xj, yj = pts[j]
        if (yi > y) != (yj > y):
            x_cross = xi + (y - yi) * (xj - xi) / (yj - yi)
            if x < x_cross:
                inside = not inside
        j = i
    return inside


def point_in_polygon(point: Point, geometry: dict[str, Any]) -> bool:
    """Whether `point` (lon, lat) lies in a GeoJSON Polygon or MultiPolygon (holes excluded)."""
    kind = geometry.get("type")
    if kind == "Polygon":
        polygons = [geometry["coordinates"]]
    elif kind == "MultiPolygon":
        polygons = geometry["coordinates"]
    else:
        raise ValueError(f"not a polygon geometry: {kind!r}")
    for rings in polygons:
        outer, *holes = ([(float(p[0]), float(p[1])) for p in r] for r in rings)
        if point_in_ring(point, outer) and not any(point_in_ring(point, h) for h in holes):
            return True
    return False


def outer_ring(geometry: dict[str, Any]) -> Ring:
    """The outer ring of a GeoJSON Polygon, as points (closed)."""
    if geometry.get("type") != "Polygon":
        raise ValueError("expected a GeoJSON Polygon")
    return [(float(p[0]), float(p[1])) for p in geometry["coordinates"][0]]


def bbox(ring: Sequence[Point]) -> tuple[float, float, float, float]:
    """(west, south, east, north) of a ring."""
    xs = [p[0] for p in ring]
    ys = [p[1] for p in ring]
    return (min(xs), min(ys), max(xs), max(ys))


def lattice(
    sw: Point,
    ne: Point,
    *,
    cols: int,
    rows: int,
    jitter: float,
    rng: random.Random,
) -> list[list[Point]]:
    """Corner points of a cols x rows tiling of the rectangle sw..ne.

    `points[r][c]` is the corner at column line c (west to east) and row line r (south to
    north). Interior points move by up to `jitter` times the cell size in each direction;
    border points slide only along their border, so the outer edge stays the rectangle.
    Keep `jitter` below 0.25 so that every cell stays convex.
    """
    if not 0 <= jitter < 0.25:
        raise ValueError("jitter must be in [0, 0.25) to keep cells convex")
    west, south = sw
    east, north = ne
    dx = (east - west) / cols
    dy = (north - south) / rows
    points: list[list[Point]] = []
    for r in range(rows + 1):
        line: list[Point] = []
        for c in range(cols + 1):
            x = west + c * dx
            y = south + r * dy
            if 0 < c < cols:
                x += rng.uniform(-jitter, jitter) * dx
            if 0 < r < rows:
                y += rng.uniform(-jitter, jitter) * dy
            line.append((x, y))
        points.append(line)
    return points


def cell(points: list[list[Point]], col: int, row: int) -> Ring:
    """The counter-clockwise quadrilateral (sw, se, ne, nw) of one lattice cell."""
    return [
        points[row][col],
        points[row][col + 1],
        points[row + 1][col + 1],
        points[row + 1][col],
    ]


def bilinear(quad: Sequence[Point], u: float, v: float) -> Point:
    """The point at (u, v) of the unit square mapped onto quad (sw, se, ne, nw)."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = quad[:4]
    x = (1 - u) * (1 - v) * x0 + u * (1 - v) * x1 + u * v * x2 + (1 - u) * v * x3
    y = (1 - u) * (1 - v) * y0 + u * (1 - v) * y1 + u * v * y2 + (1 - u) * v * y3
    return (x, y)


def cut_corners(ring: Sequence[Point], fraction: float) -> Ring:
    """An octagon-like ring: each corner of a convex ring cut back by `fraction` of its edges."""
    pts = _open(ring)
    out: Ring = []
    for i, p in enumerate(pts):
        prev = pts[i - 1]
        nxt = pts[(i + 1) % len(pts)]
        out.append((p[0] + (prev[0] - p[0]) * fraction, p[1] + (prev[1] - p[1]) * fraction))
        out.append((p[0] + (nxt[0] - p[0]) * fraction, p[1] + (nxt[1] - p[1]) * fraction))
    return out


def _open(ring: Sequence[Point]) -> list[Point]:
    pts = [(float(p[0]), float(p[1])) for p in ring]
    if len(pts) > 1 and pts[0] == pts[-1]:
        pts = pts[:-1]
    if len(pts) < 3:
        raise ValueError("a ring needs at least three distinct points")
    return pts
