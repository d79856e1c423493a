"""How numbers are written for people: one place, used by maps, profiles and reports."""

from __future__ import annotations

import math

NO_DATA_LABEL = "No data"
NOT_AVAILABLE = "not available"
#: values this large are written in scientific notation (1e+30), not as hundreds of digits
HUGE = 1e15


def is_missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def format_value(v, unit: str = "") -> str:
    """A value as people read it: shares as percentages, large counts with thin-space thousands.

    >>> format_value(0.2981, "proportion"), format_value(1234567, "persons"), format_value(2.5e9, "rand")
    ('29.8 %', '1\u202f234\u202f567', 'R 2.5 bn')
    >>> format_value(1e300), format_value(float("inf"), "rand")
    ('1e+300', '\u221e')
    """
    if is_missing(v):
        return NO_DATA_LABEL
    v = float(v)
    if math.isnan(v):
        return NO_DATA_LABEL
    if math.isinf(v):  # never "inf bn": say it is not a number people can read
        return ("-" if v < 0 else "") + "∞"
    if abs(v) >= HUGE:  # beyond any real count or amount: scientific notation, not 300 digits
        return ("R " if unit == "rand" else "") + f"{v:.3g}"
    if unit in ("proportion", "share"):
        return f"{100 * v:.1f} %"
    if unit == "rand":
        return big(v, prefix="R ")
    if abs(v) >= 1_000_000 and unit not in ("persons", "households", "km²"):
        return big(v)
    if abs(v) >= 1000:
        return f"{v:,.0f}".replace(",", "\u202f")
    if abs(v) >= 100 or v.is_integer():
        return f"{v:,.0f}"
    return f"{v:.2f}" if abs(v) < 10 else f"{v:.1f}"


def big(v: float, prefix: str = "") -> str:
    """1.2 m, 3.4 bn (with an optional prefix such as 'R ')."""
    for div, suffix in ((1e9, " bn"), (1e6, " m")):
        if abs(v) >= div:
            return f"{prefix}{v / div:.1f}{suffix}"
    return prefix + f"{v:,.0f}".replace(",", "\u202f")


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st ...

    >>> [ordinal(i) for i in (1, 2, 3, 4, 11, 12, 13, 21, 52)]
    ['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '52nd']
    """
    n = int(n)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
