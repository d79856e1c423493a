"""Read planners' own tables and join them to boundaries, accounting for every row.

:func:`read_table` reads a CSV, TSV, text or Excel file (or takes a
DataFrame), finds the column that names the areas, resolves every name with
:func:`ddmgeo.resolve`, turns numbers written as text (``"1 234 567"``,
``"R 3,2 mil"``, ``"12.5%"``, ``"(1 234)"``) into numbers and returns the
table with a ``code`` column and a :class:`JoinReport`. :func:`join` puts such
a table on boundaries.

Nothing is dropped or guessed silently: unmatched names, areas given twice,
areas with no row, blank rows, former names and percentages are in the
report, and a value that cannot be read raises
:class:`~ddmgeo.errors.TableError` naming its line.

Lines are the numbers a spreadsheet shows: the header is line 1 and the first
data row line 2 (for a CSV, the physical line in the file). For a DataFrame
the index labels stand in for lines.
"""

from __future__ import annotations

import codecs
import csv
import html
import io
import re
import warnings
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from . import _meta, settings
from ._normalise import key as _key
from ._numbers import (
    NA,
    FormulaWithoutValue,
    NotANumber,
    float32_value,
    is_decimal_nan,
    mixed_readings,
    parse_number,
    widen_float32,
)
from ._optional import require
from ._vintage import boundary_vintage, code_vintage
from .errors import (
    AmbiguousAreaError,
    FormerNameWarning,
    SplitAreaError,
    TableError,
    UnknownAreaError,
    UnmatchedRowsError,
)

if TYPE_CHECKING:
    import os

    import geopandas as gpd

__all__ = ["JoinReport", "join", "read_table"]

_MIN_RESOLVED = 0.8  # share of a column's values that must resolve for it to be taken as the area column
_TEXT = (".csv", ".tsv", ".txt")
_EXCEL = (".xlsx", ".xlsm", ".xls")
_TOTALS = frozenset({"total", "totals", "grandtotal", "subtotal", "southafrica", "rsa", "sa", "national"})
# --------------------------------------------------------------------------- report


def _unmatched_frame(rows: Sequence[tuple] = ()) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=["line", "value", "reason", "suggestions"], dtype=object)


def _duplicates_frame(rows: Sequence[tuple] = ()) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=["code", "lines"], dtype=object)


def _and(items: Sequence[Any]) -> str:
    items = [str(i) for i in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@dataclass(eq=False, repr=False)
class JoinReport(_meta.Report):
    """What happened to every row of a user table read by :func:`read_table` or joined by :func:`join`.

    Attributes
    ----------
    n_rows : int
        Rows of the table (blank rows not counted).
    matched : int
        Rows whose area was resolved (and, after :func:`join`, is in the boundaries).
    unmatched : pandas.DataFrame
        One row per unmatched table row: ``line``, ``value`` (as written), ``reason`` and
        ``suggestions`` (closest matches, or the candidates of an ambiguous name).
    duplicates : pandas.DataFrame
        Areas given more than once: ``code`` and the ``lines`` that give it.
    missing_areas : list of str
        Codes of the level with no row (after :func:`join`: boundary rows without data).
    blank_rows : list
        Lines of blank rows inside the table, which were removed.
    former_names : list of str
        Names resolved through a former name or retired code, with what they became.
    encoding : str or None
        The text encoding a CSV was read with (``utf-8``, ``utf-8-sig``, ``cp1252``, ``utf-16``).
    percent_columns : list of str
        Columns written as percentages (``"12.5%"``), divided by 100.
    notes : list of str
        Anything else worth knowing (the sheet read, renamed columns, ...).
    area_column : str or None
        The column whose names were resolved.
    level : str or None
        The level of the areas: as asked, else the level most rows resolved to.

    Examples
    --------
    >>> import ddmgeo, pandas as pd
    >>> _, report = ddmgeo.read_table(pd.DataFrame({"district": ["Waterberg", "Atlantis"]}))
    >>> report.ok, report.matched, list(report.unmatched.value)
    (False, 1, ['Atlantis'])
    """

    n_rows: int = 0
    matched: int = 0
    unmatched: pd.DataFrame = field(default_factory=_unmatched_frame)
    duplicates: pd.DataFrame = field(default_factory=_duplicates_frame)
    missing_areas: list = field(default_factory=list)
    blank_rows: list = field(default_factory=list)
    former_names: list = field(default_factory=list)
    encoding: str | None = None
    percent_columns: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    area_column: str | None = None
    level: str | None = None

    @property
    def ok(self) -> bool:
        """True when every row matched and no area is given twice."""
        return self.unmatched.empty and self.duplicates.empty

    def headline(self) -> str:
        """One line: ``"8 rows: 6 matched, 2 unmatched, 1 duplicate, 47 district areas with no row."``"""
        areas = f"{self.level} area" if self.level else "area"
        return (
            f"{_plural(self.n_rows, 'row')}: {self.matched} matched, {len(self.unmatched)} unmatched, "
            f"{_plural(len(self.duplicates), 'duplicate')}, {_plural(len(self.missing_areas), areas)} with no row."
        )

    def _sections(self) -> list[tuple[str, list[str]]]:
        out: list[tuple[str, list[str]]] = []
        items = []
        for r in self.unmatched.itertuples(index=False):
            text = f"line {r.line} {r.value!r}: {r.reason}"
            if len(r.suggestions):
                text += "; could be: " if r.reason.startswith("ambiguous") else "; closest: "
                text += "; ".join(r.suggestions[:3])
            items.append(text)
        if len(items) > 20:
            items = items[:20] + [f"... and {len(items) - 20} more (see report.unmatched)"]
        out.append(("Unmatched", items))
        out.append(("Duplicates", [f"{code} on lines {_and(lines)}" for code, lines in self.duplicates.values]))
        if self.missing_areas:
            shown = ", ".join(self.missing_areas[:20])
            more = f" ... ({len(self.missing_areas)} in all)" if len(self.missing_areas) > 20 else ""
            out.append(("No row", [shown + more]))
        if self.blank_rows:
            lines = f"line{'s' if len(self.blank_rows) > 1 else ''} {_and(self.blank_rows)}"
            out.append(("Blank rows removed", [lines]))
        out.append(("Former names", list(self.former_names)))
        if self.percent_columns:
            out.append(("Percentages divided by 100", [", ".join(repr(c) for c in self.percent_columns)]))
        if self.encoding:
            out.append(("Encoding", [self.encoding]))
        out.append(("Notes", list(self.notes)))
        return [(title, items) for title, items in out if items]

    def summary(self) -> str:
        """The report as text: the headline, then every problem and note."""
        lines = [self.headline()]
        for title, items in self._sections():
            if len(items) == 1 and len(title) + len(items[0]) < 100:
                lines.append(f"{title}: {items[0]}")
            else:
                lines += [f"{title}:"] + [f"  {i}" for i in items]
        return "\n".join(lines)

    __str__ = summary

    def __repr__(self) -> str:
        return f"<JoinReport: {self.headline()}>"

    def _repr_html_(self) -> str:
        esc = html.escape
        parts = [f"<div class='ddmgeo-joinreport'><p><strong>{esc(self.headline())}</strong></p>"]
        for title, items in self._sections():
            parts.append(f"<p>{esc(title)}</p><ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>")
        return "".join(parts) + "</div>"


# --------------------------------------------------------------------------- numbers


def _blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def _is_text(col: pd.Series) -> bool:
    return col.dtype == object or pd.api.types.is_string_dtype(col.dtype)


def _numeric_share(col: pd.Series) -> tuple[float, str | None]:
    """Share of the filled cells that read as numbers, and a value that marks the column as codes."""
    filled = numbers = 0
    for v in col:
        if isinstance(v, (FormulaWithoutValue, Decimal)):  # meant as numbers: read (and reported) as such
            filled, numbers = filled + 1, numbers + 1
            continue
        if _is_number(v):
            filled, numbers = filled + (not pd.isna(v)), numbers + (not pd.isna(v))
            continue
        if not isinstance(v, str):
            filled += not _blank(v)
            continue
        if v.strip().lower() in NA:
            continue
        if re.fullmatch(r"0\d+", v.strip()):
            return 0.0, v
        filled += 1
        try:
            parse_number(v)
            numbers += 1
        except NotANumber:
            pass
    return (numbers / filled if filled else 0.0), None


def _fmt(d: Decimal) -> str:
    return format(d.normalize(), "f")


def _number_column(name: str, col: pd.Series, decimal: str | None) -> tuple[pd.Series, bool, list[str], list[str]]:
    """The column as numbers, whether it held percentages, and the problems found with their fixes."""
    values: list[Decimal | float | None] = []
    bad, with_pct, without_pct = [], [], []
    readings: dict[str, list[tuple[Any, str, Decimal]]] = {}
    for line, v in col.items():
        if is_decimal_nan(v) or _blank(v):
            values.append(None)
        elif isinstance(v, Decimal) and v.is_finite():
            values.append(v)  # exact
            without_pct.append((line, v))
        elif _is_number(v) and not (isinstance(v, (float, np.floating)) and np.isinf(v)):
            # integers stay exact (beyond 2**53 too); a float32 is read at its decimal (np.float32(0.1) is 0.1)
            values.append(int(v) if isinstance(v, (int, np.integer)) else float32_value(v))
            without_pct.append((line, v))
        elif not isinstance(v, str):
            values.append(None)
            bad.append((line, v))
        else:
            try:
                d, reading, pct = parse_number(v, decimal)
            except NotANumber:
                values.append(None)
                bad.append((line, v))
                continue
            values.append(d)
            if d is not None:
                (with_pct if pct else without_pct).append((line, v))
            if reading:
                readings.setdefault(reading, []).append((line, v, d))
    problems, fixes = [], []
    if bad:
        shown = ", ".join(f"line {line} {v!r}" for line, v in bad[:10])
        shown += f" ... ({len(bad)} in all)" if len(bad) > 10 else ""
        problems.append(f"column {name!r}: not numbers: {shown}")
        if any(isinstance(v, FormulaWithoutValue) for _, v in bad):
            fixes.append(FormulaWithoutValue.FIX)
        fixes.append(
            f"correct those cells of {name!r} (write a missing value as blank, '-' or 'n/a'), or keep the column as "
            "text by passing numeric=[...] with only the columns to read as numbers (numeric=[] reads none)"
        )
    mix = mixed_readings(readings)
    if mix is not None:
        l1, t1, d1 = mix.decimal
        for line, t, d in mix.definite[:1]:
            problems.append(
                f"column {name!r} mixes a decimal comma (line {l1} {t1!r} = {_fmt(d1)}) with thousands commas "
                f"(line {line} {t!r} = {_fmt(d)}): one of them is misread"
            )
        for line, t, d, kind in mix.ambiguous:
            if kind == "thousands?":
                problems.append(
                    f"column {name!r}, line {line}: {t!r} reads as {_fmt(d)} with a thousands comma but as "
                    f"{_fmt(parse_number(t, ',')[0])} with a decimal comma, which line {l1} ({t1!r}) uses"
                )
            else:
                problems.append(
                    f"column {name!r}, line {line}: {t!r} reads as {_fmt(d)} with a decimal point but as "
                    f"{_fmt(parse_number(t, ',')[0])} with a thousands point, as in a column with decimal commas "
                    f"like line {l1} ({t1!r})"
                )
        fixes.append(
            f"correct those cells, or say how to read {name!r}: numeric={{{name!r}: ','}} (the comma is the decimal "
            f"separator) or numeric={{{name!r}: '.'}} (commas separate thousands)"
        )
    if with_pct and without_pct:
        (l1, t1), (l2, t2) = with_pct[0], without_pct[0]
        problems.append(
            f"column {name!r} writes some values as percentages (line {l1} {t1!r}) and some without % "
            f"(line {l2} {t2!r}), so it is unclear whether {t2!r} is a percentage or a fraction"
        )
        fixes.append(f"write every value of {name!r} with a % sign, or none")
    if problems:
        return col, False, problems, fixes
    integral = all(v is not None and (isinstance(v, int) or (v == int(v) if isinstance(v, Decimal) else float(v).is_integer())) for v in values)
    # integers beyond int64 (10**30) are kept as floating point rather than overflowing; below it, exact
    integral = integral and all(abs(v) < 2**63 for v in values)  # type: ignore[arg-type]
    if integral and values:
        series = pd.Series([int(v) for v in values], index=col.index, name=col.name, dtype="int64")  # type: ignore[arg-type]
    else:
        series = pd.Series([np.nan if v is None else float(v) for v in values], index=col.index, name=col.name, dtype="float64")
    return series, bool(with_pct), [], []


def _parse_numbers(df: pd.DataFrame, skip: str, numeric, label: str, keep_text=None) -> tuple[list[str], list[str]]:
    """Convert the numeric columns of ``df`` in place; return (percent columns, notes).

    *keep_text* (a predicate on column names) keeps columns out of the detection of numeric columns:
    their caller reads each cell itself and reports a bad one per row.
    """
    if isinstance(numeric, Mapping):
        wanted = dict(numeric)
    elif numeric is not None:
        if isinstance(numeric, str):
            raise TypeError(f"numeric= takes a list of column names, not a string: write numeric=[{numeric!r}].")
        wanted = {c: None for c in numeric}
    else:
        wanted = None
    notes: list[str] = []
    for c in df.columns:
        if df[c].dtype == np.float32:  # read at the decimals they hold: np.float32(0.1) is 0.1, not 0.10000000149
            df[c] = widen_float32(df[c]).set_axis(df.index)
            notes.append(f"column {c!r} held 32-bit floats: read at the decimal each holds (0.1, not 0.100000001490116)")
    if wanted is not None:
        absent = [c for c in wanted if c not in df.columns]
        if absent:
            raise TableError(f"numeric= names columns that {label} does not have: {absent}; it has {list(df.columns)}.")
        if skip in wanted:
            raise TableError(f"numeric= names {skip!r}, the column of area names; leave it out.")
        for c, sep in wanted.items():
            if sep not in (None, ",", "."):
                raise TableError(f"numeric={{{c!r}: {sep!r}}}: the decimal separator is ',' or '.' (None detects it).")
        columns = list(wanted.items())
    else:
        columns = []
        for c in df.columns:
            if c == skip or not _is_text(df[c]) or (keep_text is not None and keep_text(c)):
                continue
            share, code_like = _numeric_share(df[c])
            if code_like is not None:
                notes.append(f"column {c!r} kept as text: values such as {code_like!r} have leading zeros (codes)")
            elif share > 0.5:
                columns.append((c, None))
    problems, fixes, percent = [], [], []
    for c, sep in columns:
        series, pct, found, fix = _number_column(str(c), df[c], sep)
        problems += found
        fixes += fix
        if not found:
            inexact = series.index[series.abs() > 2**53] if series.dtype.kind == "f" else []
            if len(inexact):
                line = inexact[0]
                notes.append(
                    f"column {c!r}: values beyond 2**53 (such as line {line} {df[c][line]!r}) are stored as "
                    "floating-point numbers, exact to about 15 significant digits"
                )
            df[c] = series
            if pct:
                percent.append(c)
    if problems:
        raise TableError(
            f"{label}: some numbers cannot be read:\n  " + "\n  ".join(problems) + "\nTo fix: " + "; ".join(fixes) + "."
        )
    return percent, notes


# --------------------------------------------------------------------------- files


def _sniff(data: bytes) -> tuple[str, str]:
    """(kind, description) of a file's content; kind is 'text', 'xlsx', 'xls' or 'other'."""
    head = data[:4096]
    if head.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            return "other", "a damaged ZIP archive"
        if "xl/workbook.xml" in names:
            return "xlsx", "an Excel .xlsx workbook"
        if "word/document.xml" in names:
            return "other", "a Word .docx document"
        shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
        return "other", f"a ZIP archive (holding {shown}); unzip it first"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls", "a legacy Excel .xls workbook (or another old Office file)"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "text", "UTF-16 text"
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<!doctype html", b"<html")) or b"<html" in start[:1024]:
        return "other", "an HTML web page (often an error or login page saved in place of the file)"
    if start.startswith(b"<?xml"):
        return "other", "an XML document"
    for magic, what in ((b"%PDF", "a PDF document"), (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"),
                        (b"\x1f\x8b", "a gzip-compressed file"), (b"PAR1", "a Parquet file"),
                        (b"SQLite format 3", "an SQLite database (perhaps a GeoPackage)")):  # fmt: skip
        if head.startswith(magic):
            return "other", what
    if b"\x00" in head:
        return "other", "binary data"
    return "text", "plain text"


def _decode(data: bytes, label: str) -> tuple[str, str]:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8-sig"), "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        raise TableError(
            f"{label} is neither UTF-8 nor Windows-1252 (cp1252) text (byte {exc.object[exc.start]:#04x} at offset "
            f"{exc.start}). Save it as 'CSV UTF-8' from your spreadsheet program and read it again."
        ) from None


#: Excel's first line naming the delimiter ("sep=;"), as "CSV (semicolon delimited)" files often begin; Excel reads it
_SEP_LINE = re.compile(r'^\s*"?sep=([^"\r\n])"?\s*[,;\t|]*\s*$', re.IGNORECASE)
_YEAR = re.compile(r"(19|20|21)\d\d")


def _filled(cells: Sequence[str]) -> list[str]:
    return [c for c in cells if c.strip()]


def _title_rows(rows: list[list[str]]) -> int:
    """How many rows at the top are a title above the header (0 when none).

    Title rows hold one filled cell, in the first column, above a header of at least two names that are
    not numbers (years such as 2024 may be), within the first six rows. A one-cell row that is itself an
    area column name (``district``) is a header, and a row of numbers below it is data.
    """
    header = next((i for i, r in enumerate(rows[:6]) if len(_filled(r)) >= 2), None)
    if not header:
        return 0
    above = [r for r in rows[:header] if _filled(r)]
    if not above or any(not r[0].strip() or _named_area_columns([r[0].strip()]) for r in above):
        return 0
    for cell in _filled(rows[header]):
        try:
            parse_number(cell)
        except NotANumber:
            continue
        if not _YEAR.fullmatch(cell.strip()):
            return 0
    return header


def _layout(text: str, suffix: str) -> tuple[str, int, list[str]]:
    """(delimiter, lines above the header to skip, notes) of a text table.

    An Excel ``sep=;`` first line gives the delimiter and is skipped; otherwise the delimiter is the one
    that splits the first lines into the most consistent rows. Title rows above the header (see
    :func:`_title_rows`) are skipped. Both are said in the notes. The one rule for every reader of text
    tables: :func:`read_table` and the point readers (``ddmgeo.overlays.read_points``, the dask engines).
    """
    lines = text.splitlines()[:60]
    notes: list[str] = []
    skip = 0
    candidates: tuple[str, ...] = ("\t", ",", ";", "|") if suffix == ".tsv" else (",", ";", "\t", "|")
    sep = _SEP_LINE.match(lines[0]) if lines else None
    if sep:
        candidates, skip = (sep.group(1),), 1
        notes.append(f"line 1 {lines[0].strip()!r} (Excel's delimiter line) names the delimiter {sep.group(1)!r}; it is not part of the table")
    rest = lines[skip:]
    best, best_score, best_titles = candidates[0], (0.0, 1), 0
    for d in candidates:
        rows = list(csv.reader(rest, delimiter=d))
        titles = _title_rows(rows)
        widths = [len(r) for r in rows[titles:] if _filled(r)]
        if not widths or widths[0] < 2:
            continue
        score = (sum(w == widths[0] for w in widths) / len(widths), widths[0])
        if score > best_score:
            best, best_score, best_titles = d, score, titles
    if best_titles:
        rows = list(csv.reader(rest[:best_titles], delimiter=best))
        shown = "; ".join(f"line {skip + i + 1} {_filled(r)[0]!r}" for i, r in enumerate(rows) if _filled(r))
        notes.append(f"title row(s) above the header skipped ({shown}); the header is line {skip + best_titles + 1}")
    return best, skip + best_titles, notes


def _read_text(data: bytes, suffix: str, label: str) -> tuple[list, str, list[str], str]:
    text, encoding = _decode(data, label)
    delimiter, skip, notes = _layout(text, suffix)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows, previous = [], 0
    for cells in reader:
        if previous >= skip:  # the delimiter line and title rows are not part of the table
            rows.append((previous + 1, cells))  # a quoted value may span lines: a row starts after the last one
        previous = reader.line_num
    if delimiter != ",":
        notes.append(f"columns separated by {delimiter!r}")
    return rows, encoding, notes, delimiter


def _pick_sheet(names: list[str], sheet: str | int | None, label: str, hidden: Sequence[str] = ()) -> tuple[str, list[str]]:
    """The sheet to read and the notes saying so: the one rule for every reader of workbooks.

    Without ``sheet=``, a workbook with one visible sheet is read from it (a note names the hidden sheets
    passed over, if any); a workbook with several visible sheets is refused with a TableError that lists
    them, so that sheet 1 is never read silently when the table may be on another. ``sheet=`` takes a
    name or a 0-based position among all the sheets (hidden ones included); text of digits (``--sheet 1``)
    is a name when a sheet is called so, else a position.
    """
    visible = [n for n in names if n not in hidden]
    listed = ", ".join(map(repr, visible))
    concealed = [n for n in names if n in hidden]
    hidden_text = f"hidden: {', '.join(map(repr, concealed))}" if concealed else ""
    if sheet is None:
        if len(visible) == 1:
            if not concealed:
                return visible[0], []
            first = " (the first sheet is hidden)" if names[0] in hidden else ""
            return visible[0], [f"read sheet {visible[0]!r}, the only visible one{first}; {hidden_text}: pass sheet= to read one of those"]
        if not visible:
            raise TableError(f"{label} has no visible sheet ({hidden_text}): pass sheet= with the name of the one to read.")
        raise TableError(
            f"{label} has {len(visible)} visible sheets ({listed}"
            + (f"; {hidden_text}" if concealed else "")
            + f"), so the table could be on any of them: pass sheet= with the one to read, e.g. sheet={visible[0]!r} "
            f"(a name, or a 0-based position; ddm commands take --sheet)."
        )
    if isinstance(sheet, int) and not isinstance(sheet, bool) and 0 <= sheet < len(names):
        name = names[sheet]
    elif sheet in names:
        name = str(sheet)
    elif isinstance(sheet, str) and sheet.strip().isdigit() and int(sheet) < len(names):  # --sheet 1: a position
        name = names[int(sheet)]
    else:
        raise TableError(
            f"{label} has no sheet {sheet!r}; its sheets are {', '.join(map(repr, names))}"
            + (f" ({hidden_text})" if concealed else "")
            + " (sheet= takes a name or a 0-based position)."
        )
    return name, [f"sheet {name!r} is hidden in the workbook"] if name in hidden else []


def _read_xlsx(path: Path, sheet: str | int | None, label: str) -> tuple[list, list[str]]:
    openpyxl = require("openpyxl", "excel", f"to read {label} (an Excel workbook)")
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise TableError(f"{label} could not be read as an Excel workbook ({type(exc).__name__}: {exc}).") from exc
    try:
        hidden = [ws.title for ws in wb.worksheets if getattr(ws, "sheet_state", "visible") != "visible"]
        name, notes = _pick_sheet(wb.sheetnames, sheet, label, hidden)
        rows = [(i, list(r)) for i, r in enumerate(wb[name].iter_rows(min_row=1, min_col=1, values_only=True), start=1)]
    finally:
        wb.close()
    _check_merged_header(path, name, rows, label)
    _mark_formulas_without_values(path, name, rows)
    return rows, notes


def _mark_formulas_without_values(path: Path, sheet_name: str, rows: list) -> None:
    """Put a :class:`FormulaWithoutValue` where a formula cell has no saved result (read as blank otherwise).

    A workbook written by a script (openpyxl, pandas) and never recalculated keeps the formulas without their
    values; the cells then read as empty, and an amount would silently be missing.
    """
    data = _sheet_xml(path, sheet_name)
    if data is None or b"<f" not in data:
        return
    openpyxl = require("openpyxl", "excel", "to read formulas")
    get_column_letter = require("openpyxl.utils").get_column_letter
    wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        formulas = wb[sheet_name].iter_rows(min_row=1, min_col=1, values_only=True)
        for (line, cells), raw in zip(rows, formulas):
            for j, (value, f) in enumerate(zip(cells, raw)):
                if value is None and isinstance(f, str) and f.startswith("="):
                    cells[j] = FormulaWithoutValue(f, f"{get_column_letter(j + 1)}{line}")
    finally:
        wb.close()


def _sheet_xml(path: Path, sheet_name: str) -> bytes | None:
    """The XML of one sheet of a workbook (None when it cannot be found)."""
    import posixpath
    import xml.etree.ElementTree as ET

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    try:
        with zipfile.ZipFile(path) as z:
            book = ET.fromstring(z.read("xl/workbook.xml"))
            rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
            rid = next((s.get(rel) for s in book.iter(f"{main}sheet") if s.get("name") == sheet_name), None)
            target = next((r.get("Target") for r in rels if r.get("Id") == rid), None)
            if target is None:
                return None
            member = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            return z.read(member)
    except (KeyError, OSError, zipfile.BadZipFile, ET.ParseError):
        return None


def _merged_ranges(path: Path, sheet_name: str) -> list[str]:
    """The merged cell ranges ("B1:C1") of one sheet, read from the workbook's XML (read-only mode hides them)."""
    import xml.etree.ElementTree as ET

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    data = _sheet_xml(path, sheet_name)
    if data is None:
        return []
    try:
        sheet_xml = ET.fromstring(data)
    except ET.ParseError:
        return []
    return [m.get("ref") for m in sheet_xml.iter(f"{main}mergeCell") if m.get("ref")]


def _check_merged_header(path: Path, sheet_name: str, rows: list, label: str) -> None:
    """TableError when merged cells touch the header row: they give one name to several columns (or rows)."""
    range_boundaries = require("openpyxl.utils.cell").range_boundaries

    header = next((line for line, cells in rows if not all(_blank(c) for c in cells)), None)
    if header is None:
        return
    touching = []
    for ref in _merged_ranges(path, sheet_name):
        try:
            min_col, min_row, max_col, max_row = range_boundaries(ref)
        except ValueError:
            continue
        if min_row <= header <= max_row:
            touching.append(ref)
    if touching:
        raise TableError(
            f"{label}, sheet {sheet_name!r}: the header (line {header}) has merged cells {', '.join(touching)}, so some "
            "columns have no name of their own (a title row, or a header split over two rows such as 'Budget' over "
            "'2023' and '2024'). Unmerge them and give every column one name in a single header row (delete any "
            "title row above it), then read the file again."
        )


def _read_xls(path: Path, sheet: str | int | None, label: str) -> tuple[list, list[str]]:
    xlrd = require("xlrd", "excel", f"to read {label} (a legacy .xls workbook; or save it as .xlsx)")
    book = xlrd.open_workbook(str(path))
    hidden = [sh.name for sh in book.sheets() if getattr(sh, "visibility", 0)]
    name, notes = _pick_sheet(book.sheet_names(), sheet, label, hidden)
    sh = book.sheet_by_name(name)
    return [(i + 1, sh.row_values(i)) for i in range(sh.nrows)], notes


def check_unique_columns(columns, label: str, *, header_line: int | None = None) -> None:
    """A :class:`~ddmgeo.errors.TableError` naming the column names that occur more than once in *columns*.

    A name that picks several columns cannot say which one holds the amounts, the areas or the values,
    so a table with one is refused rather than read from whichever copy comes first. Used for files
    (their header row, before anything is renamed) and for DataFrames given to read_table, join,
    budget.spatialise and indicators.aggregate. Blank header cells are not names and are not counted.
    """
    names = [None if c is None or (isinstance(c, float) and c != c) else c for c in columns]
    seen: dict = {}
    for i, name in enumerate(names):
        if name is not None:
            seen.setdefault(name, []).append(i + 1)
    dups = {name: at for name, at in seen.items() if len(at) > 1}
    if not dups:
        return
    where = "; ".join(f"{name!r} in columns {', '.join(map(str, at[:-1]))} and {at[-1]}" for name, at in dups.items())
    first = next(iter(dups))
    example = f"{first!r} -> '{first} 2023' and '{first} 2024'"
    if header_line is not None:  # a file: its header row
        fix = f"rename the copies in the header on line {header_line} ({example}) or delete the columns not needed, then read the file again"
    else:  # a DataFrame
        fix = f"rename the copies ({example}: assign df.columns) or drop them (df.loc[:, ~df.columns.duplicated()] keeps the first of each)"
    raise TableError(f"{label} has column names given more than once: {where}. One name must mean one column, or ddmgeo cannot tell which copy holds the data: {fix}.")


def _frame(rows: list, label: str, delimiter: str | None) -> tuple[pd.DataFrame, list, list[str]]:
    """A table of objects indexed by line from (line, cells) rows: header, blank rows, ragged rows."""
    filled = [i for i, (_, cells) in enumerate(rows) if not all(_blank(c) for c in cells)]
    if not filled:
        raise TableError(f"{label} holds no data: every row is blank.")
    header_line, header = rows[filled[0]]
    header = [None if _blank(h) else str(h).strip() for h in header]
    while header and header[-1] is None:
        header.pop()
    check_unique_columns(header, label, header_line=header_line)
    width = len(header)
    lines, data, blank = [], [], []
    for line, cells in rows[filled[0] + 1 : filled[-1] + 1]:
        cells = list(cells)
        if all(_blank(c) for c in cells):
            blank.append(line)
            continue
        extra = [c for c in cells[width:] if not _blank(c)]
        if extra:
            why = (
                f" A value may hold an unquoted {delimiter!r}, such as a number with thousands commas: "
                f'quote it ("1,234,567") or write it without commas.'
                if delimiter
                else ""
            )
            n = max(i for i, c in enumerate(cells) if not _blank(c)) + 1
            raise TableError(
                f"{label}, line {line}: {n} cells but the header (line {header_line}) names {width} columns; "
                f"the extra values are {extra}.{why}"
            )
        lines.append(line)
        data.append((cells + [None] * width)[:width])
    df = pd.DataFrame(data, index=pd.Index(lines, name="line"), columns=range(width), dtype=object)
    notes, names, keep = [], [], []
    for i, h in enumerate(header):
        if h is None:
            if df[i].map(_blank).all():
                continue
            h = f"Unnamed: {i}"
            while h in names or h in header:
                h += "_"
        names.append(h)
        keep.append(i)
    df = df[keep]
    df.columns = names
    return df, blank, notes


def _load(source, sheet: str | int | None) -> tuple[pd.DataFrame, list, str | None, list[str], str]:
    """(raw table of objects, blank lines removed, encoding, notes, how to name the source)."""
    if isinstance(source, pd.DataFrame):
        check_unique_columns(source.columns, "the DataFrame")
        blank = np.array([all(_blank(v) for v in row) for row in source.itertuples(index=False, name=None)], dtype=bool)
        return source.loc[~blank].copy(), list(source.index[blank]), None, [], "the DataFrame"
    if not isinstance(source, (str, Path)) and not hasattr(source, "__fspath__"):
        raise TypeError(f"read_table() takes a file path or a pandas DataFrame, not {type(source).__name__}.")
    path = Path(source).expanduser()
    label = path.name
    if not path.is_file():
        raise FileNotFoundError(f"No such file: {path}")
    suffix = path.suffix.lower()
    if suffix not in _TEXT + _EXCEL:
        raise TableError(f"Cannot read {label}: read_table reads {', '.join(_TEXT + _EXCEL)} files and DataFrames.")
    data = path.read_bytes()
    if not data.strip():
        raise TableError(f"{label} is empty.")
    kind, what = _sniff(data)
    expected = "text" if suffix in _TEXT else "xls" if suffix == ".xls" else "xlsx"
    if kind != expected:
        advice = {"text": "rename it .csv", "xlsx": "rename it .xlsx", "xls": "rename it .xls"}.get(
            kind, "check that the right file was saved or downloaded"
        )
        raise TableError(f"{label} is named {suffix} but its content looks like {what}: {advice}.")
    encoding, delimiter = None, None
    if kind == "text" and sheet is not None:
        raise TableError(f"{label} is a text file, not a workbook: it has no sheets, so sheet={sheet!r} cannot be honoured. Leave sheet= (--sheet) out.")
    if kind == "text":
        rows, encoding, notes, delimiter = _read_text(data, suffix, label)
    elif kind == "xlsx":
        rows, notes = _read_xlsx(path, sheet, label)
    else:
        rows, notes = _read_xls(path, sheet, label)
    df, blank, more = _frame(rows, label, delimiter)
    return df, blank, encoding, notes + more, label


# --------------------------------------------------------------------------- areas


def _text(value: object) -> str | None:
    if _blank(value):
        return None
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        value = int(value)
    return str(value).strip()


def _resolve_all(texts: list[str], level: str | None, vintage: int) -> dict[str, str | None]:
    from .names import resolve

    if not texts:
        return {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return dict(zip(texts, resolve(texts, level=level, vintage=vintage, errors="coerce")))


def _resolve_column(col: pd.Series, level: str | None, vintage: int) -> tuple[list, dict, pd.Series]:
    """The cells as text, text -> code (None where it does not resolve), and the codes aligned with the cells."""
    texts = [_text(v) for v in col]
    lookup = _resolve_all(list(dict.fromkeys(t for t in texts if t is not None)), level, vintage)
    return texts, lookup, pd.Series([None if t is None else lookup[t] for t in texts], index=col.index, dtype=object)


def _why(text: str, level: str | None, vintage: int) -> tuple[str, tuple]:
    """Reason and suggestions for a value that does not resolve."""
    from .names import resolve

    if _key(text) in _TOTALS:
        return "a total, not an area", ()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            resolve(text, level=level, vintage=vintage)
    except SplitAreaError as exc:
        return str(exc).partition(": ")[2] or str(exc), exc.candidates
    except AmbiguousAreaError as exc:
        return "ambiguous (add the province to the name, e.g. '... (MP)', or pass level=)", exc.candidates
    except UnknownAreaError as exc:
        if "matches no area" in str(exc):
            reason = "no such area" + (f" at level {level!r}" if level else "")
            other = str(exc).partition(" It is ")[2].partition(" Check the spelling")[0]
            if other:  # a name of another level: say which, and the area of this level containing it
                return f"{reason}: it is {other.rstrip('.')}", exc.suggestions
            return reason, exc.suggestions
        return str(exc), exc.suggestions
    return "not resolved", ()


def _not_in_boundaries(code: str, level: str | None, vintage) -> str:
    """Why a code is not among the boundaries, with the fix when it is a code of another level or vintage."""
    from .areas import areas_table
    from .names import _lineage_table

    reason = f"{code} is not in the boundaries"
    try:
        v = code_vintage(vintage)
        here = areas_table(vintage=v)
    except Exception:  # an unknown vintage is reported elsewhere
        return reason
    levels = sorted(set(here.loc[here.code == code, "level"]))
    if levels and level and level not in levels:
        other = levels[0]
        return (
            f"{reason}: {code} is a {other} code, the boundaries are {level}s; join it to "
            f"ddmgeo.boundaries({other!r}), or aggregate the table to {level}s first (ddmgeo.indicators.aggregate)"
        )
    if levels or v != 2016:
        return reason
    old = _lineage_table()
    rows = old[old.old_code == code]
    if rows.empty:
        return reason
    main = rows.sort_values("share_of_old", ascending=False).iloc[0]
    return (
        f"{reason}: {code} ({main.old_name}) is a code of the 2011 demarcation; in 2016 it became (part of) "
        f"{main.new_code} ({main.new_name}; {main.change.replace(';', ', ').replace('_', ' ')}); move 2011-coded "
        "counts with ddmgeo.indicators.harmonise, or give area names and read the table with ddmgeo.read_table, "
        "which resolves former codes"
    )


def _former_names(texts: list[str], level: str | None, vintage: int) -> list[str]:
    from .names import resolve

    notes: list[str] = []
    for text in texts:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            resolve(text, level=level, vintage=vintage)
        for w in caught:
            if issubclass(w.category, FormerNameWarning):
                note = str(w.message).partition(": ")[2] or str(w.message)
                if note not in notes:
                    notes.append(note)
    return notes


def _named_area_columns(columns: list) -> list:
    """Columns whose header names areas, by ddmgeo's column vocabulary (:mod:`ddmgeo._columns`): codes, area
    names ("Local Municipality (LM)", "Muni", "District / Metro", "DM name"), a bare ``name`` or ``ward``
    column, then the province (each group in the table's order)."""
    from ._columns import columns_with_role, words

    bare = [c for c in columns if words(c) in (["name"], ["ward"], ["ward", "code"], ["wardid"], ["ward", "id"])]
    found = columns_with_role(columns, "code", finest_first=False) + columns_with_role(columns, "name", finest_first=False, generic=False)
    found += bare + columns_with_role(columns, "province")  # generic words (Region, Location) are judged by content
    return list(dict.fromkeys(found))


def _area_column(df: pd.DataFrame, area: str | None, level: str | None, vintage: int, label: str) -> str:
    columns = list(df.columns)
    if area is not None:
        if area in columns:
            return area
        folded = {str(c).strip().lower(): c for c in columns}
        if str(area).strip().lower() in folded:
            return folded[str(area).strip().lower()]
        raise TableError(f"{label} has no column {area!r}; its columns are {', '.join(map(repr, columns))}.")
    named = _named_area_columns(columns)
    if len(named) == 1:
        return named[0]
    candidates = named or [c for c in columns if _is_text(df[c])]
    resolved, share = {}, {}
    for c in candidates:
        texts, _, resolved[c] = _resolve_column(df[c], level, vintage)
        share[c] = resolved[c].notna().sum() / max(sum(t is not None for t in texts), 1)
    good = sorted((c for c in candidates if share[c] >= _MIN_RESOLVED), key=lambda c: -share[c] if not named else 0)
    rates = ", ".join(f"{c!r} ({share[c]:.0%} resolved)" for c in candidates) or "none holds text"
    if not good:
        raise TableError(
            f"{label}: no column names the areas. Columns that could: {rates}. "
            f"Pass area='column name' (the columns are {', '.join(map(repr, columns))})."
        )
    first = resolved[good[0]].to_numpy()
    for c in good[1:]:
        other = resolved[c].to_numpy()
        differ = np.flatnonzero([a is not None and b is not None and a != b for a, b in zip(first, other)])
        if len(differ):
            i = differ[0]
            raise TableError(
                f"{label}: columns {good[0]!r} and {c!r} both name areas but disagree (line {df.index[i]}: "
                f"{df[good[0]].iloc[i]!r} is {first[i]}, {df[c].iloc[i]!r} is {other[i]}). "
                f"Pass area={good[0]!r} or area={c!r}, or level=..."
            )
    return good[0]


def _levels(codes: pd.Series, vintage: int) -> pd.Series:
    from .areas import areas_table

    t = areas_table(vintage=vintage)
    order = {"district": 0, "municipality": 1, "province": 2}
    first = t.assign(rank=t.level.map(order)).sort_values("rank").drop_duplicates("code")
    return codes.map(dict(zip(first.code, first.level)))


def _all_codes(level: str, vintage: int) -> list[str]:
    from .areas import _code_sort_key, areas_table

    if level == "ward":
        from .names import _ward_codes

        codes = pd.Series(sorted(_ward_codes(boundary_vintage(vintage))))
    else:
        codes = areas_table(level, vintage=vintage)["code"]
    return list(codes.iloc[_code_sort_key(codes).argsort(kind="stable")])


def _duplicates(codes: pd.Series) -> pd.DataFrame:
    coded = codes.dropna()
    dup = coded[coded.duplicated(keep=False)]
    return _duplicates_frame([(code, list(dup.index[dup == code])) for code in pd.unique(dup)])


# --------------------------------------------------------------------------- public


def read_table(
    source: "str | os.PathLike[str] | pd.DataFrame",
    *,
    area: str | None = None,
    level: Literal["province", "district", "municipality", "ward"] | None = None,
    vintage: int = settings.DEFAULT_VINTAGE,
    sheet: str | int | None = None,
    numeric: Sequence[str] | Mapping[str, str | None] | None = None,
) -> tuple[pd.DataFrame, JoinReport]:
    """Read a table of areas as planners keep them, resolve every area and read every number.

    Parameters
    ----------
    source : path or pandas.DataFrame
        A ``.csv``, ``.tsv`` or ``.txt`` file (delimiter detected; UTF-8,
        else Windows-1252), an Excel ``.xlsx``/``.xlsm`` workbook (needs
        ``pip install "ddmgeo[excel]"``), a legacy ``.xls`` (needs xlrd, same extra), or a
        DataFrame. The header is the first non-blank row; in a text file, title
        rows above it (one cell in the first column, above a header of names) and
        Excel's ``sep=;`` first line are skipped (``sep=`` gives the delimiter), and
        the report's notes say so.
    area : str, optional
        The column naming the areas. By default a column whose header says
        so (``code``, ``name``, ``ward``, or area words however decorated:
        "District / Metro", "Local Municipality (LM)", "DM name", "Muni",
        "Province"; see :mod:`ddmgeo._columns`), else the text column whose
        values resolve best (at least 80 %).
    level : {"province", "district", "municipality", "ward"}, optional
        Resolve names at this level only. When omitted, a ``level`` column
        gives each row's level (a metro counts as a district unless most rows
        are municipalities).
    vintage : {2016, 2011, 2021}, default 2016
        The demarcation whose codes are returned (see :func:`ddmgeo.resolve`).
    sheet : str or int, optional
        The workbook sheet, by name or 0-based position (hidden sheets counted). By default the
        only visible sheet (a note names any hidden ones); a workbook with several visible sheets
        raises :class:`~ddmgeo.errors.TableError` listing them, so that the table is never read
        from sheet 1 silently.
    numeric : list of str or dict, optional
        The columns to read as numbers. By default every text column whose
        filled cells mostly read as numbers. A dict maps a column to its
        decimal separator (``","`` or ``"."``) when the cells leave it open.

    Returns
    -------
    table : pandas.DataFrame
        The original columns (numbers as numbers; percentages divided by 100),
        then ``code`` (None where the area did not resolve) and, with
        ``level=None``, ``level``. Indexed by line (a DataFrame keeps its
        index). Blank rows are removed; every other row is kept. A column
        already called ``code`` or ``level`` is renamed ``code_original`` /
        ``level_original``.
    report : JoinReport
        Matched and unmatched rows (with reasons and closest matches), areas
        given twice, areas with no row, blank rows, former names, encoding.

    Raises
    ------
    TableError
        The file's content is not what its extension says, a workbook has several visible
        sheets and no ``sheet=``, the table has no
        data rows, a column name is given twice, an Excel header has merged cells, no column names the
        areas, or cells of a numeric column are not numbers or can be read
        two ways (the message names the column, line and readings).
    FileNotFoundError
        There is no such file.
    ddmgeo.errors.MissingDependencyError
        An Excel file without openpyxl (``.xlsx``) or xlrd (``.xls``) installed (``pip install "ddmgeo[excel]"``).

    Examples
    --------
    >>> import ddmgeo, pandas as pd
    >>> df = pd.DataFrame({"District": ["OR Tambo DM", "Waterberg", "Atlantis"],
    ...                    "Budget": ["R 3,2 mil", "R1.5bn", "-"]})
    >>> table, report = ddmgeo.read_table(df)
    >>> table[["code", "Budget"]].values.tolist()
    [['DC15', 3200000.0], ['DC36', 1500000000.0], [None, nan]]
    >>> print(report.headline())
    3 rows: 2 matched, 1 unmatched, 0 duplicates, 50 district areas with no row.
    """
    return _read_table(source, area=area, level=level, vintage=vintage, sheet=sheet, numeric=numeric)


def _read_table(source, *, area=None, level=None, vintage=settings.DEFAULT_VINTAGE, sheet=None, numeric=None, keep_text=None):
    """:func:`read_table`, with *keep_text* (see :func:`_parse_numbers`) for callers that read some cells themselves."""
    df, blank, encoding, notes, label = _load(source, sheet)
    if df.empty:
        sheets = next((n for n in notes if n.startswith("read sheet")), None)
        raise TableError(
            f"{label} has no data rows"
            + (f" ({len(blank)} blank row(s) removed)" if blank else "")
            + (f": only the header {list(map(str, df.columns))}" if len(df.columns) else "")
            + ". Add the rows of areas below the header"
            + (f", or read another sheet ({sheets})" if sheets else "")
            + "; nothing was read, so nothing can be matched or joined."
        )
    column = _area_column(df, area, level, vintage, label)
    percent, more = _parse_numbers(df, column, numeric, label, keep_text)
    notes += more
    if encoding == "cp1252":
        notes.append("the file is not UTF-8: read as Windows-1252 (cp1252)")

    texts, lookup, codes = _resolve_column(df[column], level, vintage)
    for name in ("code", "level") if level is None else ("code",):
        if name in df.columns:
            df = df.rename(columns={name: f"{name}_original"})
            notes.append(f"the table's own {name!r} column is kept as {name + '_original'!r}")
    df["code"] = codes

    report_level = level
    if level is None:
        levels = _levels(codes, vintage)
        counts = levels.value_counts()
        if len(counts):
            report_level = counts.index[0]
            if report_level == "municipality":
                levels[codes.isin(settings.METRO_CODES)] = "municipality"
            if len(counts) > 1:
                notes.append(
                    "rows name areas of several levels ("
                    + ", ".join(f"{n} {lv}" for lv, n in counts.items())
                    + f"); areas with no row are counted at the {report_level} level"
                )
        df["level"] = levels.astype(object).where(levels.notna(), None)

    reasons = {t: _why(t, level, vintage) for t, c in lookup.items() if c is None}
    unmatched = [
        (line, value if t is not None else None, *(reasons[t] if t is not None else ("no area given", ())))
        for line, value, t, c in zip(df.index, df[column], texts, codes)
        if c is None
    ]
    resolved = [t for t, c in lookup.items() if c is not None]
    former = _former_names(resolved, level, vintage) if level != "ward" else []
    present = set(codes.dropna())
    missing = [c for c in _all_codes(report_level, vintage) if c not in present] if report_level else []
    report = JoinReport(
        n_rows=len(df),
        matched=int(codes.notna().sum()),
        unmatched=_unmatched_frame(unmatched),
        duplicates=_duplicates(codes),
        missing_areas=missing,
        blank_rows=blank,
        former_names=former,
        encoding=encoding,
        percent_columns=percent,
        notes=notes,
        area_column=column,
        level=report_level,
    )
    _meta.attach(df, area_column=column)
    return df, report


def _join_unmatched(table: pd.DataFrame, codes: pd.Series, inside: pd.Series, report: JoinReport | None, area_column, level, vintage) -> list:
    """Rows of a join that found no boundary, each with why, in the table's order (a read report's rows first)."""
    unmatched = [] if report is None else list(report.unmatched.itertuples(index=False, name=None))
    values = table[area_column] if area_column in table.columns else codes
    for line, code, value, known in zip(codes.index, codes, values, inside):
        if code is None and report is None:
            text = _text(value) if area_column in table.columns else None
            unmatched.append((line, value, *(_why(text, level, vintage) if text else ("no code", ()))))
        elif code is not None and not known:
            unmatched.append((line, value, _not_in_boundaries(str(code), level, vintage), ()))
    position = {line: i for i, line in enumerate(table.index)}
    unmatched.sort(key=lambda row: position.get(row[0], len(position)))
    return unmatched


def join(
    boundaries: "gpd.GeoDataFrame",
    table: "str | os.PathLike[str] | pd.DataFrame | tuple[pd.DataFrame, JoinReport]",
    *,
    on: str = "code",
    how: Literal["left", "inner"] = "left",
    strict: bool = False,
    level: Literal["province", "district", "municipality", "ward"] | None = None,
    vintage: int | None = None,
) -> tuple["gpd.GeoDataFrame", JoinReport]:
    """Put a user table on boundaries by area code, and report what matched.

    Parameters
    ----------
    boundaries : geopandas.GeoDataFrame
        For example ``ddmgeo.boundaries("district")``.
    table : path, pandas.DataFrame or (DataFrame, JoinReport)
        A file or a DataFrame without an ``on`` column is read with
        :func:`read_table` first (names resolved, numbers read); a DataFrame
        with an ``on`` column is joined on those codes as they are; the pair
        :func:`read_table` returns is joined with its report carried over.
    on : str, default "code"
        The code column of ``boundaries`` (and of ``table``, when it has one).
    how : {"left", "inner"}, default "left"
        ``left`` keeps every boundary row (NaN where the table has no row);
        ``inner`` keeps only those with a row. Table rows are never dropped
        without being reported.
    strict : bool, default False
        Raise :class:`~ddmgeo.errors.UnmatchedRowsError` when a table row does
        not match or a boundary row gets no data.
    level, vintage : optional
        How to resolve names; by default the boundaries' own level and vintage
        (their metadata, :func:`ddmgeo.metadata`), else any level and 2016.

    Returns
    -------
    joined : geopandas.GeoDataFrame
        The boundaries' rows, order, index, CRS and columns, then the table's
        columns (a name the boundaries already use gets the suffix ``_table``).
    report : JoinReport
        Unmatched rows include table rows whose code is not in ``boundaries``;
        ``missing_areas`` lists the boundary codes without data.

    Raises
    ------
    TableError
        The table gives an area more than once (the join would duplicate
        boundary rows: aggregate first), or a reading error (see :func:`read_table`).
    UnmatchedRowsError
        With ``strict=True``, any unmatched row or boundary row without data.

    Examples
    --------
    >>> import ddmgeo
    >>> gdf, report = ddmgeo.join(ddmgeo.districts(), "budgets.xlsx")   # doctest: +SKIP
    >>> print(report)                                                   # doctest: +SKIP
    44 rows: 43 matched, 1 unmatched, 0 duplicates, 9 district areas with no row.
    Unmatched: line 12 'Atlantis': no such area at level 'district'
    No row: DC1, DC2, ...
    """
    if how not in ("left", "inner"):
        raise ValueError(f"how must be 'left' or 'inner', not {how!r}: a join never adds rows without a boundary.")
    if on not in boundaries.columns:
        raise TableError(f"The boundaries have no {on!r} column (they have {list(boundaries.columns)}); pass on=...")
    meta = _meta.read(boundaries)
    level = level or meta.get("level")
    vintage = vintage if vintage is not None else meta.get("vintage", settings.DEFAULT_VINTAGE)

    report: JoinReport | None = None
    if isinstance(table, tuple) and len(table) == 2 and isinstance(table[1], JoinReport):
        table, report = table
    elif not (isinstance(table, pd.DataFrame) and on in table.columns):
        table, report = read_table(table, level=level, vintage=vintage)
    check_unique_columns(table.columns, "the table")
    key = on if on in table.columns else "code"
    if key not in table.columns:
        raise TableError(f"The table has no {on!r} column to join on; its columns are {list(table.columns)}.")
    area_column = _meta.read(table).get("area_column") if report is None else report.area_column

    codes = table[key].astype(object).where(table[key].notna(), None)
    inside = codes.isin(set(boundaries[on]))
    unmatched = _join_unmatched(table, codes, inside, report, area_column, level, vintage)
    present = set(codes[inside])
    base = report or JoinReport()
    joined_report = JoinReport(
        n_rows=len(table),
        matched=int(inside.sum()),
        unmatched=_unmatched_frame(unmatched),
        duplicates=_duplicates(codes),
        missing_areas=[c for c in boundaries[on] if c not in present],
        blank_rows=list(base.blank_rows),
        former_names=list(base.former_names),
        encoding=base.encoding,
        percent_columns=list(base.percent_columns),
        notes=list(base.notes),
        area_column=area_column,
        level=level or base.level,
    )
    if not joined_report.duplicates.empty:
        dups = "; ".join(f"{r.code} on lines {_and(r.lines)}" for r in joined_report.duplicates.itertuples(index=False))
        raise TableError(
            f"The table gives some areas more than once ({dups}): joining would duplicate those boundary rows. "
            f"Aggregate the table first (e.g. table.groupby('{key}', as_index=False).sum(numeric_only=True)) "
            "or remove the extra rows.",
            report=joined_report,
        )
    if strict and (not joined_report.unmatched.empty or joined_report.missing_areas):
        message = f"strict join: not every row matched.\n{joined_report.summary()}"
        raise UnmatchedRowsError(message, report=joined_report)

    right = table.loc[inside.values].set_index(key)
    right.index.name = on
    right = right.rename(columns={c: f"{c}_table" for c in right.columns if c in boundaries.columns})
    out = boundaries.join(right, on=on, how=how)
    out.attrs = dict(boundaries.attrs)
    return out, joined_report
