"""Scale-out under a real memory cap: engine="dask" finishes a point file larger than the memory it may use.

A child process caps its own address space (``RLIMIT_AS``) at what it uses after loading ddmgeo plus
CAP_MB, then reads a Parquet dataset whose decoded size is larger than CAP_MB. ``count_points`` and
``budget.spatialise`` with ``engine="dask"`` (one partition at a time, synchronous scheduler) finish
and give the same answer as the in-memory engine run without a cap; under the same cap, an array the size
of the file's decoded columns cannot be allocated, which shows the cap binds.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

pytestmark = [
    pytest.mark.usefixtures("shared_data"),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS and /proc are Linux"),
]

FILES, ROWS = 48, 250_000  # lon, lat, amount: 12 M rows x 24 bytes = 288 MB decoded, 6 MB per file
CAP_MB = 250

CHILD = r"""
import json, resource, sys, warnings
warnings.simplefilter("ignore")
import dask, dask.dataframe as dd, numpy as np, pandas as pd
from ddmgeo import budget, overlays
path, job, cap_mb, decoded = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
overlays.count_points(pd.DataFrame({"lon": [28.0], "lat": [-26.0]}), level="district")  # load boundaries and the label grid
dd.read_parquet(path).partitions[0].compute()  # start Arrow's thread pools before the cap (a thread cannot start under it)
size = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmSize:")) * 1024
cap = size + cap_mb * 2**20
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
out = {}
try:
    np.ones(decoded, dtype=np.uint8)
    out["cap_binds"] = False
except MemoryError:
    out["cap_binds"] = True  # the file's decoded columns do not fit under the cap
try:
    with dask.config.set(scheduler="synchronous"):
        if job == "count":
            r = overlays.count_points(path, level="district", engine="dask")
            out.update(n=r.n.tolist(), partitions=r.attrs["ddmgeo"]["partitions"])
        else:
            r = budget.spatialise(path, amount="amount", engine="dask")
            out.update(cents=r.by_area.amount_cents.tolist(), rows=r.by_area.n_projects.tolist(), input=r.input_cents, unallocated=r.unallocated_cents)
except MemoryError as exc:
    out["memory_error"] = repr(exc)[:200]
out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def big_points(tmp_path_factory):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    folder = tmp_path_factory.mktemp("national") / "points"
    folder.mkdir()
    rng = np.random.default_rng(2026)
    for k in range(FILES):  # uniform over the country's bounding box: about half fall inside
        lon, lat = rng.uniform(16.3, 33.0, ROWS), rng.uniform(-35.0, -22.0, ROWS)
        cents = rng.integers(1, 10**7, ROWS)
        pq.write_table(pa.table({"lon": lon, "lat": lat, "amount": cents / 100}), folder / f"part-{k:03d}.parquet")
    return folder


DECODED = FILES * ROWS * 3 * 8  # bytes of the three float64 columns


def run_capped(path, job: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", CHILD, str(path), job, str(CAP_MB), str(DECODED)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_dask_engines_finish_a_file_larger_than_the_memory_cap(big_points):
    pytest.importorskip("dask.dataframe")
    from ddmgeo import overlays

    assert DECODED > CAP_MB * 2**20
    counted = run_capped(big_points, "count")
    assert counted["cap_binds"], f"{DECODED} bytes fitted under the cap: it does not bind ({counted})"
    assert "memory_error" not in counted, counted
    table = pd.read_parquet(big_points)
    expected = overlays.count_points(table, level="district", weights="amount")
    assert counted["partitions"] == FILES and counted["n"] == expected.n.tolist()

    placed = run_capped(big_points, "budget")
    assert placed["cap_binds"] and "memory_error" not in placed, placed
    cents = np.rint(table.amount.to_numpy() * 100).astype(np.int64)
    assert placed["input"] == int(cents.sum())
    assert placed["input"] == sum(placed["cents"]) + placed["unallocated"]  # every cent accounted for
    # integer cents below 2**53 add exactly as floats: the weighted counts give the same totals per area
    assert placed["cents"] == np.rint(expected.amount.to_numpy() * 100).astype(np.int64).tolist()
    assert placed["rows"] == expected.n.tolist()
