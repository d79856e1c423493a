"""Export boundaries and results as GeoParquet, for joins at any scale in DuckDB, Apache Sedona or BigQuery.

Examples
--------
>>> import ddmgeo
>>> ddmgeo.io.to_geoparquet("district", "districts.parquet")                         # doctest: +SKIP
>>> ddmgeo.io.to_geoparquet(ddmgeo.indicators.get("population"), "pop.parquet")      # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from . import settings
from .errors import CRSError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = ["to_geoparquet"]


def to_geoparquet(data, path, *, level: str | None = None, vintage: int = settings.DEFAULT_VINTAGE) -> Path:
    """Write boundaries, or a table keyed by ``code`` with the boundaries' geometry, as GeoParquet.

    Parameters
    ----------
    data : str, DataFrame or GeoDataFrame
        A level name (``"district"``, ``"municipality"``, ``"province"``, ``"ward"``) for the
        boundaries themselves; a GeoDataFrame (written as it is, in EPSG:4326); or a DataFrame with a
        ``code`` column, joined to the boundaries of ``level`` (default: the level in its
        ``attrs["ddmgeo"]``, else ``"district"``) — every area kept, missing values stay missing.
    path : path-like
        Output file (``.parquet``). Written with a bounding-box covering column (GeoParquet 1.1), so
        DuckDB and Sedona can prune row groups.

    Returns
    -------
    pathlib.Path
    """
    import geopandas as gpd
    import pandas as pd

    from .areas import boundaries

    if isinstance(data, str):
        gdf = boundaries(data, vintage=2021 if data == "ward" else vintage)
    elif isinstance(data, gpd.GeoDataFrame):
        if data.crs is None:
            raise CRSError("The GeoDataFrame has no CRS: set it (gdf.set_crs(...)) before exporting.")
        gdf = data.to_crs(settings.STORAGE_CRS)
    elif isinstance(data, pd.DataFrame):
        if "code" not in data.columns:
            raise KeyError("A table to export needs a 'code' column (ddmgeo.read_table adds one from area names).")
        lvl = level or (data.attrs.get("ddmgeo", {}) or {}).get("level") or "district"
        b = boundaries(lvl, vintage=2021 if lvl == "ward" else vintage)[["code", "geometry"]]
        extra = [c for c in data.columns if c != "geometry"]
        gdf = gpd.GeoDataFrame(b.merge(pd.DataFrame(data)[extra], on="code", how="left"), geometry="geometry", crs=b.crs)
    else:
        raise TypeError(f"Cannot export a {type(data).__name__}: pass a level name, a DataFrame keyed by code, or a GeoDataFrame.")
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    gdf = gdf.copy()
    gdf.attrs = {}
    try:
        gdf.to_parquet(out, index=False, write_covering_bbox=True)
    except TypeError:  # geopandas < 1.0
        gdf.to_parquet(out, index=False)
    return out
