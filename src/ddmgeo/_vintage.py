"""Boundary vintages: the one place that reads a ``vintage=`` and says what it stands for.

A vintage names two things that must not be confused:

* the **boundary geometry** year: 2011 (the 2011 demarcation), 2016 (the 2016 demarcation, drawn from
  the MDB's 2020 delimitation layers), or 2021 (the 2020 delimitation in force from the 2021 elections;
  2020 is accepted for it) - :func:`boundary_vintage`;
* the **code set** the areas carry: 2011 or 2016. The 2021 boundaries keep the 2016 district and
  municipal codes (only wards changed), so every indicator table, budget and profile keyed by code uses
  the 2016 set for them - :func:`code_vintage`.

``boundaries(vintage=2020)`` therefore reports geometry 2021 and codes 2016, and ``indicators.get``,
``spatialise`` and ``read_table`` with ``vintage=2021`` report codes 2016: one rule, here.
"""

from __future__ import annotations

from .errors import VintageError

#: what each accepted value means as boundary geometry
BOUNDARY = {2011: 2011, 2016: 2016, 2020: 2021, 2021: 2021}
#: the code set of each boundary vintage
CODES = {2011: 2011, 2016: 2016, 2021: 2016}


def boundary_vintage(vintage: object) -> int:
    """The boundary geometry year of *vintage* (2011, 2016 or 2021), or a VintageError naming the valid ones.

    >>> boundary_vintage(2020), boundary_vintage("2016")
    (2021, 2016)
    """
    try:
        v = int(vintage)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        v = None
    if v not in BOUNDARY:
        raise VintageError(
            f"Unknown boundary vintage {vintage!r}: use 2016 (default; the codes every indicator table uses), "
            "2011 (the 2011 demarcation) or 2021 (the 2020 delimitation in force from the 2021 elections; "
            "2020 is accepted for it)."
        )
    return BOUNDARY[v]


def code_vintage(vintage: object) -> int:
    """The code set (2011 or 2016) the areas of *vintage* carry: 2021 boundaries use the 2016 codes.

    >>> code_vintage(2021), code_vintage(2020), code_vintage(2011)
    (2016, 2016, 2011)
    """
    return CODES[boundary_vintage(vintage)]
