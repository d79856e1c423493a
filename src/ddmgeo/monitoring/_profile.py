"""A district's change between two years, written for people (the profile's monitoring section)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .. import _meta, settings
from .._format import NO_DATA_LABEL, format_value, is_missing, ordinal
from ..errors import NotComparableError

if TYPE_CHECKING:
    import pandas as pd


def change_text(change: float, relative: float, unit: str) -> str:
    """'+1.2 points' for proportions; '+12 345 (+3.4 %)' for counts and others.

    >>> change_text(0.0123, 0.05, "proportion"), change_text(12345, 0.034, "persons")
    ('+1.2 points', '+12\\xa0345 (+3.4 %)')
    """
    if is_missing(change):
        return NO_DATA_LABEL
    if unit == "proportion":
        return f"{100 * change:+.1f} points"
    sign = "+" if change > 0 else "\u2212" if change < 0 else "\u00b1"
    text = sign + format_value(abs(change), unit)
    if not is_missing(relative):
        text += f" ({100 * relative:+.1f} %)"
    return text.replace("-", "\u2212")


def rank_text(a, b) -> str:
    """'12th → 9th (up 3)'; an empty string without both ranks."""
    import pandas as pd

    if pd.isna(a) or pd.isna(b):
        return ""
    a, b = int(a), int(b)
    move = "no change" if a == b else f"up {a - b}" if b < a else f"down {b - a}"
    return f"{ordinal(a)} \u2192 {ordinal(b)} ({move})"


def profile_table(
    code: str,
    *,
    ids: str | Iterable[str],
    start: int,
    end: int,
    vintage: int = settings.DEFAULT_VINTAGE,
) -> "pd.DataFrame":
    """One district space's change between two years, formatted for display.

    Each indicator is computed with :func:`change` on its own, so one that cannot be compared
    becomes a row that says why rather than failing the table.

    Parameters
    ----------
    code : str
        A district space: code, name or former name (:func:`ddmgeo.resolve`).
    ids : str or list of str
        Catalogue ids.
    start, end : int
        The two years.
    vintage : int, default 2016

    Returns
    -------
    pandas.DataFrame
        Display strings: ``Indicator, Baseline <start>, Latest <end>, Change, Direction,
        Rank among the 52`` (1 = best; for neutral indicators 1 = largest) and ``Note`` (the
        comparability caveat, boundaries moved, or why the indicator is not compared).
        ``ddmgeo.metadata(table).extra["values"]`` holds the rows of :func:`change` behind it.

    Examples
    --------
    >>> from ddmgeo import monitoring
    >>> p = monitoring.profile_table("Waterberg", ids=["population", "informal_dwelling_share"], start=2011, end=2016)
    >>> p[["Indicator", "Direction"]]
                                       Indicator Direction
    0                                 Population   changed
    1  Share of households in informal dwellings  worsened
    """
    import pandas as pd

    from .._catalogue import first
    from ..names import resolve
    from ._change import change

    area = resolve(code, level="district", vintage=vintage)
    ids = [ids] if isinstance(ids, str) else list(ids)
    rows, values = [], []
    for ind in ids:
        label = first(ind).label
        try:
            c = change(ind, start=start, end=end, level="district", vintage=vintage)
        except NotComparableError as exc:
            rows.append({"Indicator": label, f"Baseline {start}": "", f"Latest {end}": "", "Change": "not compared", "Direction": "", "Rank among the 52": "", "Note": exc.reason})
            continue
        r = c[c.code == area].iloc[0]
        values.append(r)
        notes = [r.caveat] if r.caveat else []
        moved = [str(y) for y, m in ((r.start_year, r.start_moved), (r.end_year, r.end_moved)) if m]
        if moved:
            notes.append(f"{' and '.join(moved)} values moved from 2011 to {vintage} boundaries by area (lineage table).")
        rows.append(
            {
                "Indicator": label,
                f"Baseline {start}": format_value(r.start_value, r.unit),
                f"Latest {end}": format_value(r.end_value, r.unit),
                "Change": change_text(r.change, r.relative_change, r.unit),
                "Direction": r.direction or "",
                "Rank among the 52": rank_text(r.rank_start, r.rank_end),
                "Note": " ".join(notes),
            }
        )
    out = pd.DataFrame(rows, columns=["Indicator", f"Baseline {start}", f"Latest {end}", "Change", "Direction", "Rank among the 52", "Note"])
    _meta.attach(out, {"code": area, "start": start, "end": end, "vintage": vintage, "values": pd.DataFrame(values).reset_index(drop=True)})
    return out
