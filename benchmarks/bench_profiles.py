"""Profile benchmarks: one HTML profile, one PDF, all 52 (2 workers).

    DDMGEO_DATA_DIR=../shared/data python benchmarks/bench_profiles.py

Goals (issue 6): one profile <= 2 s; PDF of one profile <= 5 s; all 52 HTML profiles <= 60 s on 2 cores.
There is no peer library that builds these profiles; the figures are absolute.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import warnings
from pathlib import Path


def main() -> None:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--areas", type=int, default=52, help="how many profiles to build in the batch (52 = all)")
    args = ap.parse_args()
    if not os.environ.get("DDMGEO_DATA_DIR"):
        sys.exit("set DDMGEO_DATA_DIR to the real data folder (e.g. ../shared/data)")
    warnings.simplefilter("ignore")
    import matplotlib

    matplotlib.use("Agg")
    import ddmgeo
    from ddmgeo import profiles

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        t0 = time.perf_counter()
        ddmgeo.profile("Waterberg").to_html(out / "first.html")
        cold = time.perf_counter() - t0
        t0 = time.perf_counter()
        p = ddmgeo.profile("Alfred Nzo")
        p.to_html(out / "an.html")
        one = time.perf_counter() - t0
        t0 = time.perf_counter()
        p.to_pdf(out / "an.pdf")
        pdf = time.perf_counter() - t0
        t0 = time.perf_counter()
        areas = None if args.areas >= 52 else list(ddmgeo.areas_table("district").code[: args.areas])
        result = profiles.build_all(out / "all", areas=areas, jobs=2, progress=False)
        every = time.perf_counter() - t0
    rows = [
        ("first profile in a process (loads data)", cold, None),
        ("one profile (HTML)", one, 2.0),
        ("PDF of one profile (WeasyPrint)", pdf, 5.0),
        (f"{len(result)} HTML profiles, 2 workers ({(result.status == 'ok').sum()} ok)", every, 60.0 if len(result) == 52 else None),
    ]
    print(f"{'operation':52} {'seconds':>8}  goal")
    for op, secs, goal in rows:
        print(f"{op:52} {secs:8.2f}  {'' if goal is None else ('<= %g s: %s' % (goal, 'met' if secs <= goal else 'MISSED'))}")


if __name__ == "__main__":
    main()
