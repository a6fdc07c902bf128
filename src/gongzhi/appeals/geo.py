"""Point in a GeoJSON (Multi)Polygon, pure Python: which grid a map point falls in.

Shapes are parsed once (with their bounding box) when the routing configuration is loaded;
`Shape.contains` is then a bounding-box test and a ray cast over the rings.
Coordinates are GeoJSON order: (longitude, latitude), WGS84.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

Ring = tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Polygon:
    outer: Ring
    holes: tuple[Ring, ...] = ()


@dataclass(frozen=True)
class Shape:
    polygons: tuple[Polygon, ...]
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    def contains(self, lon: float, lat: float) -> bool:
        if not (self.min_lon <= lon <= self.max_lon and self.min_lat <= lat <= self.max_lat):
            return False
        for polygon in self.polygons:
            if _in_ring(polygon.outer, lon, lat) and not any(
                _in_ring(hole, lon, lat) for hole in polygon.holes
            ):
                return True
        return False


def _in_ring(ring: Ring, x: float, y: float) -> bool:
    """Even-odd ray casting; a point on an edge may fall either way (grids share edges)."""
    inside = False
    n = len(ring)
    j = n - 1
    for i in range(n):
        xi, yi = ring[i]
        xj, yj = ring[j]
        if (yi > y) != (yj > y):
            x_cross = (xj - xi) * (y - yi) / (yj - yi) + xi
            if x < x_cross:
                inside = not inside
        j = i
    return inside


def _ring(coords: Sequence[Any]) -> Ring:
    ring = tuple((float(p[0]), float(p[1])) for p in coords)
    if len(ring) < 3:
        raise ValueError("a ring needs at least three points")
    return ring


def parse_shape(geometry: Any) -> Shape | None:
    """A Shape from a GeoJSON geometry (or Feature); None for anything unusable."""
    if not isinstance(geometry, dict):
        return None
    if geometry.get("type") == "Feature":
        return parse_shape(geometry.get("geometry"))
    kind = geometry.get("type")
    coords = geometry.get("coordinates")
    try:
        if not isinstance(coords, list):
            return None
        if kind == "Polygon":
            rings_list = [coords]
        elif kind == "MultiPolygon":
            rings_list = list(coords)
        else:
            return None
        polygons = []
        for rings in rings_list:
            parsed = [_ring(r) for r in rings]
            if parsed:
                polygons.append(Polygon(parsed[0], tuple(parsed[1:])))
    except (TypeError, ValueError, IndexError):
        return None
    if not polygons:
        return None
    lons = [x for p in polygons for x, _y in p.outer]
    lats = [y for p in polygons for _x, y in p.outer]
    return Shape(tuple(polygons), min(lons), min(lats), max(lons), max(lats))
