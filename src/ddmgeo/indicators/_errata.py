"""Known errata of source tables: ``data/indicators/errata.csv``.

One row per area and table (or series of tables) whose published figures are known to be wrong
or revised upstream: ``code, dataset, year, note``. ``dataset`` is a registered table or a source
series (``census2022``: every Census 2022 table, see :func:`ddmgeo._catalogue.in_source`);
``year`` is blank when every year of the table is concerned. The figures are never changed: every
output that shows the area, or an area containing it, carries the note.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

from .. import settings
from .._catalogue import in_source
from ..errors import DDMGeoError

if TYPE_CHECKING:
    import pandas as pd

COLUMNS = ["code", "dataset", "year", "note"]


@lru_cache(maxsize=1)
def table() -> "pd.DataFrame":
    """The errata table, validated (columns, registered tables, 2016 area codes, a note on every row)."""
    import pandas as pd

    from .. import _registry
    from ..areas import areas_table

    path = settings.package_data_dir() / "indicators" / "errata.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    if list(df.columns) != COLUMNS:
        raise DDMGeoError(f"errata.csv must have the columns {COLUMNS}, not {list(df.columns)}.")
    names = list(_registry.datasets())
    codes = set(areas_table(vintage=2016).code)
    problems = []
    for i, r in df.iterrows():
        where = f"errata.csv line {i + 2} ({r['code']})"
        if not any(in_source(n, r["dataset"]) for n in names):
            problems.append(f"{where}: {r['dataset']!r} is neither a registered table nor the start of one's name")
        if r["code"] not in codes:
            problems.append(f"{where}: {r['code']!r} is not an area code of the 2016 gazetteer")
        if r["year"] and not r["year"].isdigit():
            problems.append(f"{where}: year must be blank (every year) or a year")
        if not r["note"].strip():
            problems.append(f"{where}: give the note")
    if problems:
        raise DDMGeoError("The errata table is inconsistent:\n  " + "\n  ".join(problems))
    return df


def _containers(code: str, vintage: int) -> dict[str, str]:
    """*code* and every area containing it, by level (municipality -> district -> province -> country)."""
    from ._engine import parents

    p = parents(vintage)
    out = {"municipality": code}
    for child, parent in (("municipality", "district"), ("district", "province"), ("province", "country")):
        code = p[child].get(code, "")
        if not code:
            break
        out[parent] = code
    return out


def matching(sources: Iterable[str], year: int, vintage: int) -> list[tuple[str, str]]:
    """``(code, note)`` of the errata that concern figures of *year* read from *sources* (2016 codes only)."""
    return list(_matching(tuple(s for s in sources if s), int(year), int(vintage)))


@lru_cache(maxsize=1024)
def _matching(sources: tuple[str, ...], year: int, vintage: int) -> tuple[tuple[str, str], ...]:
    if vintage not in (2016, 2021):
        return ()
    return tuple(
        (r.code, r.note)
        for r in table().itertuples(index=False)
        if (not r.year or int(r.year) == year) and any(in_source(s, r.dataset) for s in sources)
    )


def notes_for(sources: Iterable[str], year: int, level: str, vintage: int) -> dict[str, str]:
    """Erratum notes per area code shown at *level*, for figures of *year* read from *sources*.

    An area carries the note of every erratum area it is or contains (``DC32`` carries those
    of ``MP321`` and ``MP326``). Vintages other than 2016 get none (the errata are of 2016 codes).
    """
    out: dict[str, list[str]] = {}
    for code, note in matching(sources, year, vintage):
        shown = _containers(code, 2016).get(level)
        if shown is not None:
            out.setdefault(shown, []).append(f"erratum ({code}): {note}" if shown == code else f"includes {code}, erratum: {note}")
    return {code: " ".join(texts) for code, texts in out.items()}


def summary(sources: Iterable[str], year: int, level: str, vintage: int) -> str:
    """One note for a table's metadata: the errata of its figures and the areas of the table that carry them."""
    found = matching(sources, year, vintage)
    if not found:
        return ""
    shown = sorted(notes_for(sources, year, level, vintage))
    where = f" (in this table: {', '.join(shown)})" if shown else ""
    return f"Known errata of the source{where}: " + " ".join(f"{code}, {note}" for code, note in found)
