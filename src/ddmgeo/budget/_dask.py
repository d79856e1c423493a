"""``spatialise(..., engine="dask")``: coordinate rows of a project file larger than memory, exact to the cent.

Each partition of a CSV or Parquet file (or a dask DataFrame) is read, its amounts turned into integer
cents (the same reader as the in-memory engine), its points placed with the same locator, and reduced to
cents and row counts per area plus the cents that could not be placed, by reason. Partial sums of integers
add exactly, so the totals equal the in-memory engine's on the same rows, and placed + unplaced == input.
Rows are placed by their coordinates only (lists, names and provinces need the in-memory engine).
"""

from __future__ import annotations

from typing import Any

from ..errors import TableError

REASONS = ("amount unreadable", "no amount", "no coordinates", "outside every area")


def spatialise_dask(projects: Any, *, amount: str, level: str, vintage: int, lon: str | None, lat: str | None, blocksize, population_year, snap_km: float = 0.0):
    import numpy as np
    import pandas as pd

    from .._numbers import parse_coordinates
    from ..overlays._dask import _column, _read
    from ._amounts import column_to_cents
    from ._locate import all_of_level, coordinate_column

    ddf = _read(projects, blocksize)
    if amount not in ddf.columns:
        raise TableError(f"No amount column {amount!r}; the file has {list(ddf.columns)}. Pass amount=<column name>.")
    lon_c = _column(ddf.columns, lon, (), "longitude") if lon is not None else coordinate_column(ddf.columns, "lon")
    lat_c = _column(ddf.columns, lat, (), "latitude") if lat is not None else coordinate_column(ddf.columns, "lat")
    if lon_c is None or lat_c is None:
        raise TableError(
            f"Found no {'longitude' if lon_c is None else 'latitude'} column among {list(ddf.columns)}: engine='dask' places rows "
            "by their coordinates; name the columns with location=['<longitude column>', '<latitude column>']."
        )
    from . import _area_index_at

    areas = list(all_of_level(level, vintage))
    m = len(areas)

    def partial(part: "pd.DataFrame") -> "pd.DataFrame":
        cents, problems = column_to_cents(part[amount].reset_index(drop=True), allow_suffixes=False)
        bad = np.zeros(len(part), bool)
        bad[list(problems)] = True
        blank = cents.isna().to_numpy() & ~bad
        c = np.where(bad | blank, 0, cents.fillna(0).to_numpy(dtype="int64"))
        x = parse_coordinates(part[lon_c])[0].to_numpy(float, na_value=np.nan)  # as the in-memory engine reads them
        y = parse_coordinates(part[lat_c])[0].to_numpy(float, na_value=np.nan)
        ok = np.isfinite(x) & np.isfinite(y)
        idx = np.full(len(part), -1, dtype=np.int64)  # position in `areas`
        use = ok & ~bad & ~blank
        if use.any():
            idx[use] = _area_index_at(x[use], y[use], level, vintage, snap_km=snap_km)
        placed = idx >= 0
        cents_v = np.zeros(m + len(REASONS), dtype=object)  # Python ints: exact however large the sums
        rows_v = np.zeros(m + len(REASONS), dtype=np.int64)
        if float(np.abs(c).sum(dtype=float)) < 2.0**62:  # no int64 sum of this partition can overflow
            per = np.zeros(m, dtype=np.int64)
            np.add.at(per, idx[placed], c[placed])
            cents_v[:m] = [int(v) for v in per]
        else:
            for i, cc in zip(idx[placed].tolist(), c[placed].tolist()):
                cents_v[i] += cc
        rows_v[:m] = np.bincount(idx[placed], minlength=m)
        groups = (bad, blank, ~ok & ~bad & ~blank, ok & ~placed & ~bad & ~blank)
        for j, g in enumerate(groups):
            cents_v[m + j] = sum(c[g].tolist()) if j > 1 else 0  # Python ints, exact
            rows_v[m + j] = int(g.sum())
        return pd.DataFrame({"cents": cents_v.astype(str), "rows": rows_v})

    meta = pd.DataFrame({"cents": pd.Series(dtype=str), "rows": pd.Series(dtype="int64")})
    parts = ddf.map_partitions(partial, meta=meta).compute()
    k = m + len(REASONS)
    cents_tot = [0] * k
    rows_tot = [0] * k
    for i, (cv, rv) in enumerate(zip(parts["cents"], parts["rows"])):
        cents_tot[i % k] += int(cv)
        rows_tot[i % k] += int(rv)
    return areas, cents_tot[:m], rows_tot[:m], dict(zip(REASONS, zip(rows_tot[m:], cents_tot[m:]))), int(ddf.npartitions)
