"""Spatial-restructuring overlays: points, lines, polygons and rasters summarised per area.

Every function takes GeoDataFrames (or a path / registry name) and returns a table keyed
by ``code`` with **every** area of the level (zero, never missing), so results join onto
indicators and map with :func:`ddmgeo.maps.choropleth`. Areas are ddmgeo's boundaries
(``level=``, ``vintage=``) or your own polygons (``areas=``: a GeoDataFrame with a ``code``
column and a CRS). Areas are measured in :data:`~ddmgeo.settings.EQUAL_AREA_CRS`, lengths
and distances in :data:`~ddmgeo.settings.DISTANCE_CRS`.

=============================  ==========================================================
:func:`read_points`            points from a GeoDataFrame, a lon/lat table, a file or a registry name
:func:`assign_points`          the area code of each point (a Series aligned with the rows)
:func:`count_points`           points (and sums of weight columns, split ``by`` a category) per area;
                               the report of points outside / without coordinates is
                               ``ddmgeo.metadata(table).report`` (a :class:`PointsReport`)
:func:`zonal_stats`            sum/mean/count/min/max of a raster per area (exact cell fractions)
:func:`population_from_density` people per area from a density raster (density x cell area)
:func:`raster_cells`           a raster's cells as points (origins for :func:`nearest`)
:func:`line_length`            km of lines per area; :func:`overlap`: km² and share covered
:func:`nearest`                distance from each origin to the nearest destination;
                               :func:`distance_summary` per area (mean, median, share beyond)
:func:`density`, :func:`per_capita`  per km² and per person rates of any column
:func:`hotspots`               Getis-Ord Gi* / local Moran clusters (``pip install 'ddmgeo[spatial]'``)
=============================  ==========================================================

Boundary rule: a point on an edge shared by several areas goes to the first of them in
area order (ddmgeo's boundaries are in natural code order); a point strictly inside an
area is placed exactly as ``geopandas.sjoin(predicate="within")`` places it.

Examples
--------
>>> import ddmgeo
>>> from ddmgeo import overlays
>>> t = overlays.count_points("dsfsi_hospitals", level="district")
>>> print(ddmgeo.metadata(t).report)
899 points: 891 placed in district 2016 areas, 0 outside every area, 8 without usable coordinates; 2 just outside the boundaries placed in the nearest area.
Without coordinates (row, index, reason):
...
Snapped to the nearest area (row, index, code, km):
  868	868	DC4	1.7
  869	869	DC4	1.4
>>> pop = overlays.population_from_density("worldpop_density_2020")       # doctest: +SKIP
"""

from __future__ import annotations

from .._zonal import cell_areas_km2, population_from_density, raster_cells, zonal_stats
from ._count import assign_points, count_points
from ._hotspots import hotspots
from ._points import PointsReport, read_points
from ._ratios import density, per_capita
from ._vector import distance_summary, line_length, nearest, overlap

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
