"""The indicator catalogue: ``data/indicators/catalogue.csv``, validated once per process."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from .. import _registry, settings
from ..errors import DDMGeoError, UnknownIndicatorError

if TYPE_CHECKING:
    import pandas as pd

KINDS = ("count", "share", "rate", "mean", "median", "index")
RATIO_KINDS = ("share", "rate", "mean")
THEMES = ("demographics", "economy", "spatial", "infrastructure", "services", "governance")
SEP = " || "
#: the pseudo-dataset of areas computed from the boundaries
AREA_DATASET = "mdb2020_openup"


def parse_years(text: str) -> list[int]:
    """'2011' -> [2011]; '2011;2016' -> [2011, 2016]; '2002-2021' -> [2002, ..., 2021]."""
    years: list[int] = []
    for part in str(text).split(";"):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            a, b = part.split("-")
            years.extend(range(int(a), int(b) + 1))
        else:
            years.append(int(part))
    return sorted(set(years))


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
    problems = []
    for i, r in df.iterrows():
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
            if r[ref] and r[ref] not in ids:
                problems.append(f"{where}: {ref} {r[ref]!r} is not an indicator id")
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


def lookup(indicator: str) -> tuple[Definition, ...]:
    defs = definitions()
    try:
        return defs[indicator]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(indicator, list(defs), n=5, cutoff=0.5)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise UnknownIndicatorError(
            f"No indicator {indicator!r} in the catalogue.{hint} ddmgeo.indicators.catalogue() lists them all.",
        ) from None


def first(indicator: str) -> Definition:
    return lookup(indicator)[0]


def licence_of(dataset: str) -> str:
    return _registry.get(dataset).licence if dataset else ""


__all__ = ["Definition", "KINDS", "THEMES", "definitions", "lookup", "parse_years", "table"]
