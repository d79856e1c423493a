"""The benchmark suite still runs (quick sizes). No timing is asserted: the machines are shared and noisy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.usefixtures("shared_data")
def test_quick_benchmarks_run(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--json", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=dict(os.environ, DDMGEO_CACHE_DIR=str(tmp_path / "cache")),
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    results = json.loads(out.read_text())["results"]
    scripts = sorted(p.name for p in (REPO / "benchmarks").glob("bench_*.py"))
    assert sorted(r["script"] for r in results) == scripts  # every benchmark script is in the suite
    assert all(r["returncode"] == 0 and r["output"] for r in results)
