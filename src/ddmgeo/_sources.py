"""Read registered indicator tables into one tidy "facts" form, driven by ``data/indicators/sources.toml``.

Facts columns: ``level, code, vintage, year, measure, category, value`` (value float; a
missing value stays NaN). Each table is read once per process and cached as Parquet
keyed by its registered checksum.
"""

from __future__ import annotations

import fnmatch
import re
import sys
from functools import lru_cache
from typing import TYPE_CHECKING

from . import _meta, _registry, settings
from .errors import DataIntegrityError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

if TYPE_CHECKING:
    import pandas as pd

FACT_COLUMNS = ["level", "code", "vintage", "year", "measure", "category", "value"]
CATEGORY_SEP = "|"


@lru_cache(maxsize=1)
def source_specs() -> dict[str, dict]:
    """Reading instructions per dataset name."""
    path = settings.package_data_dir() / "indicators" / "sources.toml"
    with open(path, "rb") as fh:
        doc = tomllib.load(fh)
    specs = {}
    for spec in doc.get("source", []):
        _registry.get(spec["dataset"])  # must be registered
        specs[spec["dataset"]] = spec
    return specs


def _read_csv(path, spec: dict) -> "pd.DataFrame":
    import pandas as pd

    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=spec.get("encoding", "utf-8"))


def _to_number(values: "pd.Series", dataset: str, column: str) -> "pd.Series":
    import pandas as pd

    out = pd.to_numeric(values.replace({"": None}), errors="coerce")
    bad = out.isna() & values.ne("")
    if bad.any():
        raise DataIntegrityError(f"{dataset}: non-numeric values in column {column!r}: {sorted(values[bad].unique())[:5]}")
    return out.astype(float)


def _tidy(raw: "pd.DataFrame", spec: dict) -> "pd.DataFrame":
    import pandas as pd

    cols = spec["columns"]
    cat_cols = cols.get("category", [])
    out = pd.DataFrame(
        {
            "level": raw[cols["level"]].replace(spec.get("level_map", {})),
            "code": raw[cols["code"]].str.strip(),
            "vintage": raw[cols["vintage"]].astype(int),
            "year": raw[cols["year"]].astype(int),
            "measure": raw[cols["measure"]],
            "category": raw[cat_cols].agg(CATEGORY_SEP.join, axis=1) if cat_cols else "",
        }
    )
    for measure, by_vintage in spec.get("measure_by_vintage", {}).items():
        for vintage, renamed in by_vintage.items():
            out.loc[(out["measure"] == measure) & (out["vintage"] == int(vintage)), "measure"] = renamed
    text = out["measure"].isin(spec.get("text_measures", []))
    value = raw[cols["value"]].where(~text, "1")
    out["value"] = _to_number(value, spec["dataset"], cols["value"])
    return out


_NAME_CODE = re.compile(r"^\s*(?P<prov>[A-Z]+)\s*-\s*(?P<name>.*?)\s*(?:\((?P<code>[A-Z]+\d*)\))?\s*$")


def _area_codes(values: "pd.Series", spec: dict) -> "pd.Series":
    """Codes from a code column, or from 'WC - Name (DC1)' style names (resolved when no code is given)."""
    from .names import resolve

    unique = values.unique()
    if all(re.fullmatch(r"[A-Z]+\d*", v.strip()) for v in unique):
        return values.str.strip()
    mapping = {}
    for v in unique:
        m = _NAME_CODE.match(v)
        if not m:
            raise DataIntegrityError(f"{spec['dataset']}: cannot read an area from {v!r}")
        mapping[v] = m.group("code") or resolve(f"{m.group('name')} ({m.group('prov')})", level=spec["level"], vintage=spec["vintage"])
    return values.map(mapping)


def _wide_years(raw: "pd.DataFrame", spec: dict) -> "pd.DataFrame":
    years = [c for c in raw.columns if re.fullmatch(r"\d{4}", c.strip())]
    raw = raw.assign(code=_area_codes(raw[spec["area"]], spec), category=raw[spec["category"]].agg(CATEGORY_SEP.join, axis=1))
    long = raw.melt(id_vars=["code", "category"], value_vars=years, var_name="year", value_name="value")
    long["year"] = long["year"].str.strip().astype(int)
    long["value"] = _to_number(long["value"], spec["dataset"], "year columns")
    long["level"] = spec["level"]
    long["vintage"] = int(spec["vintage"])
    long["measure"] = spec["measure"]
    return long


def _wide_columns(raw: "pd.DataFrame", spec: dict) -> "pd.DataFrame":
    cols = [c for c in raw.columns if c.startswith(spec["value_prefix"]) and c not in spec.get("drop", [])]
    raw = raw.assign(code=_area_codes(raw[spec["area"]], spec))
    long = raw.melt(id_vars=["code"], value_vars=cols, var_name="category", value_name="value")
    long["value"] = _to_number(long["value"], spec["dataset"], "value columns")
    long["level"] = spec["level"]
    long["vintage"] = int(spec["vintage"])
    long["year"] = int(spec["year"])
    long["measure"] = spec["measure"]
    return long


_YEAR_SUFFIX = re.compile(r"^(?P<stem>.+?)_(?:\d{4}_to_)?(?P<year>\d{4})$")


def _wide_year_suffix(raw: "pd.DataFrame", spec: dict) -> "pd.DataFrame":
    """One column per measure and year (``total_pop_2022``; ``growth_rate_2011_to_2022`` is dated 2022).

    ``stems`` maps each stem to ``[measure, category]``; ``fixed`` maps undated columns to
    ``[measure, category, year]``; ``ignore`` lists columns (or stems) left out. Any other
    column stops the read, so a changed upstream file cannot lose a column silently.
    """
    import pandas as pd

    codes = _area_codes(raw[spec["area"]], spec).replace(spec.get("code_map", {}))
    dated, fixed = _year_columns(raw, spec)
    frames = [_melt(raw, codes, cols, spec) for cols in (dated, fixed) if cols]
    long = pd.concat(frames, ignore_index=True)
    long["level"] = spec["level"]
    long["vintage"] = int(spec["vintage"])
    long = _fixed_level(long, set(m for m, _, _ in spec.get("fixed", {}).values()), spec)
    remainders = [_remainder(long, r, spec) for r in spec.get("remainders", [])]
    return pd.concat([long, *remainders], ignore_index=True)


def _year_columns(raw: "pd.DataFrame", spec: dict) -> tuple[dict, dict]:
    """(column -> (measure, category, year)) for the dated and the fixed columns of a wide table."""
    stems, fixed, ignore = spec.get("stems", {}), spec.get("fixed", {}), set(spec.get("ignore", [])) | {spec["area"]}
    dated: dict[str, tuple[str, str, int]] = {}
    unknown = []
    for col in raw.columns:
        m = _YEAR_SUFFIX.match(col)
        if col in ignore or (m and m["stem"] in ignore):
            continue
        if col in fixed:
            continue
        if m and m["stem"] in stems:
            measure, category = stems[m["stem"]]
            dated[col] = (measure, category, int(m["year"]))
        else:
            unknown.append(col)
    if unknown:
        raise DataIntegrityError(
            f"{spec['dataset']}: columns {unknown} are not mapped in sources.toml (add them to stems, fixed or ignore)."
        )
    return dated, {c: (m, cat, int(y)) for c, (m, cat, y) in fixed.items()}


def _melt(raw: "pd.DataFrame", codes: "pd.Series", columns: dict, spec: dict) -> "pd.DataFrame":
    """Long rows ``code, year, measure, category, value`` of the given columns (text measures counted as 1)."""
    import pandas as pd

    text = set(spec.get("text_measures", []))
    frames = []
    for col, (measure, category, year) in columns.items():
        values = raw[col].str.strip()
        is_text = measure in text
        frames.append(
            pd.DataFrame(
                {
                    "code": codes.values,
                    "year": year,
                    "measure": measure,
                    "category": values.values if is_text else category,
                    "value": 1.0 if is_text else _to_number(values, spec["dataset"], col).values,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _fixed_level(long: "pd.DataFrame", measures: set[str], spec: dict) -> "pd.DataFrame":
    """Put the fixed (institutional) measures of district rows at ``fixed_level``; metros leave them to the municipal table."""
    level = spec.get("fixed_level")
    if not level:
        return long
    mine = long["measure"].isin(measures)
    metro = long["code"].isin(settings.METRO_CODES)
    long = long[~(mine & metro)].copy()
    long.loc[long["measure"].isin(measures), "level"] = level
    return long


def _remainder(long: "pd.DataFrame", rule: dict, spec: dict) -> "pd.DataFrame":
    """The category ``rule["category"]`` of a measure: a total minus the sum of the measure's categories, per area and year.

    The total is a measure of this table, or of ``rule["total_dataset"]`` (a table of the same
    release and areas). The remainder keeps a shortfall visible (it is never spread over the
    other categories); it can be a little negative where the parts are perturbed independently.
    """
    source = _build(rule["total_dataset"]) if rule.get("total_dataset") else long
    total = source[source["measure"] == rule["total"]]
    total = total.assign(code=total["code"].astype(str)).groupby(["code", "year"], observed=True)["value"].sum()
    parts = long[long["measure"] == rule["measure"]].groupby(["code", "year"], observed=True)["value"].sum()
    missing = parts.index.difference(total.index)
    if len(missing):
        raise DataIntegrityError(f"{spec['dataset']}: no {rule['total']!r} total for {list(missing)[:5]} (remainder {rule['category']!r}).")
    rest = (total.reindex(parts.index) - parts).rename("value").reset_index()
    rest["measure"] = rule["measure"]
    rest["category"] = rule["category"]
    rest["level"] = spec["level"]
    rest["vintage"] = int(spec["vintage"])
    return rest


_READERS = {"tidy": _tidy, "wide_years": _wide_years, "wide_columns": _wide_columns, "wide_year_suffix": _wide_year_suffix}


def _build(dataset: str) -> "pd.DataFrame":
    from . import datasets

    spec = source_specs()[dataset]
    raw = _read_csv(datasets.fetch(dataset), spec)
    try:
        reader = _READERS[spec["format"]]
    except KeyError:
        raise DataIntegrityError(f"sources.toml: unknown format {spec['format']!r} for {dataset}; use one of {sorted(_READERS)}") from None
    facts = reader(raw, spec)[FACT_COLUMNS]
    for col in ("level", "code", "measure", "category"):
        facts[col] = facts[col].astype("category")
    facts["vintage"] = facts["vintage"].astype("int16")
    facts["year"] = facts["year"].astype("int16")
    return facts.reset_index(drop=True)


def facts_key(dataset: str) -> str:
    """The store key of a table's facts: its registered checksum (and those of the tables its remainders read) and the reading instructions' hash."""
    ds = _registry.get(dataset)
    key = (ds.sha256 or ds.git_blob)[:16]
    for other in _totals_read(dataset):
        o = _registry.get(other)
        key += f"+{(o.sha256 or o.git_blob)[:8]}"
    return f"facts-{dataset}-{key}-{_specs_hash()}-v{settings.CACHE_FORMAT_VERSION}"


def _totals_read(dataset: str) -> list[str]:
    """The other tables whose totals a table's ``remainders`` read (their facts are part of this table's)."""
    return [r["total_dataset"] for r in source_specs()[dataset].get("remainders", []) if r.get("total_dataset")]


def facts(dataset: str) -> "pd.DataFrame":
    """The tidy facts of one registered indicator table (memoised; from the core, the cache or the file).

    The frame is shared within the process: do not change it.
    """
    from ._cache import stored

    def build() -> "pd.DataFrame":
        frame = _build(dataset)
        _meta.attach(frame, dataset=dataset)
        return frame

    return stored(facts_key(dataset), build, copy=False)


def core_datasets() -> list[str]:
    """The indicator tables whose facts go into the embedded core (not ward-only, not non-commercial)."""
    out = []
    for name in source_specs():
        ds = _registry.get(name)
        if ds.noncommercial or name == "census2011_ward_population":
            continue
        out.append(name)
    return out


@lru_cache(maxsize=1)
def _specs_hash() -> str:
    from .datasets import sha256sum

    return sha256sum(settings.package_data_dir() / "indicators" / "sources.toml")[:10]


def category_mask(categories: "pd.Series", include: list[str], exclude: list[str]) -> "pd.Series":
    """Rows whose category matches any *include* pattern and no *exclude* pattern (fnmatch, case-sensitive)."""
    cats = categories.cat.categories if hasattr(categories, "cat") else categories.unique()
    keep = {c for c in cats if any(fnmatch.fnmatchcase(c, p) for p in include) and not any(fnmatch.fnmatchcase(c, p) for p in exclude)}
    return categories.isin(keep)
