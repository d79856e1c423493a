"""Maps for working sessions: slide-ready static maps (matplotlib) and self-contained interactive maps (folium).

Static maps are drawn in South African Albers (EPSG:9221) from the cartographic tier
(boundaries simplified as a coverage, so neighbours still meet), classified with
mapclassify; missing values are hatched and labelled "No data", never a class.

Examples
--------
>>> from ddmgeo import maps
>>> fig = maps.choropleth(column="unemployment_rate")            # doctest: +SKIP
>>> maps.save(fig, "unemployment.png")                            # doctest: +SKIP
"""

from __future__ import annotations

from .._cartographic import MAP_CRS, TOLERANCE_M, cartographic
from ._change import change_map, dumbbell
from ._static import (
    bivariate,
    choropleth,
    classify,
    district_map,
    format_value,
    legend_entries,
    proportional_symbols,
    save,
)

__all__ = [
    "MAP_CRS",
    "TOLERANCE_M",
    "bivariate",
    "cartographic",
    "change_map",
    "choropleth",
    "classify",
    "district_map",
    "dumbbell",
    "format_value",
    "interactive",
    "legend_entries",
    "proportional_symbols",
    "save",
]


def __getattr__(name: str):
    if name == "interactive":  # folium is an optional dependency: imported on first use
        from ._interactive import interactive

        return interactive
    raise AttributeError(f"module 'ddmgeo.maps' has no attribute {name!r}")
