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


@lru_cache(maxsize=16)
def projected(level: str, vintage: int, tolerance: float | None) -> "gpd.GeoDataFrame":
    """The cartographic tier in :data:`MAP_CRS` (memoised: drawing happens in this CRS)."""
    return cartographic(level, vintage=vintage, tolerance=tolerance).to_crs(settings.crs(MAP_CRS))
