"""Points to areas: :func:`assign_points` and :func:`count_points`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .. import settings
from .._area_sets import AreaSet, resolve_areas
from ..errors import CRSError, TableError
from ._points import PointsReport, read_points

if TYPE_CHECKING:
    import geopandas as gpd
    import numpy as np
    import pandas as pd


class _Placed:
    """Points placed in areas: area index per row (-1 none) and why rows had no coordinates."""

    def __init__(self, frame, index, x, y, lon, lat, area_idx, reasons, ties, areas):
        self.frame = frame  # the caller's rows (for weights / by columns)
        self.index = index
        self.x, self.y = x, y  # in the areas' CRS (NaN: none)
        self.lon, self.lat = lon, lat  # EPSG:4326 for the report
        self.area_idx = area_idx
        self.reasons = reasons
        self.ties = ties
        self.areas = areas


def _xy(geoms: "np.ndarray") -> tuple["np.ndarray", "np.ndarray"]:
    """Coordinates of points; NaN for missing or empty geometries."""
    import numpy as np
    import shapely

    try:
        return shapely.get_x(geoms), shapely.get_y(geoms)
    except shapely.errors.GEOSException:  # empty points: take them out first
        x = np.full(len(geoms), np.nan)
        y = np.full(len(geoms), np.nan)
        ok = ~shapely.is_empty(geoms)
        x[ok], y[ok] = shapely.get_x(geoms[ok]), shapely.get_y(geoms[ok])
        return x, y


def _place(points: Any, areas: AreaSet, *, lon: str | None = None, lat: str | None = None, crs: Any = None) -> _Placed:
    import geopandas as gpd
    import numpy as np
    import shapely
    from pyproj import CRS

    from ._locator import locator

    if isinstance(points, gpd.GeoDataFrame) and lon is None and lat is None:
        gdf = points
        if gdf.crs is None:
            if crs is None:
                raise CRSError(
                    "The points have no CRS: set it with gdf.set_crs('EPSG:4326') (longitude/latitude) or pass crs=, "
                    "so ddmgeo does not guess."
                )
            gdf = gdf.set_crs(crs)
        geoms = np.asarray(gdf.geometry.values)
        types = shapely.get_type_id(geoms)
        wrong = (types != 0) & (types != -1)
        if wrong.any() and not shapely.is_empty(geoms[wrong]).all():
            return _place(read_points(gdf, crs=crs), areas)  # raises the explanatory TableError
        meta = (gdf.attrs.get("ddmgeo", {}) or {}).get("points", {}) or {}
        # reasons recorded by read_points hold only while the rows are the ones it returned
        reasons = dict(meta.get("no_coordinates", {}) or {}) if meta.get("rows") == len(gdf) else {}
        src_crs = gdf.crs
    else:
        gdf = read_points(points, lon=lon, lat=lat, crs=crs)
        geoms = np.asarray(gdf.geometry.values)
        reasons = dict(gdf.attrs["ddmgeo"]["points"]["no_coordinates"])
        src_crs = gdf.crs
    x, y = _xy(geoms)
    storage = CRS.from_user_input(settings.STORAGE_CRS)
    if not CRS.from_user_input(src_crs).equals(storage):
        from pyproj import Transformer

        ok = np.isfinite(x)
        lon4326, lat4326 = np.full(len(x), np.nan), np.full(len(x), np.nan)
        lon4326[ok], lat4326[ok] = Transformer.from_crs(src_crs, storage, always_xy=True).transform(x[ok], y[ok])
    else:
        lon4326, lat4326 = x, y
    if CRS.from_user_input(src_crs).equals(areas.crs):
        ax, ay = x, y
    else:
        from pyproj import Transformer

        ok = np.isfinite(x)
        ax, ay = np.full(len(x), np.nan), np.full(len(x), np.nan)
        ax[ok], ay[ok] = Transformer.from_crs(src_crs, areas.crs, always_xy=True).transform(x[ok], y[ok])
    bad = ~(np.isfinite(ax) & np.isfinite(ay))
    reasons = {p: r for p, r in reasons.items() if 0 <= p < len(bad) and bad[p]}
    for pos in np.flatnonzero(bad):
        reasons.setdefault(int(pos), "empty or missing geometry" if not np.isfinite(x[pos]) else "coordinates cannot be transformed to the areas' CRS")
    idx, ties = locator(areas).locate(ax, ay)
    return _Placed(gdf, gdf.index, ax, ay, lon4326, lat4326, idx, reasons, ties, areas)


def assign_points(
    points: "gpd.GeoDataFrame | pd.DataFrame | str",
    *,
    level: str = "district",
    vintage: int = settings.DEFAULT_VINTAGE,
    areas: "gpd.GeoDataFrame | None" = None,
    lon: str | None = None,
    lat: str | None = None,
    crs: Any = None,
) -> "pd.Series":
    """The code of the area each point lies in, aligned with the input rows.

    Parameters
    ----------
    points : GeoDataFrame, DataFrame, path or registry name
        Anything :func:`read_points` accepts: points with a CRS (transformed as needed),
        or a table with longitude/latitude columns.
    level : {"district", "municipality", "province", "ward"}, default "district"
    vintage : {2016, 2011, 2021}, default 2016
        Boundary vintage (wards: 2021).
    areas : GeoDataFrame, optional
        Your own polygons with a ``code`` column (and a CRS), instead of ``level``.
    lon, lat, crs : optional
        Passed to :func:`read_points` for tables.

    Returns
    -------
    pandas.Series
        ``code`` per input row (same index, name ``"code"``); None for points outside
        every area and rows without usable coordinates.

    Notes
    -----
    Boundary rule: a point goes to the first area, in the areas' order (ddmgeo's
    boundaries are in natural code order), whose closure contains it. A point strictly
    inside an area gets exactly the area ``geopandas.sjoin(predicate="within")`` gives;
    a point on an edge shared by two areas goes to exactly one of them. The lookup uses
    a cached label grid and tests only points near boundaries exactly.

    Examples
    --------
    >>> import pandas as pd
    >>> from ddmgeo.overlays import assign_points
    >>> pts = pd.DataFrame({"lon": [28.05, 18.42, 0.0], "lat": [-26.20, -33.92, 0.0]})
    >>> assign_points(pts).tolist()
    ['JHB', 'CPT', None]
    """
    import numpy as np
    import pandas as pd

    A = resolve_areas(level, vintage, areas)
    placed = _place(points, A, lon=lon, lat=lat, crs=crs)
    codes = np.append(A.codes, None)[placed.area_idx]  # index -1 (no area) takes the trailing None
    return pd.Series(codes, index=placed.index, name="code", dtype=object)


def _report(placed: _Placed, missing_weights: dict) -> PointsReport:
    import numpy as np
    import pandas as pd

    n = len(placed.area_idx)
    no_xy = np.array(sorted(placed.reasons), dtype=np.int64)
    has_xy = np.ones(n, bool)
    has_xy[no_xy] = False
    out_pos = np.flatnonzero(has_xy & (placed.area_idx < 0))
    outside = pd.DataFrame(
        {
            "row": out_pos,
            "index": placed.index[out_pos].to_numpy() if len(out_pos) else np.array([], dtype=object),
            "lon": placed.lon[out_pos],
            "lat": placed.lat[out_pos],
        }
    )
    nocoord = pd.DataFrame(
        {
            "row": no_xy,
            "index": placed.index[no_xy].to_numpy() if len(no_xy) else np.array([], dtype=object),
            "reason": [placed.reasons[int(i)] for i in no_xy],
        }
    )
    return PointsReport(
        n_points=n,
        n_assigned=int((placed.area_idx >= 0).sum()),
        outside=outside,
        no_coordinates=nocoord,
        on_boundary=placed.ties,
        missing_weights=missing_weights,
        areas=placed.areas.label,
    )


def count_points(
    points: "gpd.GeoDataFrame | pd.DataFrame | str",
    *,
    level: str = "district",
    vintage: int = settings.DEFAULT_VINTAGE,
    weights: str | Sequence[str] | None = None,
    by: str | None = None,
    areas: "gpd.GeoDataFrame | None" = None,
    lon: str | None = None,
    lat: str | None = None,
    crs: Any = None,
    engine: str = "memory",
    blocksize: str | int | None = None,
) -> "pd.DataFrame":
    """Number of points (and sums of weight columns) in every area of a level.

    Parameters
    ----------
    points : GeoDataFrame, DataFrame, path or registry name
        As for :func:`read_points` (``dsfsi_hospitals``, a CSV with ``lon``/``lat``, ...).
    level, vintage, areas :
        Which areas (see :func:`assign_points`).
    weights : str or list of str, optional
        Numeric columns to sum per area (``"learners_2017"``, a budget column). Missing
        values are left out of the sum and counted in the report.
    by : str, optional
        A category column: adds ``n_<category>`` (and ``<weight>_<category>``) columns;
        rows with no category count as ``n_missing``.
    lon, lat, crs : optional
        Passed to :func:`read_points` for tables.
    engine : {"memory", "dask"}, default "memory"
        ``"dask"`` reads a CSV, Parquet or GeoParquet point file (or a dask / dask-geopandas
        DataFrame) partition by partition
        (``blocksize`` bytes of CSV each, default 64 MB), so a file larger than memory works; the
        counts and weight sums equal the in-memory engine's, and the report gives numbers of points
        outside and without coordinates instead of listing them. ``by=`` is in-memory only.

    Returns
    -------
    pandas.DataFrame
        One row per area of the level, in area order, **every** area present (0 when it
        holds no point): ``code, name, n``, one column per weight (its sum), and the
        ``by`` split. ``attrs["ddmgeo"]["report"]`` is a :class:`PointsReport` listing
        the points outside every area (row, index, lon, lat) and the rows without usable
        coordinates (row, index, reason); nothing is dropped silently. Points on a shared
        boundary count once (see :func:`assign_points` for the rule), so for points
        strictly inside the counts equal a ``geopandas.sjoin(predicate="within")``.

    Examples
    --------
    >>> from ddmgeo import overlays
    >>> t = overlays.count_points("dsfsi_hospitals", level="district", by="Category")
    >>> t.columns[:5].tolist()
    ['code', 'name', 'n', 'n_Central Hospital', 'n_District Hospital']
    >>> print(t.attrs["ddmgeo"]["report"])
    899 points: 889 placed in district 2016 areas, 2 outside every area, 8 without usable coordinates.
    Outside every area (row, index, lon, lat):
    ...
    """
    import numpy as np
    import pandas as pd

    if engine not in ("memory", "dask"):
        raise ValueError(f"engine must be 'memory' or 'dask', not {engine!r}.")
    if engine == "dask":
        if by is not None:
            raise TableError("by= is not available with engine='dask': count each category's file, or use engine='memory'.")
        from ._dask import count_points_dask

        return count_points_dask(points, level=level, vintage=vintage, weights=weights, lon=lon, lat=lat, blocksize=blocksize, areas=areas)
    A = resolve_areas(level, vintage, areas)
    placed = _place(points, A, lon=lon, lat=lat, crs=crs)
    frame = placed.frame
    wcols = [weights] if isinstance(weights, str) else list(weights or [])
    for col in [*wcols, *([by] if by else [])]:
        if col not in frame.columns:
            raise TableError(f"Column {col!r} is not in the points; they have {list(frame.columns)}.")
    if by is not None and by in wcols:
        raise TableError(f"{by!r} cannot be both a weight and the by= category.")
    idx = placed.area_idx
    hit = idx >= 0
    m = len(A)
    out = A.frame()
    out["n"] = np.bincount(idx[hit], minlength=m).astype(np.int64)
    missing_weights: dict[str, int] = {}
    wvals: dict[str, np.ndarray] = {}
    for col in wcols:
        raw = frame[col]
        vals = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
        notnum = np.isnan(vals) & raw.notna().to_numpy() & (raw.astype(str).str.strip() != "").to_numpy()
        if notnum.any():
            bad = raw[notnum].astype(str).unique()[:5].tolist()
            raise TableError(f"Weight column {col!r} holds values that are not numbers ({bad}): clean it or leave it out of weights=.")
        wvals[col] = vals
        ok = hit & ~np.isnan(vals)
        missing_weights[col] = int((hit & np.isnan(vals)).sum())
        out[col] = np.bincount(idx[ok], weights=vals[ok], minlength=m)
    if by is not None:
        cats = frame[by].astype("object").where(frame[by].notna(), None).to_numpy()
        labels = np.array(["missing" if c is None or (isinstance(c, str) and not c.strip()) else str(c) for c in cats], dtype=object)
        for cat in sorted(set(labels[hit])):
            sel = hit & (labels == cat)
            out[f"n_{cat}"] = np.bincount(idx[sel], minlength=m).astype(np.int64)
            for col, vals in wvals.items():
                ok = sel & ~np.isnan(vals)
                out[f"{col}_{cat}"] = np.bincount(idx[ok], weights=vals[ok], minlength=m)
    report = _report(placed, missing_weights)
    source = (getattr(frame, "attrs", {}).get("ddmgeo", {}).get("points", {}) or {}).get("source") or (points if isinstance(points, str) else None)
    what = f" ({source})" if source else ""
    out.attrs["ddmgeo"] = {
        "report": report,
        "level": A.level,
        "vintage": A.vintage,
        "areas": A.label,
        "indicators": {
            "n": {"label": f"Points per area{what}", "unit": "count", "higher_is": "neutral", "source": source or ""},
            **{c: {"label": f"Sum of {c} per area{what}", "unit": "", "higher_is": "neutral", "source": source or ""} for c in wcols},
        },
    }
    return out
