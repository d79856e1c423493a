"""Change between two years on one set of boundaries: absolute, relative, points, direction and rank."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import numpy as np

from .. import _catalogue, _meta, settings
from .._numbers import read_year
from . import _comparability

if TYPE_CHECKING:
    import pandas as pd

#: default tolerance: 0.5 percentage points for proportions, 0.5 % of the start value otherwise
TOLERANCE = 0.005
_MOVED = "moved from 2011 to 2016 boundaries"

#: columns of a change table, in order
COLUMNS = (
    "code", "name", "level", "indicator", "start_year", "end_year", "start_value", "end_value",
    "change", "relative_change", "change_pp", "direction", "rank_start", "rank_end", "rank_movement",
    "unit", "kind", "higher_is", "comparable", "caveat", "vintage", "start_source", "end_source",
    "start_moved", "end_moved", "notes",
)  # fmt: skip


#: composite indices computed from several catalogue indicators: id -> (label, unit)
COMPOSITES = {
    "development_index": ("Development index", "index (0-1)"),
    "service_index": ("Service-delivery index", "index (0-100)"),
}


def index_scale(unit: str) -> float:
    """The top of a composite index's scale from its unit ("index (0-1)" -> 1, "index (0-100)" -> 100)."""
    return 100.0 if unit.endswith("0-100)") else 1.0
#: years each composite is defined for (its components exist on 2016 boundaries)
COMPOSITE_YEARS = (2011, 2016)


def _ids(ids: str | Iterable[str]) -> list[str]:
    out = [ids] if isinstance(ids, str) else list(dict.fromkeys(ids))
    if not out:
        raise ValueError("Give at least one indicator id (ddmgeo.indicators.catalogue() lists them).")
    for i in out:
        if i not in COMPOSITES:
            _catalogue.lookup(i)  # UnknownIndicatorError with close ids
    return out


def _composite(i: str, year: int, level: str, vintage: int) -> tuple["pd.DataFrame", str, list[str], bool, int]:
    """(code, name, value) of a composite for one year, its source text, its caveats, whether counts were moved, its vintage."""
    from .. import indicators

    if i == "development_index":
        t = indicators.development_index(level=level, year=year, vintage=vintage)
        m = _meta.read(t).extra["development_index"]
        comps = m["components"]
        caveats = list(m["caveats"])
    else:
        t = indicators.service_index(level=level, year=year, vintage=vintage)
        comps = {c: _meta.read(t).indicators[c] for c in indicators.SERVICE_COMPONENTS[year]}
        caveats = []
    sources = sorted({s for c in comps.values() for s in str(c["source"]).split(";") if s})
    moved = any(_MOVED in str(c.get("notes", "")) for c in comps.values())
    values = t[["code", "name", i]].rename(columns={i: "value"})
    return values, ";".join(sources), caveats, moved, int(_meta.read(t).get("vintage"))


def _composite_change(i: str, start: int, end: int, level: str, vintage: int, tolerance: float) -> tuple["pd.DataFrame", dict]:
    """The change table of one composite index (see :func:`change`)."""
    import pandas as pd

    from .. import indicators
    from ..errors import NotComparableError

    lacking = [y for y in (start, end) if y not in COMPOSITE_YEARS]
    if lacking:
        reason = f"{i} is defined for {COMPOSITE_YEARS[0]} and {COMPOSITE_YEARS[1]} only (the years with its living-conditions components), not {lacking}"
        raise NotComparableError(
            f"Not comparable between the years asked:\n  {i} ({start} to {end}): {reason}.\nAsk for start=2011, end=2016.",
            indicator=i, start=start, end=end, reason=reason,
        )  # fmt: skip
    label, unit = COMPOSITES[i]
    x, src_a, cav_a, moved_a, used_vintage = _composite(i, start, level, vintage)
    y, src_b, cav_b, moved_b, _ = _composite(i, end, level, vintage)
    y = y.set_index("code")["value"].reindex(x["code"])
    comps_a, comps_b = indicators.SERVICE_COMPONENTS[start], indicators.SERVICE_COMPONENTS[end]
    caveat = [c for c in dict.fromkeys(cav_a + cav_b)]
    if comps_a != comps_b:
        differ = [f"{a} ({start}) / {b} ({end})" for a, b in zip(comps_a, comps_b) if a != b]
        caveat.insert(0, "The living-conditions components differ between the years: " + ", ".join(differ) + ".")
    f = pd.DataFrame({"code": x["code"].values, "name": x["name"].values})
    f["level"] = level
    f["indicator"] = i
    f["start_year"] = start
    f["end_year"] = end
    f["start_value"] = x["value"].to_numpy(dtype=float)
    f["end_value"] = y.to_numpy(dtype=float)
    _derive(f, higher_is="better", unit=unit, tolerance=tolerance)
    f["unit"] = unit
    f["kind"] = "index"
    f["higher_is"] = "better"
    f["comparable"] = "caveat" if caveat else "yes"
    f["caveat"] = " ".join(caveat)
    f["vintage"] = used_vintage
    f["start_source"] = src_a
    f["end_source"] = src_b
    f["start_moved"] = moved_a
    f["end_moved"] = moved_b
    f["notes"] = "; ".join(f"{yr}: {_MOVED} (some components)" for yr, m in ((start, moved_a), (end, moved_b)) if m)
    info = {
        "label": label, "unit": unit, "kind": "index", "higher_is": "better", "start_year": start, "end_year": end,
        "start_source": src_a, "end_source": src_b, "start_notes": "", "end_notes": "",
        "comparable": f["comparable"].iat[0], "reason": f["caveat"].iat[0], "tolerance": tolerance,
    }  # fmt: skip
    return f, info


def _tolerance_of(indicator: str, tolerance: float | Mapping[str, float]) -> float:
    t = tolerance.get(indicator, TOLERANCE) if isinstance(tolerance, Mapping) else tolerance
    t = float(t)
    if not t >= 0:
        raise ValueError(f"tolerance must be a number >= 0, not {t!r} (0.005 = half a percentage point for shares, 0.5 % otherwise).")
    return t


def direction(change: "pd.Series", start: "pd.Series", *, higher_is: str, unit: str, tolerance: float) -> "pd.Series":
    """improved / worsened / unchanged (``changed`` / ``unchanged`` for neutral indicators); None where a value is missing.

    A change is *unchanged* when it is within ``tolerance``: in proportion points for
    indicators in proportions (0.005 = 0.5 percentage points), in points of the scale for
    bounded composite indices (0.005 of its top: 0.005 on 0-1, 0.5 on 0-100), else relative
    to the start value.
    """
    import pandas as pd

    if unit == "proportion":
        size = change.abs()
    elif unit.startswith("index"):
        size = change.abs() / index_scale(unit)
    else:
        size = (change / start.abs()).abs()
    size = size.where(~((start == 0) & (change == 0)), 0.0)  # 0 -> 0 is no change
    size = size.where(~((start == 0) & (change != 0)), np.inf)  # from 0 to something is a change
    small = size <= tolerance + 1e-12
    if higher_is == "neutral":
        out = np.where(small, "unchanged", "changed")
    else:
        up = change > 0
        good = up if higher_is == "better" else ~up
        out = np.where(small, "unchanged", np.where(good, "improved", "worsened"))
    out = pd.Series(out, index=change.index, dtype=object)
    return out.where(change.notna(), None)


def _derive(f: "pd.DataFrame", *, higher_is: str, unit: str, tolerance: float) -> None:
    """Fill a change frame's change, relative change, points, direction and ranks from its start and end values."""
    for column, values in _derived(f["start_value"], f["end_value"], higher_is=higher_is, unit=unit, tolerance=tolerance).items():
        f[column] = values


def _derived(start: "pd.Series", end: "pd.Series", *, higher_is: str, unit: str, tolerance: float) -> dict:
    """The change, relative change, points, direction and ranks of start and end values (columns of a change frame, in order)."""
    change = end - start
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = (change / start.abs()).where(start != 0)
    rank_start, rank_end = rank_of(start, higher_is), rank_of(end, higher_is)
    return {
        "change": change,
        "relative_change": relative,
        "change_pp": 100 * change if unit == "proportion" else np.nan,
        "direction": direction(change, start, higher_is=higher_is, unit=unit, tolerance=tolerance),
        "rank_start": rank_start,
        "rank_end": rank_end,
        "rank_movement": (rank_start - rank_end).astype("Int64"),
    }


def rank_of(values: "pd.Series", higher_is: str) -> "pd.Series":
    """Rank among the areas with a value: 1 = best by ``higher_is`` (neutral: 1 = largest); ties share the best rank."""
    return values.rank(ascending=higher_is == "worse", method="min").astype("Int64")


def common_source(indicator: str, start: int, end: int, level: str) -> str | None:
    """The source series that gives *indicator* for both years, when the end year's series has the start year too.

    A release that re-bases its predecessor onto its own boundaries (Census 2022 publishes Census
    2011 on the 2022 boundaries) is then used for both years, so the change is on one set of
    boundaries; otherwise None (each year from its own source, as :func:`ddmgeo.indicators.get`).
    """
    from .._catalogue import choose
    from ..errors import DDMGeoError

    try:
        d = choose(indicator, end, level)
        while not d.direct:
            d = choose(d.numerator, end, level)
    except DDMGeoError:
        return None
    series = _catalogue.series_of(d.dataset)
    return series if _has_year(f"{indicator}{_catalogue.SOURCE_SEP}{series}", start, level) else None


def _has_year(indicator: str, year: int, level: str) -> bool:
    """Whether every count behind *indicator* (a qualified id) has *year* at *level*."""
    from .._catalogue import choose
    from ..errors import DDMGeoError

    try:
        d = choose(indicator, year, level)
    except DDMGeoError:
        return False
    if d.direct:
        return True
    return all(_has_year(ref, year, level) for ref in (d.numerator, d.denominator) if ref and ref != "area_km2")


def _get(ids: list[str], common: Mapping[str, str | None], *, level: str, year: int, vintage: int) -> "pd.DataFrame":
    """The tidy values of *ids* for one year, each from its common source series where it has one."""
    import pandas as pd

    from .. import indicators

    frames = []
    meta: dict[str, Mapping] = {}
    for series in dict.fromkeys(common[i] for i in ids):
        group = [i for i in ids if common[i] == series]
        t = indicators.get(group, level=level, year=year, vintage=vintage, output="tidy", source=series)
        frames.append(t)
        meta.update(_meta.read(t).indicators)
    out = pd.concat(frames, ignore_index=True)
    _meta.carry(frames[0], out, indicators={i: meta[i] for i in ids})
    return out


def _own_notes(meta: Mapping) -> str:
    """A result's notes without the table-wide errata line (the change rows carry their own area's erratum)."""
    line = meta.get("errata_note", "")
    notes = str(meta["notes"])
    return notes.replace(f"; {line}", "").replace(line, "") if line else notes


def _row_errata(f: "pd.DataFrame", x: "pd.DataFrame", y: "pd.DataFrame") -> "pd.Series":
    """The change rows' notes with the erratum notes of either year's row (``get``'s tidy notes name them)."""
    out = f["notes"].copy()
    for side in (x, y):
        row_notes = side["notes"].reindex(f["code"]).fillna("").to_numpy()
        errata = ["; ".join(p for p in n.split("; ") if "erratum" in p) for n in row_notes]
        for k, e in enumerate(errata):
            if e and e not in out.iat[k]:
                out.iat[k] = f"{out.iat[k]}; {e}" if out.iat[k] else e
    return out


def _one_change(i: str, a: "pd.DataFrame", b: "pd.DataFrame", meta_a: dict, meta_b: dict, used_vintage: int, v, common: str | None, tolerance: float, level: str, start: int, end: int) -> tuple["pd.DataFrame", dict]:
    """Change of one indicator between the tables *a* (start) and *b* (end), whose metadata is *meta_a*, *meta_b*: rows and metadata."""
    import pandas as pd

    d = _catalogue.first(i)
    x = a[a.indicator == i].set_index("code")
    y = b[b.indicator == i].set_index("code").reindex(x.index)
    notes_a, notes_b = (_own_notes(m[i]) for m in (meta_a, meta_b))
    same = f"{start} and {end} both from {common}, the source series that has both years on the same boundaries: {v.reason}" if common else ""
    start_value = pd.Series(x["value"].to_numpy(dtype=float))
    end_value = pd.Series(y["value"].to_numpy(dtype=float))
    # the columns of COLUMNS built at once (a column added at a time copies the frame each time)
    f = pd.DataFrame(
        {
            "code": x.index, "name": x["name"].values, "level": level, "indicator": i,
            "start_year": int(meta_a[i]["year"]), "end_year": int(meta_b[i]["year"]), "start_value": start_value, "end_value": end_value,
            **_derived(start_value, end_value, higher_is=d.higher_is, unit=d.unit, tolerance=tolerance),
            "unit": d.unit, "kind": d.kind, "higher_is": d.higher_is, "comparable": v.comparable, "caveat": v.caveat,
            "vintage": used_vintage, "start_source": meta_a[i]["source"], "end_source": meta_b[i]["source"],
            "start_moved": _MOVED in notes_a, "end_moved": _MOVED in notes_b,
            "notes": "; ".join(n for n in (same, *(f"{yr}: {n}" for yr, n in ((start, notes_a), (end, notes_b)) if n)) if n),
        }
    )  # fmt: skip
    f["notes"] = _row_errata(f, x, y)
    info = {
        "label": d.label,
        "unit": d.unit,
        "kind": d.kind,
        "higher_is": d.higher_is,
        "start_year": int(meta_a[i]["year"]),
        "end_year": int(meta_b[i]["year"]),
        "start_source": meta_a[i]["source"],
        "end_source": meta_b[i]["source"],
        "start_notes": notes_a,
        "end_notes": notes_b,
        "comparable": v.comparable,
        "reason": v.reason,
        "tolerance": tolerance,
        "source_series": common or "",
    }
    return f, info


def change(
    ids: str | Iterable[str],
    *,
    start: int,
    end: int,
    level: str = "district",
    vintage: int = settings.DEFAULT_VINTAGE,
    tolerance: float | Mapping[str, float] = TOLERANCE,
) -> "pd.DataFrame":
    """Change of indicators between two years, both on the boundaries of one vintage.

    Both years come from :func:`ddmgeo.indicators.get` on ``vintage``: counts published only
    on other boundaries are moved through the lineage table first (``start_moved`` /
    ``end_moved`` and ``notes`` say so). Indicators whose definitions differ between the
    years, or that lack one of them, are refused (:class:`~ddmgeo.errors.NotComparableError`
    with the reason from ``data/indicators/comparability.csv``); comparable ones with a
    caveat are computed and carry it in ``caveat``.

    When the source series of the end year also gives the start year, both years come from it
    (:func:`common_source`): 2011 to 2022 compares the Census 2011 figures that Census 2022
    publishes re-based on the 2022 boundaries with the 2022 figures, never the Census 2011
    tables on other boundaries (``notes`` and ``attrs`` say so). Figures with a known erratum
    of their source (MP326, MP321 in Census 2022) carry it in ``notes``.

    Parameters
    ----------
    ids : str or list of str
        Catalogue ids, or the composite indices ``"development_index"`` and
        ``"service_index"`` (2011 and 2016 only; see
        :func:`ddmgeo.indicators.development_index`): their change carries the caveats of
        the index (components that differ between the years, Census 2011 figures in both).
    start, end : int
        The two years (e.g. 2011 and 2016, or 2011 and 2022).
    level : str, default "district"
        ``district`` (the 52 spaces), ``municipality``, ``province`` or ``country``.
    vintage : int, default 2016
        Boundary vintage of both years' codes.
    tolerance : float or dict, default 0.005
        A change this small is ``unchanged``: in proportion points for indicators in
        proportions (0.005 = 0.5 percentage points), otherwise relative to the start value
        (0.005 = 0.5 %). A dict gives it per indicator id (others keep the default).

    Returns
    -------
    pandas.DataFrame
        One row per area and indicator: ``code, name, level, indicator, start_year, end_year,
        start_value, end_value, change`` (end - start), ``relative_change`` (change / start),
        ``change_pp`` (percentage points, for proportions only), ``direction`` (improved /
        worsened / unchanged by the catalogue's ``higher_is``; changed / unchanged for neutral
        indicators), ``rank_start, rank_end`` (1 = best; neutral: 1 = largest),
        ``rank_movement`` (rank_start - rank_end: positive = moved up), ``unit, kind,
        higher_is, comparable`` (yes / caveat), ``caveat, vintage, start_source, end_source,
        start_moved, end_moved, notes``. A missing value at either date leaves the change,
        direction and movement missing. Its metadata (:func:`ddmgeo.metadata`) holds per-indicator ``indicators``.

    Raises
    ------
    NotComparableError
        An indicator lacks one of the years (the message names the years it has) or is not
        comparable between them (the message gives the reason). Every refused id is listed.
    UnknownIndicatorError
        An id is not in the catalogue.

    Examples
    --------
    >>> from ddmgeo import monitoring
    >>> c = monitoring.change(["population", "informal_dwelling_share"], start=2011, end=2016)
    >>> c.loc[(c.indicator == "informal_dwelling_share") & (c.code == "DC36"), ["name", "change_pp", "direction"]].round(2)
             name  change_pp direction
    87  Waterberg       2.26  worsened
    """
    import pandas as pd

    ids = _ids(ids)
    start, end = read_year(start, "start"), read_year(end, "end")
    if start >= end:
        raise ValueError(f"start must be the earlier year: start={start}, end={end}.")
    tolerances = {i: _tolerance_of(i, tolerance) for i in ids}
    composite = {i: _composite_change(i, start, end, level, vintage, tolerances[i]) for i in ids if i in COMPOSITES}
    listed_ids = ids
    ids = [i for i in ids if i not in COMPOSITES]
    if not ids:
        out = pd.concat([composite[i][0] for i in listed_ids], ignore_index=True)[list(COLUMNS)]
        _meta.attach(out, {"level": level, "vintage": int(out["vintage"].iat[0]), "start": start, "end": end, "indicators": {i: composite[i][1] for i in listed_ids}})
        return out

    gaps = [a for a in (_comparability.year_gap(i, start, end, level) for i in ids) if a is not None]
    gapped = {a.indicator for a in gaps}
    listed = [_comparability.row(i, start, end) for i in ids if i not in gapped]
    _comparability.refuse(gaps + [a for a in listed if a is not None and a.comparable == "no"])

    common = {i: common_source(i, start, end, level) for i in ids}
    a = _get(ids, common, level=level, year=start, vintage=vintage)
    b = _get(ids, common, level=level, year=end, vintage=vintage)
    meta_a, meta_b, used_vintage = dict(_meta.read(a).indicators), dict(_meta.read(b).indicators), int(_meta.read(a).get("vintage"))
    a.attrs, b.attrs = {}, {}  # read above; pandas would deep-copy them into every row selection and column taken below
    verdicts = {i: _comparability.assess(i, start, end, sources=(meta_a[i]["source"].split(";"), meta_b[i]["source"].split(";"))) for i in ids}
    _comparability.refuse(list(verdicts.values()))

    frames, info = {}, {}
    for i in ids:
        frames[i], info[i] = _one_change(i, a, b, meta_a, meta_b, used_vintage, verdicts[i], common[i], tolerances[i], level, start, end)
    for i, (f, meta) in composite.items():
        frames[i], info[i] = f, meta
    info = {i: info[i] for i in listed_ids}
    out = pd.concat([frames[i] for i in listed_ids], ignore_index=True)[list(COLUMNS)]
    _meta.attach(out, {"level": level, "vintage": used_vintage, "start": start, "end": end, "indicators": info})
    return out
