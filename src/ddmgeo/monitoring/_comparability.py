"""Which indicators can be compared between two years: ``data/indicators/comparability.csv``.

One row per indicator and pair of years: ``comparable`` is ``yes``, ``caveat`` (computed, with the
caveat carried along) or ``no`` (refused with the reason). A pair without a row is comparable only
when both years come from the same source series; otherwise it is refused until someone has
checked the definitions and added a row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from .. import _catalogue, settings
from ..errors import DDMGeoError, NotComparableError

if TYPE_CHECKING:
    import pandas as pd

VERDICTS = ("yes", "caveat", "no")


@dataclass(frozen=True)
class Assessment:
    """Whether one indicator compares between two years, and why (the caveat or the reason for refusing)."""

    indicator: str
    start: int
    end: int
    comparable: str  # yes / caveat / no
    reason: str

    @property
    def caveat(self) -> str:
        return self.reason if self.comparable == "caveat" else ""


def _path():
    return settings.package_data_dir() / "indicators" / "comparability.csv"


@lru_cache(maxsize=1)
def table() -> "pd.DataFrame":
    """The comparability table, validated (ids in the catalogue, verdicts, years, reasons)."""
    import pandas as pd

    df = pd.read_csv(_path(), dtype=str, keep_default_na=False)
    expected = ["id", "start", "end", "comparable", "reason"]
    if list(df.columns) != expected:
        raise DDMGeoError(f"comparability.csv must have the columns {expected}, not {list(df.columns)}.")
    ids = set(_catalogue.definitions())
    problems = []
    for i, r in df.iterrows():
        where = f"comparability.csv line {i + 2} ({r['id']})"
        if r["id"] not in ids:
            problems.append(f"{where}: {r['id']!r} is not an indicator id of the catalogue")
        if r["comparable"] not in VERDICTS:
            problems.append(f"{where}: comparable must be one of {VERDICTS}, not {r['comparable']!r}")
        if not (r["start"].isdigit() and r["end"].isdigit() and int(r["start"]) < int(r["end"])):
            problems.append(f"{where}: start and end must be years with start < end")
        if not r["reason"].strip():
            problems.append(f"{where}: give the reason (why comparable, the caveat, or why not)")
    if df.duplicated(["id", "start", "end"]).any():
        dup = df.loc[df.duplicated(["id", "start", "end"]), "id"].tolist()
        problems.append(f"rows given twice: {dup}")
    if problems:
        raise DDMGeoError("The comparability table is inconsistent:\n  " + "\n  ".join(problems))
    df["start"] = df["start"].astype(int)
    df["end"] = df["end"].astype(int)
    return df


def row(indicator: str, start: int, end: int) -> Assessment | None:
    """The table's verdict for the pair of years (in either order), or None when there is no row."""
    t = table()
    lo, hi = sorted((int(start), int(end)))
    hit = t[(t["id"] == indicator) & (t["start"] == lo) & (t["end"] == hi)]
    if hit.empty:
        return None
    r = hit.iloc[0]
    return Assessment(indicator, int(start), int(end), r["comparable"], r["reason"])


def years_of(indicator: str, level: str) -> list[int]:
    """The years the catalogue has *indicator* for at *level* (a derived indicator: the years of its row)."""
    from .._catalogue import serves as _serves

    defs = _catalogue.lookup(indicator)
    usable = [d for d in defs if _serves(d, level)] or list(defs)
    return sorted({y for d in usable for y in d.years})


def _years_text(years: list[int]) -> str:
    from .._catalogue import years_text as text

    if len(years) == 1:
        return f"{years[0]} only"
    return text(years)


def year_gap(indicator: str, start: int, end: int, level: str) -> Assessment | None:
    """A refusal when the indicator lacks one of the years (naming the years it has), else None."""
    years = years_of(indicator, level)
    lacking = [y for y in (start, end) if y not in years]
    if not lacking:
        return None
    known = row(indicator, start, end)
    why = f" {known.reason}" if known is not None else ""
    reason = f"{indicator} has no {' or '.join(map(str, lacking))} value: it exists for {_years_text(years)}.{why}"
    return Assessment(indicator, start, end, "no", reason)


def assess(indicator: str, start: int, end: int, *, sources: tuple[Iterable[str], Iterable[str]] | None = None) -> Assessment:
    """The verdict for one indicator between two years.

    A row of the table decides. Without one, both years must come from the same source
    series (``sources``: the datasets behind each year); otherwise the comparison is
    refused as not assessed.
    """
    known = row(indicator, start, end)
    if known is not None:
        return known
    if sources is not None:
        a, b = (sorted(set(s) - {""}) for s in sources)
        if a == b:
            return Assessment(indicator, start, end, "yes", f"both years from the same source series ({', '.join(a)})")
        reason = (
            f"{indicator} comes from {', '.join(a)} in {start} and {', '.join(b)} in {end}, and no one has recorded whether "
            "their definitions match"
        )
    else:
        reason = f"no comparability assessment is recorded for {indicator} between {start} and {end}"
    return Assessment(indicator, start, end, "no", reason + f" (add a row to {_path().name} after checking them).")


def refuse(assessments: list[Assessment]) -> None:
    """Raise one :class:`NotComparableError` naming every refused indicator with its reason."""
    bad = [a for a in assessments if a.comparable == "no"]
    if not bad:
        return
    lines = [f"{a.indicator} ({a.start} to {a.end}): {a.reason}" for a in bad]
    message = "Not comparable between the years asked:\n  " + "\n  ".join(lines)
    message += "\nLeave these indicators out, or compare years whose definitions match (ddmgeo.monitoring.comparability() lists the verdicts)."
    first = bad[0]
    raise NotComparableError(message, indicator=first.indicator, start=first.start, end=first.end, reason=first.reason)
