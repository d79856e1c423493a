"""Points to areas: :func:`assign_points` and :func:`count_points`."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .. import _meta, settings
from .._area_sets import AreaSet, resolve_areas
from ..errors import TableError
from ._points import PointsReport, read_points, with_crs

if TYPE_CHECKING:
    import geopandas as gpd
    import numpy as np
    import pandas as pd


class _Placed:
    """Points placed in areas: area index per row (-1 none) and why rows had no coordinates."""

    def __init__(self, frame, index, x, y, lon, lat, area_idx, reasons, ties, areas, snapped=None, distance=None):
        self.frame = frame  # the caller's rows (for weights / by columns)
        self.index = index
        self.x, self.y = x, y  # in the areas' CRS (NaN: none)
        self.lon, self.lat = lon, lat  # EPSG:4326 for the report
        self.area_idx = area_idx
        self.reasons = reasons
        self.ties = ties
        self.areas = areas
        self.snapped = snapped  # bool per row: placed in the nearest area within snap_km
        self.distance = distance  # metres to that area (NaN otherwise)


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


def _place(points: Any, areas: AreaSet, *, lon: str | None = None, lat: str | None = None, crs: Any = None, snap_km: float | None = None, sheet: str | int | None = None) -> _Placed:
    import geopandas as gpd
    import numpy as np
    import shapely
    from pyproj import CRS

    from .._place import default_snap_km, place

    if sheet is not None and not isinstance(points, (str, os.PathLike)):
        raise TableError(f"sheet={sheet!r} names a sheet of a workbook file, but the points are a {type(points).__name__}: leave sheet= out.")
    if isinstance(points, gpd.GeoDataFrame) and lon is None and lat is None:
        gdf = with_crs(points, crs)
        geoms = np.asarray(gdf.geometry.values)
        types = shapely.get_type_id(geoms)
        wrong = (types != 0) & (types != -1)
        if wrong.any() and not shapely.is_empty(geoms[wrong]).all():
            return _place(read_points(gdf, crs=crs), areas, snap_km=snap_km)  # raises the explanatory TableError
        meta = _meta.read(gdf).get("points") or {}
        # reasons recorded by read_points hold only while the rows are the ones it returned
        reasons = dict(meta.get("no_coordinates", {}) or {}) if meta.get("rows") == len(gdf) else {}
        src_crs = gdf.crs
    else:
        gdf = read_points(points, lon=lon, lat=lat, crs=crs, sheet=sheet)
        geoms = np.asarray(gdf.geometry.values)
        reasons = dict(_meta.read(gdf).extra["points"]["no_coordinates"])
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
    p = place(areas, ax, ay, snap_km=default_snap_km(areas, snap_km))
    return _Placed(gdf, gdf.index, ax, ay, lon4326, lat4326, p.index, reasons, p.on_boundary, areas, p.snapped, p.distance_m)


def assign_points(
    points: "gpd.GeoDataFrame | pd.DataFrame | str",
    *,
    level: str = "district",
    vintage: int = settings.DEFAULT_VINTAGE,
    areas: "gpd.GeoDataFrame | None" = None,
    lon: str | None = None,
    lat: str | None = None,
    crs: Any = None,
    snap_km: float | None = None,
    sheet: str | int | None = None,
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
    lon, lat, crs, sheet : optional
        Passed to :func:`read_points` for tables (``sheet``: the sheet of a workbook).
    snap_km : float, optional
        A point just outside ddmgeo's (generalised) boundaries, such as a coastal clinic, goes to the
        nearest area within this distance: by default 5 km on ddmgeo's boundaries (as
        :func:`ddmgeo.budget.spatialise` does) and 0 on your own ``areas=``. 0 turns it off.

    Returns
    -------
    pandas.Series
        ``code`` per input row (same index, name ``"code"``); None for points outside
        every area and rows without usable coordinates.

    Notes
    -----
    Boundary rule (:mod:`ddmgeo._place`, shared by every ddmgeo feature): a point goes to the
    first area, in the areas' order (ddmgeo's boundaries are in natural code order), whose
    closure contains it; a point outside every area but within ``snap_km`` goes to the nearest. A point strictly
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
    placed = _place(points, A, lon=lon, lat=lat, crs=crs, snap_km=snap_km, sheet=sheet)
    codes = np.append(A.codes, np.array([None], dtype=object))[placed.area_idx]  # index -1 (no area) takes the trailing None
    return pd.Series(codes, index=placed.index, name="code", dtype=object)


def weight_values(raw: "pd.Series", col: str) -> "np.ndarray":
    """A weight column as float64 (NaN: missing); TableError for text, infinite values and integers beyond 2**53."""
    import numpy as np
    import pandas as pd

    num = pd.to_numeric(raw, errors="coerce")
    vals = num.to_numpy(dtype=float, na_value=np.nan)
    notnum = np.isnan(vals) & raw.notna().to_numpy() & (raw.astype(str).str.strip() != "").to_numpy()
    if notnum.any():
        bad = raw[notnum].astype(str).unique()[:5].tolist()
        raise TableError(f"Weight column {col!r} holds values that are not numbers ({bad}): clean it or leave it out of weights=.")
    inf = np.isinf(vals)
    if inf.any():
        rows = np.flatnonzero(inf)
        raise TableError(
            f"Weight column {col!r} holds infinite values (rows {rows[:5].tolist()}{' ...' if len(rows) > 5 else ''}: "
            f"{raw.iloc[rows[0]]}): a sum with them is not a number. Correct or blank those cells."
        )
    if pd.api.types.is_integer_dtype(num.dtype) and len(num) and int(num.abs().max()) > 2**53:
        big = int(np.flatnonzero(num.abs().to_numpy() > 2**53)[0])
        raise TableError(
            f"Weight column {col!r} holds integers beyond 2**53 (row {big}: {raw.iloc[big]}), which floating-point sums "
            "cannot hold exactly: check the column's units (cents? thousands?) or scale it down first."
        )
    return vals


def weight_sums(idx: "np.ndarray", vals: "np.ndarray", m: int, col: str, names: "np.ndarray | None" = None) -> tuple["np.ndarray", "np.ndarray"]:
    """Per-area sums of the weights of the points placed at area positions *idx* (-1: none), and the number of
    weights that were there (not missing) per area.

    TableError when a sum leaves the exact range of floating point (beyond 2**53 for whole numbers, or
    infinite): such a sum would be a wrong number, never a served one.
    """
    import numpy as np

    ok = (idx >= 0) & ~np.isnan(vals)
    sums = np.bincount(idx[ok], weights=vals[ok], minlength=m)[:m]
    present = np.bincount(idx[ok], minlength=m)[:m]
    scale = np.bincount(idx[ok], weights=np.abs(vals[ok]), minlength=m)[:m]
    integral = bool(np.all(vals[ok] == np.round(vals[ok])))
    over = ~np.isfinite(scale) | (integral & (scale > 2**53))
    if over.any():
        k = np.flatnonzero(over)
        which = [str(names[i]) if names is not None else int(i) for i in k[:5]]
        raise TableError(
            f"The sum of weight {col!r} overflows in areas {which}: beyond "
            f"{'2**53, where whole numbers are no longer exact' if np.isfinite(scale[k]).all() else 'the largest floating-point number'}. "
            "Check the column's units (cents? thousands?) or scale it down before summing."
        )
    return sums, present


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
    snapped_pos = np.flatnonzero(placed.snapped) if placed.snapped is not None else np.array([], dtype=np.int64)
    snapped = pd.DataFrame(
        {
            "row": snapped_pos,
            "index": placed.index[snapped_pos].to_numpy() if len(snapped_pos) else np.array([], dtype=object),
            "lon": placed.lon[snapped_pos],
            "lat": placed.lat[snapped_pos],
            "code": placed.areas.codes[placed.area_idx[snapped_pos]] if len(snapped_pos) else np.array([], dtype=object),
            "distance_km": placed.distance[snapped_pos] / 1000 if len(snapped_pos) else np.array([], dtype=float),
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
        snapped=snapped,
        notes=list((_meta.read(placed.frame).get("points") or {}).get("notes", []) or []),
    )


def _counts(placed: _Placed, A: AreaSet, wcols: list, by: str | None) -> tuple["pd.DataFrame", dict[str, int]]:
    """Points and weight sums per area (and per category of *by*), and how many placed points had no weight."""
    import numpy as np

    frame = placed.frame
    idx = placed.area_idx
    hit = idx >= 0
    m = len(A)
    out = A.frame()
    out["n"] = np.bincount(idx[hit], minlength=m).astype(np.int64)
    missing_weights: dict[str, int] = {}
    wvals: dict[str, np.ndarray] = {}
    def summed(sel: "np.ndarray", vals: "np.ndarray", col: str) -> "np.ndarray":
        # an area whose points all lack the weight has no sum (NaN), not 0; one without points sums to 0
        sums, present = weight_sums(np.where(sel, idx, -1), vals, m, col, A.codes)
        points = np.bincount(idx[sel], minlength=m)
        return np.where((points > 0) & (present == 0), np.nan, sums)

    for col in wcols:
        vals = weight_values(frame[col], col)
        wvals[col] = vals
        missing_weights[col] = int((hit & np.isnan(vals)).sum())
        out[col] = summed(hit, vals, col)
    if by is not None:
        cats = frame[by].astype("object").where(frame[by].notna(), None).to_numpy()
        labels = np.array(["missing" if c is None or (isinstance(c, str) and not c.strip()) else str(c) for c in cats], dtype=object)
        for cat in sorted(set(labels[hit])):
            sel = hit & (labels == cat)
            out[f"n_{cat}"] = np.bincount(idx[sel], minlength=m).astype(np.int64)
            for col, vals in wvals.items():
                out[f"{col}_{cat}"] = summed(sel, vals, f"{col}_{cat}")
    return out, missing_weights


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
    snap_km: float | None = None,
    sheet: str | int | None = None,
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
        values are left out of the sum and counted in the report; an area whose points all
        lack the weight gets NaN (unknown), not 0. Infinite values, integers beyond 2**53 and
        sums that overflow raise :class:`~ddmgeo.errors.TableError`.
    by : str, optional
        A category column: adds ``n_<category>`` (and ``<weight>_<category>``) columns;
        rows with no category count as ``n_missing``.
    lon, lat, crs, sheet : optional
        Passed to :func:`read_points` for tables (``sheet``: the sheet of a workbook).
    snap_km : float, optional
        Points just outside the boundaries go to the nearest area within this distance (see
        :func:`assign_points`: 5 km on ddmgeo's boundaries by default, 0 on ``areas=``); the report
        lists them.
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
        ``by`` split. ``ddmgeo.metadata(t).report`` is a :class:`PointsReport` listing
        the points outside every area (row, index, lon, lat) and the rows without usable
        coordinates (row, index, reason); nothing is dropped silently. Points on a shared
        boundary count once (see :func:`assign_points` for the rule), so for points
        strictly inside the counts equal a ``geopandas.sjoin(predicate="within")``.

    Examples
    --------
    >>> import ddmgeo
    >>> from ddmgeo import overlays
    >>> t = overlays.count_points("dsfsi_hospitals", level="district", by="Category")
    >>> t.columns[:5].tolist()
    ['code', 'name', 'n', 'n_Central Hospital', 'n_District Hospital']
    >>> print(ddmgeo.metadata(t).report)
    899 points: 891 placed in district 2016 areas, 0 outside every area, 8 without usable coordinates; 2 just outside the boundaries placed in the nearest area.
    Without coordinates (row, index, reason):
    ...
    """

    if engine not in ("memory", "dask"):
        raise ValueError(f"engine must be 'memory' or 'dask', not {engine!r}.")
    if engine == "dask":
        if by is not None:
            raise TableError("by= is not available with engine='dask': count each category's file, or use engine='memory'.")
        if sheet is not None:
            raise TableError("engine='dask' reads CSV and Parquet files, not workbook sheets: leave sheet= out, or use engine='memory'.")
        from ._dask import count_points_dask

        return count_points_dask(points, level=level, vintage=vintage, weights=weights, lon=lon, lat=lat, blocksize=blocksize, areas=areas, snap_km=snap_km)
    A = resolve_areas(level, vintage, areas)
    placed = _place(points, A, lon=lon, lat=lat, crs=crs, snap_km=snap_km, sheet=sheet)
    frame = placed.frame
    wcols = [weights] if isinstance(weights, str) else list(weights or [])
    for col in [*wcols, *([by] if by else [])]:
        if col not in frame.columns:
            raise TableError(f"Column {col!r} is not in the points; they have {list(frame.columns)}.")
    if by is not None and by in wcols:
        raise TableError(f"{by!r} cannot be both a weight and the by= category.")
    out, missing_weights = _counts(placed, A, wcols, by)
    report = _report(placed, missing_weights)
    source = (_meta.read(frame).get("points") or {}).get("source") or (points if isinstance(points, str) else None)
    what = f" ({source})" if source else ""
    _meta.attach(out, {
        "report": report,
        "level": A.level,
        "vintage": A.vintage,
        "areas": A.label,
        "indicators": {
            "n": {"label": f"Points per area{what}", "unit": "count", "higher_is": "neutral", "source": source or ""},
            **{c: {"label": f"Sum of {c} per area{what}", "unit": "", "higher_is": "neutral", "source": source or ""} for c in wcols},
        },
    })
    return out
