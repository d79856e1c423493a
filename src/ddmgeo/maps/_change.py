"""Maps and charts of change between two years: a diverging change map and a dumbbell chart.

Colour means the same thing whatever the indicator: blue is improvement, red is
worsening, whether higher values are better or worse. Indicators with no better
direction (``higher_is = neutral``) are drawn in green (increase) and brown (decrease).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from .. import settings
from .._format import NO_DATA_LABEL, format_value
from .._meta import read as read_metadata
from .._optional import needs, require
from ..monitoring._change import index_scale
from ._static import (
    NO_DATA,
    _figure,
    _finish_axes,
    _gauteng_inset,
    _legend,
    _outlines,
    _plot_classes,
    _source_text,
    _title,
    north_arrow,
    remember,
    scale_bar,
    source_line,
)

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

#: improvement -> worsening, darkest first (ColorBrewer RdBu, colour-blind safe)
IMPROVED = ("#2166ac", "#4393c3", "#92c5de", "#d1e5f0")
WORSENED = ("#b2182b", "#d6604d", "#f4a582", "#fddbc7")
#: increase / decrease for neutral indicators (ColorBrewer BrBG)
INCREASE = ("#01665e", "#35978f", "#80cdc1", "#c7eae5")
DECREASE = ("#8c510a", "#bf812d", "#dfc27d", "#f6e8c3")
UNCHANGED = "#f0f0f0"
MEASURES = ("auto", "change", "relative_change", "change_pp")
_PLURAL = {"district": "District spaces", "municipality": "Municipalities", "province": "Provinces"}


def _rows(change_table: "pd.DataFrame", indicator: str) -> "pd.DataFrame":
    need = {"code", "indicator", "change", "start_value", "end_value", "higher_is", "unit"}
    missing = need - set(change_table.columns)
    if missing:
        raise KeyError(f"Not a change table (no {sorted(missing)}): make one with ddmgeo.monitoring.change(ids, start=..., end=...).")
    t = change_table[change_table["indicator"] == indicator]
    if t.empty:
        have = sorted(change_table["indicator"].unique())
        raise KeyError(f"Indicator {indicator!r} is not in the change table; it has {have}.")
    if t["code"].duplicated().any():
        raise ValueError(f"The change table has {indicator!r} more than once for some areas; give one row per area.")
    return t.reset_index(drop=True)


def _meta(change_table: "pd.DataFrame", rows: "pd.DataFrame", indicator: str) -> dict:
    attrs = read_metadata(change_table)
    info = dict(attrs.indicators.get(indicator, {}))
    if "label" not in info:
        try:
            from .._catalogue import first

            info["label"] = first(indicator).label
        except KeyError:
            info["label"] = indicator.replace("_", " ")
    info.setdefault("tolerance", None)
    level = attrs.get("level") or (rows["level"].iloc[0] if "level" in rows else "district")
    vintage = attrs.get("vintage") or (int(rows["vintage"].iloc[0]) if "vintage" in rows else settings.DEFAULT_VINTAGE)
    start = int(rows["start_year"].iloc[0]) if "start_year" in rows else attrs.get("start")
    end = int(rows["end_year"].iloc[0]) if "end_year" in rows else attrs.get("end")
    sources = []
    for c in ("start_source", "end_source"):
        if c in rows:
            sources += str(rows[c].iloc[0]).split(";")
    return {**info, "level": level, "vintage": int(vintage), "start": start, "end": end, "sources": ";".join(s for s in dict.fromkeys(sources) if s)}


def _measure(rows: "pd.DataFrame", measure: str) -> tuple[str, "pd.Series", str]:
    """(column, values, unit for labels)."""
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {MEASURES}, not {measure!r}.")
    unit = str(rows["unit"].iloc[0])
    if measure == "auto":  # bounded indices change in index points, like shares in percentage points
        measure = "change_pp" if unit == "proportion" else "change" if unit.startswith("index") else "relative_change"
    if measure not in rows:
        raise KeyError(f"The change table has no {measure!r} column.")
    if measure == "change_pp" and unit != "proportion":
        raise ValueError(f"Percentage points are for shares in proportions; {rows['indicator'].iloc[0]!r} is in {unit!r}: use measure='relative_change' or 'change'.")
    return measure, rows[measure].astype(float), {"change_pp": "points", "relative_change": "relative", "change": unit}[measure]


def _nice_up(x: float) -> float:
    """The smallest of 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 (times a power of ten) that is >= x."""
    if x <= 0:
        return 0.0
    p = 10 ** math.floor(math.log10(x))
    for m in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if m * p >= x * (1 - 1e-12):
            return m * p
    return 10 * p


def symmetric_bins(score: "pd.Series", *, k: int, zero: float) -> list[float]:
    """Upper bounds of the classes on one side of zero: ``zero`` (the "unchanged" half-width), then k rounded quantile breaks.

    The classes are the same on both sides: (-b[i+1], -b[i]] and (b[i], b[i+1]].
    """
    a = np.abs(score.dropna().to_numpy(dtype=float))
    beyond = a[a > zero]
    if len(beyond) == 0:
        return [zero, _nice_up(max(zero, float(a.max()) if len(a) else 0.0) or 1.0)]
    qs = np.quantile(beyond, [(i + 1) / k for i in range(k)])
    bounds = [zero]
    for q in qs:
        b = _nice_up(float(q))
        if b > bounds[-1]:
            bounds.append(b)
    if bounds[-1] < beyond.max():
        bounds.append(_nice_up(float(beyond.max())))
    return bounds


def _moved_note(rows: "pd.DataFrame", vintage: int) -> str:
    """'2011 values moved ...' when the change table says a year's counts came from other boundaries."""
    years = [str(int(rows[f"{w}_year"].iloc[0])) for w in ("start", "end") if f"{w}_moved" in rows and bool(rows[f"{w}_moved"].iloc[0])]
    if not years:
        return ""
    return f"{' and '.join(years)} values: counts moved from 2011 to {vintage} boundaries by area (lineage table)."


def _change_title(unit: str) -> str:
    if unit.startswith("index"):
        return f"Change, index points (scale {unit[len('index ('):-1]})"
    return f"Change ({unit})"


def _fmt(v: float, unit: str) -> str:
    if unit.startswith("index"):
        return f"{v:.3f}" if index_scale(unit) == 1 else f"{v:.1f}"
    if unit == "points":
        return f"{v:.1f}"
    if unit == "relative":
        return f"{100 * v:.1f} %"
    return format_value(v, unit)


def _label(lo: float, hi: float, unit: str, sign: int) -> str:
    """A class as the indicator's own change: '+2.0 to +5.0 points', or '−5.0 to −2.0 points' for a fall."""
    suffix = " points" if unit == "points" else ""
    if sign > 0:
        return f"+{_fmt(lo, unit)} to +{_fmt(hi, unit)}{suffix}"
    return f"−{_fmt(hi, unit)} to −{_fmt(lo, unit)}{suffix}"


@needs("matplotlib", "mapclassify", extra="maps", purpose="to draw change maps and charts")
def change_map(
    change_table: "pd.DataFrame",
    indicator: str,
    *,
    measure: str = "auto",
    k: int = 3,
    title: str | None = None,
    source: str | None = None,
    size: str | tuple[float, float] = "slide",
    inset: bool = True,
    provinces: bool = True,
) -> "Figure":
    """A diverging map of change between two years, centred on zero.

    Blue is improvement and red worsening whatever the indicator's ``higher_is`` (a fall
    in the informal-dwelling share is blue, as is a rise in the formal-dwelling share);
    neutral indicators are green (increase) and brown (decrease). The classes are the same
    on both sides of zero: a grey middle class for changes within the change table's
    tolerance ("unchanged"), then ``k`` classes each way. Missing values are hatched "No data".

    Parameters
    ----------
    change_table : pandas.DataFrame
        From :func:`ddmgeo.monitoring.change`.
    indicator : str
        The indicator to map.
    measure : {"auto", "change_pp", "relative_change", "change"}, default "auto"
        Percentage points for proportions, relative change for everything else.
    k : int, default 3
        Classes on each side of zero.
    size : "slide" (default), "a4", "a4-portrait" or (width, height) inches.

    Returns
    -------
    matplotlib.figure.Figure
        Save it with :func:`ddmgeo.maps.save`.

    Examples
    --------
    >>> from ddmgeo import maps, monitoring
    >>> c = monitoring.change("informal_dwelling_share", start=2011, end=2016)   # doctest: +SKIP
    >>> maps.save(maps.change_map(c, "informal_dwelling_share"), "informal.png")  # doctest: +SKIP
    """
    from .._cartographic import projected

    rows = _rows(change_table, indicator)
    meta = _meta(change_table, rows, indicator)
    column, values, unit = _measure(rows, measure)
    higher = str(rows["higher_is"].iloc[0])
    sign = {"better": 1, "worse": -1}.get(higher, 1)
    tol = meta.get("tolerance")
    if tol is None:
        from ..monitoring._change import TOLERANCE

        tol = TOLERANCE
    # the "unchanged" class is the tolerance band where the measure is the one direction() uses
    zero = 100 * tol if column == "change_pp" else tol if (column == "relative_change") else tol * index_scale(unit) if unit.startswith("index") else 0.0
    level, vintage = meta["level"], meta["vintage"]
    base = projected(level, vintage, None)[["code", "geometry"]]
    frame = base.merge(rows[["code"]].assign(_v=values.to_numpy()), on="code", how="left")
    score = sign * frame["_v"]  # > 0 = improvement (or increase, for neutral)
    bins = symmetric_bins(score, k=max(1, int(k)), zero=zero)
    good, bad = (IMPROVED, WORSENED) if higher != "neutral" else (INCREASE, DECREASE)
    n = len(bins) - 1
    shades = lambda pal: [pal[min(len(pal) - 1, round(i * (len(pal) - 1) / max(n - 1, 1)))] for i in range(n)][::-1]  # noqa: E731
    good_c, bad_c = shades(good), shades(bad)  # light -> dark, away from zero
    # colours: index 0..n-1 best..least good, n unchanged, n+1.. least bad..worst
    colours = good_c[::-1] + [UNCHANGED] + bad_c
    classes = _symmetric_classes(score, bins, zero)
    entries = _change_entries(bins, classes, colours, zero, unit, sign)
    n_missing = int((classes == -1).sum())

    fig, ax = _figure(size, None)
    _plot_classes(ax, frame, classes, colours)
    if provinces:
        _outlines(ax, level, vintage)
    _finish_axes(ax)
    scale_bar(ax)
    north_arrow(ax)
    Patch = require("matplotlib.patches").Patch

    handles = [Patch(facecolor=c, edgecolor="#777777", linewidth=0.4, label=f"{lab}  ({cnt})") for lab, cnt, c in entries]
    if n_missing:
        handles.append(Patch(label=f"{NO_DATA_LABEL}  ({n_missing})", **NO_DATA))
    what = {"change_pp": "Change, percentage points", "relative_change": "Change, per cent of the start value", "change": _change_title(str(rows["unit"].iloc[0]))}[column]
    if higher == "neutral":
        key = "green = increase, brown = decrease"
    else:
        key = "blue = improved, red = worsened\n" + ("(lower is better)" if higher == "worse" else "(higher is better)")
    _legend(fig, handles, f"{what}\n{key}")
    years = f"{meta['start']} to {meta['end']}" if meta.get("start") else ""
    _title(fig, title or f"Change in {meta['label'][:1].lower() + meta['label'][1:]}, {years}", f"{_PLURAL.get(level, level)} of the {vintage} demarcation, both years on these boundaries; classes symmetric around zero")
    caveat = str(rows["caveat"].iloc[0]) if "caveat" in rows and rows["caveat"].iloc[0] else ""
    text = _source_text(meta["sources"])
    remarks = " ".join(t for t in (("Caveat: " + caveat) if caveat else "", _moved_note(rows, vintage)) if t)
    if remarks:
        fig.text(0.01, 0.045, _wrap(remarks, int(190 * fig.get_figwidth() / 13.333)), fontsize=7, color="#8a3b12", ha="left", va="bottom")
    source_line(fig, source or text)
    if inset and level in ("district", "municipality") and frame["code"].nunique() > 40:
        _gauteng_inset(fig, ax, frame, classes, colours, level, vintage)
    remember(
        fig,
        legend=[(lab, cnt) for lab, cnt, _ in entries] + ([(NO_DATA_LABEL, n_missing)] if n_missing else []),
        bins=sorted({-b for b in bins} | set(bins)),  # class edges, symmetric around zero
        colours={c: (colours[k_] if k_ >= 0 else None) for c, k_ in zip(frame["code"], classes)},
        legend_colours=[c for _, _, c in entries],
    )
    return fig


def _symmetric_classes(score: "pd.Series", bins: list[float], zero: float) -> np.ndarray:
    """Class of each score (> 0 better): 0..n-1 improved, best first; n unchanged (within *zero*);
    n+1.. worsened, least bad first; -1 no value."""
    n = len(bins) - 1
    s = score.to_numpy(dtype=float)
    classes = np.full(len(s), -1, dtype=int)
    ok = np.isfinite(s)
    mag = np.abs(s[ok])
    side = np.minimum(np.searchsorted(np.asarray(bins[1:]), mag, side="left"), n - 1)  # 0 = first class beyond zero
    classes[ok] = np.where(mag <= zero + 1e-12, n, np.where(s[ok] > 0, n - 1 - side, n + 1 + side))
    return classes


def _change_entries(bins: list[float], classes: np.ndarray, colours: list, zero: float, unit: str, sign: int) -> list[tuple[str, int, str]]:
    """(label, count, colour) per class, in the indicator's own sign (a fall shows as negative even when it is blue)."""
    n = len(bins) - 1
    entries = []
    for i in range(n - 1, -1, -1):
        entries.append((_label(bins[i], bins[i + 1], unit, sign), int((classes == n - 1 - i).sum()), colours[n - 1 - i]))
    within = f"Within \u00b1{_fmt(zero, unit)}{' points' if unit == 'points' else ''} (unchanged)" if zero > 0 else "No change"
    entries.append((within, int((classes == n).sum()), UNCHANGED))
    for i in range(n):
        entries.append((_label(bins[i], bins[i + 1], unit, -sign), int((classes == n + 1 + i).sum()), colours[n + 1 + i]))
    return entries


def _wrap(text: str, width: int) -> str:
    import textwrap

    lines = textwrap.wrap(text, width)
    if len(lines) > 2:  # never cut a caveat silently: say where the rest is
        more = " … (full text in the table's caveat column)"
        lines = lines[:1] + [textwrap.shorten(lines[1], width - len(more), placeholder="") + more]
    return "\n".join(lines)


def _dumbbell_axes(ax, part: "pd.DataFrame", per: int, scale: float, unit: str, xlim: tuple[float, float], fontsize: float, colour_of: dict, highlight) -> None:
    """One column of a dumbbell chart: a row per area, start (hollow) to end (coloured by direction)."""
    y = np.arange(len(part))[::-1] + (per - len(part))
    a = part["start_value"].to_numpy(dtype=float) * scale
    b = part["end_value"].to_numpy(dtype=float) * scale
    directions = part["direction"].fillna("") if "direction" in part else [""] * len(part)
    colours = [colour_of.get(d, "#333333") for d in directions]
    ax.hlines(y, np.minimum(a, b), np.maximum(a, b), color="#cfcfcf", linewidth=1.8, zorder=1)
    ax.scatter(a, y, s=22, facecolor="white", edgecolor="#8a8a8a", linewidth=1.0, zorder=2)
    ax.scatter(b, y, s=30, color=colours, zorder=3)
    names = part["name"].astype(str).tolist() if "name" in part else part["code"].tolist()
    ax.set_yticks(y, names, fontsize=fontsize)
    for tick, code in zip(ax.get_yticklabels(), part["code"]):
        if code == highlight:
            tick.set_fontweight("bold")
    ax.set_ylim(-0.7, per - 0.3)
    ax.set_xlim(*xlim)
    ax.grid(axis="x", color="#e6e6e6", zorder=0)
    ax.tick_params(axis="y", length=0, pad=3)
    ax.tick_params(axis="x", labelsize=9)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    if unit == "proportion":
        ax.set_xlabel("Per cent", fontsize=10)
    else:
        ax.set_xlabel(unit[:1].upper() + unit[1:], fontsize=10)
        ax.xaxis.set_major_formatter(lambda v, _pos: format_value(v, unit))


@needs("matplotlib", "mapclassify", extra="maps", purpose="to draw change maps and charts")
def dumbbell(
    change_table: "pd.DataFrame",
    indicator: str,
    *,
    title: str | None = None,
    source: str | None = None,
    size: str | tuple[float, float] = "slide",
    highlight: str | None = None,
) -> "Figure":
    """A dumbbell chart: each area's value in the two years, sorted by the latest value.

    The start value is an open grey dot, the end value a dot coloured by direction (blue
    improved, red worsened, grey unchanged; dark grey for neutral indicators), joined by a
    line. More than 30 areas (the 52 district spaces) are split into two columns, highest
    values first. Areas with a missing value are listed under the chart.

    Parameters
    ----------
    change_table : pandas.DataFrame
        From :func:`ddmgeo.monitoring.change` (usually the 52 district spaces).
    indicator : str
        The indicator to draw.
    highlight : str, optional
        A code to emphasise (bold label), e.g. the district of a profile.
    size : "slide" (default), "a4", "a4-portrait" or (width, height) inches.

    Returns
    -------
    matplotlib.figure.Figure
        Save it with :func:`ddmgeo.maps.save`.

    Examples
    --------
    >>> from ddmgeo import maps, monitoring
    >>> c = monitoring.change("formal_dwelling_share", start=2011, end=2016)   # doctest: +SKIP
    >>> fig = maps.dumbbell(c, "formal_dwelling_share")                        # doctest: +SKIP
    """
    import textwrap

    plt = require("matplotlib.pyplot")
    Line2D = require("matplotlib.lines").Line2D

    from ._static import SIZES

    rows = _rows(change_table, indicator)
    meta = _meta(change_table, rows, indicator)
    unit = str(rows["unit"].iloc[0])
    higher = str(rows["higher_is"].iloc[0])
    have = rows[rows["start_value"].notna() & rows["end_value"].notna()]
    have = have.sort_values(["end_value", "start_value"], ascending=False, kind="mergesort")
    missing = rows[~rows.index.isin(have.index)]
    if have.empty:
        from ..errors import DataNotAvailableError

        raise DataNotAvailableError(f"No area has both values of {indicator!r}: there is nothing to draw.")
    figsize = SIZES.get(size, size) if isinstance(size, str) else size
    if isinstance(figsize, str):
        raise ValueError(f"Unknown size {size!r}: use 'slide', 'a4', 'a4-portrait' or (width, height) in inches.")
    scale = 100.0 if unit == "proportion" else 1.0
    lo = min(have["start_value"].min(), have["end_value"].min()) * scale
    hi = max(have["start_value"].max(), have["end_value"].max()) * scale
    pad = 0.04 * (hi - lo or abs(hi) or 1.0)
    columns = 2 if len(have) > 30 else 1
    per = math.ceil(len(have) / columns)
    fig = plt.figure(figsize=figsize)
    top, bottom = 0.82, 0.22
    width = (0.86 - 0.14 * columns) / columns
    axes = [fig.add_axes((0.15 + i * (width + 0.15), bottom, width, top - bottom)) for i in range(columns)]
    row_in = (top - bottom) * figsize[1] / per
    fontsize = max(6.0, min(10.0, 0.6 * 72 * row_in))
    colour_of = {"improved": IMPROVED[0], "worsened": WORSENED[0], "unchanged": "#9a9a9a", "changed": "#333333"}
    for i, ax in enumerate(axes):
        _dumbbell_axes(ax, have.iloc[i * per : (i + 1) * per], per, scale, unit, (lo - pad, hi + pad), fontsize, colour_of, highlight)
    start, end = meta.get("start"), meta.get("end")
    handles = [Line2D([], [], marker="o", color="none", markerfacecolor="white", markeredgecolor="#8a8a8a", markersize=7, label=str(start))]
    shown = ("changed", "unchanged") if higher == "neutral" else ("improved", "worsened", "unchanged")
    for d in shown:
        lab = "unchanged (within tolerance)" if d == "unchanged" else d
        handles.append(Line2D([], [], marker="o", color="none", markerfacecolor=colour_of[d], markeredgecolor="none", markersize=7, label=f"{end}, {lab}"))
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.005, 0.895), ncol=len(handles), frameon=False, fontsize=10, handletextpad=0.2, columnspacing=1.6)
    level, vintage = meta["level"], meta["vintage"]
    extra = []
    if higher != "neutral" and "direction" in have:
        counts = have["direction"].value_counts()
        better = "higher is better" if higher == "better" else "lower is better"
        extra.append(", ".join(f"{int(counts.get(d, 0))} {d}" for d in ("improved", "worsened", "unchanged")) + f" ({better}).")
    if len(missing):
        extra.append(f"{NO_DATA_LABEL} ({len(missing)}): " + ", ".join(missing["name"].astype(str) if "name" in missing else missing["code"]) + ".")
    caveat = str(rows["caveat"].iloc[0]) if "caveat" in rows and rows["caveat"].iloc[0] else ""
    if caveat:
        extra.append("Caveat: " + caveat)
    if _moved_note(rows, meta["vintage"]):
        extra.append(_moved_note(rows, meta["vintage"]))
    if extra:
        width_chars = int(200 * figsize[0] / 13.333)
        text = "\n".join(textwrap.fill(e, width_chars) for e in extra)
        fig.text(0.01, 0.065, text, fontsize=8, color="#444444", ha="left", va="bottom")
    _title(fig, title or f"{meta['label']}, {start} and {end}", f"{_PLURAL.get(level, level)} from the highest {end} value; both years on {vintage} boundaries")
    source_line(fig, source or _source_text(meta["sources"]))
    fig._ddmgeo_order = have["code"].tolist()
    return fig
