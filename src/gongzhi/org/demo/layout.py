"""Where the demo's regions and buildings lie on the map, before anything touches the database.

Everything is laid out in metres east and north of CENTRE (near 32.30°N 118.31°E in Chuzhou)
and converted to WGS84 lon/lat at the end. The urban community is a rectangle cut into a 3 x 2
lattice of grids; the village, east of it and sharing its eastern edge, is a 2 x 2 lattice of
村民小组; the street is an octagon around both. Grid 1 (north-west of the community) contains
CENTRE with a wide margin, so a point near the centre always falls in a grid.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any

from gongzhi.org.demo import geometry as geo
from gongzhi.org.demo.geometry import Point, Ring

CENTRE: Point = (118.31, 32.30)
# (west, south, east, north) in metres from CENTRE.
COMMUNITY_BOX = (-150.0, -500.0, 1050.0, 400.0)
VILLAGE_BOX = (1050.0, -900.0, 3050.0, 700.0)
STREET_MARGIN = 400.0
JITTER = 0.12  # share of a cell size that interior lattice corners may move


@dataclass
class Area:
    """A polygon laid out in metres, with its GeoJSON and label point in lon/lat."""

    ring_m: Ring
    geometry: dict[str, Any] = field(init=False)
    label: Point = field(init=False)

    def __post_init__(self) -> None:
        ring = [to_lonlat(p) for p in self.ring_m]
        self.geometry = geo.polygon(ring)
        self.label = geo.rounded(to_lonlat(geo.centroid(self.ring_m)))


def to_lonlat(point_m: Point) -> Point:
    return geo.offset(CENTRE, point_m[0], point_m[1])


def _box_lattice(
    box: tuple[float, float, float, float], cols: int, rows: int, rng: random.Random
) -> list[list[Point]]:
    west, south, east, north = box
    return geo.lattice((west, south), (east, north), cols=cols, rows=rows, jitter=JITTER, rng=rng)


def _cells_north_west_first(points: list[list[Point]], cols: int, rows: int) -> list[Ring]:
    """Cells numbered like reading a page: north row first, west to east."""
    return [geo.cell(points, c, r) for r in reversed(range(rows)) for c in range(cols)]


@dataclass
class StreetLayout:
    street: Area
    community: Area
    village: Area
    grids: list[Area]  # urban grids, grid 1 first
    groups: list[Area]  # village groups (村民小组), group 1 first
    group_cells_m: list[Ring]
    grid_cells_m: list[Ring]


def lay_out_street(rng: random.Random) -> StreetLayout:
    grid_points = _box_lattice(COMMUNITY_BOX, 3, 2, rng)
    grid_cells = _cells_north_west_first(grid_points, 3, 2)
    group_points = _box_lattice(VILLAGE_BOX, 2, 2, rng)
    group_cells = _cells_north_west_first(group_points, 2, 2)
    west = min(COMMUNITY_BOX[0], VILLAGE_BOX[0]) - STREET_MARGIN
    south = min(COMMUNITY_BOX[1], VILLAGE_BOX[1]) - STREET_MARGIN
    east = max(COMMUNITY_BOX[2], VILLAGE_BOX[2]) + STREET_MARGIN
    north = max(COMMUNITY_BOX[3], VILLAGE_BOX[3]) + STREET_MARGIN
    # Cutting a corner by 10% of each edge stays inside the margin, so the octagon still
    # contains both the community and the village.
    street_ring = geo.cut_corners(geo.rectangle(west, south, east, north), 0.1)
    return StreetLayout(
        street=Area(street_ring),
        community=Area(geo.rectangle(*COMMUNITY_BOX)),
        village=Area(geo.rectangle(*VILLAGE_BOX)),
        grids=[Area(c) for c in grid_cells],
        groups=[Area(c) for c in group_cells],
        grid_cells_m=grid_cells,
        group_cells_m=group_cells,
    )


def building_points(rng: random.Random, cell_m: Ring, n: int) -> list[Point]:
    """`n` building points (lon, lat) in rows across a grid cell, inside it by construction."""
    if n <= 0:
        return []
    cols = max(1, math.ceil(math.sqrt(n * 1.4)))
    rows = math.ceil(n / cols)
    out: list[Point] = []
    for i in range(n):
        r, c = divmod(i, cols)
        u = (c + 0.5) / cols + rng.uniform(-0.08, 0.08) / cols
        v = 1.0 - (r + 0.5) / rows + rng.uniform(-0.08, 0.08) / rows  # first row in the north
        out.append(_inside(cell_m, u, v))
    return out


def house_points(rng: random.Random, cell_m: Ring, hamlet: int, n: int) -> list[Point]:
    """`n` house points clustered around one of two hamlets (0 or 1) of a village group."""
    cu, cv = ((0.3, 0.62), (0.68, 0.35))[hamlet]
    return [_inside(cell_m, cu + rng.gauss(0, 0.1), cv + rng.gauss(0, 0.1)) for _ in range(n)]


def _inside(cell_m: Ring, u: float, v: float) -> Point:
    u = min(max(u, 0.1), 0.9)
    v = min(max(v, 0.1), 0.9)
    return geo.rounded(to_lonlat(geo.bilinear(cell_m, u, v)))
