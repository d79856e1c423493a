"""Amounts in rand to integer cents, exactly, and cents shared out without losing one."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import TYPE_CHECKING

import numpy as np

from .._numbers import (
    FLOAT32_CENTS_LIMIT,
    FormulaWithoutValue,
    NotANumber,
    float32_value,
    is_decimal_nan,
    mixed_readings,
    parse_number,
    scale_suffix,
)

if TYPE_CHECKING:
    import pandas as pd

CENT = Decimal("0.01")
#: the largest amount read, in rand (R 1 000 trillion, ~400 times the national budget): larger cells are
#: reported, never wrapped around in int64 cents or rounded away (a units error or a misplaced separator)
MAX_RAND = 10**15


class AmountProblem(ValueError):
    """An amount cell that cannot be read; the message is the reason shown in the report."""


def to_cents(value, *, allow_suffixes: bool = False) -> int | None:
    """One amount as integer cents; None for a blank cell; AmountProblem for anything unreadable.

    >>> to_cents("R 1 200 000,00"), to_cents("1,200,000.00"), to_cents(1234.565), to_cents("(500)")
    (120000000, 120000000, 123456, -50000)
    """
    if value is None or value is _pd_na() or is_decimal_nan(value):
        return None
    if isinstance(value, FormulaWithoutValue):
        raise AmountProblem(f"amount cell holds {value!r}: {FormulaWithoutValue.FIX}")
    if isinstance(value, (bool, np.bool_)):
        raise AmountProblem(f"amount {value!r} is a true/false value, not an amount")
    if isinstance(value, (int, np.integer)):
        _check_size(int(value), value)
        return int(value) * 100
    if isinstance(value, (float, np.floating)):
        if np.isnan(value):
            return None
        if not np.isfinite(value):
            raise AmountProblem(f"amount {value!r} is not finite")
        _check_size(float(value), value)
        if isinstance(value, np.float32):  # read at the decimal it holds: np.float32(0.1) is R 0.10
            _check_float32(float(value), value)
            value = float32_value(value)
        # a float is already binary: it is rounded to the nearest cent of value x 100 (ties to even), the same
        # rule column_to_cents applies to float columns; write amounts as text to have them read exactly
        return int(np.rint(float(value) * 100))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise AmountProblem(f"amount {value!r} is not finite")
        d = value
    else:
        text = str(value).strip()
        if not text:
            return None
        suffix = scale_suffix(text)
        if suffix and not allow_suffixes:
            raise AmountProblem(
                f"amount {text!r} uses the scale word {suffix!r}; pass allow_suffixes=True to read it as "
                "a multiple (ambiguous in budget tables: 'm' is used for both million and metre)"
            )
        try:
            d, reading, percent = parse_number(text)
        except (NotANumber, InvalidOperation):
            raise AmountProblem(f"amount {text!r} is not a number") from None
        if d is None:
            return None
        if percent:
            raise AmountProblem(f"amount {text!r} is a percentage, not an amount in rand")
        if reading in ("thousands?", "point?"):
            # "1,234" is read as 1234 (thousands) and "1.234" as 1.234; both are stated in the allocation rule
            pass
    _check_size(d, value)
    cents = (d / CENT).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
    return int(cents)


def _pd_na():
    import pandas as pd

    return pd.NA


def _check_float32(amount: float, value) -> None:
    """AmountProblem for a float32 amount too large to hold its cents (from R 131 072 its steps exceed a cent)."""
    if abs(amount) >= FLOAT32_CENTS_LIMIT:
        raise AmountProblem(
            f"amount {float32_value(value)!r} is stored as a 32-bit float, which at this size holds no cents (its steps are "
            f"R {float(np.spacing(np.float32(abs(amount)))):g}): store the column as 64-bit floats (astype('float64')) or text"
        )


def _check_size(amount, value) -> None:
    """AmountProblem for an amount beyond :data:`MAX_RAND` (exact for int and Decimal, no overflow)."""
    if abs(amount) > MAX_RAND:
        raise AmountProblem(
            f"amount {value!r} is larger than R {MAX_RAND:,} (10^15): check the cell for a units error "
            "(cents or thousands of rand?) or a misplaced separator"
        )


def _integer_weights(weights: Sequence[float]) -> list[int]:
    """Weights as exact integers with the same ratios (every float is a fraction with a power-of-two denominator)."""
    from fractions import Fraction

    fr = [Fraction(float(x)) for x in weights]
    if any(f < 0 for f in fr):
        raise ValueError("weights must be non-negative")
    den = max(f.denominator for f in fr)
    ints = [f.numerator * (den // f.denominator) for f in fr]
    return ints if sum(ints) > 0 else [1] * len(ints)


def share_cents_many(totals, weights: Sequence[float]) -> np.ndarray:
    """Split each of many totals (cents) in proportion to the same *weights*: an (n, k) int64 array.

    The largest-remainder method in exact integer arithmetic (Python integers; the weights' exact ratios):
    each row sums to its total, each part is within one cent of its exact share, ties go to the earlier
    weight, and a negative total is split like a positive one with the sign kept.
    """
    w = np.asarray(weights, dtype=float)
    if len(w) == 0:
        raise ValueError("no areas to share the amount among")
    if not np.isfinite(w).all():
        raise ValueError("weights must be finite and non-negative")
    W = np.array(_integer_weights(w), dtype=object)
    S = int(W.sum())
    totals = np.asarray(totals, dtype="int64")
    sign = np.where(totals < 0, -1, 1).astype("int64")
    t = np.abs(totals).astype(object)
    num = t[:, None] * W[None, :]
    floors = num // S
    rem = num % S
    deficit = (t - floors.sum(axis=1)).astype("int64")
    order = np.argsort(-rem.astype(float), axis=1, kind="stable") if S < 2**52 else np.array([sorted(range(len(w)), key=lambda j: (-row[j], j)) for row in rem])
    bump = np.zeros(rem.shape, dtype="int64")
    np.put_along_axis(bump, order, (np.arange(len(w))[None, :] < deficit[:, None]).astype("int64"), axis=1)
    return (floors.astype("int64") + bump) * sign[:, None]


def share_cents(total: int, weights: Sequence[float]) -> list[int]:
    """Split *total* cents in proportion to *weights* by the largest-remainder method; the parts sum to *total*.

    Ties go to the earlier weight. Negative totals are split like positive ones (the sign is kept).
    All-zero weights share equally.

    >>> share_cents(100, [1, 1, 1])
    [34, 33, 33]
    >>> sum(share_cents(-1001, [0.2, 0.5, 0.3])) == -1001
    True
    """
    return [int(x) for x in share_cents_many([int(total)], weights)[0]]


def column_to_cents(values: "pd.Series", *, allow_suffixes: bool, notes: dict | None = None) -> tuple["pd.Series", dict]:
    """Every cell of an amount column as cents (nullable Int64) and {position: problem} for unreadable cells.

    Each distinct cell is read once, so a million rows cost about as much as their distinct values. A column
    whose text reads commas one way in some rows and the other way in others (:func:`mixed_readings`) has its
    ambiguous cells ("1,234" beside "1,5") as problems and its others named in *notes* {position: note}.
    Float32 columns are read at the decimal each value holds (np.float32(0.1) is 10 cents), or refused per row
    where float32 holds no cents.
    """
    import pandas as pd

    values = values.reset_index(drop=True)
    integer = pd.api.types.is_integer_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype)
    if integer and (values.abs().max(skipna=True) if values.notna().any() else 0) <= MAX_RAND:  # x 100 cannot overflow int64
        return (values.astype("Int64") * 100).astype("Int64"), {}  # nullable integers: a missing cell stays missing
    if values.dtype == np.float32:
        values = pd.Series(list(values.to_numpy()), dtype=object)  # np.float32 cells, each read at its decimal by to_cents
    elif pd.api.types.is_float_dtype(values.dtype) and (values.abs().max(skipna=True) or 0) < 1e12:
        # floats well inside the exact range of value x 100: the nearest cent, ties to even (as to_cents)
        values = values.astype("float64")
        finite = values.notna() & np.isfinite(values)
        cents = pd.Series(pd.NA, index=values.index, dtype="Int64")
        cents[finite] = np.rint(values[finite].to_numpy() * 100).astype("int64")
        problems = {int(i): f"amount {values[i]!r} is not finite" for i in values.index[values.notna() & ~finite]}
        return cents, problems
    values = values.astype(object).map(lambda x: None if is_decimal_nan(x) else x)  # a signalling NaN cannot be hashed
    lookup: dict = {}
    problems_by_value: dict = {}
    for v in pd.unique(values):
        try:
            lookup[v] = to_cents(v, allow_suffixes=allow_suffixes)
        except AmountProblem as exc:
            problems_by_value[v] = str(exc)
            lookup[v] = None
        except TypeError:  # unhashable or odd cell types
            problems_by_value[v] = f"amount {v!r} is not a number"
            lookup[v] = None
    obj = values.astype(object)
    def missing(x) -> bool:
        return x is None or x is pd.NA or (isinstance(x, float) and x != x)

    cents = pd.Series([None if missing(x) else lookup.get(x) for x in obj], index=obj.index, dtype="Int64") if len(obj) else pd.Series([], dtype="Int64")
    problems = {int(i): problems_by_value[x] for i, x in obj.items() if not missing(x) and x in problems_by_value}
    _mixed_readings(obj, cents, problems, notes)
    return cents, problems


def _mixed_readings(obj: "pd.Series", cents: "pd.Series", problems: dict, notes: dict | None) -> None:
    """Problems for cells whose comma reads either way in a column that elsewhere writes decimal commas."""
    readings: dict = {}
    seen: dict = {}
    for i, x in obj.items():
        if not isinstance(x, str) or i in problems:
            continue
        if x not in seen:
            try:
                d, reading, _ = parse_number(x.strip())
            except (NotANumber, InvalidOperation):
                d, reading = None, None
            seen[x] = (d, reading)
        d, reading = seen[x]
        if reading:
            readings.setdefault(reading, []).append((int(i), x, d))
    mix = mixed_readings(readings)
    if mix is None:
        return
    r1, t1, _ = mix.decimal
    for i, t, d, kind in mix.ambiguous:
        other = parse_number(t.strip(), ",")[0]
        if kind == "thousands?":
            how = f"R {_plain(d)} with a thousands comma but R {_plain(other)} with a decimal comma"
        else:
            how = f"R {_plain(d)} with a decimal point but R {_plain(other)} with a thousands point"
        problems[i] = (
            f"amount {t!r} reads as {how}, and row {r1} ({t1!r}) writes a decimal comma: write it unambiguously "
            "('1 234', '1234,00' or '1234.00')"
        )
        cents[i] = None
    if notes is not None:
        for i, t, d in mix.definite:
            notes[i] = (
                f"amount {t!r} is read as R {_plain(d)} with thousands commas, while row {r1} ({t1!r}) writes a decimal "
                "comma: check that the column means the same by its commas in every row"
            )


def _plain(d) -> str:
    return format(d.normalize(), ",f").replace(",", " ") if d is not None else "?"
