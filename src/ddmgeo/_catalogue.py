"""The indicator catalogue: ``data/indicators/catalogue.csv``, validated once per process."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from . import _registry, settings
from ._numbers import parse_years
from .errors import AggregationError, DataNotAvailableError, DDMGeoError, UnknownIndicatorError

if TYPE_CHECKING:
    import pandas as pd

KINDS = ("count", "share", "rate", "mean", "median", "index")
RATIO_KINDS = ("share", "rate", "mean")
THEMES = ("demographics", "economy", "spatial", "infrastructure", "services", "governance")
#: The One Plan's six transformation areas (DCoG's District Development Model), in the plan's order, and the
#: catalogue theme each holds: every indicator of a theme belongs to its area. The names are the plan's
#: headings in sentence case; ``catalogue(theme=...)`` accepts a theme or an area name.
ONE_PLAN_AREAS: dict[str, str] = {
    "demographics": "District demographics and profiling",
    "economy": "Economic positioning",
    "spatial": "Spatial restructuring",
    "infrastructure": "Infrastructure engineering",
    "services": "Integrated service provision",
    "governance": "Governance and management",
}
SEP = " || "
#: the pseudo-dataset of areas computed from the boundaries
AREA_DATASET = "mdb2020_openup"


@dataclass(frozen=True)
class Definition:
    """One row of the catalogue: how one indicator is computed from one source."""

    id: str
    label: str
    theme: str
    kind: str
    unit: str
    higher_is: str
    dataset: str
    measure: str
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    numerator: str
    denominator: str
    scale: float
    years: tuple[int, ...]
    default_year: int | None
    code_vintages: tuple[int, ...]
    levels: tuple[str, ...]
    notes: str

    @property
    def direct(self) -> bool:
        """Read from a table (rather than computed from other indicators)."""
        return bool(self.dataset)


@lru_cache(maxsize=1)
def table() -> "pd.DataFrame":
    import pandas as pd

    path = settings.package_data_dir() / "indicators" / "catalogue.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    _validate(df)
    return df


def _validate(df: "pd.DataFrame") -> None:
    from ._sources import source_specs

    ids = set(df["id"])
    specs = source_specs()
    datasets: dict[str, list[str]] = {}
    for i, ds in zip(df["id"], df["dataset"]):
        datasets.setdefault(i, []).append(ds)
    problems = []
    for i, r in enumerate(df.to_dict("records")):
        where = f"catalogue.csv line {i + 2} ({r['id']})"
        if r["kind"] not in KINDS:
            problems.append(f"{where}: kind {r['kind']!r} is not one of {KINDS}")
        if r["theme"] not in THEMES:
            problems.append(f"{where}: theme {r['theme']!r} is not one of {THEMES}")
        if r["higher_is"] not in ("better", "worse", "neutral"):
            problems.append(f"{where}: higher_is must be better, worse or neutral")
        if r["dataset"] and r["dataset"] != AREA_DATASET and r["dataset"] not in specs:
            problems.append(f"{where}: dataset {r['dataset']!r} has no entry in sources.toml")
        if r["dataset"]:
            _registry.get(r["dataset"])
        for ref in ("numerator", "denominator"):
            base, _, source = r[ref].partition(SOURCE_SEP)
            if r[ref] and base not in ids:
                problems.append(f"{where}: {ref} {r[ref]!r} is not an indicator id")
            elif source and not any(in_source(x, source) for x in datasets.get(base, ()) if x):
                problems.append(f"{where}: {ref} {r[ref]!r} names a source {base!r} is not read from")
        if r["kind"] in ("share", "rate") and not (r["numerator"] and r["denominator"]):
            problems.append(f"{where}: a {r['kind']} needs a numerator and a denominator")
        if not r["dataset"] and not r["numerator"]:
            problems.append(f"{where}: neither a dataset nor a numerator")
    if problems:
        raise DDMGeoError("The indicator catalogue is inconsistent:\n  " + "\n  ".join(problems))


@lru_cache(maxsize=1)
def definitions() -> dict[str, tuple[Definition, ...]]:
    out: dict[str, list[Definition]] = {}
    for r in table().to_dict("records"):
        d = Definition(
            id=r["id"],
            label=r["label"],
            theme=r["theme"],
            kind=r["kind"],
            unit=r["unit"],
            higher_is=r["higher_is"],
            dataset=r["dataset"],
            measure=r["measure"],
            include=tuple(p for p in r["categories"].split(SEP) if p) if r["dataset"] else (),
            exclude=tuple(p for p in r["exclude"].split(SEP) if p),
            numerator=r["numerator"],
            denominator=r["denominator"],
            scale=float(r["scale"]) if r["scale"] else 1.0,
            years=tuple(parse_years(r["year"])),
            default_year=int(r["default_year"]) if r["default_year"] else None,
            code_vintages=tuple(parse_years(r["code_vintage"])),
            levels=tuple(r["levels"].split(";")),
            notes=r["notes"],
        )
        out.setdefault(d.id, []).append(d)
    return {k: tuple(v) for k, v in out.items()}


#: former ids that still work (with a FutureWarning): old id -> current id. The "expanded" unemployment
#: ids named unemployed plus discouraged work-seekers, which is not Stats SA's expanded definition.
ALIASES = {
    "unemployed_expanded": "unemployed_or_discouraged",
    "labour_force_expanded": "labour_force_with_discouraged",
    "unemployment_rate_expanded": "unemployment_rate_with_discouraged",
}
#: separates an indicator id from a source in a qualified id (``population@census2022``)
SOURCE_SEP = "@"


def canonical(indicator: str) -> str:
    """The current id of *indicator*: a former id (:data:`ALIASES`) gives its successor, with a FutureWarning."""
    base, sep, source = indicator.partition(SOURCE_SEP)
    if base in ALIASES:
        import warnings

        warnings.warn(
            f"The indicator id {base!r} is deprecated: it is {ALIASES[base]!r}, renamed to say what it measures "
            "(ddmgeo.indicators.catalogue() gives its label and notes). Use the new id.",
            FutureWarning,
            stacklevel=4,
        )
        return ALIASES[base] + sep + source
    return indicator


def series_of(dataset: str) -> str:
    """The source series of a registered table: the first word of its name (``census2022``, ``census2011``, ``cs2016``, ``mype``)."""
    return dataset.split("_", 1)[0]


def in_source(dataset: str, source: str) -> bool:
    """Whether *dataset* is the table *source* names, or one of the series it names (``census2022``: the nine Census 2022 tables)."""
    return dataset == source or dataset.startswith(source + "_")


def lookup(indicator: str) -> tuple[Definition, ...]:
    """The definitions of an id; ``id@source`` keeps those read from *source* (a table or a series, see :func:`in_source`)."""
    base, _, source = canonical(indicator).partition(SOURCE_SEP)
    defs = definitions()
    try:
        found = defs[base]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(base, list(defs) + list(ALIASES), n=5, cutoff=0.5)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise UnknownIndicatorError(
            f"No indicator {base!r} in the catalogue.{hint} ddmgeo.indicators.catalogue() lists them all.",
        ) from None
    return _from_source(base, found, source) if source else found


@lru_cache(maxsize=512)
def _from_source(indicator: str, defs: tuple[Definition, ...], source: str) -> tuple[Definition, ...]:
    """The definitions of *indicator* that read *source*; a derived one keeps its parts to that source where they have it."""
    from dataclasses import replace

    out = []
    for d in defs:
        if d.direct:
            if in_source(d.dataset, source):
                out.append(d)
            continue
        pinned = {ref.partition(SOURCE_SEP)[2] for ref in (d.numerator, d.denominator) if SOURCE_SEP in ref}
        if pinned - {source}:
            continue  # a row pinned to another source
        parts = {
            ref: ref if SOURCE_SEP in ref else f"{ref}{SOURCE_SEP}{source}"
            for ref in (d.numerator, d.denominator)
            if ref and any(in_source(t, source) for t in sources_of(ref))
        }
        if d.numerator in parts:
            out.append(replace(d, numerator=parts[d.numerator], denominator=parts.get(d.denominator, d.denominator)))
    if not out:
        have = ", ".join(sorted(sources_of(indicator))) or "none"
        raise DataNotAvailableError(f"Indicator {indicator!r} is not available from {source!r}; its sources are: {have}.")
    return tuple(out)


def sources_of(indicator: str) -> set[str]:
    """Every table an indicator is read from, with their series (``{'census2022', 'census2022_...', ...}``); derived: its numerator's."""
    base, _, source = indicator.partition(SOURCE_SEP)
    if source:
        return {t for t in sources_of(base) if in_source(t, source)}
    out: set[str] = set()
    for d in definitions().get(indicator, ()):
        if d.direct:
            out |= {d.dataset, series_of(d.dataset)}
        elif d.numerator:
            out |= sources_of(d.numerator)
    return out


def _words(text: str) -> str:
    """Lower-case text with ``&`` read as "and" and every run of other characters (``_``, ``-``, ``,``) as one space."""
    import re

    return " ".join(re.split(r"[^0-9a-z]+", str(text).lower().replace("&", " and "))).strip()


def theme_of(name: str) -> str:
    """The catalogue theme *name* names: a theme (``services``) or a One Plan area (``Integrated service provision``).

    Case, ``&`` for "and", and punctuation do not matter. Raises ValueError listing both kinds of name.
    """
    wanted = _words(name)
    for theme, area in ONE_PLAN_AREAS.items():
        if wanted in (theme, _words(area)):
            return theme
    listing = "; ".join(f"{theme} ({area})" for theme, area in ONE_PLAN_AREAS.items())
    raise ValueError(f"Unknown theme {name!r}: use a theme or its One Plan area: {listing}.")


def matches(search: str, texts: "pd.Series") -> "pd.Series":
    """Which *texts* hold every word of *search* (case-insensitive; ``_``, ``-`` and punctuation read as spaces)."""
    import pandas as pd

    plain = texts.map(_words)
    keep = pd.Series(True, index=texts.index)
    for word in _words(search).split():
        keep &= plain.str.contains(word, regex=False)
    return keep


def first(indicator: str) -> Definition:
    return lookup(indicator)[0]


def licence_of(dataset: str) -> str:
    return _registry.get(dataset).licence if dataset else ""


__all__ = [
    "ALIASES", "Definition", "KINDS", "ONE_PLAN_AREAS", "THEMES", "canonical", "definitions", "in_source", "lookup", "matches",
    "parse_years", "series_of", "table", "theme_of",
]


#: every level an indicator can be asked at, coarsest first
LEVELS = ("country", "province", "district", "municipality", "ward", "district_municipality")


def choose(indicator: str, year: int | None, level: str) -> Definition:
    """The catalogue row that serves *indicator* at *level* for *year* (latest default year when None)."""
    defs = lookup(indicator)
    usable = [d for d in defs if serves(d, level)]
    if not usable:
        levels = sorted({lv for d in defs for lv in d.levels})
        coarser = level in LEVELS and all(lv in LEVELS and LEVELS.index(level) < LEVELS.index(lv) for lv in levels)
        if coarser and all(d.kind not in RATIO_KINDS and d.kind != "count" for d in defs):
            kind = defs[0].kind
            raise AggregationError(
                f"{indicator} is a {kind} ({defs[0].unit}) published per {', '.join(levels)}; a {kind} cannot be summed or "
                f"averaged to {level} level without its components. Ask for level= one of: {', '.join(levels)}."
            )
        raise DataNotAvailableError(f"Indicator {indicator!r} is not available at level {level!r}; it exists for: {', '.join(levels)}.")
    if year is None or any(d.dataset == AREA_DATASET for d in usable):  # areas do not change with the year asked
        return max(usable, key=lambda d: (d.default_year or max(d.years) if d.years else 0))
    for d in usable:
        if year in d.years:
            return d
    years = sorted({y for d in usable for y in d.years})
    raise DataNotAvailableError(f"Indicator {indicator!r} is not available for {year}; years available: {years_text(years)}.")


def years_text(years: list[int]) -> str:
    """Years as people write a list of them: "2002-2021" for a run, else "2011, 2016, 2022"."""
    if len(years) > 4 and years == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}-{years[-1]}"
    return ", ".join(map(str, years))


def serves(d: Definition, level: str) -> bool:
    """Whether definition *d* can give values at *level* (directly, or built from a finer level)."""
    if not d.direct:
        return True  # decided by its components
    if level in d.levels:
        return True
    if d.kind in ("index", "median") or level in ("ward", "municipality", "district_municipality"):
        return False
    # coarser levels can be built from municipalities or districts
    return any(lv in d.levels for lv in ("municipality", "district"))
