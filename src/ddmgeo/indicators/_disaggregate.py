"""Indicators by sex or age group, driven by ``data/indicators/disaggregations.csv``.

Each row of the table says how one group of one *count* indicator is counted::

    indicator, by, group, source, dataset, measure, categories, exclude, year, default_year, notes

``dataset`` may name several registered tables separated by ``;`` (the mid-year estimates come
in a district file and a municipal file); ``categories`` are fnmatch patterns joined with
``" || "`` as in the catalogue; ``source`` groups the rows that belong together (a share is only
ever computed from a numerator and denominator of the *same* source and year). A row with no
dataset records a known gap: its ``notes`` say what the shared data lacks and what would fill it.

Shares, rates and means are not listed: they are computed per group from their catalogue
numerator and denominator, each disaggregated the same way (e.g. ``income_poverty_rate`` by age =
``income_poor`` by age / ``income_known`` by age). Group counts go through the indicator engine
(:func:`ddmgeo.indicators._engine.count_values`), so 2011-coded counts are moved to 2016
boundaries through the lineage table and coarser levels are built from their parts exactly as
for the undisaggregated indicators.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from .. import _catalogue, _meta, settings
from .._catalogue import RATIO_KINDS, SEP, Definition, parse_years
from ..errors import AggregationError, DataNotAvailableError, DDMGeoError, VintageError

if TYPE_CHECKING:
    import pandas as pd

BYS = ("sex", "age")
LEVELS = ("country", "province", "district", "municipality")
COLUMNS = ["indicator", "by", "group", "source", "dataset", "measure", "categories", "exclude", "year", "default_year", "notes"]


@dataclass(frozen=True)
class Group:
    """One group (e.g. Female, or 15-19) of one indicator from one source."""

    indicator: str
    by: str
    label: str
    source: str
    datasets: tuple[str, ...]
    measure: str
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    years: tuple[int, ...]
    default_year: int
    notes: str


@dataclass(frozen=True)
class Option:
    """A source that can serve an (indicator, by): its years and group labels."""

    source: str
    years: frozenset
    default_year: int
    labels: tuple[str, ...]
    notes: tuple[str, ...] = ()


@dataclass
class ByResult:
    """Values of one indicator per area and group."""

    definition: Definition
    by: str
    level: str
    year: int
    vintage: int
    source: str
    labels: tuple[str, ...]
    frame: "pd.DataFrame"  # columns code, <by>, value, numerator, denominator
    sources: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# ----------------------------------------------------------------------------- the table


@lru_cache(maxsize=1)
def table() -> "pd.DataFrame":
    """``data/indicators/disaggregations.csv``, validated."""
    import pandas as pd

    from .._sources import source_specs

    path = settings.package_data_dir() / "indicators" / "disaggregations.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    problems = []
    if list(df.columns) != COLUMNS:
        problems.append(f"columns are {list(df.columns)}, expected {COLUMNS}")
    else:
        specs = source_specs()
        defs = _catalogue.definitions()
        for i, r in df.iterrows():
            where = f"disaggregations.csv line {i + 2} ({r['indicator']}, {r['by']})"
            if r["indicator"] not in defs:
                problems.append(f"{where}: {r['indicator']!r} is not a catalogue id")
            elif r["dataset"] and _catalogue.first(r["indicator"]).kind != "count":
                problems.append(f"{where}: only counts are listed; shares and rates come from their numerator and denominator")
            if r["by"] not in BYS:
                problems.append(f"{where}: by must be one of {BYS}")
            if r["dataset"]:
                for ds in r["dataset"].split(";"):
                    if ds not in specs:
                        problems.append(f"{where}: dataset {ds!r} has no entry in sources.toml")
                if not (r["group"] and r["source"] and r["measure"] and r["categories"] and r["year"] and r["default_year"]):
                    problems.append(f"{where}: a group row needs group, source, measure, categories, year and default_year")
            elif not r["notes"]:
                problems.append(f"{where}: a row without a dataset records a gap, and its notes must say what would fill it")
        keyed = df[df.dataset != ""]
        dup = keyed.duplicated(["indicator", "by", "source", "group"])
        if dup.any():
            problems.append(f"duplicate groups: {keyed[dup][['indicator', 'by', 'source', 'group']].values.tolist()[:5]}")
    if problems:
        raise DDMGeoError("The disaggregation table is inconsistent:\n  " + "\n  ".join(problems))
    return df


@lru_cache(maxsize=1)
def _index() -> tuple[dict, dict]:
    """(indicator, by) -> {source: [Group, ...]} and (indicator, by) -> gap text."""
    groups: dict[tuple[str, str], dict[str, list[Group]]] = {}
    gaps: dict[tuple[str, str], str] = {}
    for r in table().to_dict("records"):
        key = (r["indicator"], r["by"])
        if not r["dataset"]:
            gaps[key] = r["notes"]
            continue
        g = Group(
            indicator=r["indicator"],
            by=r["by"],
            label=r["group"],
            source=r["source"],
            datasets=tuple(r["dataset"].split(";")),
            measure=r["measure"],
            include=tuple(p for p in r["categories"].split(SEP) if p),
            exclude=tuple(p for p in r["exclude"].split(SEP) if p),
            years=tuple(parse_years(r["year"])),
            default_year=int(r["default_year"]),
            notes=r["notes"],
        )
        groups.setdefault(key, {}).setdefault(g.source, []).append(g)
    return groups, gaps


def available(by: str | None = None) -> "pd.DataFrame":
    """Every (indicator, by) ddmgeo can disaggregate, with its groups, sources and years."""
    import pandas as pd

    from .._catalogue import years_text as _years_text

    rows = []
    for ind in _catalogue.definitions():
        for b in BYS if by is None else (by,):
            try:
                opts = options(ind, b)
            except DataNotAvailableError:
                continue
            for o in opts:
                rows.append({"indicator": ind, "by": b, "source": o.source, "groups": ", ".join(o.labels), "years": _years_text(sorted(o.years)), "notes": "; ".join(o.notes)})
    return pd.DataFrame(rows, columns=["indicator", "by", "source", "groups", "years", "notes"])


def check_by(by: str) -> None:
    if by not in BYS:
        raise ValueError(f"by must be None, 'sex' or 'age', not {by!r}.")


# ----------------------------------------------------------------------------- what can serve an (indicator, by)


def options(indicator: str, by: str) -> list[Option]:
    """The sources that serve *indicator* by *by*, in order of preference; DataNotAvailableError if none."""
    check_by(by)
    d = _catalogue.first(indicator)
    groups, gaps = _index()
    key = (indicator, by)
    if key in groups:
        out = []
        for source, gs in groups[key].items():
            years = frozenset(gs[0].years)
            out.append(Option(source, years, gs[0].default_year, tuple(g.label for g in gs), tuple(dict.fromkeys(g.notes for g in gs if g.notes))))
        return out
    if key in gaps:
        raise DataNotAvailableError(f"{indicator} by {by}: {gaps[key]}.")
    if d.kind in RATIO_KINDS and not d.direct:
        try:
            num = options(d.numerator, by)
            den = options(d.denominator, by)
        except DataNotAvailableError as exc:
            raise DataNotAvailableError(f"{indicator} by {by} is computed from {d.numerator} / {d.denominator}, and {exc}") from None
        out = []
        for o in num:
            for p in den:
                if p.source == o.source and set(o.years) & set(p.years) and set(o.labels) & set(p.labels):
                    labels = tuple(lab for lab in o.labels if lab in p.labels)
                    out.append(Option(o.source, frozenset(o.years & p.years), min(o.default_year, p.default_year), labels, tuple(dict.fromkeys(o.notes + p.notes))))
        if out:
            return out
        raise DataNotAvailableError(
            f"{indicator} by {by}: its numerator {d.numerator} ({', '.join(o.source for o in num)}) and denominator "
            f"{d.denominator} ({', '.join(p.source for p in den)}) have no source in common, and a {d.kind} is only computed "
            "from counts of one source and year. A table giving both by the same breakdown would fill it."
        )
    datasets = sorted({x.dataset for x in _catalogue.lookup(indicator) if x.dataset})
    have = sorted({k[0] for k in groups if k[1] == by})
    raise DataNotAvailableError(
        f"{indicator} by {by} is not in the shared data: its source table(s) ({', '.join(datasets) or 'none'}) have no {by} breakdown, "
        f"and ddmgeo does not estimate one. A table of {d.label.lower()} by {by} from the same source would fill it "
        f"(add its groups to data/indicators/disaggregations.csv). Indicators available by {by}: {', '.join(have)} "
        "(and the shares and rates built from them; ddmgeo.indicators.disaggregations() lists them)."
    )


def _choose(indicator: str, by: str, level: str, year: int | None, vintage: int) -> list[tuple[Option, int]]:
    """(option, year) candidates to try, best first."""
    from .._catalogue import years_text as _years_text
    from ._engine import compute

    opts = options(indicator, by)
    if year is not None:
        found = [(o, year) for o in opts if year in o.years]
        if not found:
            years = sorted({y for o in opts for y in o.years})
            raise DataNotAvailableError(f"{indicator} by {by} is not available for {year}; years available: {_years_text(years)}.")
        return found
    # by default, the year the undisaggregated indicator has, so get(x) and get(x, by=...) agree
    target = None
    try:
        target = compute(indicator, level, None, vintage).year
    except DDMGeoError:
        pass
    first = [(o, target) for o in opts if target is not None and target in o.years]
    rest = sorted(((o, o.default_year) for o in opts), key=lambda t: -t[1])
    return first + [t for t in rest if t not in first]


# ----------------------------------------------------------------------------- computing


def _group_definition(g: Group, dataset: str) -> Definition:
    d = _catalogue.first(g.indicator)
    return Definition(
        id=f"{g.indicator}[{g.by}={g.label}]",
        label=f"{d.label} ({g.by} {g.label})",
        theme=d.theme,
        kind="count",
        unit=d.unit,
        higher_is=d.higher_is,
        dataset=dataset,
        measure=g.measure,
        include=g.include,
        exclude=g.exclude,
        numerator="",
        denominator="",
        scale=1.0,
        years=g.years,
        default_year=g.default_year,
        code_vintages=(),
        levels=LEVELS,
        notes=g.notes,
    )


def _group_counts(g: Group, level: str, year: int, vintage: int) -> tuple["pd.Series", list[str], list[str]]:
    """One group's counts at *level*: the first dataset that has the year, gaps filled from the next.

    A metro is a district space and a municipality: where the municipal table lacks the metros
    (the mid-year estimates' municipal file), they are taken from the district table.
    """
    from ._engine import codes_of, count_values

    values = None
    notes: list[str] = []
    used: list[str] = []
    for ds in g.datasets:
        try:
            v, n = count_values(_group_definition(g, ds), level, year, vintage)
        except DataNotAvailableError:
            continue  # this table does not have the year
        if values is not None:
            if not (values.isna() & v.notna()).any():
                continue  # adds nothing: an earlier table has every value this one has
            values = values.combine_first(v)
        else:
            values = v
            if not v.notna().any():
                continue  # nothing at this level: a later table may fill it (not named as a source unless it does)
        notes += n
        used.append(ds)
    if values is None:
        raise DataNotAvailableError(f"{g.indicator} by {g.by} ({g.source}) has no data for {year} in {', '.join(g.datasets)}.")
    values = values.reindex(list(codes_of(level, vintage)))
    if level == "municipality":
        metros = [c for c in settings.METRO_CODES if c in values.index and values.isna().get(c, False)]
        if metros and len(g.datasets) > 1:
            dv, _, _ = _group_counts(g, "district", year, vintage)
            values.loc[metros] = dv.reindex(metros).values
            if values.loc[metros].notna().any():
                notes.append("metros are taken from the district table")
    return values, list(dict.fromkeys(notes)), used


def _values(indicator: str, by: str, option: Option, level: str, year: int, vintage: int) -> tuple["pd.DataFrame", list[str], list[str]]:
    """Long frame ``code, group, value, numerator, denominator`` for one option and year."""
    import numpy as np
    import pandas as pd

    d = _catalogue.first(indicator)
    groups, _ = _index()
    key = (indicator, by)
    if key in groups:
        frames, notes, used = [], [], []
        for g in groups[key][option.source]:
            if g.label not in option.labels:
                continue
            v, n, u = _group_counts(g, level, year, vintage)
            frames.append(pd.DataFrame({"code": v.index, "group": g.label, "value": v.values, "numerator": np.nan, "denominator": np.nan}))
            notes += n
            used += u
        return pd.concat(frames, ignore_index=True), list(dict.fromkeys(notes)), list(dict.fromkeys(used))
    # a share, rate or mean: per group, from the group numerator and denominator (never averaged)
    sub = Option(option.source, option.years, option.default_year, option.labels)
    num, n1, u1 = _values(d.numerator, by, sub, level, year, vintage)
    den, n2, u2 = _values(d.denominator, by, sub, level, year, vintage)
    m = num[["code", "group", "value"]].merge(den[["code", "group", "value"]], on=["code", "group"], suffixes=("_n", "_d"), how="outer")
    with np.errstate(divide="ignore", invalid="ignore"):
        value = d.scale * m["value_n"] / m["value_d"]
    out = pd.DataFrame({"code": m["code"], "group": m["group"], "value": value.where(m["value_d"] > 0), "numerator": m["value_n"], "denominator": m["value_d"]})
    return out, list(dict.fromkeys(n1 + n2)), list(dict.fromkeys(u1 + u2))


def compute_by(indicator: str, by: str, level: str, year: int | None, vintage: int, source: str | None = None) -> ByResult:
    """Values of *indicator* per area of *level* and group of *by* (memoised; callers get a copy).

    *source* forces the source (e.g. the one a share was computed from, for its components).
    """
    from .._vintage import code_vintage

    check_by(by)
    _catalogue.lookup(indicator)
    if level not in LEVELS:
        raise DataNotAvailableError(f"Disaggregated indicators are available for the levels {', '.join(LEVELS)}, not {level!r}.")
    vintage = code_vintage(vintage)
    from ._engine import _MEMO

    # kept in the engine's memo (under keys of their own) so that its clear_memo() forgets them too
    key = ("__by__", indicator, by, level, year, vintage, source)
    if key not in _MEMO:
        from . import _cube

        found = _cube.lookup_by(indicator, by, level, year, vintage, source)
        _MEMO[key] = found if found is not None else _compute_by(indicator, by, level, year, vintage, source)
    r = _MEMO[key]
    return ByResult(r.definition, r.by, r.level, r.year, r.vintage, r.source, r.labels, r.frame.copy(), list(r.sources), list(r.notes))


def _compute_by(indicator: str, by: str, level: str, year: int | None, vintage: int, source: str | None) -> ByResult:
    import pandas as pd

    from ._engine import codes_of

    d = _catalogue.first(indicator)
    errors: list[Exception] = []
    candidates = _choose(indicator, by, level, year, vintage)
    if source is not None:
        candidates = [(o, y) for o, y in candidates if o.source == source]
        if not candidates:
            raise DataNotAvailableError(f"{indicator} by {by} is not available from {source} for {year}.")
    for option, y in candidates:
        try:
            long, notes, used = _values(indicator, by, option, level, y, vintage)
        except (DataNotAvailableError, VintageError) as exc:
            errors.append(exc)
            continue
        order = {c: i for i, c in enumerate(codes_of(level, vintage))}
        gorder = {lab: i for i, lab in enumerate(option.labels)}
        long = long.assign(_c=long.code.map(order), _g=long.group.map(gorder)).sort_values(["_c", "_g"]).drop(columns=["_c", "_g"])
        long = long.rename(columns={"group": by}).reset_index(drop=True)
        long[by] = pd.Categorical(long[by], categories=list(option.labels), ordered=True)
        return ByResult(d, by, level, y, vintage, option.source, option.labels, long, used, _tidy_notes(list(option.notes) + notes))
    raise errors[0]


_MOVED = re.compile(r"^moved from 2011 to 2016 boundaries through the lineage table \((?P<p>[\d.]+)% of the total changed area code\)$")


def _tidy_notes(notes: list[str]) -> list[str]:
    """Unique notes without trailing full stops; one line for the per-group lineage moves."""
    out: list[str] = []
    moved: list[float] = []
    for n in notes:
        n = n.strip().rstrip(".")
        m = _MOVED.match(n)
        if m:
            moved.append(float(m.group("p")))
        elif n and n not in out:
            out.append(n)
    out = [n for n in out if not any(n != o and n in o for o in out)]  # drop a note another one contains
    if moved:
        span = f"{min(moved):.1f}%" if min(moved) == max(moved) else f"{min(moved):.1f}-{max(moved):.1f}%"
        out.append(f"group counts moved from 2011 to 2016 boundaries through the lineage table ({span} of each group's total changed area code)")
    return out


# ----------------------------------------------------------------------------- tables


def table_by(ids: list[str], *, by: str, level: str, year: int | None, vintage: int, output: str, names: Callable) -> "pd.DataFrame":
    """The ``get(..., by=...)`` table: tidy (one row per area, indicator and group) or wide."""
    import pandas as pd

    check_by(by)
    if output not in ("wide", "tidy"):
        raise ValueError(f"output must be 'wide' or 'tidy', not {output!r}.")
    # a share and its numerator/denominator in one table come from the same source and year, so
    # that the table is consistent (and aggregate() recomputes the share from the columns shown)
    forced: dict[str, tuple[str, int]] = {}
    first_pass: dict[str, ByResult] = {}
    for i in ids:
        d = _catalogue.first(i)
        if d.kind in RATIO_KINDS and not d.direct:
            r = first_pass[i] = compute_by(i, by, level, year, vintage)
            for comp in (d.numerator, d.denominator):
                forced.setdefault(comp, (r.source, r.year))
    results = []
    for i in ids:
        if i in first_pass:
            results.append(first_pass[i])
        elif i in forced:
            src, y = forced[i]
            results.append(compute_by(i, by, level, y, vintage, source=src))
        else:
            results.append(compute_by(i, by, level, year, vintage))
    v = results[0].vintage
    from ._engine import metadata

    meta = {r.definition.id: metadata(r, by=by, groups=list(r.labels)) for r in results}
    sources = {r.definition.id: r.source for r in results}
    if len(set(sources.values())) > 1:
        for m in meta.values():
            m["notes"] = "; ".join(x for x in (m["notes"], "the indicators of this table come from different sources: " + ", ".join(f"{k} {v}" for k, v in sources.items())) if x)
    codes = results[0].frame["code"].drop_duplicates()
    name_of = names(level, v, codes)
    if output == "tidy":
        from . import describe

        frames = []
        for r in results:
            f = r.frame.copy()
            f[by] = f[by].astype(str)
            f.insert(1, "name", f["code"].map(name_of))
            f.insert(2, "level", level)
            f.insert(3, "indicator", r.definition.id)
            f.insert(5, "year", r.year)
            frames.append(describe(f, r))
        out = pd.concat(frames, ignore_index=True)
    else:
        labels = list(results[0].labels)
        for r in results[1:]:
            if list(r.labels) != labels:
                raise ValueError(
                    f"{results[0].definition.id} by {by} has the groups {', '.join(labels)} ({results[0].source}) and "
                    f"{r.definition.id} has {', '.join(r.labels)} ({r.source}): they cannot share the rows of a wide table. "
                    "Use output='tidy', or get them separately."
                )
        index = pd.MultiIndex.from_product([list(codes), labels], names=["code", by])
        out = pd.DataFrame(index=index).reset_index()
        out.insert(1, "name", out["code"].map(name_of))
        for r in results:
            s = r.frame.assign(**{by: r.frame[by].astype(str)}).set_index(["code", by])["value"]
            out[r.definition.id] = s.reindex(index).values
    _meta.attach(out, {"level": level, "vintage": v, "by": by, "indicators": meta})
    return out


def aggregate_groups(fn: Callable, table: "pd.DataFrame", group_col: str, **kwargs) -> "pd.DataFrame":
    """Aggregate a disaggregated table group by group (each group is a complete table of the level)."""
    import pandas as pd

    labels = list(table[group_col].cat.categories) if hasattr(table[group_col], "cat") else list(dict.fromkeys(table[group_col]))
    parts = []
    attrs = {}
    for lab in labels:
        sub = table[table[group_col] == lab].drop(columns=[group_col])
        if sub.empty:
            continue
        sub.attrs = {}
        res = fn(sub, **kwargs)
        attrs = res.attrs
        res.insert(1, group_col, lab)
        parts.append(res)
    if not parts:
        raise AggregationError(f"The table has no rows in its {group_col!r} column.")
    out = pd.concat(parts, ignore_index=True)
    codes = list(dict.fromkeys(parts[0]["code"]))
    out = out.assign(_c=out["code"].map({c: i for i, c in enumerate(codes)}), _g=out[group_col].map({g: i for i, g in enumerate(labels)}))
    keys = ["_c", "indicator", "_g"] if "indicator" in out.columns else ["_c", "_g"]
    if "indicator" in out.columns:
        ind_order = {i: n for n, i in enumerate(dict.fromkeys(table["indicator"]))}
        out["indicator_order"] = out["indicator"].map(ind_order)
        keys = ["indicator_order", "_c", "_g"]
    out = out.sort_values(keys, kind="stable").drop(columns=[k for k in keys if k not in ("indicator",)]).reset_index(drop=True)
    out.attrs = {}
    _meta.attach(out, _meta.from_attrs(attrs), by=group_col)
    return out
