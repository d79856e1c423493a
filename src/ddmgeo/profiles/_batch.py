"""Build many profiles: worker processes, progress, an index page, failures reported not fatal.

* Progress: a tqdm bar in a terminal and in Jupyter; one line per area (``[3/52] DC36 Waterberg: ok``)
  when the output is redirected, so a log shows what happened.
* Ctrl-C stops the batch within a couple of seconds: pending areas are cancelled, workers are
  stopped, the index is written for what was built, and :class:`KeyboardInterrupt` propagates
  (the ``ddm`` command exits 130).
* The folder keeps ``index.json``, the results of every profile built into it; a later run into the
  same folder (a subset, or a retry) merges its results, so ``index.html`` stays complete.
"""

from __future__ import annotations

import datetime as _dt
import json
import sys
import time
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__
from .._optional import require

if TYPE_CHECKING:
    import pandas as pd

SUFFIX = {"html": ".html", "pdf": ".pdf", "md": ".md"}
INDEX_JSON = "index.json"


def _one(code: str, out_dir: str, fmt: str, vintage: int) -> dict:
    """Build one profile; never raises for a failed area (the error is returned)."""
    import warnings

    warnings.simplefilter("ignore")
    from . import profile

    path = Path(out_dir) / f"{code}{SUFFIX[fmt]}"
    start = time.perf_counter()
    try:
        p = profile(code, vintage=vintage)
        {"html": p.to_html, "pdf": p.to_pdf, "md": p.to_markdown}[fmt](path)
        row = {"code": code, "name": p.name, "level": p.level, "status": "ok", "error": "", "file": path.name}
        for k in p.key_figures:
            row[k.id] = k.value
    except Exception as exc:  # reported at the end, never silently skipped
        row = {"code": code, "name": "", "status": "failed", "error": f"{type(exc).__name__}: {exc}", "file": "", "traceback": traceback.format_exc()}
    row["seconds"] = round(time.perf_counter() - start, 2)
    return row


def codes_for(areas: Iterable[str] | None, *, level: str, province: str | None, vintage: int) -> list[str]:
    """The codes to build: the named areas, or every area of *level* (in *province*), in natural order."""
    from ..areas import _code_sort_key, areas_table
    from ..names import resolve

    if areas is not None:
        codes = [resolve(a, vintage=vintage) for a in areas]
        return list(dict.fromkeys(codes))
    table = areas_table(level, vintage=vintage)
    if province is not None:
        prov = resolve(province, level="province", vintage=vintage)
        table = table[table.code == prov] if level == "province" else table[table.province_code == prov]
    return list(table.code.iloc[_code_sort_key(table.code).argsort()])


class _Progress:
    """A tqdm bar on a terminal or in Jupyter, else one line per area on stderr."""

    def __init__(self, total: int, show: bool | None):
        self.total, self.done = total, 0
        interactive = _in_notebook() or sys.stderr.isatty()
        self.mode = "off" if show is False else ("bar" if interactive else "lines")
        self.bar = None
        if self.mode == "bar":
            tqdm = require("tqdm.auto", "report", "to show the progress of a batch of profiles").tqdm

            self.bar = tqdm(total=total, desc="profiles", unit="profile", file=sys.stderr)

    def update(self, row: dict) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.update()
        elif self.mode == "lines":
            what = "ok" if row["status"] == "ok" else f"FAILED ({row['error'].splitlines()[0][:120]})"
            print(f"[{self.done}/{self.total}] {row['code']} {row.get('name', '')}: {what} ({row.get('seconds', 0):.1f} s)", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _in_notebook() -> bool:
    shell = sys.modules.get("IPython")
    try:
        return shell is not None and type(shell.get_ipython()).__name__ == "ZMQInteractiveShell"  # type: ignore[attr-defined]
    except Exception:  # no running IPython
        return False


def _run_serial(codes: list[str], run: Callable[[str], dict], progress: _Progress, rows: list[dict]) -> None:
    for code in codes:
        row = run(code)
        rows.append(row)
        progress.update(row)


def _run_pool(codes: list[str], out_dir: Path, fmt: str, vintage: int, jobs: int, progress: _Progress, rows: list[dict]) -> None:
    import multiprocessing as mp

    # fork keeps the memoised indicators and layers of this process; spawn elsewhere
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=ctx)
    pending: set[Future] = {pool.submit(_one, code, str(out_dir), fmt, vintage) for code in codes}
    try:
        while pending:
            done, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for f in done:
                row = f.result()
                rows.append(row)
                progress.update(row)
    except BaseException:  # Ctrl-C (or any failure here): stop the workers now, not after the queue drains
        for f in pending:
            f.cancel()
        for proc in list(getattr(pool, "_processes", {}).values()):
            proc.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def build_all(
    out_dir: Path,
    *,
    fmt: str,
    areas: Iterable[str] | None,
    vintage: int,
    jobs: int,
    progress: bool | None,
    level: str = "district",
    province: str | None = None,
) -> "pd.DataFrame":
    """Build the profiles (see :func:`ddmgeo.profiles.build_all`); the result lists this run's areas."""
    import pandas as pd

    if fmt not in SUFFIX:
        raise ValueError(f"fmt must be one of {sorted(SUFFIX)}, not {fmt!r}.")
    codes = codes_for(areas, level=level, province=province, vintage=vintage)
    out_dir.mkdir(parents=True, exist_ok=True)
    bar = _Progress(len(codes), progress)
    rows: list[dict] = []
    try:
        if jobs <= 1:
            _run_serial(codes, lambda c: _one(c, str(out_dir), fmt, vintage), bar, rows)
        else:
            _run_pool(codes, out_dir, fmt, vintage, jobs, bar, rows)
    finally:
        bar.close()
        if rows:
            write_index(out_dir, _merge(out_dir, rows), fmt=fmt, vintage=vintage)
    result = pd.DataFrame(rows)
    order = {c: i for i, c in enumerate(codes)}
    result = result.sort_values("code", key=lambda s: s.map(order)).reset_index(drop=True)
    return result


def _merge(out_dir: Path, rows: list[dict]) -> "pd.DataFrame":
    """This run's rows merged into the folder's earlier results (``index.json``), which are rewritten."""
    import pandas as pd

    path = out_dir / INDEX_JSON
    earlier: dict[str, dict] = {}
    if path.is_file():
        try:
            earlier = {r["code"]: r for r in json.loads(path.read_text(encoding="utf-8")).get("profiles", [])}
        except (ValueError, KeyError, TypeError):  # a damaged index is rebuilt from this run
            earlier = {}
    for r in rows:
        earlier[r["code"]] = {k: v for k, v in r.items() if k != "traceback"}
    # an earlier file that is gone is no longer listed as built
    kept = [r for r in earlier.values() if r["status"] != "ok" or (out_dir / r["file"]).is_file()]
    from .._cache import atomic_write

    doc = {"ddmgeo": __version__, "profiles": kept}
    atomic_write(path, lambda tmp: Path(tmp).write_text(json.dumps(doc, indent=1, default=str), encoding="utf-8"))
    return pd.DataFrame(kept)


_INDEX_COLUMNS = (
    ("population", "Population", "persons"),
    ("households", "Households", "households"),
    ("unemployment_rate", "Unemployment", "proportion"),
    ("income_poverty_rate", "Income poverty", "proportion"),
    ("piped_water_share", "Piped water", "proportion"),
)


def _name(row: dict, names: dict) -> str:
    """The name a run recorded for the area, else the gazetteer's."""
    name = row.get("name")
    return name if isinstance(name, str) and name else names.get(row["code"], "")


def write_index(out_dir: Path, result: "pd.DataFrame", *, fmt: str, vintage: int) -> Path:
    """``index.html``: one row per profile in the folder, linked, with its key figures; failures listed."""
    from .._format import format_value, number
    from ..areas import _code_sort_key, areas_table
    from ._render import css, environment

    table = areas_table(vintage=vintage)
    prov = dict(zip(table.code, table.province_code.fillna(table.code)))
    names = dict(zip(table.code, table.name))
    level_of = dict(zip(table.code, table.level))
    result = result.iloc[_code_sort_key(result.code.astype(str)).argsort()]
    columns = ["Area", "Level", "Province", *[label for _, label, _ in _INDEX_COLUMNS], "Service index", "Status"]
    rows = []
    for r in result.to_dict("records"):
        ok = r["status"] == "ok"
        row = {"Area": f"{_name(r, names)} ({r['code']})", "href": r["file"] if ok else "", "Level": level_of.get(r["code"], ""), "Province": prov.get(r["code"], ""), "Status": r["status"]}
        for key, label, unit in _INDEX_COLUMNS:
            row[label] = format_value(r.get(key), unit) if ok and key in r else ""
        si = r.get("service_index")
        row["Service index"] = number(si, 1) if ok and isinstance(si, (int, float)) and si == si else ""
        rows.append(row)
    failures = [{"code": r["code"], "name": _name(r, names), "error": r["error"]} for r in result.to_dict("records") if r["status"] != "ok"]
    text = environment().get_template("index.html.j2").render(
        css=css(),
        rows=rows,
        columns=columns,
        failures=failures,
        n_ok=int((result.status == "ok").sum()),
        n_failed=len(failures),
        vintage=vintage,
        version=__version__,
        generated=_dt.date.today().isoformat(),
        note="Key figures as in each profile (the latest year the data holds for each); rates are computed from counts. "
        "Statistics: Statistics South Africa and the other sources listed in each profile; the analysis is the user's own.",
    )
    path = out_dir / "index.html"
    path.write_text(text, encoding="utf-8")
    return path
