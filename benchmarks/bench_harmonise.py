"""Areal interpolation between boundary vintages: ddmgeo's cached crosswalk against tobler, same data, one run.

    DDMGEO_DATA_DIR=../shared/data python benchmarks/bench_harmonise.py [--repeat 5] [--columns 20]

Moves Census 2011 municipality counts (2011 codes, 234 areas) to the 2016 municipalities (213). ddmgeo uses the
lineage crosswalk (area shares cached once per process); tobler.area_interpolate intersects the two layers
every call. Goal (issue 11): >= 5x tobler with cached weights. Totals compared: ddmgeo conserves them exactly;
tobler's differ by the slivers between the two generalised layers.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--columns", type=int, default=20)
    args = ap.parse_args()
    if not os.environ.get("DDMGEO_DATA_DIR"):
        sys.exit("set DDMGEO_DATA_DIR to the real data folder (e.g. ../shared/data)")
    warnings.simplefilter("ignore")
    import numpy as np

    import ddmgeo
    from ddmgeo import indicators as I

    try:
        from tobler.area_weighted import area_interpolate
    except ImportError:
        sys.exit("tobler is not installed (pip install tobler): it is the peer of this benchmark")

    base = I.get(["income_poor", "income_known", "youth_income_poor", "youth_income_known", "employed_income_known", "employed_low_income"], level="municipality", vintage=2011)
    cols = [c for c in base.columns if c not in ("code", "name")]
    rng = np.random.default_rng(1)
    table = base[["code"]].copy()
    for i in range(args.columns):  # real columns first, then scaled copies to reach the column count
        src = cols[i % len(cols)]
        table[f"c{i}"] = base[src] * (1 + rng.random())
    kinds = {c: "count" for c in table.columns if c != "code"}

    I.harmonise(table, kinds=kinds)  # builds and caches the crosswalk once, as a session would
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        ours = I.harmonise(table, kinds=kinds)
        times.append(time.perf_counter() - t0)
    t_ours = statistics.median(times)

    src = ddmgeo.boundaries("municipality", vintage=2011).merge(table, on="code").to_crs(ddmgeo.settings.EQUAL_AREA_CRS)
    tgt = ddmgeo.boundaries("municipality", vintage=2016)[["code", "geometry"]].to_crs(ddmgeo.settings.EQUAL_AREA_CRS)
    times = []
    for _ in range(max(1, args.repeat // 2)):
        t0 = time.perf_counter()
        theirs = area_interpolate(source_df=src, target_df=tgt, extensive_variables=list(kinds))
        times.append(time.perf_counter() - t0)
    t_tobler = statistics.median(times)
    total_in = table[list(kinds)].sum().sum()
    ours_err = abs(ours[list(kinds)].sum().sum() - total_in) / total_in
    their_err = abs(theirs[list(kinds)].sum().sum() - total_in) / total_in
    ratio = t_tobler / t_ours
    print(f"{'operation':56} {'ddmgeo s':>9} {'tobler s':>9} {'ratio':>7}  goal / checks")
    print(
        f"{'2011 -> 2016 municipalities, %d count columns' % args.columns:56} {t_ours:9.4f} {t_tobler:9.4f} {ratio:6.1f}x  "
        f">= 5x: {'met' if ratio >= 5 else 'MISSED'}; total conserved: ddmgeo {ours_err:.1e}, tobler {their_err:.1e} (relative)"
    )
    print("ddmgeo: lineage crosswalk cached per process; tobler: area_interpolate intersects the layers on every call")


if __name__ == "__main__":
    main()
