"""Time whole commands as fresh processes: median wall time and peak resident memory.

Used by the benchmarks whose goals are about a cold process (what a user waits for when
typing a command), not about a function called in a warm interpreter.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass

#: The bare import floor a cold profile is compared with (issue 17).
IMPORT_FLOOR = [sys.executable, "-c", "import ddmgeo, geopandas, matplotlib, jinja2"]


@dataclass
class Run:
    seconds: float  # median wall time
    peak_mb: float  # largest peak resident set size over the runs


def timed(cmd: list[str], *, repeat: int = 5, env: dict[str, str] | None = None, cwd: str | None = None) -> Run:
    """Run *cmd* *repeat* times as a new process; raise when it fails."""
    walls, peaks = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        walls.append(time.perf_counter() - t0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        if proc.returncode:
            raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}:\n{err[-2000:]}")
        peaks.append(usage.ru_maxrss / 1024)  # kilobytes on Linux
    return Run(statistics.median(walls), max(peaks))


def offline_env(cache_dir: str) -> dict[str, str]:
    """The newcomer's environment: no data folder, an empty cache of its own, no network."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DDMGEO_")}
    env.update(DDMGEO_OFFLINE="1", DDMGEO_CACHE_DIR=cache_dir, MPLBACKEND="Agg")
    return env


def verdict(value: float, goal: float) -> str:
    return "met" if value <= goal else "MISSED"
