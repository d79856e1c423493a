"""Placing points in areas: the one rule every ddmgeo feature uses.

``place(areas, x, y)`` answers, for each coordinate (in the areas' CRS), the area it lies in:

* inside: the first area, in the areas' order, whose closure contains it (the label-grid
  locator of :mod:`ddmgeo._locator`; a point strictly inside gets what
  ``geopandas.sjoin(predicate="within")`` gives, a point on a shared edge goes to one area);
* just outside: ddmgeo's boundaries are generalised, so a coastal clinic or a border post can
  fall a little outside every area. Within ``snap_km`` of an area such a point goes to the
  nearest one (equidistant: the first in order) and is marked ``snapped`` with its distance;
* swapped: for a point still outside, ``detect_swapped`` reports the area it would fall in with
  longitude and latitude swapped (never applied here: callers say so or apply it when asked).

:func:`ddmgeo.overlays.assign_points`, :func:`~ddmgeo.overlays.count_points` (both engines) and
:func:`ddmgeo.budget.spatialise` call it, so the same point lands in the same area everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from . import settings

if TYPE_CHECKING:
    from ._area_sets import AreaSet

#: default snapping distance (km) on ddmgeo's own (generalised) boundaries; 0 on the caller's own areas
DEFAULT_SNAP_KM = 5.0
_MEMO: dict[tuple, object] = {}


@dataclass(frozen=True)
class Placement:
    """Where each point went: area position (in the areas' order, -1 none) and how."""

    index: np.ndarray  # int64
    snapped: np.ndarray  # bool: placed in the nearest area within snap_km
    distance_m: np.ndarray  # float: distance to that area (NaN unless snapped)
    swapped: np.ndarray  # int64: area the point falls in with x and y swapped (-1 none; unplaced points only)
    on_boundary: int = 0  # points on a shared edge, given to the first area

    @property
    def placed(self) -> np.ndarray:
        return self.index >= 0


def default_snap_km(areas: AreaSet, snap_km: float | None) -> float:
    """*snap_km*, or its default: :data:`DEFAULT_SNAP_KM` on ddmgeo's boundaries, 0 on the caller's own areas."""
    if snap_km is None:
        return DEFAULT_SNAP_KM if areas.level is not None else 0.0
    if not np.isfinite(snap_km) or snap_km < 0:
        from .errors import TableError

        raise TableError(f"snap_km={snap_km!r}: give a distance in kilometres (0 turns snapping off).")
    return float(snap_km)


def place(areas: AreaSet, x, y, *, snap_km: float = 0.0, detect_swapped: bool = False) -> Placement:
    """Place coordinates *x*, *y* (in ``areas.crs``; NaN: no point) in *areas*.

    Examples
    --------
    >>> import shapely
    >>> from ddmgeo._area_sets import resolve_areas
    >>> import geopandas as gpd
    >>> squares = gpd.GeoDataFrame({"code": ["A", "B"]}, geometry=[shapely.box(28, -26, 28.5, -25.5), shapely.box(28.5, -26, 29, -25.5)], crs=4326)
    >>> p = place(resolve_areas(None, areas=squares), [28.2, 28.5, 28.7, 40.0], [-25.8, -25.8, -25.8, 0.0])
    >>> p.index.tolist(), p.on_boundary
    ([0, 0, 1, -1], 1)
    """
    from ._locator import locator

    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n = len(x)
    finite = np.isfinite(x) & np.isfinite(y)
    index = np.full(n, -1, dtype=np.int64)
    ties = 0
    if finite.any():
        index[finite], ties = locator(areas).locate(x[finite], y[finite])
    snapped = np.zeros(n, dtype=bool)
    distance = np.full(n, np.nan)
    outside = np.flatnonzero(finite & (index < 0))
    if snap_km > 0 and len(outside):
        near, dist = _snap(areas, x[outside], y[outside], snap_km)
        got = near >= 0
        index[outside[got]] = near[got]
        snapped[outside[got]] = True
        distance[outside[got]] = dist[got]
        outside = outside[~got]
    swapped = np.full(n, -1, dtype=np.int64)
    if detect_swapped and len(outside):
        swapped[outside] = locator(areas).locate(y[outside], x[outside])[0]
    return Placement(index, snapped, distance, swapped, int(ties))


def _snap(areas: AreaSet, x: np.ndarray, y: np.ndarray, snap_km: float) -> tuple[np.ndarray, np.ndarray]:
    """For points outside every area: the nearest area within *snap_km* (-1 if none) and the distance (m)."""
    import shapely
    from pyproj import Transformer

    px, py = Transformer.from_crs(areas.crs, settings.DISTANCE_CRS, always_xy=True).transform(x, y)
    near = np.full(len(x), -1, dtype=np.int64)
    dist = np.full(len(x), np.nan)
    close = shapely.contains_xy(_zone(areas, snap_km), px, py)  # one prepared polygon test, then the few near
    if close.any():
        tree, owner = _edges(areas)
        (i, j), d = tree.query_nearest(shapely.points(px[close], py[close]), max_distance=snap_km * 1000, return_distance=True, all_matches=True)
        first = np.full(int(close.sum()), np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(first, i, owner[j])  # equidistant areas: the first in the areas' order
        got_d = np.full(int(close.sum()), np.nan)
        got_d[i] = d
        first[first == np.iinfo(np.int64).max] = -1
        near[close], dist[close] = first, got_d
    return near, dist


def _memo(key: tuple, make):
    hit = _MEMO.get(key)
    if hit is None:
        if len(_MEMO) >= 16:
            _MEMO.pop(next(iter(_MEMO)))
        hit = _MEMO[key] = make()
    return hit


def _edges(areas: AreaSet):
    """The areas' rings cut into short pieces in an STRtree, with each piece's area position, in the distance
    CRS: the nearest area to a point outside every area is the owner of the nearest piece."""

    def make():
        import shapely

        pieces, owner = [], []
        step = 32  # segments per piece
        for k, geom in enumerate(areas.to_crs(settings.DISTANCE_CRS)):
            for ring in shapely.get_rings(shapely.get_parts(geom)):
                xy = shapely.get_coordinates(ring)
                for s in range(0, len(xy) - 1, step):
                    pieces.append(shapely.linestrings(xy[s : s + step + 1]))
                    owner.append(k)
        return shapely.STRtree(pieces), np.asarray(owner, dtype=np.int64)

    return _memo(("edges", areas.key), make)


def _zone(areas: AreaSet, snap_km: float):
    """The union of the areas grown by *snap_km* (prepared), in the distance CRS: where snapping may apply.

    A buffer draws its round corners as chords, which cut up to r(1 - cos(pi / 4q)) inside the true
    distance (q segments per quarter circle); the radius is grown by that factor (and a metre) so the zone
    holds every point within *snap_km*, and the exact distance test decides."""

    def make():
        import shapely

        q = 8
        zone = shapely.buffer(shapely.union_all(areas.to_crs(settings.DISTANCE_CRS)), snap_km * 1000 / np.cos(np.pi / (4 * q)) + 1, quad_segs=q)
        shapely.prepare(zone)
        return zone

    return _memo(("zone", areas.key, float(snap_km)), make)
