"""Build many profiles: worker processes, a progress bar, an index page, failures reported not fatal."""

from __future__ import annotations

import datetime as _dt
import sys
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from .. import __version__

if TYPE_CHECKING:
    import pandas as pd

SUFFIX = {"html": ".html", "pdf": ".pdf", "md": ".md"}


def _one(code: str, out_dir: str, fmt: str, vintage: int) -> dict:
    """Build one profile; never raises (the error is returned)."""
    import warnings

    warnings.simplefilter("ignore")
    from . import profile

    path = Path(out_dir) / f"{code}{SUFFIX[fmt]}"
    try:
        p = profile(code, vintage=vintage)
        {"html": p.to_html, "pdf": p.to_pdf, "md": p.to_markdown}[fmt](path)
        row = {"code": code, "name": p.name, "status": "ok", "error": "", "file": path.name}
        for k in p.key_figures:
            row[k.id] = k.value
        return row
    except Exception as exc:  # reported at the end, never silently skipped
        return {"code": code, "name": "", "status": "failed", "error": f"{type(exc).__name__}: {exc}", "file": "", "traceback": traceback.format_exc()}


def build_all(out_dir: Path, *, fmt: str, areas: Iterable[str] | None, vintage: int, jobs: int, progress: bool | None) -> "pd.DataFrame":
    import pandas as pd

    from ..areas import areas_table
    from ..names import resolve

    if fmt not in SUFFIX:
        raise ValueError(f"fmt must be one of {sorted(SUFFIX)}, not {fmt!r}.")
    from ..areas import _code_sort_key

    table = areas_table("district", vintage=vintage)
    table = table.iloc[_code_sort_key(table.code).argsort()]
    codes = list(table.code) if areas is None else [resolve(a, level="district", vintage=vintage) for a in areas]
    out_dir.mkdir(parents=True, exist_ok=True)
    show = sys.stderr.isatty() if progress is None else progress
    from tqdm.auto import tqdm

    bar = tqdm(total=len(codes), desc="profiles", unit="profile", disable=not show, file=sys.stderr)
    rows = []
    if jobs <= 1:
        for code in codes:
            rows.append(_one(code, str(out_dir), fmt, vintage))
            bar.update()
    else:
        import multiprocessing as mp

        # fork keeps the memoised indicators and layers of this process; spawn elsewhere
        ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
        with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
            futures = [pool.submit(_one, code, str(out_dir), fmt, vintage) for code in codes]
            for f in as_completed(futures):
                rows.append(f.result())
                bar.update()
    bar.close()
    result = pd.DataFrame(rows)
    order = {c: i for i, c in enumerate(codes)}
    result = result.sort_values("code", key=lambda s: s.map(order)).reset_index(drop=True)
    names = dict(zip(table.code, table.name))
    result["name"] = result["code"].map(names)
    write_index(out_dir, result, fmt=fmt, vintage=vintage)
    return result


def write_index(out_dir: Path, result: "pd.DataFrame", *, fmt: str, vintage: int) -> Path:
    from .._format import format_value
    from ..areas import areas_table
    from ._render import css, environment

    prov = dict(zip(areas_table("district", vintage=vintage).code, areas_table("district", vintage=vintage).province_code))
    columns = ["District space", "Province", "Population 2016", "Households 2016", "Unemployment 2011", "Income poverty 2011", "Piped water 2016", "Service index 2016", "Status"]
    units = {"population": "persons", "households": "households", "unemployment_rate": "proportion", "income_poverty_rate": "proportion", "piped_water_share": "proportion"}
    rows = []
    for r in result.to_dict("records"):
        row = {
            "District space": f"{r['name']} ({r['code']})",
            "href": r["file"] if r["status"] == "ok" else "",
            "Province": prov.get(r["code"], ""),
            "Status": r["status"],
        }
        for col, key in zip(columns[2:7], units):
            row[col] = format_value(r.get(key), units[key]) if r["status"] == "ok" else ""
        row["Service index 2016"] = f"{r['service_index']:.1f}" if r["status"] == "ok" and r.get("service_index") == r.get("service_index") else ""
        rows.append(row)
    failures = [{"code": r["code"], "name": r["name"], "error": r["error"]} for r in result.to_dict("records") if r["status"] != "ok"]
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
        note="Sources: Statistics South Africa (Census 2011, Community Survey 2016) via Wazimap; boundaries © Municipal Demarcation Board. "
        "Rates are computed from counts; the service index is the mean share served across water, sanitation, electricity, refuse and formal dwellings.",
    )
    path = out_dir / "index.html"
    path.write_text(text, encoding="utf-8")
    return path
