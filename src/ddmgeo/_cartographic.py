"""The cartographic geometry tier: boundaries simplified as a coverage for drawing.

``shapely.coverage_simplify`` simplifies every shared edge once, so neighbours keep
meeting exactly (no gaps, no overlaps) however far the lines are generalised. The
tier is cached (GeoParquet, keyed like the layer it comes from) and used by default
for maps; analysis keeps the boundaries of :func:`ddmgeo.boundaries`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from . import _meta, settings

if TYPE_CHECKING:
    import geopandas as gpd

#: projected CRS in which maps are drawn (South African Albers, true to area and shape inside the country)
MAP_CRS = settings.DISTANCE_CRS

#: default simplification tolerance (metres) per level, for national and provincial maps (a pixel of a
#: 200 dpi slide map of the country is about 600 m; zoomed maps such as district_map use the full geometry)
TOLERANCE_M = {"province": 5000.0, "district": 3000.0, "municipality": 2000.0, "ward": 1000.0}


def cartographic(level: str = "district", *, vintage: int = settings.DEFAULT_VINTAGE, tolerance: float | None = None) -> "gpd.GeoDataFrame":
    """Boundaries of *level* simplified for maps, with neighbours still meeting exactly.

    Parameters
    ----------
    level : {"province", "district", "municipality", "ward"}
    vintage : int, default 2016
    tolerance : float, optional
        Simplification tolerance in metres (default :data:`TOLERANCE_M` for the level).

    Returns
    -------
    geopandas.GeoDataFrame
        The columns of :func:`ddmgeo.boundaries`, EPSG:4326.

    Examples
    --------
    >>> from ddmgeo import maps
    >>> carto = maps.cartographic("district")          # doctest: +SKIP
    """
    from ._cache import cached_layer
    from .areas import _check_level, _check_vintage, boundaries, layer_key

    tol = float(TOLERANCE_M[_check_level(level)] if tolerance is None else tolerance)
    if tol < 0:
        raise ValueError("tolerance is a distance in metres and cannot be negative.")
    v = 2021 if level == "ward" else _check_vintage(vintage)
    source_key = layer_key(level, v)
    key = f"carto-{level}-{v}-{tol:g}-{source_key.split('-')[-3]}-v{settings.CACHE_FORMAT_VERSION}"

    def build() -> "gpd.GeoDataFrame":
        import shapely

        source = boundaries(level, vintage=v)
        projected = source.to_crs(settings.crs(MAP_CRS))
        simplified = shapely.coverage_simplify(projected.geometry.values, tol) if tol > 0 else projected.geometry.values
        out = projected.set_geometry(simplified).to_crs(settings.crs(settings.STORAGE_CRS))
        out.attrs = dict(source.attrs)
        _meta.carry(source, out, cartographic_tolerance_m=tol)
        return out

    return cached_layer(key, build)


#: the neighbouring countries' dataset (Natural Earth 1:10m admin 0) and how far they are generalised (metres)
NEIGHBOURS_DATASET = "ne10m_neighbours_za"
NEIGHBOURS_TOLERANCE_M = 500.0

#: how far (metres) a country's land reaches towards and under South Africa's areas, so no sliver shows between
#: the two boundaries (Natural Earth's 1:10m line and the generalised MDB line differ by up to about 2 km)
NEIGHBOURS_OVERLAP_M = 6000.0

#: the box (west, south, east, north; degrees) the neighbours are clipped to: every map's frame fits inside it
NEIGHBOURS_BOX = (8.0, -40.0, 40.0, -14.0)


def neighbours() -> "gpd.GeoDataFrame":
    """The countries bordering South Africa, generalised for drawing around the country's areas.

    Natural Earth 1:10m admin 0 (world-atlas 2.0.2), clipped to :data:`NEIGHBOURS_BOX` and
    simplified as a coverage to :data:`NEIGHBOURS_TOLERANCE_M` in :data:`MAP_CRS`. A backdrop
    only: each country's ``land`` reaches :data:`NEIGHBOURS_OVERLAP_M` towards and under South
    Africa's areas, which are drawn over it, and its ``border`` lines are the country's outline
    more than 1.5 times that away from South Africa (the borders between neighbours and their
    coasts); South Africa's own boundary is the MDB's.
    Nothing is measured or assigned with it.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``iso_n3``, ``name``, ``kind`` ("land" or "border"), ``geometry`` (EPSG:4326).
    """
    from . import _registry
    from ._cache import cached_layer
    from .areas import layer_key

    ds = _registry.get(NEIGHBOURS_DATASET)
    sa = layer_key("province", settings.DEFAULT_VINTAGE).split("-")[-3]
    key = f"neighbours-{ds.sha256[:12]}-{sa}-{NEIGHBOURS_TOLERANCE_M:g}-{NEIGHBOURS_OVERLAP_M:g}-v{settings.CACHE_FORMAT_VERSION}"
    return cached_layer(key, _build_neighbours)


def _build_neighbours() -> "gpd.GeoDataFrame":
    import geopandas as gpd
    import pandas as pd
    import pyogrio
    import shapely

    from .areas import boundaries
    from .datasets import fetch

    raw = pyogrio.read_dataframe(fetch(NEIGHBOURS_DATASET))[["iso_n3", "name", "geometry"]]
    crs = settings.crs(MAP_CRS)
    clipped = raw.set_geometry(shapely.clip_by_rect(raw.geometry.values, *NEIGHBOURS_BOX)).to_crs(crs)
    land = shapely.make_valid(shapely.coverage_simplify(clipped.geometry.values, NEIGHBOURS_TOLERANCE_M))
    near = shapely.union_all(boundaries("province").to_crs(crs).geometry.values).buffer(NEIGHBOURS_OVERLAP_M)
    # land grows only towards South Africa (not out to sea); border lines stop short of it, where the two
    # boundaries would otherwise run side by side
    reach = shapely.union(land, shapely.intersection(shapely.buffer(land, NEIGHBOURS_OVERLAP_M), near))
    borders = shapely.difference(shapely.boundary(land), near.buffer(NEIGHBOURS_OVERLAP_M / 2))
    rows = clipped.drop(columns="geometry")
    out = pd.concat(
        [rows.assign(kind="land", geometry=reach), rows.assign(kind="border", geometry=[_long_parts(g) for g in borders])],
        ignore_index=True,
    )
    out = gpd.GeoDataFrame(out, geometry="geometry", crs=crs).to_crs(settings.crs(settings.STORAGE_CRS))
    _meta.attach(out, {"dataset": NEIGHBOURS_DATASET, "tolerance_m": NEIGHBOURS_TOLERANCE_M, "overlap_m": NEIGHBOURS_OVERLAP_M})
    return out


def _long_parts(lines, min_m: float = 10_000.0):
    """*lines* without the pieces shorter than *min_m* (ends of a border cut off near South Africa)."""
    import shapely

    parts = shapely.get_parts(lines)
    return shapely.multilinestrings(parts[shapely.length(parts) >= min_m]) if len(parts) else lines


@lru_cache(maxsize=16)
def projected(level: str, vintage: int, tolerance: float | None) -> "gpd.GeoDataFrame":
    """The cartographic tier in :data:`MAP_CRS` (memoised: drawing happens in this CRS)."""
    return cartographic(level, vintage=vintage, tolerance=tolerance).to_crs(settings.crs(MAP_CRS))
