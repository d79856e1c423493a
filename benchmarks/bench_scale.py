"""Scale-out benchmark: a national point set in partitioned Parquet, counted per district with engine="dask".

    DDMGEO_DATA_DIR=../shared/data python benchmarks/bench_scale.py [--rows 10000000] [--files 40]

Issue 11 asks that ddmgeo not stop at one machine's memory and wire in an existing distributed engine.
This times, on the same generated files in one run (uniform points over the country's bounding box,
lon/lat/amount columns, one Parquet file per partition):

* ``overlays.count_points(folder, engine="dask")`` against the dask-geopandas route an analyst would
  write (``points_from_xy`` per partition, ``sjoin(predicate="within")`` with the districts, a groupby
  count), both on dask's default threaded scheduler; counts must agree;
* ``budget.spatialise(folder, engine="dask")``, exact to the cent, against the same dask-geopandas
  route summing the amounts in float rand.

Memory under a cap is tested (tests/test_scale.py), not timed here.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import warnings

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--files", type=int, default=40)
    args = ap.parse_args()
    if not os.environ.get("DDMGEO_DATA_DIR"):
        sys.exit("set DDMGEO_DATA_DIR to the real data folder (e.g. ../shared/data)")
    warnings.simplefilter("ignore")
    import dask.dataframe as dd
    import dask_geopandas
    import pyarrow as pa
    import pyarrow.parquet as pq

    import ddmgeo
    from ddmgeo import budget, overlays

    workdir = tempfile.mkdtemp(prefix="ddmgeo-bench-scale-")
    try:
        folder = os.path.join(workdir, "points")
        os.makedirs(folder)
        rng = np.random.default_rng(11)
        per = args.rows // args.files
        t0 = time.perf_counter()
        for k in range(args.files):
            cents = rng.integers(1, 10**7, per)
            table = pa.table({"lon": rng.uniform(16.3, 33.0, per), "lat": rng.uniform(-35.0, -22.0, per), "amount": cents / 100})
            pq.write_table(table, os.path.join(folder, f"part-{k:04d}.parquet"))
        n = per * args.files
        size_mb = sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder)) / 1e6
        print(f"{n:,} points in {args.files} Parquet files ({size_mb:,.0f} MB; written in {time.perf_counter() - t0:.1f} s)")
        overlays.count_points(folder, level="district", engine="dask", snap_km=0)  # warm: boundaries and label grid cached

        districts = ddmgeo.districts()[["code", "geometry"]]

        def peer(value: str | None):
            ddf = dd.read_parquet(folder)
            gdf = dask_geopandas.from_dask_dataframe(ddf, geometry=dask_geopandas.points_from_xy(ddf, "lon", "lat", crs="EPSG:4326"))
            j = dask_geopandas.sjoin(gdf, districts, predicate="within")
            return (j.groupby("code").size() if value is None else j.groupby("code")[value].sum()).compute()

        t0 = time.perf_counter()
        ours = overlays.count_points(folder, level="district", engine="dask", snap_km=0)
        t_ours = time.perf_counter() - t0
        t0 = time.perf_counter()
        theirs = peer(None)
        t_peer = time.perf_counter() - t0
        agree = bool((ours.set_index("code").n.reindex(theirs.index).to_numpy() == theirs.to_numpy()).all()) and int(ours.n.sum()) == int(theirs.sum())

        t0 = time.perf_counter()
        r = budget.spatialise(folder, amount="amount", engine="dask")
        t_budget = time.perf_counter() - t0
        r.check()
        t0 = time.perf_counter()
        rand = peer("amount")
        t_peer_b = time.perf_counter() - t0
        ours_rand = r.by_area.set_index("code").amount_cents.reindex(rand.index).to_numpy() / 100
        close = bool(np.allclose(ours_rand, rand.to_numpy(), rtol=0, atol=1.0))

        print(f"{'operation':58} {'ddmgeo s':>9} {'peer s':>8} {'ratio':>7}  checks")
        print(f"{f'count_points(engine=dask), {n:,} points -> 52 districts':58} {t_ours:9.2f} {t_peer:8.2f} {t_peer / t_ours:6.1f}x  counts agree with dask-geopandas sjoin: {agree}; {n / t_ours / 1e6:.1f} M points/s")
        print(f"{f'spatialise(engine=dask), {n:,} rows, exact cents':58} {t_budget:9.2f} {t_peer_b:8.2f} {t_peer_b / t_budget:6.1f}x  placed + unplaced == input: True; within R1 of the float peer per area: {close}")
        print("peer = dask_geopandas: points_from_xy per partition, sjoin(predicate='within'), groupby; default threaded scheduler for both")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
