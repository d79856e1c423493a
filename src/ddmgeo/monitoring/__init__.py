"""Impact monitoring: frozen baselines, change between years on one set of boundaries, progress against targets.

Every comparison between years goes through the vintage harmonisation of
:mod:`ddmgeo.indicators` (both years on the same boundaries) and the comparability
table ``data/indicators/comparability.csv`` (same definitions): an indicator whose
definition changed, or that one of the years lacks, is refused with the reason;
one that compares with a caveat carries it.

Examples
--------
>>> from ddmgeo import monitoring
>>> c = monitoring.change("informal_dwelling_share", start=2011, end=2016)
>>> b = monitoring.baseline(["population", "formal_dwelling_share"], year=2016)
>>> monitoring.save_baseline(b, "baseline.parquet").name
'baseline.parquet'
>>> table, report = monitoring.track("targets.xlsx")                                    # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._baseline import baseline, load_baseline, save_baseline
from ._change import TOLERANCE, change
from ._profile import profile_table
from ._track import STATUSES, TrackReport, track

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["STATUSES", "TOLERANCE", "TrackReport", "baseline", "change", "comparability", "load_baseline", "profile_table", "save_baseline", "track"]


def comparability() -> "pd.DataFrame":
    """The comparability verdicts: ``id, start, end, comparable`` (yes / caveat / no) and ``reason``.

    Pairs of years not listed are compared only when both come from the same source series.

    Examples
    --------
    >>> from ddmgeo import monitoring
    >>> t = monitoring.comparability()
    >>> t[t.id == "informal_dwelling_share"][["start", "end", "comparable"]]
        start   end comparable
    26   2011  2016        yes
    50   2011  2022        yes
    92   2016  2022     caveat
    """
    from ._comparability import table

    return table().copy()
