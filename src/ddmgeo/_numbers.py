"""Numbers written as text, read exactly (Decimal): "1 234 567", "1,234,567.50", "R 3,2 mil", "12.5%", "(1 234)".

Used by :func:`ddmgeo.read_table` for user spreadsheets and by :mod:`ddmgeo.budget` for amounts in rand,
which must be exact to the cent (hence Decimal, never float). :func:`read_year` reads the years callers
pass (``year="2016"``) and that target tables hold.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    import pandas as pd

# cells that mean "no value" in a numeric column (compared in lower case): missing, never 0
NA = frozenset({"", "-", "--", "\u2013", "\u2014", "\u2026", "...", ".."}) | frozenset(
    {"n/a", "na", "n.a.", "n.a", "#n/a", "nan", "null", "none"}
)
NUMBER = re.compile(
    r"""^(?P<minus>[-\u2212\u2013])?\s*(?:ZAR|R)?\s*(?P<minus2>[-\u2212\u2013])?\s*
    (?P<body>\d(?:[\d\s.,'\u2019]*\d)?)\s*
    (?:(?P<unit>%|k|thousand|m|mn|mil|mill|million|b|bn|billion)\.?)?$""",
    re.IGNORECASE | re.VERBOSE,
)
SCALE = {"k": 3, "thousand": 3, "m": 6, "mn": 6, "mil": 6, "mill": 6, "million": 6, "b": 9, "bn": 9, "billion": 9}


class NotANumber(ValueError):
    """The text is not a number in any of the accepted forms."""


def read_digits(body: str, decimal: str | None) -> tuple[Decimal, str | None]:
    """The value of a digit string with separators, and how a comma in it was read."""
    b = re.sub(r"[\s'\u2019]", "_", body)
    commas, dots = b.count(","), b.count(".")
    reading = None
    if decimal is None:
        if commas and dots:
            decimal = "," if b.rfind(",") > b.rfind(".") else "."
            reading = "decimal" if decimal == "," else "thousands"
        elif commas == 1:
            whole, frac = b.split(",")
            if "_" not in whole and len(frac) == 3 and len(whole) <= 3 and whole != "0":
                decimal, reading = ".", "thousands?"  # "1,234": 1234, unless the column uses decimal commas
            else:
                decimal, reading = ",", "decimal"
        elif commas > 1:
            decimal, reading = ".", "thousands"
        else:
            decimal = "," if dots > 1 else "."
            if dots == 1 and re.fullmatch(r"[1-9]\d{0,2}\.\d{3}", b):
                reading = "point?"  # "1.234": 1.234, unless the column uses decimal commas
    group = "." if decimal == "," else ","
    whole, _, frac = b.partition(decimal)
    if frac and not frac.isdigit():
        raise NotANumber(body)
    separators = set(re.sub(r"\d", "", whole))
    grouped = re.fullmatch(r"\d{1,3}(?:[_.,]\d{3})+", whole)
    if separators and (len(separators) > 1 or not separators <= {group, "_"} or not grouped):
        raise NotANumber(body)
    return Decimal(re.sub(r"\D", "", whole) + "." + (frac or "0")), reading


def parse_number(text: str, decimal: str | None = None) -> tuple[Decimal | None, str | None, bool]:
    """(value or None for a missing-value mark, how a comma was read, whether it was a percentage)."""
    s = text.strip()
    if s.lower() in NA:
        return None, None, False
    negative = s.startswith("(") and s.endswith(")")
    if negative:
        s = s[1:-1].strip()
    m = NUMBER.match(s)
    if not m or (negative and (m["minus"] or m["minus2"])) or (m["minus"] and m["minus2"]):
        raise NotANumber(text)
    value, reading = read_digits(m["body"], decimal)
    unit = (m["unit"] or "").lower()
    value = value.scaleb(-2 if unit == "%" else SCALE.get(unit, 0))
    if negative or m["minus"] or m["minus2"]:
        value = -value
    return value, reading, unit == "%"


class FormulaWithoutValue:
    """A spreadsheet cell holding a formula whose result was never saved (a workbook written by a script, not
    recalculated by Excel): its value is unknown, so it is reported, never read as blank or 0."""

    def __init__(self, formula: str, cell: str = ""):
        self.formula = str(formula)
        self.cell = cell

    def __repr__(self) -> str:
        where = f" in {self.cell}" if self.cell else ""
        return f"the formula {self.formula}{where} without a saved value"

    __str__ = __repr__

    FIX = (
        "open the workbook in Excel or LibreOffice and save it, so that the results of its formulas are stored "
        "(a workbook written by a script keeps formulas without their values), or type the values"
    )


def is_decimal_nan(value: object) -> bool:
    """A Decimal NaN (quiet or signalling): a missing value, which cannot be compared or hashed safely."""
    return isinstance(value, Decimal) and value.is_nan()


def float32_value(value: Any) -> float:
    """A float32 number as the float64 of its shortest decimal (np.float32(0.1) -> 0.1, not 0.10000000149011612)."""
    import numpy as np

    if isinstance(value, np.float32) and np.isfinite(value):
        return float(np.format_float_positional(value, unique=True, trim="-"))
    return float(value)


def widen_float32(values: "Any") -> "Any":
    """A float32 Series as float64 holding the shortest decimal of each value (see :func:`float32_value`)."""
    import numpy as np
    import pandas as pd

    s = pd.Series(values)
    uniq = pd.unique(s.dropna().to_numpy())
    table = {v: float32_value(np.float32(v)) for v in uniq}
    return s.map(lambda v: table.get(v, np.nan) if v == v else np.nan).astype("float64")


#: below this many rand a float32 tells every amount in cents from the next (its spacing is under a cent), so
#: its shortest decimal is the amount that was stored; above it the cents are not in the data
FLOAT32_CENTS_LIMIT = 2**17


class MixedReadings(NamedTuple):
    """How one column's numbers read their commas and points, when they disagree (:func:`mixed_readings`)."""

    decimal: tuple  # (line, text, value) of the first cell with a decimal comma
    definite: list  # [(line, text, value)] cells whose commas are surely thousands separators
    ambiguous: list  # [(line, text, value, kind)]: "thousands?" ("1,234") or "point?" ("1.234") cells, read either way


def mixed_readings(readings: dict) -> MixedReadings | None:
    """The cells of one column that read a comma or point otherwise than its decimal-comma cells, or None.

    *readings* maps a reading of :func:`parse_number` ("decimal", "thousands", "thousands?", "point?") to the
    (line, text, value) of the cells read so; :func:`ddmgeo.read_table` and :mod:`ddmgeo.budget` both ask here.
    """
    if "decimal" not in readings or not ({"thousands", "thousands?", "point?"} & set(readings)):
        return None
    ambiguous = [(*c, "thousands?") for c in readings.get("thousands?", [])] + [(*c, "point?") for c in readings.get("point?", [])]
    return MixedReadings(readings["decimal"][0], list(readings.get("thousands", [])), ambiguous)


def scale_suffix(text: str) -> str | None:
    """The scale word of a number written with one ("1.2m" -> "m", "R 3 billion" -> "billion"), else None."""
    s = str(text).strip()
    if s.startswith("(") and s.endswith(")"):
        s = s[1:-1].strip()
    m = NUMBER.match(s)
    unit = (m["unit"] or "").lower() if m else ""
    return unit if unit in SCALE else None


#: the years ddmgeo accepts as plausible: its data span 1996-2031, targets reach 2030-2050
YEARS = (1900, 2100)
_FINANCIAL_YEAR = re.compile(r"^\s*(\d{4})\s*[/\-\u2013]\s*(\d{2}|\d{4})\s*$")


def read_year(value: object, name: str = "year") -> int:
    """A calendar year given as an int, a whole float or an integer string (``"2016"``, ``" 2016 "``).

    Anything else is a :class:`~ddmgeo.errors.YearError` naming the parameter *name*: text that is not a
    whole number (a financial year ``"2016/17"`` says which year to give instead), a fraction, a bool,
    and a year outside :data:`YEARS` (``20300``).
    """
    import numbers

    from .errors import YearError

    text = value.strip() if isinstance(value, str) else None
    year: int | None = None
    if isinstance(value, bool):
        year = None
    elif isinstance(value, numbers.Integral):
        year = int(value)
    elif isinstance(value, numbers.Real) and float(value).is_integer():
        year = int(float(value))
    elif text is not None and re.fullmatch(r"[+]?\d+", text):
        year = int(text)
    if year is None:
        fy = _FINANCIAL_YEAR.match(text) if text is not None else None
        hint = ""
        if fy is not None:
            start = int(fy.group(1))
            hint = f" (for the financial year {text} give the year it ends in, {start + 1})"
        raise YearError(f"{name}={value!r} is not a year: give a whole calendar year such as 2016{hint}.", parameter=name, value=value)
    if not YEARS[0] <= year <= YEARS[1]:
        raise YearError(
            f"{name}={value!r} is not a plausible year: give a calendar year between {YEARS[0]} and {YEARS[1]}, such as 2016.",
            parameter=name,
            value=value,
        )
    return year


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


_DECIMAL_COMMA = re.compile(r"^\s*[-+]?\d+,\d+\s*$")


def parse_coordinates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Coordinates as numbers (a decimal comma read: ``"28,188"`` is 28.188), and a mask of the cells that
    held something that is not a number. Blank cells are missing, not bad. The one coordinate reader of
    ``read_points``, ``count_points`` and ``spatialise``.

    >>> import pandas as pd
    >>> x, bad = parse_coordinates(pd.Series(["28,188", " 28.5 ", "", "east", None]))
    >>> x.tolist()[:2], bad.tolist()
    ([28.188, 28.5], [False, False, False, True, False])
    """
    import pandas as pd

    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        num = values.astype(float)
        return num, pd.Series(False, index=values.index)
    text = values.astype("string").str.strip()
    blank = text.isna() | (text == "") | (text.str.lower() == "nan")
    text = text.where(~text.fillna("").str.match(_DECIMAL_COMMA), text.str.replace(",", ".", regex=False))  # "-25,75"
    num = pd.to_numeric(text.where(~blank), errors="coerce").astype(float)
    return num, num.isna() & ~blank
