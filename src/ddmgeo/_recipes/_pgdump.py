"""Read the data of a PostgreSQL plain-text dump (``pg_dump``): its ``COPY ... FROM stdin;`` blocks.

A plain ``pg_dump`` writes each table's rows as a block::

    COPY public.population (geo_level, geo_code, "source of water", total) FROM stdin;
    ward<TAB>10101001<TAB>\\N<TAB>9068
    \\.

Rows are tab-separated fields in PostgreSQL's *text* COPY format: ``\\N`` is null, a backslash
escapes the characters that would otherwise end a field or a row (``\\t``, ``\\n``, ``\\r``,
``\\\\``, ...), and ``\\.`` alone on a line ends the block. Values stay text (``str`` or ``None``);
the caller converts them, since only it knows the column types it needs.

Only the standard library is used; a 4 MB dump is read in well under a second.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataIntegrityError

__all__ = ["CopyBlock", "copy_blocks", "decode_field", "parse_columns", "read_copy"]

Row = tuple[str | None, ...]
PathLike = str | Path

# COPY <table> [(<columns>)] FROM stdin;  -- the table may be schema-qualified and quoted
_COPY = re.compile(r'^COPY\s+(?P<table>(?:"(?:[^"]|"")*"|[^\s(."]+)(?:\.(?:"(?:[^"]|"")*"|[^\s(."]+))?)'
                   r"\s*(?:\((?P<columns>.*)\))?\s+FROM\s+stdin;\s*$")
_IDENT = re.compile(r'\s*(?:"(?P<quoted>(?:[^"]|"")*)"|(?P<plain>[^\s,"]+))\s*(?:,|$)')
_ESCAPE = re.compile(r"\\(?:x([0-9A-Fa-f]{1,2})|([0-7]{1,3})|(.))", re.DOTALL)
_SIMPLE = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_END = "\\."
NULL = "\\N"


@dataclass(frozen=True)
class CopyBlock:
    """The data of one ``COPY`` block.

    Attributes
    ----------
    table : str
        Table name as written after ``COPY``, unquoted, without its schema (``public.x`` -> ``x``).
    columns : tuple of str
        Column names in the order of the fields of each row (unquoted: ``"source of water"`` ->
        ``source of water``); empty if the ``COPY`` line lists no columns.
    rows : list of tuple
        One tuple per data line, each field a ``str``, or ``None`` for ``\\N``.
    line : int
        1-based line number of the ``COPY`` statement in the file.
    """

    table: str
    columns: tuple[str, ...]
    rows: list[Row]
    line: int

    def records(self) -> Iterator[dict[str, str | None]]:
        """Yield each row as a ``{column: value}`` dict.

        Yields
        ------
        dict
            Column name -> field value (``None`` for null).
        """
        for row in self.rows:
            yield dict(zip(self.columns, row))


def _unquote(ident: str) -> str:
    """An SQL identifier without its double quotes; a doubled quote inside stands for one."""
    if len(ident) >= 2 and ident[0] == ident[-1] == '"':
        return ident[1:-1].replace('""', '"')
    return ident


def _table_name(text: str) -> str:
    """The table of a ``COPY`` line without its schema: ``public."my table"`` -> ``my table``."""
    parts = re.findall(r'"(?:[^"]|"")*"|[^."]+', text)
    return _unquote(parts[-1]) if parts else text


def parse_columns(text: str) -> tuple[str, ...]:
    """Split a ``COPY`` column list into unquoted names.

    Parameters
    ----------
    text : str
        What stands between the parentheses, e.g. ``geo_level, "source of water", total``.

    Returns
    -------
    tuple of str
        The column names, unquoted.
    """
    names: list[str] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _IDENT.match(text, pos)
        if not m or m.end() == pos:
            raise ValueError(f"cannot read the COPY column list {text!r} at character {pos}")
        names.append(m["quoted"].replace('""', '"') if m["quoted"] is not None else m["plain"])
        pos = m.end()
    return tuple(names)


def _unescape(match: re.Match[str]) -> str:
    hexa, octal, char = match.groups()
    if hexa is not None:
        return chr(int(hexa, 16))
    if octal is not None:
        return chr(int(octal, 8))
    return _SIMPLE.get(char, char)


def decode_field(field: str) -> str | None:
    """Decode one field of PostgreSQL's text COPY format.

    Parameters
    ----------
    field : str
        The raw field, between tabs.

    Returns
    -------
    str or None
        ``None`` for ``\\N``; otherwise the text with its backslash escapes resolved (``\\t`` tab,
        ``\\n`` newline, ``\\\\`` backslash, ``\\ooo`` octal, ``\\xhh`` hex; any other escaped
        character stands for itself).
    """
    if field == NULL:
        return None
    if "\\" not in field:
        return field
    return _ESCAPE.sub(_unescape, field)


def _decode_line(line: str) -> Row:
    """The fields of one data line (without its line end)."""
    if "\\" not in line:
        return tuple(line.split("\t"))
    return tuple(decode_field(f) for f in line.split("\t"))


def _read_rows(lines: Iterator[tuple[int, str]], path: Path, start: int, width: int) -> list[Row]:
    """Read data lines up to the ``\\.`` terminator, checking each has *width* fields (0: any)."""
    rows: list[Row] = []
    for number, raw in lines:
        line = raw.rstrip("\n")
        if line.endswith("\r"):
            line = line[:-1]
        if line == _END:
            return rows
        row = _decode_line(line)
        if width and len(row) != width:
            raise DataIntegrityError(
                f"{path}: line {number} has {len(row)} fields, but the COPY block of line {start} has {width} columns."
            )
        rows.append(row)
    raise DataIntegrityError(f"{path}: the COPY block of line {start} has no end marker '\\.' (is the file truncated?)")


def copy_blocks(path: PathLike) -> Iterator[CopyBlock]:
    """Yield every ``COPY ... FROM stdin;`` block of a pg_dump file, in file order.

    Parameters
    ----------
    path : str or pathlib.Path
        A plain-text (not custom-format) pg_dump, UTF-8.

    Yields
    ------
    CopyBlock
        Table, column names and decoded rows of each block.

    Raises
    ------
    DataIntegrityError
        A block has no ``\\.`` terminator, or a row has the wrong number of fields.
    """
    path = Path(path)
    with path.open(encoding="utf-8", newline="") as fh:
        lines = enumerate(fh, start=1)
        for number, line in lines:
            if not line.startswith("COPY "):
                continue
            m = _COPY.match(line.rstrip("\r\n"))
            if not m:
                continue
            columns = parse_columns(m["columns"]) if m["columns"] else ()
            rows = _read_rows(lines, path, number, len(columns))
            yield CopyBlock(_table_name(m["table"]), columns, rows, number)


def read_copy(path: PathLike, table: str | None = None) -> CopyBlock:
    """The one ``COPY`` block of a pg_dump file (or the block of *table*).

    Parameters
    ----------
    path : str or pathlib.Path
        A plain-text pg_dump.
    table : str, optional
        Table name (without schema). If not given, the file must hold exactly one ``COPY`` block.

    Returns
    -------
    CopyBlock
        Its table, columns and rows.

    Raises
    ------
    DataIntegrityError
        The file has no ``COPY`` block, none for *table*, or several when *table* is not given.
    """
    blocks = [b for b in copy_blocks(path) if table is None or b.table == table]
    if not blocks:
        what = f"for table {table!r}" if table else "at all"
        raise DataIntegrityError(f"{path}: no 'COPY ... FROM stdin;' block {what}; is it a plain-text pg_dump?")
    if len(blocks) > 1:
        names = ", ".join(f"{b.table} (line {b.line})" for b in blocks)
        raise DataIntegrityError(f"{path}: {len(blocks)} COPY blocks ({names}); name the table to read.")
    return blocks[0]
