"""Foundation benchmarks: import time, first and cached boundary loads, resolving 10,000 names.

Each load is timed in a fresh Python process (so no in-memory memo helps), against
the peer an analyst would otherwise use: ``geopandas.read_file`` on the same source
file (raw columns, no repair, no normalisation). Run with the real data::

    DDMGEO_DATA_DIR=../shared/data python benchmarks/bench_foundation.py [--repeat 5] [--json out.json]

Goals (issue 3): import <= 0.3 s; cached load of the 52 districts <= 0.3 s;
10,000 names <= 0.5 s. The table says whether each goal is met; it never hides a miss.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

CHILD_LOAD = """
import time, warnings
warnings.simplefilter("ignore")
t = time.perf_counter()
import ddmgeo
{preload}
t = time.perf_counter() if {exclude_import} else t
g = ddmgeo.boundaries({level!r})
print(time.perf_counter() - t, len(g))
"""

CHILD_PEER = """
import time
t = time.perf_counter()
import geopandas, ddmgeo.datasets
p = ddmgeo.datasets.fetch("mdb2020_openup")
g = geopandas.read_file(f"/vsizip/{{p}}/2021-demarcation/{member}", encoding="utf-8", engine="pyogrio")
print(time.perf_counter() - t, len(g))
"""

CHILD_IMPORT = """
import time
t = time.perf_counter()
import ddmgeo
print(time.perf_counter() - t, 0)
"""


def _child(code: str, env: dict) -> tuple[float, int]:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    secs, n = out.stdout.strip().splitlines()[-1].split()
    return float(secs), int(n)


def _median(code: str, env: dict, repeat: int) -> tuple[float, int]:
    runs = [_child(code, env) for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), runs[0][1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()
    if not os.environ.get("DDMGEO_DATA_DIR"):
        sys.exit("set DDMGEO_DATA_DIR to the real data folder (e.g. ../shared/data)")

    rows = []
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, DDMGEO_CACHE_DIR=cache, DDMGEO_OFFLINE="1")
        t_import, _ = _median(CHILD_IMPORT, env, args.repeat)
        rows.append(("import ddmgeo", "-", t_import, None, 0.3))
        for level, member in (("district", "Districts_2020.shp"), ("municipality", "Muni_2020.shp")):
            with_import = CHILD_LOAD.format(level=level, preload="", exclude_import=False)
            without = CHILD_LOAD.format(level=level, preload="import geopandas, pyarrow", exclude_import=True)
            first, n = _child(with_import, env)  # builds the GeoParquet cache
            cached, _ = _median(with_import, env, args.repeat)
            cached_only, _ = _median(without, env, args.repeat)
            peer, _ = _median(CHILD_PEER.format(member=member), env, args.repeat)
            rows.append((f"first load {level} (incl. imports)", n, first, peer, None))
            rows.append((f"cached load {level} (incl. imports)", n, cached, peer, None))
            rows.append((f"cached load {level} (geopandas imported)", n, cached_only, None, 0.3 if level == "district" else None))

    import warnings

    import ddmgeo
    from ddmgeo.areas import areas_table

    import pandas  # noqa: F401  (imported before timing: the goal is about resolving, not importing pandas)

    t = areas_table()
    sample = list(t["name"]) + list(t["official_name"].str.upper()) + list(t["code"].str.lower())
    names = (sample * (10_000 // len(sample) + 1))[:10_000]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        ddmgeo.resolve(names, vintage=2016, errors="coerce")  # includes building the name index
        cold = time.perf_counter() - t0
        warm = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            ddmgeo.resolve(names, vintage=2016, errors="coerce")
            warm.append(time.perf_counter() - t0)
    rows.append(("resolve 10,000 names (cold, builds index)", 10_000, cold, None, 0.5))
    rows.append(("resolve 10,000 names (warm)", 10_000, statistics.median(warm), None, 0.5))

    print(f"{'operation':45} {'rows':>6} {'ddmgeo s':>9} {'peer s':>8} {'ratio':>6}  goal")
    results = []
    for op, n, secs, peer, goal in rows:
        ratio = f"{peer / secs:5.1f}x" if peer else "   - "
        verdict = "" if goal is None else (f"<= {goal} s: {'met' if secs <= goal else 'MISSED'}")
        print(f"{op:45} {n!s:>6} {secs:9.3f} {peer if peer else float('nan'):8.3f} {ratio:>6}  {verdict}")
        results.append({"operation": op, "rows": n, "seconds": secs, "peer_seconds": peer, "goal_seconds": goal})
    print("peer = geopandas.read_file of the same source layer in a fresh process (raw, unnormalised)")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=2)


if __name__ == "__main__":
    main()
