"""Aggregate indicator tables up the hierarchy and move them between vintages."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import _catalogue, _meta
from .._catalogue import RATIO_KINDS
from ..errors import AggregationError, VintageError
from ._engine import codes_of, parents

if TYPE_CHECKING:
    import pandas as pd

_ORDER = ("municipality", "district", "province", "country")
_METHODS = {"mean": np.nanmean, "median": np.nanmedian, "min": np.nanmin, "max": np.nanmax}


def detect_level(codes, vintage: int) -> str:
    """The single level all *codes* belong to (metros count as municipalities when munis are present)."""
    codes = set(map(str, codes))
    for level in _ORDER:
        known = set(codes_of(level, vintage))
        if codes <= known:
            return level
    for level in ("municipality", "district", "province"):
        known = set(codes_of(level, vintage))
        if len(codes & known) > len(codes) / 2:
            bad = sorted(codes - known)[:10]
            raise AggregationError(
                f"The table mixes levels or vintages: {bad} are not {level} codes of the {vintage} demarcation. "
                "Aggregate one level at a time, and harmonise older codes first (ddmgeo.indicators.harmonise)."
            )
    raise AggregationError(f"Codes {sorted(codes)[:10]} are not areas of the {vintage} demarcation; resolve names first (ddmgeo.resolve).")


def parent_map(from_level: str, to_level: str, vintage: int) -> dict[str, str]:
    if _ORDER.index(to_level) <= _ORDER.index(from_level):
        raise AggregationError(f"Cannot aggregate {from_level} values to {to_level}: aggregation goes up (municipality -> district -> province -> country).")
    pm = parents(vintage)
    mapping = {c: c for c in codes_of(from_level, vintage)}
    level = from_level
    while level != to_level:
        step = pm[level] if level != "province" else {c: "ZA" for c in codes_of("province", vintage)}
        mapping = {c: step[p] for c, p in mapping.items()}
        level = _ORDER[_ORDER.index(level) + 1]
    return mapping


def _kind_of(column: str, kinds: dict | None) -> tuple[str, str, str, float]:
    """(kind, numerator, denominator, scale) of a column: from `kinds` or the catalogue."""
    if kinds and column in kinds:
        spec = kinds[column]
        if isinstance(spec, str):
            return spec, "", "", 1.0
        kind, num, den = spec[:3]
        return kind, num, den, float(spec[3]) if len(spec) > 3 else 1.0
    try:
        d = _catalogue.first(column)
    except KeyError:
        raise AggregationError(
            f"Column {column!r} is not a catalogue indicator, so ddmgeo cannot know how to combine it. "
            "Pass kinds={'%s': 'count'} (summed), or ('share', numerator_column, denominator_column), "
            "or 'index'/'median' with method=..." % column
        ) from None
    return d.kind, d.numerator, d.denominator, d.scale


_META = ("name", "level", "geometry")


def _examples(base: "pd.DataFrame", col: str, mask) -> str:
    """'BUF (-100), CPT (-5)': the first rows where *mask* holds, by code."""
    hits = base.loc[mask, col]
    shown = ", ".join(f"{code} ({v!r})" for code, v in list(hits.items())[:5])
    return shown + (f" ... ({len(hits)} in all)" if len(hits) > 5 else "")


def check_values(base: "pd.DataFrame", kinds: dict | None, what: str) -> None:
    """Refuse values that would be combined into a wrong number: text in an indicator column, negative or
    infinite counts. *base* is indexed by code; *what* says what is being done ("aggregate", "harmonise")."""
    import numpy as np
    import pandas as pd

    from .. import _catalogue

    known = _catalogue.definitions()
    declared = set(kinds or {})
    for col in base.columns:
        if col in _META or (col not in known and col not in declared):
            continue
        values = base[col]
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            text = values.notna() & ~values.map(lambda v: isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool))
            if not text.any():  # numbers and missing values held as objects: use them as numbers
                base[col] = values.astype(float)
                continue
            raise AggregationError(
                f"Column {col!r} holds text, not numbers (e.g. {_examples(base, col, text)}), so it cannot be {what}d: "
                f"convert it first (pd.to_numeric(table[{col!r}]), or read the file with ddmgeo.read_table, which reads "
                "'1 234', 'R 3,2 mil' and '12%'), with missing values as NaN."
            )
        numbers = values.astype(float)
        infinite = np.isinf(numbers)
        if infinite.any():
            raise AggregationError(
                f"Column {col!r} has values that are not finite at {_examples(base, col, infinite)}: replace them with "
                "the real values, or NaN where the value is missing."
            )
        kind = _kind_of(col, kinds)[0]
        user_count = col in declared and not col.startswith("__")  # the caller's own counts may be net flows
        if kind == "count" and not user_count and (numbers < 0).any():
            raise AggregationError(
                f"Column {col!r} is a count but has negative values at {_examples(base, col, numbers < 0)}: counts "
                "cannot be negative. Correct those rows; write a missing value as NaN, never as a code such as -1 or -9999."
            )


def _check_sums(sums: "pd.DataFrame", full: "pd.DataFrame", what: str) -> None:
    import numpy as np

    for col in sums.columns:
        if np.isinf(sums[col].to_numpy(dtype=float)).any():
            raise AggregationError(
                f"The {what} of {col!r} overflows: its values (up to {np.nanmax(np.abs(full[col].to_numpy(dtype=float))):.3g}) "
                "are too large to add as floating-point numbers. Check the column for a units error."
            )


def aggregate_wide(table: "pd.DataFrame", *, to: str, vintage: int, min_coverage: float | None, method: str | dict | None, kinds: dict | None) -> "pd.DataFrame":
    import pandas as pd

    if "code" not in table.columns:
        raise AggregationError("The table has no 'code' column: resolve its area names first (ddmgeo.read_table or ddmgeo.resolve).")
    if table.empty:
        raise AggregationError("The table has no rows: there is nothing to aggregate (a missing part is never read as zero).")
    if table["code"].duplicated().any():
        dup = sorted(table.loc[table["code"].duplicated(), "code"].unique())[:10]
        raise AggregationError(f"Codes {dup} occur more than once; a table to aggregate has one row per area.")
    from_level = detect_level(table["code"], vintage)
    mapping = parent_map(from_level, to, vintage)
    targets = list(codes_of(to, vintage)) if to != "country" else ["ZA"]
    work = table.copy(deep=False)
    work.attrs = {}  # pandas deep-copies attrs on every operation: keep the metadata out of the hot loop
    base = work.set_index("code")
    check_values(base, kinds, "aggregate")
    columns = [c for c in base.columns if c not in ("name", "level", "geometry") and pd.api.types.is_numeric_dtype(base[c])]
    kinds_of = {c: _kind_of(c, kinds) for c in columns}
    for col, (kind, num, den, _) in kinds_of.items():
        if kind in RATIO_KINDS:
            if not num:  # a published mean: its numerator (mean x weight) exists only in tidy tables
                raise AggregationError(
                    f"{col!r} is a published {kind} weighted by {den!r}: it is aggregated as a weighted mean, which needs "
                    f"its weighted numerator. Get it with ddmgeo.indicators.get([{col!r}], output='tidy') (the numerator and "
                    "denominator columns carry it) and aggregate that table."
                )
            missing_cols = [c for c in (num, den) if c not in columns]
            if missing_cols:
                raise AggregationError(
                    f"{col!r} is a {kind}: it is aggregated from its numerator and denominator, not averaged. "
                    f"Include the columns {missing_cols} (e.g. ddmgeo.indicators.get([...{', '.join(repr(c) for c in (num, den))}...])) "
                    "or use output='tidy', which carries them."
                )
        elif kind != "count":
            how = method.get(col) if isinstance(method, dict) else method
            if how is None:
                raise AggregationError(
                    f"{col!r} is {'an' if kind == 'index' else 'a'} {kind}: {'a median of parts is not the median of the whole' if kind == 'median' else 'an index has no additive components'}, "
                    "so ddmgeo will not sum or average it. Aggregate its components instead, or pass "
                    f"method={{'{col}': 'mean'|'median'|'min'|'max'}} to get a descriptive statistic of the parts (flagged in attrs)."
                )
            if how not in _METHODS:
                raise AggregationError(f"method {how!r} for {col!r}: use one of {sorted(_METHODS)}.")

    # every expected part is a row; an area with no row is a missing part (never zero)
    children = list(mapping)
    full = base.reindex(children)[columns]
    parent = pd.Index([mapping[c] for c in children])
    additive = [c for c in columns if kinds_of[c][0] == "count"]
    for kind, num, den, _ in kinds_of.values():
        if kind in RATIO_KINDS:
            additive += [c for c in (num, den) if c not in additive]
    with np.errstate(over="ignore"):  # an overflow is reported by _check_sums
        sums = full[additive].groupby(parent).sum(min_count=1).reindex(targets)
    _check_sums(sums, full, "sum")
    n_parts = pd.Series(parent).value_counts().reindex(targets).fillna(0)
    n_missing = full[additive].isna().groupby(parent).sum().reindex(targets).fillna(0)
    if min_coverage is None:
        ok = n_missing.eq(0)
    else:
        ok = n_missing.eq(0) | (1 - n_missing.div(n_parts, axis=0)).ge(min_coverage)
    sums = sums.where(ok)

    # rates and shares in one pass: per ratio column, a part counts only when it has both counts (never a
    # numerator of four parts over a denominator of five); one groupby for all numerators, denominators and gaps
    ratio_cols = [c for c in columns if kinds_of[c][0] in RATIO_KINDS]
    if ratio_cols:
        k = len(ratio_cols)
        num = full[[kinds_of[c][1] for c in ratio_cols]].to_numpy(dtype=float, na_value=np.nan)
        den = full[[kinds_of[c][2] for c in ratio_cols]].to_numpy(dtype=float, na_value=np.nan)
        gaps = np.isnan(num) | np.isnan(den)
        parts = pd.DataFrame(np.hstack([np.where(gaps, np.nan, num), np.where(gaps, np.nan, den), gaps.astype(float)]), index=full.index)
        with np.errstate(over="ignore"):
            summed = parts.groupby(parent).sum(min_count=1).reindex(targets).to_numpy()
        n_sum, d_sum, n_miss = summed[:, :k], summed[:, k : 2 * k], np.nan_to_num(summed[:, 2 * k :])
        parts_n = n_parts.to_numpy(dtype=float)[:, None]
        good = n_miss == 0 if min_coverage is None else (n_miss == 0) | (1 - n_miss / parts_n >= min_coverage)
        scale = np.array([kinds_of[c][3] for c in ratio_cols], dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where((d_sum > 0) & good, scale * n_sum / d_sum, np.nan)
        ratio_of = {c: ratio[:, j] for j, c in enumerate(ratio_cols)}
        gaps_of = {c: pd.Series(gaps[:, j], index=full.index) for j, c in enumerate(ratio_cols)}

    index = pd.Index(targets, name="code")
    values: dict[str, object] = {}
    missing_lists: dict[str, pd.Series] = {}
    any_missing = np.zeros(len(full), bool)  # parts missing from any column
    reports = {}
    for col in columns:
        kind = kinds_of[col][0]
        if kind == "count":
            values[col] = sums[col]
            miss = full[col].isna()
        elif kind in RATIO_KINDS:
            values[col] = ratio_of[col]
            miss = gaps_of[col]
        else:
            how = method.get(col) if isinstance(method, dict) else method
            grouped = full[col].groupby(parent)
            values[col] = grouped.agg(lambda v, how=how: _METHODS[how](v.values) if v.notna().any() else np.nan).reindex(targets)
            miss = full[col].isna()
            reports[col] = f"descriptive {how} of the parts (not an aggregate)"
        missing_lists[col] = _missing_text(miss, parent, targets)
        any_missing |= miss.to_numpy()
    out = pd.DataFrame(values, index=index)  # one frame at the end: inserting 50 columns one by one fragments it
    # one stable column: the parts missing from any column; where columns differ, each column's own list too
    out["missing_parts"] = _missing_text(pd.Series(any_missing, index=full.index), parent, targets)
    texts = list(missing_lists.values())
    if not all(t.equals(texts[0]) for t in texts):
        for col, t in missing_lists.items():
            out[f"{col}__missing_parts"] = t
    out = out.reset_index()
    _meta.attach(out, {"aggregated_from": from_level, "to": to, "vintage": vintage, "min_coverage": min_coverage, "methods": reports})
    return out


def _missing_text(missing: "pd.Series", parent: "pd.Index", targets: list[str]) -> "pd.Series":
    """Per parent, the ';'-joined codes of its missing parts ('' when none)."""
    import pandas as pd

    out = pd.Series("", index=pd.Index(targets, name="code"), dtype=object)
    if missing.any():
        codes = pd.Series(missing.index[missing.values], index=parent[missing.values])
        joined = codes.groupby(level=0).agg(";".join)
        out.loc[joined.index] = joined.values
    return out


def aggregate_tidy(table: "pd.DataFrame", *, to: str, vintage: int, min_coverage: float | None, method, kinds) -> "pd.DataFrame":
    import pandas as pd

    needed = {"code", "indicator", "value"}
    if not needed <= set(table.columns):
        raise AggregationError(f"A tidy table needs the columns {sorted(needed)}; it has {list(table.columns)}.")
    frames = []
    keys = ["indicator"] + (["year"] if "year" in table.columns else [])
    for key, group in table.groupby(keys, sort=False):
        ind = key[0] if isinstance(key, tuple) else key
        kind, *_ = _kind_of(ind, kinds)
        wide = pd.DataFrame({"code": group["code"].values, ind: group["value"].values})
        k = dict(kinds or {})
        if kind in RATIO_KINDS:
            if not {"numerator", "denominator"} <= set(group.columns) or group[["numerator", "denominator"]].isna().all().all():
                raise AggregationError(f"{ind!r} is a {kind}: the tidy table must carry its numerator and denominator columns (ddmgeo.indicators.get(..., output='tidy') does).")
            wide["__num"] = group["numerator"].values
            wide["__den"] = group["denominator"].values
            scale = _kind_of(ind, kinds)[3]
            k.update({ind: (kind, "__num", "__den", scale), "__num": "count", "__den": "count"})
        agg = aggregate_wide(wide, to=to, vintage=vintage, min_coverage=min_coverage, method=method, kinds=k)
        res = pd.DataFrame({"code": agg["code"], "indicator": ind, "value": agg[ind]})
        if kind in RATIO_KINDS:
            res["numerator"] = agg["__num"].values
            res["denominator"] = agg["__den"].values
        if "year" in keys:
            res["year"] = key[1]
        res["missing_parts"] = agg[f"{ind}__missing_parts"] if f"{ind}__missing_parts" in agg else agg["missing_parts"]
        frames.append(res)
    out = pd.concat(frames, ignore_index=True)
    _meta.attach(out, {"to": to, "vintage": vintage, "min_coverage": min_coverage})
    return out


def harmonise_table(table: "pd.DataFrame", *, from_vintage: int, to_vintage: int, kinds: dict | None, method: str = "area") -> "pd.DataFrame":
    """Move a wide municipality table of counts from one vintage to the other."""
    import pandas as pd

    from ._harmonise import weights

    if "code" not in table.columns:
        raise VintageError("The table has no 'code' column of municipality codes.")
    w = weights("municipality", from_vintage, to_vintage, method)
    if table["code"].duplicated().any():
        dup = sorted(table.loc[table["code"].duplicated(), "code"].astype(str).unique())[:10]
        raise AggregationError(f"Codes {dup} occur more than once; a table to harmonise has one row per municipality (aggregate the rows first).")
    base = table.set_index("code")
    check_values(base, kinds, "harmonise")
    unknown = sorted(set(base.index) - set(w.old_code))
    if unknown:
        raise VintageError(
            f"Codes {unknown[:10]} are not municipalities of the {from_vintage} demarcation: harmonisation moves "
            f"municipality tables of {from_vintage} codes (aggregate to districts after moving)."
        )
    columns = [c for c in base.columns if c not in ("name", "level", "geometry") and pd.api.types.is_numeric_dtype(base[c])]
    counts, ratios = [], []
    for col in columns:
        kind, num, den, scale = _kind_of(col, kinds)
        if kind == "count":
            counts.append(col)
        elif kind in RATIO_KINDS and num in base.columns and den in base.columns:
            ratios.append((col, num, den, scale))
        else:
            raise VintageError(
                f"{col!r} is a {kind}: only counts move between vintages. Include its numerator and denominator "
                "counts (it is then recomputed from them), or drop it."
            )
    # one sparse product moves every column: new = W @ old (W cached per vintage pair and method);
    # every old code must be present, and a missing old value leaves every new area it feeds missing
    from ._harmonise import crosswalk

    old_codes, new_codes, W, W_other = crosswalk("municipality", from_vintage, to_vintage, method)
    X = base.reindex(old_codes)[counts].to_numpy(dtype=float)
    missing = np.isnan(X)
    moved = W @ np.where(missing, 0.0, X)
    other = W_other @ np.where(missing, 0.0, X)
    poisoned = (W.astype(bool).astype(float) @ missing.astype(float)) > 0
    moved[poisoned] = np.nan
    out = pd.DataFrame(index=list(new_codes))
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(moved > 0, other / moved, np.nan)
    for j, col in enumerate(counts):
        out[col] = moved[:, j]
        out[f"{col}__moved_share"] = share[:, j]
    for col, num, den, scale in ratios:
        with np.errstate(divide="ignore", invalid="ignore"):
            out[col] = (scale * out[num] / out[den]).where(out[den] > 0)
    out.index.name = "code"
    out = out.reset_index()
    _meta.attach(out, {"harmonised": f"{from_vintage} -> {to_vintage}", "method": f"{'population' if method == 'population' else 'areal'} weighting through the lineage table"})
    return out
