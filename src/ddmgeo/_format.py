"""How numbers are written for people: one place, one style, used by maps, profiles, decks, workbooks and the CLI.

The style is South Africa's, as Stats SA publishes it: a space between thousands and a decimal
comma (``62 027 503``, ``29,8 %``, ``R 2,5 bn``). ``DDMGEO_NUMBER_STYLE=point`` (or
:func:`ddmgeo.settings.number_style`) keeps the space and writes a decimal point instead
(``29.8 %``). Rounding and grouping are Babel's (CLDR patterns, half-up rounding); the style only
chooses the two symbols.
"""

from __future__ import annotations

import decimal
import math

NO_DATA_LABEL = "No data"
NOT_AVAILABLE = "not available"
#: values this large are written in scientific notation (1e+30), not as hundreds of digits
HUGE = 1e15


def is_missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def number(v: float, decimals: int = 0, *, sign: bool = False) -> str:
    """A number in the configured style: ``number(1234567.891, 1)`` is ``'1 234 567,9'``.

    >>> from ddmgeo import settings
    >>> number(1234567.891, 1, sign=False) == "1\\u00a0234\\u00a0567" + settings.number_style()[1] + "9"
    True
    """
    from babel.numbers import format_decimal

    from .settings import number_style

    group, point = number_style()
    pattern = ("+" if sign else "") + "#,##0" + ("." + "0" * decimals if decimals else "")
    with decimal.localcontext() as ctx:
        ctx.rounding = decimal.ROUND_HALF_UP
        text = format_decimal(decimal.Decimal(repr(float(v))), format=pattern + (";-" + pattern.lstrip("+") if sign else ""), locale="en")
    return text.translate({ord(","): group, ord("."): point}).replace("-", "\u2212")


def percent(v: float, decimals: int = 1, *, sign: bool = False) -> str:
    """A fraction as a percentage: ``percent(0.2981)`` is ``'29,8 %'`` (``'29.8 %'`` with the point style)."""
    return f"{number(100 * v, decimals, sign=sign)} %"


def format_value(v, unit: str = "") -> str:
    """A value as people read it: shares as percentages, large counts with spaces between thousands.

    >>> format_value(1234567, "persons") == number(1234567)
    True
    >>> format_value(float("nan"))
    'No data'
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
        return percent(v)
    if unit == "rand":
        return big(v, prefix="R ")
    if abs(v) >= 1_000_000 and unit not in ("persons", "households", "km²", "count", "municipalities"):
        return big(v)
    if abs(v) >= 100 or v.is_integer():
        return number(v)
    return number(v, 2 if abs(v) < 10 else 1)


def big(v: float, prefix: str = "") -> str:
    """1,2 m, 3,4 bn (with an optional prefix such as 'R ')."""
    for div, suffix in ((1e9, " bn"), (1e6, " m")):
        if abs(v) >= div:
            return f"{prefix}{number(v / div, 1)}{suffix}"
    return prefix + number(v)


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st ...

    >>> [ordinal(i) for i in (1, 2, 3, 4, 11, 12, 13, 21, 52)]
    ['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '52nd']
    """
    n = int(n)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
