"""Compute catalogue indicators for a level, year and boundary vintage.

Counts are summed from the facts of their table; shares, rates and means are
computed from their numerator and denominator counts at the requested level,
never averaged. Where a table has no rows for a level (or for some areas of it),
the values are built from the parts (municipalities -> district spaces ->
provinces -> country), and a missing part leaves the whole missing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, TypeVar

import numpy as np

from .. import settings
from .._catalogue import AREA_DATASET, LEVELS, RATIO_KINDS, Definition, choose
from .._vintage import code_vintage
from ..areas import codes_of
from ..errors import AggregationError, DataNotAvailableError, DDMGeoError, VintageError

if TYPE_CHECKING:
    import pandas as pd

T = TypeVar("T")



_CHILD = {"country": "province", "province": "district", "district": "municipality"}


@dataclass
class Result:
    """Values of one indicator for every area of a level."""

    definition: Definition
    level: str
    year: int
    vintage: int
    frame: "pd.DataFrame"  # index code; columns value, numerator, denominator
    sources: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def metadata(r, **extra) -> dict:
    """The ``ddmgeo.metadata(table).indicators[id]`` entry of one result (``extra`` keys go before ``notes``)."""
    d = r.definition
    meta = {"label": d.label, "kind": d.kind, "unit": d.unit, "higher_is": d.higher_is, "year": r.year, "source": ";".join(r.sources), "vintage": r.vintage}
    meta.update(extra)
    meta["notes"] = "; ".join(r.notes)
    return meta


# ----------------------------------------------------------------------------- hierarchy


@lru_cache(maxsize=4)
def parents(vintage: int) -> dict[str, dict[str, str]]:
    """Parent maps of the gazetteer: municipality->district, district->province, province->country."""
    from ..areas import areas_table

    t = areas_table(vintage=vintage)
    out: dict[str, dict[str, str]] = {}
    m = t[t.level == "municipality"]
    d = t[t.level == "district"]
    out["municipality"] = dict(zip(m.code, m.district_code))
    out["district"] = dict(zip(d.code, d.province_code))
    out["province"] = {c: "ZA" for c in t[t.level == "province"].code}
    # a district municipality (the institution) belongs to its own district space
    out["district_municipality"] = {c: c for c in d.code if c.startswith("DC")}
    return out


@lru_cache(maxsize=16)
# ----------------------------------------------------------------------------- choosing a definition


# ----------------------------------------------------------------------------- counts


def _area_counts(level: str, vintage: int) -> "pd.Series":
    """Area (km²) per code: the MDB's own area attribute, else (2011 codes) the generalised polygons' equal-area area.

    The country is the sum of its provinces. An area the MDB layer lacks takes its geometry's area.
    """
    if level == "country":
        return pd_series({"ZA": float(_area_counts("province", vintage).sum())})
    if level not in ("province", "district", "municipality", "ward"):
        raise DataNotAvailableError(f"area is not available at level {level!r}")
    from ..areas import boundaries, mdb_area_km2

    v = 2021 if level == "ward" else vintage
    b = boundaries(level, vintage=v)
    geometric = pd_series(dict(zip(b.code, b.area_km2.astype(float))))
    mdb = mdb_area_km2(level, vintage=v)
    return mdb.reindex(geometric.index).fillna(geometric) if len(mdb) else geometric


def pd_series(d: dict) -> "pd.Series":
    import pandas as pd

    return pd.Series(d, dtype=float)


def _count_facts(d: Definition, year: int, vintage: int) -> tuple["pd.DataFrame", int]:
    """Summed counts per (level, code) for the definition, on the best available vintage.

    Areas with rows for the measure but no matching category count 0; areas with no row stay absent.
    """
    from .._sources import category_mask, facts

    f = facts(d.dataset)
    f = f[(f["measure"] == d.measure) & (f["year"] == year)]
    if f.empty:
        raise DataNotAvailableError(f"{d.dataset} has no {d.measure!r} rows for {year}.")
    vintages = sorted(int(v) for v in f["vintage"].unique())
    use = vintage if vintage in vintages else vintages[-1]
    f = f[f["vintage"] == use]
    present = f.groupby(["level", "code"], observed=True).size().index
    mask = category_mask(f["category"], list(d.include), list(d.exclude))
    summed = f[mask].groupby(["level", "code"], observed=True)["value"].sum(min_count=1)
    summed = summed.reindex(present, fill_value=0.0)
    out = summed.rename("value").reset_index()
    out["level"] = out["level"].astype(str)
    out["code"] = out["code"].astype(str)
    return out, use


def assemble(rows: "pd.DataFrame", level: str, vintage: int, *, additive: bool = True) -> tuple["pd.Series", list[str]]:
    """Values at *level* from rows at any levels: the level's own rows, else the sum of its parts.

    A district space is a district row, a metro municipality row, or the sum of its municipalities
    (and, for institutional tables, its district municipality). A missing part makes the sum missing.
    """
    import pandas as pd

    notes: list[str] = []
    by_level = {lv: g.set_index("code")["value"] for lv, g in rows.groupby("level")}
    target = list(codes_of(level, vintage)) if level != "ward" else sorted(by_level.get("ward", pd.Series(dtype=float)).index)
    direct = by_level.get(level, pd.Series(dtype=float)).copy()
    if level == "district":
        metros = by_level.get("municipality", pd.Series(dtype=float))
        metros = metros[metros.index.isin(settings.METRO_CODES)]
        direct = pd.concat([direct, metros[~metros.index.isin(direct.index)]])
    missing = [c for c in target if c not in direct.index]
    if missing and additive and level in _CHILD:
        child = _CHILD[level]
        parts, _ = assemble(rows, child, vintage)
        pmap = parents(vintage)[child]
        extra = [parts]
        if level == "district" and "district_municipality" in by_level:
            dm = by_level["district_municipality"]
            extra.append(dm)
            notes.append("district spaces include their district municipality")
        parts = pd.concat(extra)
        parent = parts.index.map(lambda c: pmap.get(c, c if c.startswith("DC") else None))
        frame = pd.DataFrame({"value": parts.values, "parent": parent})
        frame = frame[frame.parent.notna()]
        built = frame.groupby("parent")["value"].sum(min_count=1)
        incomplete = frame[frame.value.isna()].parent.unique()
        built[built.index.isin(incomplete)] = np.nan
        # areas with no part at all stay missing (never zero)
        fill = built.reindex(missing)
        if fill.notna().any():
            notes.append(f"{int(fill.notna().sum())} {level} value(s) are sums of their {child} parts")
        direct = pd.concat([direct, fill[fill.notna()]])
    return direct.reindex(target), notes


def count_values(d: Definition, level: str, year: int, vintage: int) -> tuple["pd.Series", list[str]]:
    if d.dataset == AREA_DATASET:
        return _area_counts(level, vintage).reindex(list(codes_of(level, vintage)) if level != "ward" else None), []
    rows, used = _count_facts(d, year, vintage)
    notes: list[str] = []
    if used != vintage:
        if not (used == 2011 and vintage == 2016):
            raise VintageError(f"{d.id} ({d.dataset}) is coded to the {used} demarcation only and cannot be moved to {vintage}.")
        from ._harmonise import move_counts

        rows, moved = move_counts(rows, from_vintage=2011, to_vintage=2016)
        notes.append(f"moved from 2011 to 2016 boundaries through the lineage table ({moved:.1%} of the total changed area code)")
    values, more = assemble(rows, level, vintage)
    return values, notes + more


# ----------------------------------------------------------------------------- any indicator


_MEMO: dict[tuple, Result] = {}


def clear_memo() -> None:
    """Forget computed indicators and the tables held in memory (the Parquet cache stays)."""
    from .. import _cache
    from . import _cube

    _MEMO.clear()
    _cube.forget()
    for key in [k for k in _cache._MEMO if k.startswith(("facts-", "cube-"))]:
        del _cache._MEMO[key]


def shared(key: tuple, make: Callable[[], T]) -> T:
    """``make()`` memoised under *key* for the process, failures (DDMGeoError) included.

    For read-only tables built from indicators (a profile's tables and changes, shared by every
    profile of a batch); :func:`clear_memo` forgets them with the indicators they came from.
    """
    key = ("__shared__", *key)
    if key not in _MEMO:
        try:
            _MEMO[key] = make()
        except DDMGeoError as exc:
            _MEMO[key] = exc
            raise
    held = _MEMO[key]
    if isinstance(held, DDMGeoError):
        raise held
    return held  # type: ignore[return-value]


def compute(indicator: str, level: str, year: int | None, vintage: int) -> Result:
    """Values of *indicator* (memoised per level, year and vintage; callers get a copy)."""
    key = (indicator, level, year, int(vintage))
    if key not in _MEMO:
        from . import _cube

        try:
            found = _cube.lookup(indicator, level, year, code_vintage(vintage)) if level in LEVELS else None
            r = found if found is not None else _compute(indicator, level, year, vintage)
        except DDMGeoError as exc:  # the data cannot give it: asked again, the same error at once
            _MEMO[key] = exc
            raise
        r.frame.index.name = None  # one form whichever path computed it
        _MEMO[key] = r
    r = _MEMO[key]
    if isinstance(r, DDMGeoError):
        raise r
    return Result(r.definition, r.level, r.year, r.vintage, r.frame.copy(), list(r.sources), list(r.notes))


def _compute(indicator: str, level: str, year: int | None, vintage: int) -> Result:
    import pandas as pd

    if level not in LEVELS:
        raise VintageError(f"Unknown level {level!r}: use one of {', '.join(LEVELS)}.")
    vintage = code_vintage(vintage)
    d = choose(indicator, year, level)
    if d.kind == "count":
        y = year if (year is not None and d.dataset != AREA_DATASET) else (d.default_year or max(d.years))
        values, notes = count_values(d, level, y, vintage)
        frame = pd.DataFrame({"value": values})
        frame["numerator"] = np.nan
        frame["denominator"] = np.nan
        return Result(d, level, y, vintage, frame, [d.dataset], notes)
    if d.kind in RATIO_KINDS:
        return _ratio(d, level, year, vintage)
    # index / median: only where the table has the level, never combined
    y = year if year is not None else (d.default_year or max(d.years))
    rows, used = _count_facts(d, y, vintage)
    if used != vintage:
        raise VintageError(
            f"{d.id} is a {d.kind} on {used} boundaries; a {d.kind} cannot be moved between vintages. Ask for vintage={used}."
        )
    values, notes = assemble(rows, level, vintage, additive=False)
    if values.isna().all():
        raise AggregationError(
            f"{d.id} is a {d.kind} ({d.unit}) published per {', '.join(d.levels)}; a {d.kind} cannot be summed or "
            f"averaged to {level} level without its components."
        )
    frame = pd.DataFrame({"value": values, "numerator": np.nan, "denominator": np.nan})
    return Result(d, level, y, vintage, frame, [d.dataset], notes)


def _ratio(d: Definition, level: str, year: int | None, vintage: int) -> Result:
    import pandas as pd

    if d.direct:  # a published mean with its weight: combined as a weighted mean
        y = year if year is not None else (d.default_year or max(d.years))
        rows, used = _count_facts(d, y, vintage)
        weights, _ = _count_facts(choose(d.denominator, y, level), y, vintage)
        merged = rows.merge(weights, on=["level", "code"], suffixes=("", "_w"))
        num_rows = merged.assign(value=merged["value"] * merged["value_w"])[["level", "code", "value"]]
        den_rows = weights
        notes: list[str] = []
        if used != vintage:
            if (used, vintage) != (2011, 2016):
                raise VintageError(f"{d.id} is a published mean on {used} boundaries; ask for vintage={used}.")
            from ._harmonise import move_counts

            # a mean moves as its two counts (mean x weight, and weight), then is recomputed
            num_rows, _ = move_counts(num_rows, from_vintage=2011, to_vintage=2016)
            den_rows, moved = move_counts(den_rows, from_vintage=2011, to_vintage=2016)
            notes.append(f"recomputed on 2016 boundaries from counts moved through the lineage table ({moved:.1%} of the weight changed area code)")
        num, n1 = assemble(num_rows, level, vintage)
        den, n2 = assemble(den_rows, level, vintage)
        frame = pd.DataFrame({"numerator": num, "denominator": den})
        frame["value"] = (frame.numerator / frame.denominator).where(frame.denominator > 0)
        if used == vintage:
            # where the table publishes the mean itself, report it (num/den equals it up to rounding)
            published, _ = assemble(rows, level, vintage, additive=False)
            frame["value"] = published.where(published.notna(), frame["value"])
        return Result(d, level, y, vintage, frame[["value", "numerator", "denominator"]], [d.dataset], list(dict.fromkeys(notes + n1 + n2)))
    num = compute(d.numerator, level, year, vintage)
    den = compute(d.denominator, level, num.year if year is None else year, vintage) if d.denominator != "area_km2" else compute("area_km2", level, None, vintage)
    frame = pd.DataFrame({"numerator": num.frame["value"], "denominator": den.frame["value"]})
    with np.errstate(divide="ignore", invalid="ignore"):
        value = d.scale * frame.numerator / frame.denominator
    frame["value"] = value.where(frame.denominator > 0)
    sources = list(dict.fromkeys(num.sources + den.sources))
    notes = list(dict.fromkeys(num.notes + den.notes))
    return Result(d, level, num.year, vintage, frame[["value", "numerator", "denominator"]], sources, notes)
