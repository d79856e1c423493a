"""read_table() and join(): planners' messy spreadsheets, every row accounted for, numbers read exactly."""

from __future__ import annotations

import csv
import io
import math
import sys
import warnings
import zipfile

import pandas as pd
import pytest

import ddmgeo
from ddmgeo.errors import TableError, UnmatchedRowsError

openpyxl = pytest.importorskip("openpyxl")

NAN = float("nan")

# A district table as it arrives by e-mail: name variants, an old name, three ways of grouping thousands,
# percentages, rand amounts in words, a blank row, an unknown and a near-miss name, Waterberg twice.
MESSY = [
    ["District", "Population", "Households", "Poverty rate", "Budget", "Change"],
    ["OR Tambo DM", "1 457 384", "312,456", "12.5%", "R 3,2 mil", "1 234"],  # line 2
    ["uMgungundlovu", "1\u00a0095\u00a0865", "302,046", "9.5%", "R3.2m", "(1 234)"],  # non-breaking spaces
    ["Waterberg", "745\u2009758", "211,494", "20%", "R 2 billion", "-"],  # thin space
    ["City of Joburg", "5 635 127", "1,853,371", "7.1%", "R1.5bn", "n/a"],  # line 5: a common short form of JHB
    ["Cacadu", "479 923", "138,422", "-", "R 450 000", "12"],  # line 6: the 2011 name of Sarah Baartman
    [],  # line 7
    ["Capricon", "1 000", "250", "50%", "R 1 million", "\u2026"],  # line 8: a misspelling
    ["Waterberg", "745 758", "211,494", "20%", "R 2 billion", "0"],  # line 9: DC36 again
    ["Nelson Mandela Bay", "1 263 051", "1,234,567", "8%", "R 3.2 million", "1'234"],  # line 10
]
LINES = [2, 3, 4, 5, 6, 8, 9, 10]
CODES = ["DC15", "DC22", "DC36", "JHB", "DC10", None, "DC36", "NMA"]
POPULATION = [1457384, 1095865, 745758, 5635127, 479923, 1000, 745758, 1263051]
HOUSEHOLDS = [312456, 302046, 211494, 1853371, 138422, 250, 211494, 1234567]
POVERTY = [0.125, 0.095, 0.2, 0.071, NAN, 0.5, 0.2, 0.08]
BUDGET = [3_200_000, 3_200_000, 2_000_000_000, 1_500_000_000, 450_000, 1_000_000, 2_000_000_000, 3_200_000]
CHANGE = [1234.0, -1234.0, NAN, NAN, 12.0, NAN, 0.0, 1234.0]


def _write_csv(path, rows, encoding="utf-8", delimiter=","):
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def _write_xlsx(path, rows, sheets=None):
    wb = openpyxl.Workbook()
    wb.active.title = "Budgets"
    for row in rows:
        wb.active.append(row)
    for name, more in (sheets or {}).items():
        ws = wb.create_sheet(name)
        for row in more:
            ws.append(row)
    wb.save(path)
    return path


def _same(a, b) -> bool:
    """Equal element by element, NaN matching NaN (and nothing else)."""
    nan = lambda x: isinstance(x, float) and math.isnan(x)  # noqa: E731
    return len(a) == len(b) and all(nan(y) if nan(x) else x == y for x, y in zip(a, b))


@pytest.fixture(params=["csv", "xlsx"])
def messy(request, tmp_path):
    if request.param == "csv":
        return _write_csv(tmp_path / "budgets.csv", MESSY)
    return _write_xlsx(tmp_path / "budgets.xlsx", MESSY)


@pytest.fixture()
def clean_csv(tmp_path):
    """The messy table without the second Waterberg row, so it can be joined."""
    return _write_csv(tmp_path / "clean.csv", MESSY[:8] + MESSY[9:])


@pytest.fixture(scope="module")
def districts(shared_data):
    return ddmgeo.boundaries("district")


def _one_column(values, tmp_path, **kwargs):
    """Read a CSV whose column 'v' holds ``values`` on lines 2, 3, ...; return (table, report)."""
    names = ["Waterberg", "Capricorn", "Vhembe", "Mopani", "Sekhukhune"]
    path = _write_csv(tmp_path / "v.csv", [["District", "v"], *([n, v] for n, v in zip(names, values, strict=False))])
    return ddmgeo.read_table(path, **kwargs)


# --------------------------------------------------------------------------- the messy spreadsheet


def test_messy_spreadsheet_report_is_exact(messy):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # former names and unresolved values go to the report, not to warnings
        table, report = ddmgeo.read_table(messy)

    assert report.n_rows == 8 and report.matched == 7
    assert report.area_column == "District" and report.level == "district"
    assert report.unmatched["line"].tolist() == [8]
    assert report.unmatched["value"].tolist() == ["Capricon"]
    assert report.unmatched["reason"].tolist() == ["no such area"]
    assert report.unmatched["suggestions"].iloc[0][0] == "Capricorn (DC35, district)"
    assert report.duplicates["code"].tolist() == ["DC36"] and report.duplicates["lines"].tolist() == [[4, 9]]
    assert report.blank_rows == [7]
    matched = {c for c in CODES if c}
    all_districts = set(ddmgeo.areas_table("district")["code"])
    assert len(report.missing_areas) == 52 - len(matched) == 46
    assert set(report.missing_areas) == all_districts - matched
    assert len(report.former_names) == 1 and "Cacadu" in report.former_names[0] and "DC10" in report.former_names[0]
    assert report.percent_columns == ["Poverty rate"]
    assert report.encoding == ("utf-8" if messy.suffix == ".csv" else None)
    assert not report.ok

    text = str(report)
    assert text.splitlines()[0] == "8 rows: 7 matched, 1 unmatched, 1 duplicate, 46 district areas with no row."
    assert "line 8 'Capricon': no such area; closest: Capricorn (DC35, district)" in text
    assert "DC36 on lines 4 and 9" in text and "Blank rows removed: line 7" in text
    assert repr(report) == "<JoinReport: 8 rows: 7 matched, 1 unmatched, 1 duplicate, 46 district areas with no row.>"


def test_messy_spreadsheet_values_are_exact(messy):
    table, _ = ddmgeo.read_table(messy)
    assert table.index.name == "line" and table.index.tolist() == LINES
    assert table.columns.tolist() == [*MESSY[0], "code", "level"]
    assert table["District"].tolist() == [row[0] for row in MESSY[1:] if row]  # names kept as written
    assert table["code"].tolist() == CODES
    assert table["level"].tolist() == ["district" if c else None for c in CODES]
    assert table["Population"].dtype == "int64" and table["Population"].tolist() == POPULATION
    assert table["Households"].dtype == "int64" and table["Households"].tolist() == HOUSEHOLDS
    assert table["Budget"].dtype == "int64" and table["Budget"].tolist() == BUDGET
    assert _same(table["Poverty rate"].tolist(), POVERTY)
    assert _same(table["Change"].tolist(), CHANGE)  # '-', 'n/a' and '…' are missing, never 0


def test_csv_and_xlsx_give_the_same_table(tmp_path):
    a, ra = ddmgeo.read_table(_write_csv(tmp_path / "t.csv", MESSY))
    b, rb = ddmgeo.read_table(_write_xlsx(tmp_path / "t.xlsx", MESSY))
    pd.testing.assert_frame_equal(a, b)
    assert ra.encoding == "utf-8" and rb.encoding is None
    assert ra.summary().replace("\nEncoding: utf-8", "") == rb.summary()


# --------------------------------------------------------------------------- numbers

NUMBERS = [
    ("1 234 567", 1234567),
    ("1\u00a0234\u00a0567", 1234567),
    ("1\u2009234\u2009567", 1234567),
    ("1\u202f234", 1234),
    ("1,234,567", 1234567),
    ("12,345,678", 12345678),
    ("1'234", 1234),
    ("1,234", 1234),
    ("3,2", 3.2),
    ("1234,56", 1234.56),
    ("0,5", 0.5),
    ("1 234,5", 1234.5),
    ("1.234,56", 1234.56),
    ("1,234.5", 1234.5),
    ("12.5", 12.5),
    ("12.5%", 0.125),
    ("7 %", 0.07),
    ("R 3,2 mil", 3_200_000),
    ("R3.2m", 3_200_000),
    ("R 3.2 million", 3_200_000),
    ("R1.5bn", 1_500_000_000),
    ("R 2 billion", 2_000_000_000),
    ("R 450k", 450_000),
    ("(1 234)", -1234),
    ("-5", -5),
    ("\u22125", -5),
    ("R -1 234", -1234),
    ("-", NAN),
    ("", NAN),
    ("n/a", NAN),
    ("NA", NAN),
    ("\u2026", NAN),
    ("#N/A", NAN),
]


@pytest.mark.parametrize("text, expected", NUMBERS)
def test_number_written_as_text(text, expected):
    df = pd.DataFrame({"District": ["Waterberg"], "v": [text]})
    table, _ = ddmgeo.read_table(df, numeric=["v"])
    got = table["v"].iloc[0]
    assert (math.isnan(got) if math.isnan(expected) else got == expected), f"{text!r} read as {got!r}"


def test_numeric_columns_are_found_without_being_named(tmp_path):
    table, _ = _one_column(["1 234", "-", "5,5"], tmp_path)
    assert _same(table["v"].tolist(), [1234.0, NAN, 5.5])


@pytest.mark.parametrize(
    "values, line, fragments",
    [
        (["3,2", "12,345,678"], 3, ["'12,345,678' = 12345678", "'3,2' = 3.2", "line 2"]),
        (["3,2", "1,234"], 3, ["'1,234' reads as 1234 with a thousands comma", "as 1.234 with a", "line 2 ('3,2')"]),
        (["3,2", "1.234"], 3, ["'1.234' reads as 1.234 with a decimal point but as 1234", "line 2 ('3,2')"]),
        (["1,234", "3,2"], 2, ["'1,234' reads as 1234", "as 1.234", "line 3 ('3,2')"]),
        (["12.5%", "40"], 3, ["'12.5%'", "'40'", "percentage"]),
    ],
)
def test_numbers_read_two_ways_raise(values, line, fragments, tmp_path):
    with pytest.raises(TableError) as info:
        _one_column(values, tmp_path)
    msg = str(info.value)
    assert "v.csv" in msg and "'v'" in msg and f"line {line}" in msg
    for fragment in fragments:
        assert fragment in msg
    assert "numeric=" in msg or "%" in msg


def test_decimal_separator_can_be_given(tmp_path):
    table, _ = _one_column(["3,2", "1,234"], tmp_path, numeric={"v": ","})
    assert table["v"].tolist() == [3.2, 1.234]
    table, _ = _one_column(["1,234", "12,345,678"], tmp_path, numeric={"v": "."})
    assert table["v"].tolist() == [1234, 12345678]
    with pytest.raises(TableError, match=r"line 2 '3,2'"):
        _one_column(["3,2", "1,234"], tmp_path, numeric={"v": "."})


def test_text_in_a_numeric_column_raises_with_lines(tmp_path):
    with pytest.raises(TableError) as info:
        _one_column(["5", "abc", "7", "tbc", "9"], tmp_path)
    msg = str(info.value)
    assert "line 3 'abc'" in msg and "line 5 'tbc'" in msg and "'v'" in msg
    assert "line 2" not in msg and "line 4" not in msg


def test_numeric_list_chooses_exactly_the_columns(tmp_path):
    table, _ = _one_column(["5", "abc", "7"], tmp_path, numeric=[])  # numeric=[] reads none: no error
    assert table["v"].tolist() == ["5", "abc", "7"]
    with pytest.raises(TableError, match="does not have"):
        _one_column(["5"], tmp_path, numeric=["nope"])
    with pytest.raises(TableError, match="area names"):
        _one_column(["5"], tmp_path, numeric=["District"])


def test_leading_zero_codes_stay_text():
    df = pd.DataFrame({"District": ["Waterberg", "Capricorn"], "postal": ["0001", "0700"]})
    table, report = ddmgeo.read_table(df)
    assert table["postal"].tolist() == ["0001", "0700"]
    assert any("leading zeros" in n for n in report.notes)


# --------------------------------------------------------------------------- files


def _zip_bytes(name="data.csv", content=b"a,b\n1,2\n"):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(name, content)
    return buf.getvalue()


def _xlsx_bytes(tmp_path):
    return _write_xlsx(tmp_path / "real.xlsx", MESSY).read_bytes()


@pytest.mark.parametrize(
    "name, content, fragment",
    [
        ("table.csv", "xlsx", "an Excel .xlsx workbook: rename it .xlsx"),
        ("table.csv", _zip_bytes(), "a ZIP archive (holding data.csv)"),
        ("table.xlsx", b"<!DOCTYPE html>\n<html><body>Session expired</body></html>", "an HTML web page"),
        ("table.xlsx", b"District,Population\nWaterberg,745758\n", "plain text: rename it .csv"),
        ("table.csv", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "a PDF document"),
        ("table.txt", b"\x00\x01\x02\x03binary\x00", "binary data"),
        ("table.xls", _zip_bytes(), "a ZIP archive"),
    ],
)
def test_file_that_is_not_what_its_extension_says(name, content, fragment, tmp_path):
    path = tmp_path / name
    path.write_bytes(_xlsx_bytes(tmp_path) if content == "xlsx" else content)
    with pytest.raises(TableError) as info:
        ddmgeo.read_table(path)
    msg = str(info.value)
    assert name in msg and fragment in msg


def test_unsupported_missing_and_empty_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.csv"):
        ddmgeo.read_table(tmp_path / "nope.csv")
    (tmp_path / "t.json").write_text("{}")
    with pytest.raises(TableError, match=r"\.xlsx"):
        ddmgeo.read_table(tmp_path / "t.json")
    (tmp_path / "empty.csv").write_text("\n\n")
    with pytest.raises(TableError, match="empty"):
        ddmgeo.read_table(tmp_path / "empty.csv")
    with pytest.raises(TypeError, match="path or a pandas DataFrame"):
        ddmgeo.read_table(42)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
def test_encodings_and_delimiter(encoding, tmp_path):
    rows = [["Municipality", "Population"], ["Khâi-Ma", "12 345,5"], ["Sol Plaatjé", "255 041"]]
    path = _write_csv(tmp_path / "m.txt", rows, encoding=encoding, delimiter=";")
    table, report = ddmgeo.read_table(path)
    assert report.encoding == encoding
    assert table["code"].tolist() == ["NC067", "NC091"]
    assert table["Population"].tolist() == [12345.5, 255041.0]
    assert "columns separated by ';'" in report.notes
    assert any("cp1252" in n for n in report.notes) == (encoding == "cp1252")


def test_tab_separated_with_blank_lines_before_header_and_after_table(tmp_path):
    path = tmp_path / "t.tsv"
    path.write_text("\n\tDistrict\tValue\n\tWaterberg\t1 000\n\n\tVhembe\t2 000\n\n\n", encoding="utf-8")
    table, report = ddmgeo.read_table(path)
    assert table.index.tolist() == [3, 5] and table["Value"].tolist() == [1000, 2000]
    assert report.blank_rows == [4]  # trailing blank lines end the table, they are not blank rows
    assert "Unnamed: 0" not in table.columns  # the empty first column is dropped


def test_csv_lines_are_physical_lines(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('District,Notes,v\nWaterberg,"spans\ntwo lines",1\nAtlantis,x,2\nVhembe,y,z\n', encoding="utf-8")
    with pytest.raises(TableError, match="line 5 'z'"):
        ddmgeo.read_table(path)
    path.write_text('District,Notes,v\nWaterberg,"spans\ntwo lines",1\nAtlantis,x,2\n', encoding="utf-8")
    table, report = ddmgeo.read_table(path)
    assert table.index.tolist() == [2, 4] and report.unmatched["line"].tolist() == [4]
    assert table.at[2, "Notes"] == "spans\ntwo lines"


def test_unquoted_thousands_comma_in_csv_raises_with_line(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("District,Population\nWaterberg,745758\nVhembe,1,393,949\n", encoding="utf-8")
    with pytest.raises(TableError) as info:
        ddmgeo.read_table(path)
    msg = str(info.value)
    assert "line 3" in msg and "header (line 1)" in msg and "quote it" in msg


def test_sheets(tmp_path):
    path = _write_xlsx(tmp_path / "book.xlsx", MESSY, sheets={"2024": [["code", "v"], ["DC36", "5"]]})
    with pytest.raises(TableError, match=r"2 visible sheets \('Budgets', '2024'\).*pass sheet="):
        ddmgeo.read_table(path)  # never sheet 1 silently
    table, report = ddmgeo.read_table(path, sheet="2024")
    assert table["code"].tolist() == ["DC36"] and table["v"].tolist() == [5]
    assert ddmgeo.read_table(path, sheet=1)[0]["code"].tolist() == ["DC36"]
    with pytest.raises(TableError, match=r"no sheet 'Data'.*'Budgets', '2024'"):
        ddmgeo.read_table(path, sheet="Data")


def test_excel_without_openpyxl_says_how_to_install(tmp_path, monkeypatch):
    path = _write_xlsx(tmp_path / "t.xlsx", MESSY)
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    with pytest.raises(ImportError, match=r'pip install "ddmgeo\[excel\]"'):
        ddmgeo.read_table(path)


# --------------------------------------------------------------------------- areas


def test_dataframe_index_labels_are_the_line_references():
    df = pd.DataFrame(
        {"district": ["Waterberg", None, "Atlantis", "Capricorn"], "v": ["1 000", None, "2 000", "3 000"]},
        index=["a", "b", "c", "d"],
    )
    table, report = ddmgeo.read_table(df)
    assert table.index.tolist() == ["a", "c", "d"]
    assert report.blank_rows == ["b"]
    assert report.unmatched["line"].tolist() == ["c"]
    assert "line c 'Atlantis'" in str(report)
    df.loc["d", "v"] = "lots"
    with pytest.raises(TableError, match="line d 'lots'"):
        ddmgeo.read_table(df)


def test_report_html_escapes_user_text():
    df = pd.DataFrame({"district": ["Waterberg", "<script>alert(1)</script>"]})
    _, report = ddmgeo.read_table(df)
    page = report._repr_html_()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>" not in page
    assert "<strong>2 rows: 1 matched, 1 unmatched" in page


def test_area_column_found_by_content():
    df = pd.DataFrame({"Region": ["Waterberg", "Capricorn", "Vhembe", "Mopani", "Atlantis"], "Notes": list("abcde")})
    _, report = ddmgeo.read_table(df)
    assert report.area_column == "Region" and report.matched == 4


def test_area_column_errors():
    df = pd.DataFrame({"Region": ["Narnia", "Atlantis"], "v": ["1", "2"]})
    with pytest.raises(TableError, match=r"no column names the areas.*'Region' \(0% resolved\).*area="):
        ddmgeo.read_table(df)
    with pytest.raises(TableError, match=r"no column 'District'; its columns are 'Region', 'v'"):
        ddmgeo.read_table(df, area="District")
    table, report = ddmgeo.read_table(df.assign(Region=["Waterberg", "Vhembe"]), area=" region ")
    assert report.area_column == "Region" and table["code"].tolist() == ["DC36", "DC34"]


def test_two_area_columns_that_disagree_must_be_chosen():
    df = pd.DataFrame({"District": ["Waterberg", "Capricorn"], "Municipality": ["Lephalale", "Polokwane"]})
    with pytest.raises(TableError, match=r"'District' and 'Municipality' both name areas but disagree.*line 0"):
        ddmgeo.read_table(df)
    assert ddmgeo.read_table(df, area="Municipality")[0]["code"].tolist() == ["LIM362", "LIM354"]
    assert ddmgeo.read_table(df, level="municipality")[0]["code"].tolist() == ["LIM362", "LIM354"]


def test_code_and_name_columns_that_agree_use_the_code():
    df = pd.DataFrame({"name": ["Waterberg", "Capricorn"], "code": ["dc36", "DC35"], "v": ["1", "2"]})
    table, report = ddmgeo.read_table(df)
    assert report.area_column == "code"
    assert table["code"].tolist() == ["DC36", "DC35"] and table["code_original"].tolist() == ["dc36", "DC35"]
    assert any("code_original" in n for n in report.notes)


def test_levels_of_a_mixed_table():
    df = pd.DataFrame({"area": ["Limpopo", "Waterberg", "Capricorn", "Lephalale", "Total"]})
    table, report = ddmgeo.read_table(df)
    assert table["level"].tolist() == ["province", "district", "district", "municipality", None]
    assert report.level == "district" and len(report.missing_areas) == 50
    assert any("several levels" in n for n in report.notes)
    assert report.unmatched["reason"].tolist() == ["a total, not an area"]


def test_metros_take_the_level_of_a_municipal_table():
    df = pd.DataFrame({"muni": ["Lephalale", "Polokwane", "Johannesburg"]})
    table, report = ddmgeo.read_table(df)
    assert table["level"].tolist() == ["municipality"] * 3
    assert report.level == "municipality" and len(report.missing_areas) == 213 - 3


def test_ambiguous_names_are_reported_with_candidates():
    df = pd.DataFrame({"municipality": ["Emalahleni", "Lephalale", "Emalahleni (MP)", None], "v": ["1", "2", "3", "4"]})
    _, report = ddmgeo.read_table(df)
    assert report.unmatched["line"].tolist() == [0, 3]
    assert report.unmatched["reason"].iloc[0].startswith("ambiguous")
    assert sorted(report.unmatched["suggestions"].iloc[0]) == [
        "Emalahleni (EC136, municipality)",
        "Emalahleni (MP312, municipality)",
    ]
    assert report.unmatched["reason"].iloc[1] == "no area given"
    assert "could be: Emalahleni (EC136, municipality)" in str(report)


def test_a_clean_table_is_ok():
    names = ddmgeo.areas_table("district")["name"].tolist()
    _, report = ddmgeo.read_table(pd.DataFrame({"district": names}))
    assert report.ok and report.matched == 52 and report.missing_areas == [] and report.former_names == []
    assert str(report) == "52 rows: 52 matched, 0 unmatched, 0 duplicates, 0 district areas with no row."


# --------------------------------------------------------------------------- join


def test_join_refuses_duplicated_areas(districts, messy):
    with pytest.raises(TableError) as info:
        ddmgeo.join(districts, messy)
    msg = str(info.value)
    assert "DC36 on lines 4 and 9" in msg and "duplicate" in msg and "groupby" in msg
    assert info.value.report.duplicates["code"].tolist() == ["DC36"]


def test_join_keeps_every_boundary_row_and_reports(districts, clean_csv):
    gdf, report = ddmgeo.join(districts, clean_csv)
    assert len(gdf) == 52 and gdf.crs == districts.crs
    assert gdf["code"].tolist() == districts["code"].tolist() and gdf.index.tolist() == districts.index.tolist()
    assert gdf.columns.tolist() == [*districts.columns, *MESSY[0]]  # level comes from the boundaries: no level column
    assert gdf["Population"].notna().sum() == 6
    assert gdf.set_index("code").loc[["DC15", "DC22", "DC36", "JHB", "DC10", "NMA"], "Population"].tolist() == [
        1457384, 1095865, 745758, 5635127, 479923, 1263051
    ]  # fmt: skip
    assert gdf.set_index("code")["Population"].isna().loc["DC1"]
    assert report.n_rows == 7 and report.matched == 6
    assert report.unmatched["line"].tolist() == [8]
    assert report.unmatched["reason"].tolist() == ["no such area at level 'district'"]
    assert len(report.missing_areas) == 46 and "DC15" not in report.missing_areas and "DC1" in report.missing_areas
    assert report.blank_rows == [7] and report.former_names and report.percent_columns == ["Poverty rate"]


def test_join_strict_raises(districts, clean_csv):
    with pytest.raises(UnmatchedRowsError) as info:
        ddmgeo.join(districts, clean_csv, strict=True)
    assert "Capricon" in str(info.value) and "46 district areas with no row" in str(info.value)
    assert info.value.report.matched == 6
    names = ddmgeo.areas_table("district")["name"].tolist()
    gdf, report = ddmgeo.join(districts, pd.DataFrame({"district": names, "v": range(52)}), strict=True)
    assert report.ok and gdf["v"].notna().all()


def test_join_reports_rows_outside_the_boundaries(districts):
    limpopo = districts[districts["province_code"] == "LIM"]
    table = pd.DataFrame({"code": ["DC36", "DC15", None], "v": [1.0, 2.0, 3.0]})
    gdf, report = ddmgeo.join(limpopo, table)
    assert len(gdf) == 5 and gdf.set_index("code")["v"].to_dict()["DC36"] == 1.0
    assert report.unmatched[["line", "reason"]].values.tolist() == [
        [1, "DC15 is not in the boundaries"],
        [2, "no code"],
    ]
    assert sorted(report.missing_areas) == ["DC33", "DC34", "DC35", "DC47"]


def test_join_with_read_table_output_and_clashing_columns(districts, tmp_path):
    rows = [["District", "name", "v"], ["Waterberg", "north", "1"], ["Vhembe", "far north", "2"]]
    path = _write_csv(tmp_path / "t.csv", rows)
    gdf, report = ddmgeo.join(districts, ddmgeo.read_table(path, level="district"), how="inner")
    assert gdf["code"].tolist() == ["DC34", "DC36"]
    assert gdf["name"].tolist() == ["Vhembe", "Waterberg"] and gdf["name_table"].tolist() == ["far north", "north"]
    assert report.ok and report.encoding == "utf-8"
    with pytest.raises(ValueError, match="'left' or 'inner'"):
        ddmgeo.join(districts, path, how="outer")


# --------------------------------------------------------------------------- package


def test_public_names():
    assert ddmgeo.read_table is ddmgeo.tables.read_table and ddmgeo.join is ddmgeo.tables.join
    assert ddmgeo.JoinReport is ddmgeo.tables.JoinReport
    assert issubclass(ddmgeo.errors.UnmatchedRowsError, ddmgeo.errors.TableError)
    assert issubclass(ddmgeo.errors.TableError, ValueError)
