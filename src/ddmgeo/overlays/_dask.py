"""The ``engine="dask"`` path of :func:`count_points`: point files larger than memory, partition by partition.

Each partition (a block of a CSV or a Parquet row group, read by :mod:`dask.dataframe`; GeoParquet point
geometries and dask-geopandas GeoDataFrames through :mod:`dask_geopandas`, reprojected to lon/lat per
partition) is placed with the
same cached label grid as the in-memory engine (:func:`ddmgeo.overlays.assign_points`' locator and boundary
rule), reduced to per-area counts and weight sums, and the partial results are added. Only one partition is
in memory at a time, so the result equals the in-memory engine's on the same data whatever the file's size.
The report gives the numbers of points outside every area and without coordinates (not every row: a file
larger than memory can hold millions of them).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .. import _meta, settings
from .._optional import require
from ..errors import TableError

if TYPE_CHECKING:
    import numpy as np


def _read(points: Any, blocksize: str | int | None):
    dd = require("dask.dataframe", "dask", "for engine='dask'")
    if hasattr(points, "map_partitions"):
        return points
    path = os.fspath(points)
    if not os.path.exists(path):
        from .. import datasets

        path = str(datasets.fetch(path))
    if path.lower().endswith((".parquet", ".pq", ".geoparquet")) or os.path.isdir(path):
        if _is_geoparquet(path):  # point geometries: read by dask-geopandas, partition by partition
            dask_geopandas = require("dask_geopandas", "dask", "to read GeoParquet with engine='dask'")
            return dask_geopandas.read_parquet(path, split_row_groups=True)  # one partition per row group
        return dd.read_parquet(path)
    if path.lower().endswith((".csv", ".txt", ".tsv")):
        return _read_csv_blocks(path, blocksize)
    raise TableError(f"engine='dask' reads CSV, Parquet and GeoParquet point files (or a dask DataFrame); {os.path.basename(path)} is none of them.")


_CHUNK = 8 << 20


def _read_csv_blocks(path: str, blocksize: str | int | None):
    """A CSV as a dask DataFrame of blocks of about *blocksize* bytes, each ending at a line end outside quotes.

    ``dd.read_csv`` splits a file at any line-end byte, which cuts a row whose quoted value spans lines
    (the DBE school list has one) in two; here the file is scanned once, in chunks, and every block ends
    at a line end that no quote holds open, so such rows are read whole. The scan also settles the
    encoding: UTF-8, else Windows-1252 when the whole file decodes so, else a TableError; UTF-16 (which
    cannot be split at line-end bytes) is refused with the fix. Excel's ``sep=;`` line and title rows above
    the header are skipped by the rule of :func:`ddmgeo.read_table` (``ddmgeo.tables._layout``).
    """
    import codecs
    import io

    import numpy as np
    import pandas as pd

    from ..tables import _layout

    dask = require("dask", "dask", "for engine='dask'")
    dd = require("dask.dataframe", "dask", "for engine='dask'")
    size = int(require("dask.utils", "dask", "for engine='dask'").parse_bytes(blocksize or "64MB"))
    name = os.path.basename(path)
    fix = "Save it as 'CSV UTF-8' from your spreadsheet program, or use engine='memory'"
    with open(path, "rb") as f:
        head = f.read(1 << 16)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise TableError(
            f"{name} is UTF-16 text: engine='dask' reads a CSV in blocks split at line-end bytes, which UTF-16 does "
            f"not allow. {fix} (it reads UTF-16), or convert the file to Parquet."
        )
    delimiter, skip, _ = _layout(head.decode("utf-8-sig", errors="replace"), os.path.splitext(path)[1].lower())
    utf8 = codecs.getincrementaldecoder("utf-8")()
    encoding, in_quote, base, seen = "utf-8", 0, 0, 0
    start: int | None = None  # the first byte after the header line
    bounds: list[int] = []
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            if encoding == "utf-8":
                try:
                    utf8.decode(chunk)
                except UnicodeDecodeError:
                    encoding = "cp1252"
            arr = np.frombuffer(chunk, dtype=np.uint8)
            quotes = np.cumsum(arr == 34) + in_quote  # '"' opens and closes a quoted value ('""' inside one leaves it open)
            newline = np.flatnonzero(arr == 10)
            ends = base + newline[(quotes[newline] % 2) == 0]  # line ends outside quotes
            if start is None and seen + len(ends) > skip:
                start = int(ends[skip - seen]) + 1
                bounds.append(start)
            seen += len(ends)
            while start is not None:
                i = int(np.searchsorted(ends, bounds[-1] + size - 1))
                if i >= len(ends):
                    break
                bounds.append(int(ends[i]) + 1)
            in_quote = int(quotes[-1] % 2) if len(quotes) else in_quote
            base += len(chunk)
    if encoding == "utf-8":
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            encoding = "cp1252"
    if encoding == "cp1252":
        with open(path, "rb") as f:
            offset = 0
            while chunk := f.read(_CHUNK):
                try:
                    chunk.decode("cp1252")
                except UnicodeDecodeError as exc:
                    raise TableError(
                        f"{name} is neither UTF-8 nor Windows-1252 (cp1252) text (byte {chunk[exc.start]:#04x} at offset "
                        f"{offset + exc.start}). {fix}."
                    ) from None
                offset += len(chunk)
    if start is None:  # the header is the last line, without a line end
        start = base
        bounds = [start]
    if bounds[-1] < base:
        bounds.append(base)
    with open(path, "rb") as f:
        header_text = f.read(start).decode(encoding, errors="replace")
    columns = list(pd.read_csv(io.StringIO(header_text.lstrip("\ufeff")), sep=delimiter, skiprows=skip, nrows=0, dtype=object).columns)

    def block(a: int, b: int) -> "pd.DataFrame":
        with open(path, "rb") as f:
            f.seek(a)
            text = f.read(b - a).decode(encoding)
        if not text.strip():
            return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
        return pd.read_csv(io.StringIO(text), sep=delimiter, header=None, names=columns, dtype=object)

    meta = pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    if len(bounds) < 2:
        return dd.from_pandas(meta, npartitions=1)
    parts = [dask.delayed(block)(a, b) for a, b in zip(bounds[:-1], bounds[1:])]
    return dd.from_delayed(parts, meta=meta, verify_meta=False)


def _is_geoparquet(path: str) -> bool:
    """Whether a Parquet file or dataset folder carries GeoParquet ``geo`` metadata."""
    import pyarrow.parquet as pq

    try:
        schema = pq.ParquetDataset(path).schema if os.path.isdir(path) else pq.read_schema(path)
    except (OSError, ValueError):
        return False
    return b"geo" in (schema.metadata or {})


def _is_geo(ddf) -> bool:
    """A dask-geopandas GeoDataFrame (its partitions are GeoDataFrames with a CRS)."""
    return hasattr(ddf, "crs") and hasattr(ddf, "geometry")


def _point_xy(part, crs) -> tuple["np.ndarray", "np.ndarray"]:
    """lon/lat of a partition's point geometries (missing or empty: NaN); other geometry types are refused."""
    import numpy as np
    import shapely

    g = part.geometry
    if crs is not None and not crs.equals(settings.STORAGE_CRS):
        g = g.to_crs(settings.STORAGE_CRS)
    arr = np.asarray(g.values, dtype=object)
    kind = shapely.get_type_id(arr)
    bad = (kind != 0) & (kind != -1)  # -1: missing geometry
    if bad.any():
        first = part.index[np.flatnonzero(bad)[0]]
        raise TableError(
            f"count_points needs point geometries; {int(bad.sum())} row(s) of a partition are "
            f"{arr[bad][0].geom_type} (first at index {first!r}). "
            "Take their centroids or representative points first (GeoSeries.representative_point())."
        )
    return shapely.get_x(arr), shapely.get_y(arr)


def _column(columns, wanted: str | None, names: tuple[str, ...], what: str) -> str:
    if wanted is not None:
        if wanted not in columns:
            raise TableError(f"No {what} column {wanted!r}; the file has {list(columns)}.")
        return wanted
    lookup = {str(c).strip().lower(): c for c in columns}
    for n in names:
        if n in lookup:
            return lookup[n]
    raise TableError(f"Found no {what} column among {list(columns)}: name it with {'lon' if what == 'longitude' else 'lat'}=.")


def count_points_dask(
    points: Any,
    *,
    level: str,
    vintage: int,
    weights: str | Sequence[str] | None,
    lon: str | None,
    lat: str | None,
    blocksize: str | int | None,
    areas=None,
    snap_km: float | None = None,
):
    import numpy as np
    import pandas as pd

    from .._area_sets import resolve_areas
    from .._numbers import parse_coordinates
    from .._place import default_snap_km, place
    from ._count import weight_sums, weight_values
    from ._points import _find_column

    A = resolve_areas(level, vintage, areas)
    if A.crs is not None and not A.crs.equals(settings.STORAGE_CRS):
        raise TableError("engine='dask' places lon/lat points in areas stored in EPSG:4326; pass areas in that CRS.")
    ddf = _read(points, blocksize)
    geo = _is_geo(ddf)
    if geo:
        if lon is not None or lat is not None:
            raise TableError("The points have geometries: leave out lon= and lat= (they name coordinate columns of a plain table).")
        if ddf.crs is None:
            raise TableError("The point geometries have no CRS: set it (dask_geopandas GeoDataFrame.set_crs) before counting.")
        lon_c = lat_c = None
    else:
        # the same column rule as read_points (the in-memory engine): names, then a ...longitude suffix
        cols = list(ddf.columns)
        lon_c = _column(cols, lon, (), "longitude") if lon is not None else _find_column(cols, "lon", "longitude", "lon")
        lat_c = _column(cols, lat, (), "latitude") if lat is not None else _find_column(cols, "lat", "latitude", "lat")
    points_crs = ddf.crs if geo else None
    wcols = [weights] if isinstance(weights, str) else list(weights or [])
    for c in wcols:
        if c not in ddf.columns:
            raise TableError(f"Column {c!r} is not in the points; they have {list(ddf.columns)}.")
    m = len(A)
    snap = default_snap_km(A, snap_km)  # the in-memory engine's point rule, partition by partition

    def partial(part: "pd.DataFrame") -> "pd.DataFrame":
        def number(col) -> np.ndarray:  # read_points' coordinate reader: decimal commas read
            return parse_coordinates(part[col])[0].to_numpy(float, na_value=np.nan)

        x, y = _point_xy(part, points_crs) if geo else (number(lon_c), number(lat_c))
        ok = np.isfinite(x) & np.isfinite(y) & (np.abs(x) <= 180) & (np.abs(y) <= 90)
        idx = np.full(len(part), -1, dtype=np.int64)
        if ok.any():
            idx[ok] = place(A, x[ok], y[ok], snap_km=snap).index
        hit = idx >= 0
        row = {"n": np.bincount(idx[hit], minlength=m + 2).astype(float)}
        row["n"][m] = int((ok & ~hit).sum())  # outside every area
        row["n"][m + 1] = int((~ok).sum())  # no usable coordinates
        for c in wcols:
            w = weight_values(part[c], c)
            sums, present = weight_sums(idx, w, m, c, A.codes)
            row[c] = np.append(sums, [0.0, 0.0])
            row[f"{c}\0present"] = np.append(present, [0, 0]).astype(float)
        return pd.DataFrame(row)  # a plain frame, also for GeoDataFrame partitions

    meta = pd.DataFrame({"n": pd.Series(dtype=float), **{k: pd.Series(dtype=float) for c in wcols for k in (c, f"{c}\0present")}})
    parts = ddf.map_partitions(partial, meta=meta)
    # add the per-partition vectors position by position (index 0..m+1 in every partition)
    total = parts.groupby(parts.index).sum().compute().reindex(range(m + 2), fill_value=0)
    out = A.frame()
    out["n"] = total["n"].to_numpy()[:m].astype(np.int64)
    for c in wcols:
        sums = total[c].to_numpy()[:m]
        weight_sums(np.arange(m), sums, m, c, A.codes)  # the partitions' sums added up may overflow too
        out[c] = np.where((out["n"].to_numpy() > 0) & (total[f"{c}\0present"].to_numpy()[:m] == 0), np.nan, sums)
    outside, no_coords = int(total["n"].iat[m]), int(total["n"].iat[m + 1])
    _meta.attach(out, {
        "level": A.level,
        "vintage": A.vintage,
        "engine": "dask",
        "partitions": int(ddf.npartitions),
        "report": f"{int(out.n.sum()) + outside + no_coords} points: {int(out.n.sum())} placed in {A.label} areas, {outside} outside every area, {no_coords} without usable coordinates (engine='dask': counts only).",
    })
    return out
