"""The pg_dump COPY-block reader behind the wazimap recipes, on small synthetic dumps."""

from __future__ import annotations

from pathlib import Path

import pytest

from ddmgeo._recipes import _pgdump
from ddmgeo._recipes._pgdump import copy_blocks, decode_field, parse_columns, read_copy
from ddmgeo.errors import DataIntegrityError

HEADER = """--
-- PostgreSQL database dump
--

SET client_encoding = 'UTF8';

CREATE TABLE population (
    geo_level character varying(16) NOT NULL,
    total integer
);

"""


def dump(tmp_path: Path, text: str, name: str = "dump.sql") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


def test_one_block_with_quoted_columns_and_nulls(tmp_path):
    path = dump(
        tmp_path,
        HEADER
        + 'COPY sourceofwater (geo_level, geo_code, "source of water", total, geo_version) FROM stdin;\n'
        + "country\tZA\tBorehole\t123\t2011\n"
        + "ward\t74804019\tSpring\t\\N\t2011\n"
        + "\\.\n\n\n-- PostgreSQL database dump complete\n",
    )
    block = read_copy(path)
    assert block.table == "sourceofwater"
    assert block.columns == ("geo_level", "geo_code", "source of water", "total", "geo_version")
    assert block.rows == [("country", "ZA", "Borehole", "123", "2011"), ("ward", "74804019", "Spring", None, "2011")]
    assert block.line == HEADER.count("\n") + 1
    assert list(block.records())[1]["total"] is None


@pytest.mark.parametrize(
    "raw, text",
    [
        ("plain", "plain"),
        ("", ""),
        ("\\N", None),
        ("\\\\N", "\\N"),  # an escaped backslash before N is text, not null
        ("a\\tb", "a\tb"),
        ("line\\nbreak\\r", "line\nbreak\r"),
        ("back\\\\slash", "back\\slash"),
        ("\\b\\f\\v", "\b\f\v"),
        ("\\101\\7", "A\x07"),  # octal, 1-3 digits
        ("\\x41\\x7e", "A~"),  # hex, 1-2 digits
        ("\\z\\.", "z."),  # any other escaped character stands for itself
        ("Kh\u00e2i-Ma", "Kh\u00e2i-Ma"),
    ],
)
def test_decode_field(raw, text):
    assert decode_field(raw) == text


def test_escapes_inside_rows_do_not_split_fields(tmp_path):
    path = dump(tmp_path, "COPY t (a, b) FROM stdin;\nx\\ty\tz\\\\\n\\.\n")
    assert read_copy(path).rows == [("x\ty", "z\\")]


def test_empty_fields_and_empty_block(tmp_path):
    path = dump(tmp_path, "COPY t (a, b, c) FROM stdin;\n\t\t\n\\.\nCOPY u (a) FROM stdin;\n\\.\n")
    blocks = list(copy_blocks(path))
    assert blocks[0].rows == [("", "", "")]
    assert blocks[1].table == "u" and blocks[1].rows == []


def test_several_blocks(tmp_path):
    path = dump(
        tmp_path,
        HEADER
        + "COPY public.first (a, b) FROM stdin;\n1\t2\n\\.\n\n"
        + 'COPY public."second table" (x) FROM stdin;\nhello\nworld\n\\.\n',
    )
    blocks = list(copy_blocks(path))
    assert [b.table for b in blocks] == ["first", "second table"]
    assert blocks[1].rows == [("hello",), ("world",)]
    assert read_copy(path, "second table").columns == ("x",)
    with pytest.raises(DataIntegrityError, match=r"2 COPY blocks .*first.*second table"):
        read_copy(path)
    with pytest.raises(DataIntegrityError, match="no 'COPY ... FROM stdin;' block for table 'third'"):
        read_copy(path, "third")


def test_a_file_without_copy_block_names_the_file(tmp_path):
    path = dump(tmp_path, HEADER + "INSERT INTO population VALUES ('ward', 1);\n", name="inserts.sql")
    with pytest.raises(DataIntegrityError) as err:
        read_copy(path)
    assert str(path) in str(err.value)
    assert "COPY" in str(err.value)


def test_a_truncated_block_is_an_error(tmp_path):
    path = dump(tmp_path, "COPY t (a, b) FROM stdin;\n1\t2\n3\t4\n")
    with pytest.raises(DataIntegrityError, match=r"line 1 has no end marker"):
        read_copy(path)


def test_a_row_of_the_wrong_width_is_an_error(tmp_path):
    path = dump(tmp_path, "COPY t (a, b) FROM stdin;\n1\t2\n3\n\\.\n")
    with pytest.raises(DataIntegrityError, match=r"line 3 has 1 fields, but the COPY block of line 1 has 2 columns"):
        read_copy(path)


def test_crlf_line_ends_are_tolerated(tmp_path):
    path = dump(tmp_path, "COPY t (a, b) FROM stdin;\r\n1\t2\r\n\\.\r\n")
    assert read_copy(path).rows == [("1", "2")]


def test_copy_without_column_list(tmp_path):
    path = dump(tmp_path, "COPY t FROM stdin;\n1\t2\n\\.\n")
    block = read_copy(path)
    assert block.columns == () and block.rows == [("1", "2")]


def test_parse_columns():
    assert parse_columns('geo_level, "type of dwelling", total') == ("geo_level", "type of dwelling", "total")
    assert parse_columns('"say ""hi""", b') == ('say "hi"', "b")
    with pytest.raises(ValueError):
        parse_columns('a, "unterminated')


def test_reads_a_real_dump(shared_data):
    path = shared_data / "raw/OpenUpSA__wazimap-za/a9c28be8c48ea948c98871f48a2a21892caafa39/sql/census/population.sql"
    block = _pgdump.read_copy(path, "population")
    assert block.columns == ("geo_level", "geo_code", "population", "geo_version")
    assert ("country", "ZA", "51770560", "2011") in block.rows
    assert len(block.rows) == 9180
