"""Cross-cutting lenses on the indicators: a development index and population growth.

Neither fits the catalogue's model (an index of several indicators from different years, a
change between two years), so they are functions, documented in :mod:`ddmgeo.indicators`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import _catalogue, _meta, settings
from ..errors import DataNotAvailableError, VintageError

if TYPE_CHECKING:
    import pandas as pd

DIMENSIONS = ("education", "employment_income", "living_conditions")
#: fixed goalposts (minimum, maximum) of every component: all are shares on 0-1
GOALPOSTS = (0.0, 1.0)
INDEX_LEVELS = ("country", "province", "district", "municipality")


def index_components(year: int) -> dict[str, list[tuple[str, int, str]]]:
    """Dimension -> [(indicator id, year it is read for, why)] of the development index for *year*."""
    from . import SERVICE_COMPONENTS

    if year not in SERVICE_COMPONENTS:
        raise DataNotAvailableError(
            f"The development index is defined for {sorted(SERVICE_COMPONENTS)} (the census and survey years with "
            "living-conditions components); ask for year=2016 or year=2011."
        )
    edu_why = (
        "CS 2016" if year == 2016 else
        "substitute: no Census 2011 education table is in the shared data, so the CS 2016 value is used for 2011 "
        "(education does not change between the 2011 and 2016 indices)"
    )
    lab_why = "Census 2011" if year == 2011 else "Census 2011 (CS 2016 asked no labour-market or income questions)"
    return {
        "education": [("matric_or_higher_share", 2016, edu_why)],
        "employment_income": [
            ("employment_to_population", 2011, lab_why),
            ("income_poverty_rate", 2011, lab_why + "; counts moved from 2011 to 2016 boundaries through the lineage table"),
        ],
        "living_conditions": [(c, year, "CS 2016" if year == 2016 else "Census 2011") for c in SERVICE_COMPONENTS[year]],
    }


def _weights(weights: dict | None) -> dict[str, float]:
    w = {d: 1.0 for d in DIMENSIONS} if weights is None else {k: float(v) for k, v in dict(weights).items()}
    unknown = set(w) - set(DIMENSIONS)
    if unknown:
        raise ValueError(f"weights name {sorted(unknown)}; the dimensions are {DIMENSIONS}.")
    if any(v < 0 for v in w.values()) or sum(w.values()) <= 0:
        raise ValueError("weights must be non-negative and not all zero.")
    total = sum(w.values())
    return {d: w.get(d, 0.0) / total for d in DIMENSIONS}


def _combine(dims: "pd.DataFrame", w: dict[str, float], mean: str):
    """Weighted geometric or arithmetic mean of the dimension scores (rows with a missing used dimension: NaN)."""
    import numpy as np

    used = [d for d in DIMENSIONS if w[d] > 0]
    values = dims[used].to_numpy(dtype=float)
    W = np.array([w[d] for d in used])
    if mean == "geometric":
        with np.errstate(divide="ignore"):
            out = np.exp((np.log(values) * W).sum(axis=1))
    elif mean == "arithmetic":
        out = (values * W).sum(axis=1)
    else:
        raise ValueError(f"mean must be 'geometric' or 'arithmetic', not {mean!r}.")
    return np.clip(out, 0.0, 1.0)  # only guards rounding: every score is already in [0, 1]


def _rank(values) -> "pd.Series":
    return values.rank(ascending=False, method="min").astype("Int64")


def development_index(*, level: str = "district", year: int = 2016, vintage: int = settings.DEFAULT_VINTAGE, weights: dict | None = None, mean: str = "geometric", sensitivity: bool = False):
    import numpy as np
    import pandas as pd

    from . import get

    if level not in INDEX_LEVELS:
        raise DataNotAvailableError(f"The development index is computed for the levels {', '.join(INDEX_LEVELS)}, not {level!r}.")
    if int(vintage) not in (2016, 2020, 2021):
        raise VintageError(
            "The development index uses CS 2016 components, published on 2016 boundaries only; ask for vintage=2016 "
            "(Census 2011 components are moved to 2016 boundaries through the lineage table)."
        )
    if mean not in ("geometric", "arithmetic"):
        raise ValueError(f"mean must be 'geometric' or 'arithmetic', not {mean!r}.")
    w = _weights(weights)
    comps = index_components(year)

    by_year: dict[int, list[str]] = {}
    for items in comps.values():
        for ind, y, _ in items:
            by_year.setdefault(y, []).append(ind)
    out = None
    meta_components = {}
    for y, ids in sorted(by_year.items()):
        t = get(ids, level=level, year=y, vintage=vintage)
        for ind in ids:
            m = _meta.read(t).indicators[ind]
            meta_components[ind] = {"year": m["year"], "source": m["source"], "higher_is": m["higher_is"], "notes": m["notes"]}
        out = t[["code", "name"] + ids] if out is None else out.merge(t[["code"] + ids], on="code", how="outer")
    order = [ind for items in comps.values() for ind, _, _ in items]
    assert out is not None  # comps names at least one indicator
    out = out[["code", "name"] + order].copy()
    out.attrs = {}

    lo, hi = GOALPOSTS
    scores = {}
    missing: list[list[str]] = [[] for _ in range(len(out))]
    for dim, items in comps.items():
        cols = []
        for ind, _, why in items:
            higher = _catalogue.first(ind).higher_is
            s = (out[ind] - lo) / (hi - lo)
            s = 1 - s if higher == "worse" else s
            cols.append(s)
            meta_components[ind].update({"dimension": dim, "why": why, "score": "1 - value" if higher == "worse" else "value"})
            for i in np.flatnonzero(out[ind].isna().to_numpy()):
                missing[i].append(ind)
        # the arithmetic mean within a dimension; any missing component leaves the dimension missing
        scores[dim] = pd.concat(cols, axis=1).mean(axis=1, skipna=False)
    dims = pd.DataFrame(scores)
    for dim in DIMENSIONS:
        out[f"{dim}_index"] = dims[dim].values
    out["development_index"] = _combine(dims, w, mean)
    out["rank"] = _rank(out["development_index"])
    out["components_missing"] = [";".join(m) for m in missing]
    caveats = [
        "Employment and income poverty are Census 2011 figures in both years (CS 2016 has no labour-market or income questions).",
        "Income poverty is income-based (Census 2011 household income per person below the upper-bound poverty line: 56.2 % nationally), "
        "not Stats SA's expenditure-based official poverty headcount (53.2 % for 2011).",
        "Shares are not rescaled against the other areas (fixed goalposts 0 and 1), so an area's index does not move when other areas change.",
    ]
    if year == 2011:
        caveats.insert(0, "No Census 2011 education table is in the shared data: the 2011 index uses the CS 2016 share of adults with matric or higher.")
    else:
        caveats.insert(0, "The 2016 index mixes CS 2016 (education, living conditions) with Census 2011 (employment, income poverty).")
    _meta.attach(out, {
        "level": level,
        "vintage": 2016,
        "development_index": {
            "year": year,
            "mean": mean,
            "weights": w,
            "goalposts": {"min": lo, "max": hi},
            "dimensions": {dim: [ind for ind, _, _ in items] for dim, items in comps.items()},
            "components": meta_components,
            "method": (
                "component score = (value - 0) / (1 - 0), reversed (1 - score) where higher is worse; dimension = "
                f"arithmetic mean of its component scores; index = weighted {mean} mean of the dimensions; rank 1 = highest"
            ),
            "caveats": caveats,
        },
    })
    if not sensitivity:
        return out

    scenarios: dict[str, tuple[dict, str]] = {}
    for dim in DIMENSIONS:
        if w[dim] > 0:
            scenarios[f"{dim}_x2"] = ({d: (2 * w[d] if d == dim else w[d]) for d in DIMENSIONS}, mean)
    other = "arithmetic" if mean == "geometric" else "geometric"
    scenarios[other] = (dict(w), other)
    sens = out[["code", "name", "development_index", "rank"]].copy()
    sens.attrs = {}
    summary = {}
    changes = []
    for name, (sw, smean) in scenarios.items():
        sw = _weights(sw)
        r = _rank(pd.Series(_combine(dims, sw, smean), index=out.index))
        sens[f"rank_{name}"] = r.values
        sens[f"change_{name}"] = (r - out["rank"]).values
        changes.append(f"change_{name}")
        ok = out["rank"].notna() & r.notna()
        rho = float(np.corrcoef(out.loc[ok, "rank"].astype(float), r[ok].astype(float))[0, 1]) if ok.sum() > 2 else float("nan")
        summary[name] = {"weights": sw, "mean": smean, "spearman": rho, "max_abs_change": int(sens[f"change_{name}"].abs().max()) if ok.any() else None}
    sens["max_abs_change"] = sens[changes].abs().max(axis=1).astype("Int64")
    _meta.attach(sens, {"level": level, "vintage": 2016, "sensitivity": summary, "base": {"weights": w, "mean": mean, "year": year}})
    return out, sens


# ----------------------------------------------------------------------------- growth


def _estimates(level: str, year: int, vintage: int) -> tuple["pd.Series", list[str], list[str]]:
    """Mid-year estimate of all persons at *level* (metros from the district file at municipality level)."""
    from dataclasses import replace

    from ._disaggregate import _group_counts, _index

    groups, _ = _index()
    g = groups[("population_estimate", "sex")]["mype"][0]
    total = replace(g, label="all", include=("*",), exclude=())
    return _group_counts(total, level, year, vintage)


#: census-based growth: (start, end) -> (the population id to read, what the two counts are, the interval note)
CENSUS_PAIRS = {
    (2011, 2016): (
        "population",
        "Census 2011 (a count, reference night 9-10 October 2011, re-tabulated on 2016 boundaries) and Community Survey 2016 "
        "(a sample survey, fieldwork March-April 2016) are different instruments: small-area changes include survey error",
        "annualised over 5 calendar years; the reference dates are about 4.4 years apart (years=4.4 gives the rate over that interval)",
    ),
    (2011, 2022): (
        "population@census2022",
        "Census 2011 re-based by Stats SA on the 2022 boundaries and Census 2022, both from the Census 2022 release (the same "
        "boundaries, not the Census 2011 tables on 2016 boundaries); MP326 and MP321 hold first-release 2022 figures (erratum)",
        "annualised over 11 calendar years; the census reference nights are about 10.3 years apart (9-10 October 2011, 2-3 February "
        "2022): years=10.3 gives the rate over that interval; Stats SA's published growth_rate_2011_2022 agrees, to its 0.1 % rounding, "
        "with the exponential rate ln(end / start) / 10.3",
    ),
}


def population_growth(*, level: str = "municipality", start: int = 2011, end: int = 2016, vintage: int = settings.DEFAULT_VINTAGE, source: str = "census", years: float | None = None) -> "pd.DataFrame":
    import numpy as np
    import pandas as pd

    from .._vintage import code_vintage
    from . import _names
    from ._engine import codes_of, compute

    if level not in INDEX_LEVELS:
        raise DataNotAvailableError(f"Population growth is computed for the levels {', '.join(INDEX_LEVELS)}, not {level!r}.")
    start, end = int(start), int(end)
    if end <= start:
        raise ValueError(f"end ({end}) must be after start ({start}).")
    v = code_vintage(vintage)
    if v != 2016:
        raise VintageError("Growth is computed on the 2016 boundaries (CS 2016 and the mid-year estimates are published on them only); use vintage=2016.")
    notes: list[str] = []
    if source == "census":
        if (start, end) not in CENSUS_PAIRS:
            raise DataNotAvailableError(
                f"The census-based populations are Census 2011, Community Survey 2016 and Census 2022; use start=2011 with end=2016 "
                f"or end=2022, or source='estimates' for the mid-year estimates of any years 2002-2031 ({start}-{end} asked)."
            )
        population, instruments, interval = CENSUS_PAIRS[(start, end)]
        a = compute(population, level, start, v)
        b = compute(population, level, end, v)
        pop_start, pop_end = a.frame["value"], b.frame["value"]
        datasets = list(dict.fromkeys(a.sources + b.sources))
        notes += list(dict.fromkeys(a.notes + b.notes))
        notes.append(instruments)
        if years is None:
            notes.append(interval)
    elif source == "estimates":
        pop_start, n1, u1 = _estimates(level, start, v)
        pop_end, n2, u2 = _estimates(level, end, v)
        datasets = list(dict.fromkeys(u1 + u2))
        notes += list(dict.fromkeys(n1 + n2))
        notes.append("Stats SA mid-year population estimates (30 June of each year): modelled, not counted; years after 2021 are projections")
    else:
        raise ValueError(f"source must be 'census' or 'estimates', not {source!r}.")
    span = float(end - start) if years is None else float(years)
    if span <= 0:
        raise ValueError("years must be positive.")
    codes = list(codes_of(level, v))
    out = pd.DataFrame({"code": codes})
    out["name"] = out["code"].map(_names(level, v, codes))
    if level == "municipality":
        from ..areas import areas_table

        t = areas_table("municipality", vintage=v)
        out["district_code"] = out["code"].map(dict(zip(t.code, t.district_code)))
    out["population_start"] = pop_start.reindex(codes).values
    out["population_end"] = pop_end.reindex(codes).values
    out["change"] = out["population_end"] - out["population_start"]
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = (out["population_end"] / out["population_start"]) ** (1.0 / span) - 1.0
    out["growth_rate"] = rate.where(out["population_start"] > 0)
    _meta.attach(out, {
        "level": level,
        "vintage": v,
        "population_growth": {
            "source": source,
            "start": start,
            "end": end,
            "years": span,
            "datasets": datasets,
            "method": "change = population_end - population_start; growth_rate = (population_end / population_start) ** (1 / years) - 1",
            "notes": notes,
        },
    })
    return out


def growth_extremes(table: "pd.DataFrame", district_code: str, *, n: int = 3) -> "pd.DataFrame":
    import pandas as pd

    from ..names import resolve

    if "district_code" not in table.columns or "growth_rate" not in table.columns:
        raise ValueError("growth_extremes needs a municipality table from population_growth(level='municipality') (columns district_code, growth_rate).")
    if n < 1:
        raise ValueError("n must be at least 1.")
    code = resolve(district_code, level="district")
    sub = table[(table["district_code"] == code) & table["growth_rate"].notna()]
    if sub.empty:
        raise DataNotAvailableError(f"The table has no municipality of {code} with a growth rate.")
    growing = sub[sub["growth_rate"] > 0].sort_values("growth_rate", ascending=False, kind="stable").head(n)
    shrinking = sub[sub["change"] < 0].sort_values("growth_rate", kind="stable").head(n)
    cols = [c for c in ("code", "name", "population_start", "population_end", "change", "growth_rate") if c in table.columns]
    out = pd.concat([growing[cols].assign(group="fastest-growing"), shrinking[cols].assign(group="shrinking")], ignore_index=True)
    out.insert(0, "group", out.pop("group"))
    out.insert(1, "district_code", code)
    out.attrs = {}
    _meta.carry(table, out, district_code=code, n=n)
    return out
