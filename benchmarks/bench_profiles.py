"""Profile benchmarks: a cold ``ddm profile``, one HTML profile, a PDF, a deck, a municipal profile, all 52.

    DDMGEO_DATA_DIR=../shared/data python benchmarks/bench_profiles.py

Goals on 2 cores (issues 6 and 17): ``ddm profile Waterberg --out w.html`` as a whole cold process,
offline with an empty cache (the embedded core only), <= 2.5 x the bare import floor
(``python -c "import ddmgeo, geopandas, matplotlib, jinja2"``) and <= 250 MB peak memory;
one profile in a warm process <= 2 s (a district, and a local municipality with its wards); the PDF
and the slide deck of one profile <= 5 s each; all 52 HTML profiles with 2 workers <= 15 s. There is no peer library that builds these profiles: the cold profile is
compared with the import floor, measured in the same run.
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
    ap.add_argument("--repeat", type=int, default=5, help="cold-process runs (median)")
    args = ap.parse_args()
    if not os.environ.get("DDMGEO_DATA_DIR"):
        sys.exit("set DDMGEO_DATA_DIR to the real data folder (e.g. ../shared/data)")
    warnings.simplefilter("ignore")
    import matplotlib

    matplotlib.use("Agg")
    import ddmgeo
    from ddmgeo import profiles

    from _process import IMPORT_FLOOR, offline_env, timed, verdict

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        ddm = str(Path(sys.executable).with_name("ddm"))
        floor = timed(IMPORT_FLOOR, repeat=args.repeat)
        # each run gets an empty cache: the newcomer's first command
        cold_cli = [
            timed([ddm, "profile", "Waterberg", "--out", str(out / "w.html")], repeat=1, env=offline_env(str(out / f"cache{i}")))
            for i in range(args.repeat)
        ]
        cli = sorted(r.seconds for r in cold_cli)[len(cold_cli) // 2]
        peak = max(r.peak_mb for r in cold_cli)
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
        p.to_pptx(out / "an.pptx")
        deck = time.perf_counter() - t0
        t0 = time.perf_counter()
        ddmgeo.profile("Lephalale").to_html(out / "lephalale.html")
        municipal = time.perf_counter() - t0
        t0 = time.perf_counter()
        areas = None if args.areas >= 52 else list(ddmgeo.areas_table("district").code[: args.areas])
        result = profiles.build_all(out / "all", areas=areas, jobs=2, progress=False)
        every = time.perf_counter() - t0
    ratio = cli / floor.seconds
    print(f"{'cold process':52} {'seconds':>8}  goal")
    print(f"{'import floor (ddmgeo, geopandas, matplotlib, jinja2)':52} {floor.seconds:8.2f}")
    print(f"{'ddm profile Waterberg, offline, empty cache':52} {cli:8.2f}  {ratio:.2f} x floor, <= 2.5 x: {verdict(ratio, 2.5)}")
    print(f"{'  peak memory of that process (MB)':52} {peak:8.0f}  <= 250 MB: {verdict(peak, 250)}")
    print()
    rows = [
        ("first profile in a process (loads data)", cold, None),
        ("one profile (HTML)", one, 2.0),
        ("PDF of one profile (WeasyPrint)", pdf, 5.0),
        ("slide deck of one profile (python-pptx)", deck, 5.0),
        ("one local-municipality profile (HTML, with wards)", municipal, 2.0),
        (f"{len(result)} HTML profiles, 2 workers ({(result.status == 'ok').sum()} ok)", every, 15.0 if len(result) == 52 else None),
    ]
    print(f"{'operation':52} {'seconds':>8}  goal")
    for op, secs, goal in rows:
        print(f"{op:52} {secs:8.2f}  {'' if goal is None else ('<= %g s: %s' % (goal, 'met' if secs <= goal else 'MISSED'))}")


if __name__ == "__main__":
    main()
