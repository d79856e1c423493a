"""Spatial-restructuring overlays: points, lines, polygons and rasters summarised per area.

Every function takes GeoDataFrames (or a path / registry name) and returns a table
keyed by ``code`` with **every** area of the level (zero, never missing), so results
join onto indicators and map with :func:`ddmgeo.maps.choropleth`. Areas are ddmgeo's
boundaries (``level=``, ``vintage=``) or your own polygons (``areas=``, a GeoDataFrame
with a ``code`` column). Areas and lengths are computed in projected CRSs
(:data:`~ddmgeo.settings.EQUAL_AREA_CRS`, :data:`~ddmgeo.settings.DISTANCE_CRS`).

Examples
--------
>>> from ddmgeo import overlays
>>> t = overlays.count_points("dsfsi_hospitals", level="district")        # doctest: +SKIP
>>> print(t.attrs["ddmgeo"]["report"])                                    # doctest: +SKIP
>>> codes = overlays.assign_points(schools, level="municipality")          # doctest: +SKIP
"""

from __future__ import annotations

from ._count import assign_points, count_points
from ._hotspots import hotspots
from ._points import PointsReport, read_points
from ._ratios import density, per_capita
from ._vector import distance_summary, line_length, nearest, overlap
from ._zonal import cell_areas_km2, population_from_density, raster_cells, zonal_stats

__all__ = [
    "PointsReport",
    "assign_points",
    "cell_areas_km2",
    "count_points",
    "density",
    "distance_summary",
    "hotspots",
    "line_length",
    "nearest",
    "overlap",
    "per_capita",
    "population_from_density",
    "raster_cells",
    "read_points",
    "zonal_stats",
]
