"""Progress against targets: a planner's table of targets read like any user table, every row accounted for."""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import _catalogue, _meta, settings
from .._vintage import code_vintage
from . import _comparability
from ._change import common_source

if TYPE_CHECKING:
    import os

    import pandas as pd

    from ..tables import JoinReport

#: statuses of a target row
STATUSES = (
    "on track", "off track", "no data", "no later data", "not comparable", "not available",
    "invalid target", "unknown indicator", "unmatched area",
)  # fmt: skip
_ROLES = {
    "indicator": ("indicator", "indicator_id", "indicator_code"),
    "target": ("target", "target_value"),
    "target_year": ("target_year", "target_date", "by_year"),
    "baseline_year": ("baseline_year", "base_year"),
}
COLUMNS = (
    "line", "area", "code", "name", "indicator", "baseline_year", "baseline", "latest_year", "latest",
    "target_year", "target", "progress", "elapsed", "expected_latest", "required_annual_change",
    "actual_annual_change", "needed_annual_change", "on_track", "status", "caveat", "note",
)  # fmt: skip


def _empty(columns) -> "pd.DataFrame":
    import pandas as pd

    return pd.DataFrame(columns=list(columns), dtype=object)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@dataclass(eq=False, repr=False)
class TrackReport(_meta.Report):
    """What happened to every row of a targets table read by :func:`track`.

    Attributes
    ----------
    n_rows : int
        Target rows (blank rows not counted).
    on_track, off_track : int
        Rows judged on or off track.
    unmatched_areas : pandas.DataFrame
        ``line, value, reason, suggestions`` of rows whose area did not resolve (from the JoinReport).
    unknown_indicators : pandas.DataFrame
        ``line, value, suggestions`` (close catalogue ids) of rows whose indicator is not in the catalogue.
    not_assessed : pandas.DataFrame
        ``line, code, indicator, status, reason`` of the other rows without a verdict (not
        comparable, not available, no data, invalid target, no later data).
    duplicates : pandas.DataFrame
        ``code, indicator, lines``: the same area and indicator given more than once (every row is kept).
    former_names : list of str
        Areas named by a former name, with what they became.
    notes : list of str
        How values were read (e.g. a share target written as a percentage).
    join : JoinReport
        The report of :func:`ddmgeo.read_table` on the targets table.
    """

    n_rows: int = 0
    on_track: int = 0
    off_track: int = 0
    unmatched_areas: "pd.DataFrame" = field(default_factory=lambda: _empty(("line", "value", "reason", "suggestions")))
    unknown_indicators: "pd.DataFrame" = field(default_factory=lambda: _empty(("line", "value", "suggestions")))
    not_assessed: "pd.DataFrame" = field(default_factory=lambda: _empty(("line", "code", "indicator", "status", "reason")))
    duplicates: "pd.DataFrame" = field(default_factory=lambda: _empty(("code", "indicator", "lines")))
    former_names: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    join: "JoinReport | None" = None

    @property
    def ok(self) -> bool:
        """True when every area and indicator was recognised and no target is given twice."""
        return self.unmatched_areas.empty and self.unknown_indicators.empty and self.duplicates.empty

    def headline(self) -> str:
        """``"7 target rows: 3 on track, 1 off track, 1 not assessed, 1 unmatched area, 1 unknown indicator."``"""
        return (
            f"{_plural(self.n_rows, 'target row')}: {self.on_track} on track, {self.off_track} off track, "
            f"{len(self.not_assessed)} not assessed, {_plural(len(self.unmatched_areas), 'unmatched area')}, "
            f"{_plural(len(self.unknown_indicators), 'unknown indicator')}."
        )

    def _sections(self) -> list[tuple[str, list[str]]]:
        out: list[tuple[str, list[str]]] = []
        items = []
        for r in self.unmatched_areas.itertuples(index=False):
            text = f"line {r.line} {r.value!r}: {r.reason}"
            if len(r.suggestions):
                text += "; closest: " + "; ".join(r.suggestions[:3])
            items.append(text)
        out.append(("Unmatched areas", items))
        items = []
        for r in self.unknown_indicators.itertuples(index=False):
            text = f"line {r.line} {r.value!r}: not in the catalogue"
            if len(r.suggestions):
                text += "; closest: " + ", ".join(r.suggestions)
            items.append(text)
        out.append(("Unknown indicators", items))
        out.append(("Not assessed", [f"line {r.line} {r.code} {r.indicator}: {r.status} ({r.reason})" for r in self.not_assessed.itertuples(index=False)]))
        out.append(("Given twice", [f"{r.code} {r.indicator} on lines {', '.join(map(str, r.lines))}" for r in self.duplicates.itertuples(index=False)]))
        out.append(("Former names", list(self.former_names)))
        out.append(("Notes", list(self.notes)))
        return [(title, items) for title, items in out if items]

    def summary(self) -> str:
        """The report as text: the headline, then every problem and note."""
        lines = [self.headline()]
        for title, items in self._sections():
            lines += [f"{title}:"] + [f"  {i}" for i in items]
        return "\n".join(lines)

    __str__ = summary

    def __repr__(self) -> str:
        return f"<TrackReport: {self.headline()}>"

    def _repr_html_(self) -> str:
        esc = html.escape
        parts = [f"<div class='ddmgeo-trackreport'><p><strong>{esc(self.headline())}</strong></p>"]
        for title, items in self._sections():
            parts.append(f"<p>{esc(title)}</p><ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>")
        return "".join(parts) + "</div>"


# ----------------------------------------------------------------------------- reading the targets


def _norm(name: object) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(name).strip().lower()).strip("_")


def _columns(table: "pd.DataFrame", columns: Mapping[str, str] | None, area_column: str | None) -> dict[str, str | None]:
    from ..errors import TableError

    given = dict(columns or {})
    unknown_roles = set(given) - set(_ROLES)
    if unknown_roles:
        raise ValueError(f"columns= maps {sorted(unknown_roles)}; its keys are {list(_ROLES)} (the table's column for each).")
    found: dict[str, str | None] = {}
    by_norm = {_norm(c): c for c in table.columns if c not in ("code", "level", area_column)}
    for role, names in _ROLES.items():
        if role in given:
            if given[role] not in table.columns:
                raise TableError(f"columns= names {given[role]!r} for {role}, but the table has no such column; it has {list(table.columns)}.")
            found[role] = given[role]
            continue
        found[role] = next((by_norm[n] for n in names if n in by_norm), None)
    missing = [r for r in ("indicator", "target", "target_year") if found[r] is None]
    if missing:
        raise TableError(
            f"The targets table needs the columns indicator, target and target_year (baseline_year optional); {', '.join(missing)} "
            f"not found among {list(table.columns)}. Rename them, or say which is which: columns={{'target': 'Goal', ...}}."
        )
    return found


def _indicator_id(text: object) -> tuple[str | None, str | None]:
    """(catalogue id, the text as written) - matched exactly, else ignoring case, spaces and hyphens."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return None, None
    raw = str(text).strip()
    ids = _catalogue.definitions()
    if raw in ids:
        return raw, raw
    norm = _norm(raw)
    return (norm if norm in ids else None), raw


def _suggest(text: str) -> tuple[str, ...]:
    ids = list(_catalogue.definitions())
    return tuple(difflib.get_close_matches(_norm(text) or text, ids, n=3, cutoff=0.6))


def _year(v: Any, column: str) -> tuple[int | None, str]:
    """The year in a cell and, when the cell holds something that is not a plausible year, why (else "").

    An empty cell is (None, ""): no year given. ``"2016"`` is 2016; ``"2016/17"``, ``2016.5`` and ``20300``
    are (None, the reason naming *column*), so the row is reported, never judged against another year.
    """
    import pandas as pd

    from .._numbers import read_year
    from ..errors import YearError

    if isinstance(v, str) and not v.strip() or not isinstance(v, str) and np.ndim(v) == 0 and pd.isna(v):
        return None, ""
    try:
        return read_year(v, column), ""
    except YearError as exc:
        return None, str(exc)



# ----------------------------------------------------------------------------- values


class _Values:
    """Indicator values per (indicator, year), fetched once; a failure is kept as its reason."""

    def __init__(self, level: str, vintage: int):
        self.level, self.vintage = level, vintage
        self._memo: dict[tuple[str, int | None], Any] = {}

    def get(self, indicator: str, year: int | None, source: str | None = None):
        """(values by code, year, sources) or the reason they are not available (*source*: see ``indicators.get``)."""
        from .. import indicators
        from ..errors import AggregationError, DataNotAvailableError, VintageError

        key = (indicator, year, source)
        if key not in self._memo:
            try:
                t = indicators.get(indicator, level=self.level, year=year, vintage=self.vintage, source=source)
                m = _meta.read(t).indicators[indicator]
                self._memo[key] = (t.set_index("code")[indicator], int(m["year"]), m["source"].split(";"))
            except (DataNotAvailableError, VintageError, AggregationError) as exc:
                self._memo[key] = str(exc)
        return self._memo[key]


def _frozen(baseline: "pd.DataFrame", level: str, vintage: int) -> dict[tuple[str, str], tuple[int, float, list[str]]]:
    from ._baseline import FORMAT

    meta = _meta.read(baseline)
    if meta.get("format") != FORMAT:
        raise ValueError("baseline= takes a year or a table made by ddmgeo.monitoring.baseline() / load_baseline(); this table has no baseline metadata.")
    if meta.get("level") != level or int(meta.get("vintage", -1)) != code_vintage(vintage):
        raise ValueError(
            f"The baseline is of level {meta.get('level')!r} on {meta.get('vintage')} boundaries, but the targets are tracked at level "
            f"{level!r} on {vintage} boundaries: pass level= and vintage= to match, or make a baseline for them."
        )
    return {(c, i): (int(y), float(v), s.split(";")) for c, i, y, v, s in zip(baseline["code"], baseline["indicator"], baseline["year"], baseline["value"], baseline["source"])}


# ----------------------------------------------------------------------------- the verdict


def _verdict(b: float, latest: float, target: float, by: int, ly: int, ty: int, higher_is: str) -> dict:
    """Progress along the straight line from (baseline year, baseline) to (target year, target)."""
    span = ty - by
    elapsed = min((ly - by) / span, 1.0)
    d = target - b
    out = {
        "elapsed": elapsed,
        "required_annual_change": d / span,
        "actual_annual_change": (latest - b) / (ly - by),
        "needed_annual_change": (target - latest) / (ty - ly) if ty > ly else np.nan,
        "expected_latest": b + d * elapsed,
    }
    if d != 0:
        progress = (latest - b) / d
        out["progress"] = progress
        out["on_track"] = bool(progress >= elapsed - 1e-9)
    else:  # a target to hold the baseline: on track while not worse than it
        out["progress"] = np.nan
        if higher_is == "better":
            out["on_track"] = bool(latest >= target)
        elif higher_is == "worse":
            out["on_track"] = bool(latest <= target)
        else:
            out["on_track"] = bool(abs(latest - target) <= 1e-9 * max(1.0, abs(target)))
    return out


def track(
    targets: "str | os.PathLike[str] | pd.DataFrame",
    *,
    latest: int | None = None,
    baseline: "int | pd.DataFrame | None" = None,
    level: str = "district",
    vintage: int = settings.DEFAULT_VINTAGE,
    area: str | None = None,
    columns: Mapping[str, str] | None = None,
    sheet: str | int | None = None,
) -> tuple["pd.DataFrame", TrackReport]:
    """Progress towards targets, and whether each is on track along a straight line from baseline to target.

    The targets table is read with :func:`ddmgeo.read_table` (any file or DataFrame it reads;
    area names, codes and former names resolved). It needs the columns ``indicator``,
    ``target`` and ``target_year`` and may have ``baseline_year`` (names matched ignoring
    case and spaces; ``columns=`` maps others). A share may be written as a fraction (0.45)
    or a percentage ("45%", or 45: read as 45 % and noted in the report).

    A target is *on track* when the latest value has covered at least the share of the
    distance from baseline to target that the time elapsed since the baseline year is of the
    time to the target year (``progress >= elapsed``). A target equal to its baseline (hold
    the level) is on track while the value is not worse than it by the catalogue's ``higher_is``.

    When the latest value's source series also gives the baseline year (Census 2022 publishes
    Census 2011 re-based on its own boundaries), the baseline is read from it, so baseline and
    latest stand on one set of boundaries (the row's ``note`` says so); a frozen baseline is used
    as it is.

    Parameters
    ----------
    targets : path or pandas.DataFrame
        One row per area and indicator.
    latest : int, optional
        The year to judge progress at; by default each indicator's latest year.
    baseline : int or pandas.DataFrame, optional
        The baseline year for rows without a ``baseline_year``, or a frozen baseline
        (:func:`baseline` / :func:`load_baseline`) whose values are used where it has the
        area and indicator. Otherwise each indicator's earliest year.
    level : str, default "district"
        Level of the areas (``district``, ``municipality``, ``province``).
    vintage : int, default 2016
        Boundary vintage: names are resolved to its codes and values harmonised to it.
    area : str, optional
        The column naming the areas (found automatically by default).
    columns : dict, optional
        ``{"indicator": ..., "target": ..., "target_year": ..., "baseline_year": ...}``: the
        table's column for each role when its names differ.
    sheet : str or int, optional
        Workbook sheet for Excel files.

    Returns
    -------
    table : pandas.DataFrame
        One row per target row, in order: ``line, area, code, name, indicator, baseline_year,
        baseline, latest_year, latest, target_year, target, progress`` (share of the distance
        covered), ``elapsed`` (share of the time), ``expected_latest`` (the straight-line value at
        the latest year), ``required_annual_change`` (the line's slope), ``actual_annual_change``,
        ``needed_annual_change`` (from the latest value to reach the target), ``on_track``,
        ``status`` (one of :data:`STATUSES`), ``caveat`` (comparability) and ``note``.
        Rows whose area or indicator is unknown are kept, with that status.
    report : TrackReport
        Unmatched areas (with closest matches), unknown indicators (with close ids), rows not
        assessed and why, targets given twice, former names and notes.

    Examples
    --------
    >>> import pandas as pd
    >>> from ddmgeo import monitoring
    >>> targets = pd.DataFrame({"district": ["Waterberg"], "indicator": ["informal_dwelling_share"],
    ...                         "target": [0.05], "target_year": [2021], "baseline_year": [2011]})
    >>> table, report = monitoring.track(targets)
    >>> table[["name", "baseline", "latest", "progress", "status"]].round(3)
            name  baseline  latest  progress     status
    0  Waterberg     0.111   0.075     0.586  off track
    """
    import pandas as pd

    from .._numbers import read_year
    from ..areas import areas_table

    latest = None if latest is None else read_year(latest, "latest")
    if baseline is not None and not isinstance(baseline, pd.DataFrame):
        baseline = read_year(baseline, "baseline")
    v = code_vintage(vintage)
    table, join, roles = _read_targets(targets, area=area, level=level, vintage=vintage, sheet=sheet, columns=columns)
    frozen = _frozen(baseline, level, vintage) if isinstance(baseline, pd.DataFrame) else {}
    default_base = None if isinstance(baseline, pd.DataFrame) else (None if baseline is None else int(baseline))
    names = areas_table(level, vintage=v).set_index("code")["name"].to_dict()
    values = _Values(level, vintage)
    notes: list[str] = []
    unknown_rows, rows = [], []
    unmatched_lines = set(join.unmatched["line"].tolist())

    for line, r in table.iterrows():
        row, code, ind, raw = _start_row(line, r, roles, join.area_column, names)
        rows.append(row)
        if ind is not None and raw != ind:
            notes.append(f"line {line}: indicator {raw!r} read as {ind!r}")
        if line in unmatched_lines or code is None:
            row["status"] = "unmatched area"
            row["note"] = "the area did not resolve (see the report)"
            if ind is None:
                unknown_rows.append((line, raw, _suggest(raw) if raw else ()))
            continue
        if ind is None:
            row["status"] = "unknown indicator"
            row["note"] = "not an indicator of the catalogue" if raw else "no indicator given"
            unknown_rows.append((line, raw, _suggest(raw) if raw else ()))
            continue
        _assess_row(row, r, roles, ind, values, frozen, default_base, latest, level, notes)

    out = _frame(rows)
    report = _report(out, join, unknown_rows, notes)
    _meta.attach(out, level=level, vintage=v, latest=latest)
    return out, report


def _read_targets(targets, *, area, level: str, vintage: int, sheet, columns):
    """The targets table read by read_table (areas resolved), its join report and the column of each role.
    Year columns stay as written: each row's year is read by _year, and a bad one ("2016/17") is that row's status."""
    from ..tables import _read_table

    year_columns = {n for role in ("target_year", "baseline_year") for n in _ROLES[role]} | {c for r, c in (columns or {}).items() if r.endswith("_year")}
    table, join = _read_table(targets, area=area, level=level, vintage=vintage, sheet=sheet, keep_text=lambda c: c in year_columns or _norm(c) in year_columns)
    return table, join, _columns(table, columns, join.area_column)


def _start_row(line, r, roles: dict, area_column: str, names: dict) -> tuple[dict, Any, str | None, str]:
    """A target row as read: area, code, indicator (as written and as resolved), target and years."""
    import pandas as pd

    row: dict[str, Any] = {c: np.nan for c in COLUMNS}
    code = None if pd.isna(r["code"]) else r["code"]
    row.update(line=line, area=r[area_column], code=code, name=names.get(code))
    ind, raw = _indicator_id(r[roles["indicator"]])
    row["indicator"] = ind or raw
    row["on_track"] = pd.NA
    row["caveat"] = ""
    row["note"] = ""
    row["target"] = pd.to_numeric(r[roles["target"]], errors="coerce")
    row["target_year"], row["year_problem"] = _year(r[roles["target_year"]], roles["target_year"])
    if roles["baseline_year"]:
        row["baseline_year_given"], problem = _year(r[roles["baseline_year"]], roles["baseline_year"])
        row["year_problem"] = "; ".join(p for p in (row["year_problem"], problem) if p)
    return row, code, ind, raw


def _frame(rows: list[dict]) -> "pd.DataFrame":
    """The tracking table, with nullable integer years and float values."""
    import pandas as pd

    out = pd.DataFrame(rows, columns=list(COLUMNS))
    for c in ("baseline_year", "latest_year", "target_year"):
        out[c] = pd.array([None if pd.isna(x) else int(x) for x in out[c]], dtype="Int64")
    for c in ("baseline", "latest", "target", "progress", "elapsed", "expected_latest", "required_annual_change", "actual_annual_change", "needed_annual_change"):
        out[c] = pd.to_numeric(out[c], errors="coerce").astype("float64")
    out["on_track"] = out["on_track"].astype("boolean")
    return out


def _report(out: "pd.DataFrame", join, unknown_rows: list, notes: list[str]) -> TrackReport:
    """What happened to every target row: verdicts, unmatched areas, unknown indicators, rows not assessed, duplicates."""
    import pandas as pd

    assessed = out[~out.status.isin(("on track", "off track", "unmatched area", "unknown indicator"))]
    dup = out[out.code.notna() & out.status.ne("unknown indicator")].groupby(["code", "indicator"], sort=False)["line"].agg(list)
    dup = dup[dup.map(len) > 1]
    return TrackReport(
        n_rows=len(out),
        on_track=int((out.status == "on track").sum()),
        off_track=int((out.status == "off track").sum()),
        unmatched_areas=join.unmatched.reset_index(drop=True),
        unknown_indicators=pd.DataFrame(unknown_rows, columns=["line", "value", "suggestions"], dtype=object),
        not_assessed=pd.DataFrame(
            {"line": assessed.line.tolist(), "code": assessed.code.tolist(), "indicator": assessed.indicator.tolist(), "status": assessed.status.tolist(), "reason": assessed.note.tolist()},
            columns=["line", "code", "indicator", "status", "reason"],
            dtype=object,
        ),
        duplicates=pd.DataFrame([(c, i, lines) for (c, i), lines in dup.items()], columns=["code", "indicator", "lines"], dtype=object),
        former_names=list(join.former_names),
        notes=list(dict.fromkeys(notes)),
        join=join,
    )


def _assess_row(row: dict, r, roles: dict, ind: str, values: _Values, frozen: dict, default_base: int | None, latest: int | None, level: str, notes: list[str]) -> None:
    """Fill one target row's values and verdict (status and note say why when there is none)."""
    d = _catalogue.first(ind)
    target, ty = row["target"], row["target_year"]
    if d.unit == "proportion" and np.isfinite(target) and 1 < abs(target) <= 100:
        notes.append(f"line {row['line']}: target {target:g} for {ind} (a share) read as {target:g} % = {target / 100:g}")
        target = row["target"] = target / 100
    if row.get("year_problem"):
        row["status"], row["note"] = "invalid target", row["year_problem"]
        return
    if not np.isfinite(target) or ty is None:
        row["status"], row["note"] = "invalid target", "the target value or target year is missing or not a number"
        return
    # the latest value
    got = values.get(ind, latest)
    if isinstance(got, str):
        row["status"], row["note"] = "not available", got
        return
    latest_values, ly, latest_sources = got
    row["latest_year"], row["latest"] = ly, float(latest_values.get(row["code"], np.nan))
    # the baseline value
    by = row.get("baseline_year_given")
    if (row["code"], ind) in frozen:
        fy, fv, fs = frozen[(row["code"], ind)]
        if by is not None and by != fy:
            row["note"] = f"baseline {fy} from the frozen baseline (the table asks for {by}); "
        by, base_value, base_sources = fy, fv, fs
    else:
        by = by if by is not None else default_base if default_base is not None else min(_comparability.years_of(ind, level))
        # the latest year's source series, when it has the baseline year too (Census 2022's re-based 2011): one set of boundaries
        common = common_source(ind, by, ly, level) if ly > by else None
        if common:
            row["note"] += f"baseline {by} from {common}, the source of the latest value (the same boundaries); "
        got = values.get(ind, by, common)
        if isinstance(got, str):
            row["status"], row["note"] = "not available", row["note"] + got
            return
        base_values, by, base_sources = got
        base_value = float(base_values.get(row["code"], np.nan))
    row["baseline_year"], row["baseline"] = by, base_value
    if ty <= by:
        row["status"], row["note"] = "invalid target", row["note"] + f"the target year {ty} is not after the baseline year {by}"
        return
    if ly <= by:
        row["status"], row["note"] = "no later data", row["note"] + f"{ind} has no value after the baseline year {by} (latest {ly})"
        return
    gap = _comparability.year_gap(ind, by, ly, level)
    verdict = gap or _comparability.assess(ind, by, ly, sources=(base_sources, latest_sources))
    if verdict.comparable == "no":
        row["status"], row["note"] = "not comparable", row["note"] + verdict.reason
        return
    row["caveat"] = verdict.caveat
    if not (np.isfinite(row["baseline"]) and np.isfinite(row["latest"])):
        which = " and ".join(n for n, x in (("baseline", row["baseline"]), ("latest", row["latest"])) if not np.isfinite(x))
        row["status"], row["note"] = "no data", row["note"] + f"the {which} value is missing"
        return
    worse_target = (d.higher_is == "better" and target < row["baseline"]) or (d.higher_is == "worse" and target > row["baseline"])
    if worse_target:
        row["status"] = "invalid target"
        row["note"] = row["note"] + (
            f"the target {target:g} is worse than the baseline {row['baseline']:g} for an indicator where "
            f"{'higher' if d.higher_is == 'better' else 'lower'} is better; set an improving target, or the baseline itself to hold it"
        )
        return
    row.update(_verdict(row["baseline"], row["latest"], target, by, ly, ty, d.higher_is))
    row["status"] = "on track" if row["on_track"] else "off track"
    if np.isfinite(row["progress"]) and row["progress"] >= 1:
        row["note"] += "target already reached"
    row["note"] = row["note"].rstrip("; ")
