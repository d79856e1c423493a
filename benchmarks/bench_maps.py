"""Map benchmarks: slide maps to PNG and SVG, against plain ``GeoDataFrame.plot`` at full resolution, same run.

    DDMGEO_DATA_DIR=../shared/data python benchmarks/bench_maps.py [--repeat 3]

Goals (issue 5): 52-district slide map <= 0.3 s to PNG, SVG <= 300 kB; municipality map <= 0.6 s;
ward map <= 1.5 s with SVG <= 3 MB. The peer is ``gdf.plot(column=..., scheme="quantiles", legend=True)`` on
the full-resolution boundaries, saved at the same size and dpi (no inset, scale bar or No-data handling).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
import warnings


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if not os.environ.get("DDMGEO_DATA_DIR"):
        sys.exit("set DDMGEO_DATA_DIR to the real data folder (e.g. ../shared/data)")
    warnings.simplefilter("ignore")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import ddmgeo
    from ddmgeo import indicators as I
    from ddmgeo import maps

    def ours(table, column, level, fmt):
        fig = maps.choropleth(table, column, level=level)
        buf = io.BytesIO()
        with matplotlib.rc_context({"svg.fonttype": "none"}):
            fig.savefig(buf, format=fmt, dpi=200)
        plt.close(fig)
        return len(buf.getvalue())

    def peer(gdf, column, fmt):
        fig, ax = plt.subplots(figsize=(13.333, 7.5))
        gdf.plot(column=column, scheme="quantiles", k=5, legend=True, ax=ax, missing_kwds={"color": "lightgrey"})
        ax.set_axis_off()
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, dpi=200)
        plt.close(fig)
        return len(buf.getvalue())

    def timed(fn, *a):
        times, size = [], 0
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            size = fn(*a)
            times.append(time.perf_counter() - t0)
        return statistics.median(times), size

    cases = [("district", "unemployment_rate", 0.3, 300_000), ("municipality", "unemployment_rate", 0.6, None)]
    rows = []
    for level, column, goal, svg_goal in cases:
        table = I.get(column, level=level)
        full = table.merge(ddmgeo.boundaries(level)[["code", "geometry"]], on="code")
        import geopandas as gpd

        full = gpd.GeoDataFrame(full, geometry="geometry", crs=4326)
        ours(table, column, level, "png")  # warm: cartographic tier built and cached
        t_png, _ = timed(ours, table, column, level, "png")
        t_svg, svg_size = timed(ours, table, column, level, "svg")
        p_png, _ = timed(peer, full, column, "png")
        p_svg, p_svg_size = timed(peer, full, column, "svg")
        rows.append((f"{level} slide map -> PNG", t_png, p_png, goal, ""))
        rows.append((f"{level} slide map -> SVG", t_svg, p_svg, None, f"{svg_size / 1e3:.0f} kB (peer {p_svg_size / 1e3:.0f} kB)" + (f"; <= {svg_goal / 1e3:.0f} kB: {'met' if svg_size <= svg_goal else 'MISSED'}" if svg_goal else "")))
    # wards: population by 2021 ward has no indicator table (ward codes differ from 2011/2016); map ward area instead
    wards = ddmgeo.boundaries("ward", vintage=2021)[["code", "area_km2", "geometry"]]
    ours(wards.drop(columns="geometry"), "area_km2", "ward", "png")
    t_png, _ = timed(ours, wards.drop(columns="geometry"), "area_km2", "ward", "png")
    t_svg, svg_size = timed(ours, wards.drop(columns="geometry"), "area_km2", "ward", "svg")
    p_png, _ = timed(peer, wards, "area_km2", "png")
    rows.append(("ward map (4,468 wards, area) -> PNG", t_png, p_png, 1.5, ""))
    rows.append(("ward map -> SVG", t_svg, None, None, f"{svg_size / 1e6:.2f} MB; <= 3 MB: {'met' if svg_size <= 3e6 else 'MISSED'}"))
    print(f"{'operation':42} {'ddmgeo s':>9} {'peer s':>8} {'ratio':>7}  goal / notes")
    for op, t, p, goal, note in rows:
        ratio = f"{p / t:6.2f}x" if p else "   -  "
        verdict = f"<= {goal} s: {'met' if t <= goal else 'MISSED'}" if goal else ""
        print(f"{op:42} {t:9.3f} {p if p else float('nan'):8.3f} {ratio:>7}  {verdict} {note}")
    print("peer = GeoDataFrame.plot(scheme='quantiles', legend=True) on full-resolution boundaries, same size and dpi")


if __name__ == "__main__":
    main()
