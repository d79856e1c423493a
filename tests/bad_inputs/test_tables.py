"""Planners' own tables as they really arrive: ddmgeo.read_table and ddmgeo.join."""

from __future__ import annotations

import zipfile

import numpy as np
import pandas as pd
import pytest

import ddmgeo
from ddmgeo.errors import TableError, UnmatchedRowsError

from ._support import HOSTILE, RLO, ZWSP, Case, expect, params

pytestmark = pytest.mark.usefixtures("shared_data")


# --------------------------------------------------------------------------- files that are not what they say


def _zip_csv(path):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("budget.csv", "district,x\nWaterberg,1\n")


def _html(path):
    path.write_text("<!DOCTYPE html><html><head><title>Sign in</title></head><body>Session expired</body></html>")


def _png(path):
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(128))


def _pdf(path):
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n")


def _docx(path):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")


def _cp_mix(path):  # neither UTF-8 nor cp1252: bytes 0x81 and 0x8d are undefined in cp1252
    path.write_bytes(b"district,x\nWaterberg\x81\x8d,1\n")


def _merged_header(path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"], ws["B1"] = "District", "Budget"
    ws.merge_cells("B1:C1")  # 'Budget' over the two years below
    ws.append(["", 2023, 2024])
    ws.append(["Waterberg", 1, 2])
    ws.append(["Capricorn", 3, 4])
    wb.save(path)


def _merged_title(path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "Infrastructure budget by district, 2024/25"
    ws.merge_cells("A1:C1")
    ws.append(["District", "Budget", "Jobs"])
    ws.append(["Waterberg", 1, 2])
    wb.save(path)


def _header_only_xlsx(path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["District", "Budget"])
    data = wb.create_sheet("Data")
    data.append(["District", "Budget"])
    data.sheet_state = "hidden"  # the only visible sheet is read; a second visible one would need sheet=
    wb.save(path)


FILES = [
    Case("zip-named-csv", ("budget.csv", _zip_csv), TableError, (r"budget\.csv is named \.csv but its content looks like a ZIP archive \(holding budget\.csv\); unzip it first",)),
    Case("html-named-xlsx", ("budget.xlsx", _html), TableError, (r"budget\.xlsx is named \.xlsx", r"HTML web page", r"check that the right file was saved or downloaded")),
    Case("png-named-csv", ("budget.csv", _png), TableError, (r"looks like a PNG image",)),
    Case("pdf-named-xlsx", ("budget.xlsx", _pdf), TableError, (r"looks like a PDF document",)),
    Case("docx-named-xlsx", ("budget.xlsx", _docx), TableError, (r"looks like a Word \.docx document",)),
    Case("geojson-to-read-table", ("points.geojson", lambda p: p.write_text('{"type": "FeatureCollection"}')), TableError, (r"Cannot read points\.geojson: read_table reads \.csv",)),
    Case("neither-utf8-nor-cp1252", ("t.csv", _cp_mix), TableError, (r"neither UTF-8 nor Windows-1252", r"offset \d+", r"Save it as 'CSV UTF-8'")),
    Case("empty-file", ("t.csv", lambda p: p.write_text("")), TableError, (r"t\.csv is empty",)),
    Case("blank-lines-only", ("t.csv", lambda p: p.write_text("\n \n,,\n")), TableError, (r"empty|holds no data",)),
    Case("header-only-csv", ("t.csv", lambda p: p.write_text("district,budget\n")), TableError, (r"t\.csv has no data rows: only the header \['district', 'budget'\]", r"Add the rows")),
    Case("header-only-xlsx", ("t.xlsx", _header_only_xlsx), TableError, (r"no data rows", r"read another sheet", r"'Data'")),
    Case(
        "ragged-row-thousands-comma",
        ("t.csv", lambda p: p.write_text("district,budget\nWaterberg,1,234\n")),
        TableError,
        (r"t\.csv, line 2: 3 cells but the header \(line 1\) names 2 columns", r"'234'", r'quote it \("1,234,567"\)'),
    ),
    Case("excel-merged-header", ("t.xlsx", _merged_header), TableError, (r"the header \(line 1\) has merged cells B1:C1", r"Unmerge them", r"one name in a single header row")),
    Case("excel-merged-title-row", ("t.xlsx", _merged_title), TableError, (r"merged cells A1:C1", r"delete any title row")),
]


@pytest.mark.parametrize("case", params(FILES))
def test_file_is_not_what_it_says(case, tmp_path):
    name, make = case.call
    path = tmp_path / name
    make(path)
    expect(Case(case.id, lambda: ddmgeo.read_table(path), case.exc, case.fragments))


def test_missing_file_and_wrong_type():
    with pytest.raises(FileNotFoundError, match="No such file"):
        ddmgeo.read_table("does/not/exist.csv")
    with pytest.raises(TypeError, match="takes a file path or a pandas DataFrame, not int"):
        ddmgeo.read_table(42)


# --------------------------------------------------------------------------- tables whose content is wrong

W3 = ["Waterberg", "Capricorn", "Vhembe"]

CASES = [
    Case("empty-dataframe", lambda: ddmgeo.read_table(pd.DataFrame()), TableError, (r"the DataFrame has no data rows",)),
    Case("no-rows", lambda: ddmgeo.read_table(pd.DataFrame({"district": [], "x": []})), TableError, (r"no data rows: only the header \['district', 'x'\]",)),
    Case("no-area-column", lambda: ddmgeo.read_table(pd.DataFrame({"a": [1, 2], "b": [3, 4]})), TableError, (r"no column names the areas", r"Pass area='column name'", r"'a', 'b'")),
    Case("area-column-missing", lambda: ddmgeo.read_table(pd.DataFrame({"district": W3}), area="municipality"), TableError, (r"has no column 'municipality'; its columns are 'district'",)),
    Case(
        "numbers-as-text-unreadable",
        lambda: ddmgeo.read_table(pd.DataFrame({"district": W3, "budget": ["1 000", "one thousand", "3"]})),
        TableError,
        (r"column 'budget': not numbers: line 1 'one thousand'", r"write a missing value as blank, '-' or 'n/a'", r"numeric=\["),
    ),
    Case("scientific-notation", lambda: ddmgeo.read_table(pd.DataFrame({"district": W3, "x": ["1e300", "5", "6"]})), TableError, (r"not numbers: line 0 '1e300'",)),
    Case(
        "percent-and-fraction-mixed",
        lambda: ddmgeo.read_table(pd.DataFrame({"district": W3[:2], "share": ["12%", "0.5"]})),
        TableError,
        (r"line 0 '12%'", r"line 1 '0\.5'", r"write every value of 'share' with a % sign, or none"),
    ),
    Case(
        "decimal-and-thousands-comma",
        lambda: ddmgeo.read_table(pd.DataFrame({"district": W3, "x": ["1,5", "1,234", "2,25"]})),
        TableError,
        (r"line 1: '1,234' reads as 1234 with a thousands comma but as 1\.234 with a decimal comma", r"numeric=\{'x': ','\}"),
    ),
    Case("numeric-as-string", lambda: ddmgeo.read_table(pd.DataFrame({"district": W3, "x": [1, 2, 3]}), numeric="x"), TypeError, (r"write numeric=\['x'\]",)),
    Case("numeric-unknown-column", lambda: ddmgeo.read_table(pd.DataFrame({"district": W3, "x": [1, 2, 3]}), numeric=["y"]), TableError, (r"numeric= names columns that the DataFrame does not have: \['y'\]",)),
    Case("numeric-bad-separator", lambda: ddmgeo.read_table(pd.DataFrame({"district": W3, "x": ["1", "2", "3"]}), numeric={"x": ";"}), TableError, (r"the decimal separator is ',' or '\.'",)),
    Case("sheet-not-there", lambda: _sheet_missing(), TableError, (r"has no sheet 'Budget'; its sheets are 'Sheet'",)),
    Case(
        "two-area-columns-disagree",
        lambda: _disagree(),
        TableError,
        (r"both name areas but disagree", r"Pass area="),
    ),
]


def _sheet_missing():
    import tempfile
    from pathlib import Path

    import openpyxl

    path = Path(tempfile.mkdtemp()) / "t.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["District"])
    wb.active.append(["Waterberg"])
    wb.save(path)
    return ddmgeo.read_table(path, sheet="Budget")


def _disagree():
    return ddmgeo.read_table(pd.DataFrame({"area": ["Waterberg", "Vhembe", "Mopani"], "name": ["Capricorn", "Vhembe", "Mopani"]}))


@pytest.mark.parametrize("case", params(CASES))
def test_bad_table(case):
    expect(case)


# --------------------------------------------------------------------------- report entries, never silent drops


def test_unknown_ambiguous_and_total_rows_are_reported_with_line_and_suggestion():
    df = pd.DataFrame({"district": ["Waterberg", "Watreberg", "Emalahleni", "Total", None], "x": [1, 2, 3, 4, 5]})
    table, report = ddmgeo.read_table(df)
    assert len(table) == 5 and report.n_rows == 5 and report.matched == 1  # every row kept
    rows = {r.line: r for r in report.unmatched.itertuples()}
    assert rows[1].reason == "no such area" and "Waterberg (DC36, district)" in rows[1].suggestions
    assert rows[2].reason.startswith("ambiguous") and any("MP312" in s for s in rows[2].suggestions)
    assert rows[3].reason == "a total, not an area"
    assert rows[4].reason == "no area given"
    assert not report.ok


def test_municipality_names_in_a_district_table_say_where_they_lie():
    _, report = ddmgeo.read_table(pd.DataFrame({"d": ["Lephalale", "Waterberg"]}), area="d", level="district")
    reason = report.unmatched.set_index("line").at[0, "reason"]
    assert "Lephalale (LIM362, municipality), not a district" in reason and "Waterberg (DC36" in reason


def test_duplicated_areas_are_reported():
    _, report = ddmgeo.read_table(pd.DataFrame({"district": ["Waterberg", "DC36", "Vhembe"], "x": [1, 2, 3]}))
    assert report.duplicates.values.tolist() == [["DC36", [0, 1]]]
    assert not report.ok and "DC36 on lines 0 and 1" in report.summary()


def test_nan_is_not_zero_and_negative_is_kept():
    table, _ = ddmgeo.read_table(pd.DataFrame({"district": W3 + ["Mopani"], "x": ["0", "-", "", "(1 234)"]}))
    values = table["x"].tolist()
    assert values[0] == 0 and np.isnan(values[1]) and np.isnan(values[2]) and values[3] == -1234


@pytest.mark.parametrize(
    "cells, expected",
    [
        pytest.param([str(10**30), "5"], [1e30, 5.0], id="ten-to-the-30-as-text"),
        pytest.param([10**30, 5], [1e30, 5.0], id="ten-to-the-30-as-int"),
        pytest.param([1e300, 5.0], [1e300, 5.0], id="1e300-as-float"),
        pytest.param(["R " + "9" * 20, "5"], [float("9" * 20), 5.0], id="twenty-nines-rand"),
    ],
)
def test_enormous_values_are_read_not_overflowed(cells, expected):
    table, report = ddmgeo.read_table(pd.DataFrame({"district": W3[:2], "x": pd.Series(cells, dtype=object)}))
    assert table["x"].tolist() == expected and table["x"].dtype == "float64"
    assert any("beyond 2**53" in n for n in report.notes)


@pytest.mark.parametrize(
    "name, code",
    [
        pytest.param("Wätérbérg", "DC36", id="accents"),
        pytest.param(f"Capri{ZWSP}corn", "DC35", id="zero-width-space"),
        pytest.param(f"{RLO}Vhembe", "DC34", id="right-to-left-override"),
    ],
)
def test_unicode_names_in_tables(name, code):
    table, report = ddmgeo.read_table(pd.DataFrame({"district": [name, "\U0001f3de", HOSTILE], "x": [1, 2, 3]}))
    assert table["code"].tolist() == [code, None, None]
    assert report.unmatched["value"].tolist() == ["\U0001f3de", HOSTILE]


def test_vertically_merged_area_cells_are_unmatched_rows_not_lost(tmp_path):
    """A district merged down two rows leaves the second row without a name: reported, never dropped."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (["District", "Project", "Budget"], ["Waterberg", "Road", 1], [None, "Clinic", 2], ["Vhembe", "School", 3]):
        ws.append(row)
    ws.merge_cells("A2:A3")
    wb.save(tmp_path / "t.xlsx")
    table, report = ddmgeo.read_table(tmp_path / "t.xlsx")
    assert len(table) == 3 and report.unmatched[["line", "reason"]].values.tolist() == [[3, "no area given"]]


# --------------------------------------------------------------------------- join


@pytest.fixture(scope="module")
def districts():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ddmgeo.districts()


def test_join_duplicate_areas(districts):
    with pytest.raises(TableError) as info:
        ddmgeo.join(districts, pd.DataFrame({"district": ["Waterberg", "DC36"], "x": [1, 2]}))
    assert "DC36 on lines 0 and 1" in str(info.value) and "Aggregate the table first" in str(info.value)
    assert info.value.report is not None and len(info.value.report.duplicates) == 1


def test_join_strict_lists_the_unmatched_row(districts):
    with pytest.raises(UnmatchedRowsError) as info:
        ddmgeo.join(districts, pd.DataFrame({"district": ["Waterberg", "Atlantis"], "x": [1, 2]}), strict=True)
    assert "line 1 'Atlantis': no such area at level 'district'" in str(info.value)


def test_join_code_of_the_2011_vintage_names_its_successor(districts):
    _, report = ddmgeo.join(districts, pd.DataFrame({"code": ["DC36", "EC103"], "x": [1, 2]}))
    reason = report.unmatched.set_index("line").at[1, "reason"]
    assert "EC103 (Ikwezi) is a code of the 2011 demarcation" in reason and "EC101" in reason and "harmonise" in reason


def test_join_code_of_another_level_says_which(districts):
    _, report = ddmgeo.join(districts, pd.DataFrame({"code": ["LIM361", "DC36"], "x": [1, 2]}))
    reason = report.unmatched.set_index("line").at[0, "reason"]
    assert "LIM361 is a municipality code, the boundaries are districts" in reason and "boundaries('municipality')" in reason


def test_join_missing_code_is_reported(districts):
    gdf, report = ddmgeo.join(districts, pd.DataFrame({"code": ["DC36", None], "x": [1, 2]}))
    assert report.unmatched[["line", "reason"]].values.tolist() == [[1, "no code"]] and len(gdf) == 52


def test_join_bad_options(districts):
    with pytest.raises(TableError, match=r"The boundaries have no 'geo' column .* pass on="):
        ddmgeo.join(districts, pd.DataFrame({"code": ["DC36"]}), on="geo")
    with pytest.raises(ValueError, match="how must be 'left' or 'inner', not 'outer'"):
        ddmgeo.join(districts, pd.DataFrame({"code": ["DC36"]}), how="outer")


# --------------------------------------------------------------------------- numbers read exactly, or reported per line

from decimal import Decimal  # noqa: E402


def test_float32_column_is_read_at_its_decimals():
    table, report = ddmgeo.read_table(pd.DataFrame({"district": W3, "x": np.array([0.1, 0.2, 1234.56], dtype="float32")}))
    assert table["x"].dtype == "float64" and table["x"].tolist() == [0.1, 0.2, 1234.56]
    assert any("32-bit floats" in n for n in report.notes)


def test_float32_cells_in_a_text_column_are_read_at_their_decimals():
    table, _ = ddmgeo.read_table(pd.DataFrame({"district": W3, "x": pd.Series([np.float32(0.1), "2,5", "3"], dtype=object)}))
    assert table["x"].tolist() == [0.1, 2.5, 3.0]


@pytest.mark.parametrize(
    "cells, expected",
    [
        pytest.param(["9007199254740993", "1"], [2**53 + 1, 1], id="text-beyond-2-53"),
        pytest.param([2**53 + 1, "1"], [2**53 + 1, 1], id="python-int-beyond-2-53"),
        pytest.param([Decimal("9007199254740993"), "1"], [2**53 + 1, 1], id="decimal-beyond-2-53"),
        pytest.param(["9 223 372 036 854 775 807", "1"], [2**63 - 1, 1], id="int64-max-as-text"),
    ],
)
def test_integers_beyond_2_53_are_exact(cells, expected):
    table, report = ddmgeo.read_table(pd.DataFrame({"district": W3[:2], "x": pd.Series(cells, dtype=object)}))
    assert table["x"].dtype == "int64" and table["x"].tolist() == expected
    assert not any("beyond 2**53" in n for n in report.notes)


@pytest.mark.parametrize(
    "cells",
    [
        pytest.param(pd.Series([Decimal("1.5"), Decimal("NaN"), "3"], dtype=object), id="decimal-nan"),
        pytest.param(pd.Series([Decimal("1.5"), Decimal("sNaN"), "3"], dtype=object), id="decimal-signalling-nan"),
        pytest.param(pd.Series(["1.5", pd.NA, "3"], dtype=object), id="pd-NA-in-text"),
    ],
)
def test_missing_cells_are_missing_values_not_tracebacks(cells):
    table, _ = ddmgeo.read_table(pd.DataFrame({"district": W3, "x": cells}))
    assert table["x"].iloc[0] == 1.5 and np.isnan(table["x"].iloc[1]) and table["x"].iloc[2] == 3.0


def test_nullable_integer_column_with_na_read_as_numbers():
    table, _ = ddmgeo.read_table(pd.DataFrame({"district": W3, "x": pd.array([1, pd.NA, 3], dtype="Int64")}), numeric=["x"])
    assert table["x"].iloc[0] == 1 and np.isnan(table["x"].iloc[1]) and table["x"].iloc[2] == 3


def test_decimal_infinity_is_named():
    with pytest.raises(TableError, match=r"not numbers: line 1 Decimal\('Infinity'\)"):
        ddmgeo.read_table(pd.DataFrame({"district": W3, "x": pd.Series([Decimal("1"), Decimal("Infinity"), "3"], dtype=object)}))


def _formula_workbook(path, *, budget_formula=True):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (["District", "Budget"], ["Waterberg", 100], ["Capricorn", "=B2*2" if budget_formula else 200], ["Vhembe", 5]):
        ws.append(row)
    wb.save(path)  # openpyxl writes formulas without computing them


def test_formula_without_saved_value_is_named_with_its_cell(tmp_path):
    _formula_workbook(tmp_path / "t.xlsx")
    err = expect(
        Case(
            "formula-without-value",
            lambda: ddmgeo.read_table(tmp_path / "t.xlsx"),
            TableError,
            (r"column 'Budget': not numbers: line 3 the formula =B2\*2 in B3 without a saved value", r"open the workbook in Excel or LibreOffice and save it"),
        )
    )
    assert isinstance(err, TableError)


def test_workbook_without_formulas_reads_as_before(tmp_path):
    _formula_workbook(tmp_path / "t.xlsx", budget_formula=False)
    table, _ = ddmgeo.read_table(tmp_path / "t.xlsx")
    assert table["Budget"].tolist() == [100, 200, 5]


def test_formula_in_the_area_column_is_unmatched_not_blank(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (["District", "Budget"], ["Waterberg", 100], ['=A2&""', 5]):
        ws.append(row)
    wb.save(tmp_path / "t.xlsx")
    table, report = ddmgeo.read_table(tmp_path / "t.xlsx")
    assert len(table) == 2 and report.matched == 1 and len(report.unmatched) == 1


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(-(2**63) + 1, 2**63 - 1), min_size=3, max_size=3), st.sampled_from(["", " ", ","]))
def test_whole_numbers_as_text_are_exact_in_int64(values, sep):
    """Whole numbers written as text (with or without thousands separators) come back exactly, beyond 2**53 too."""
    text = [f"{v:,}".replace(",", sep) if sep != "," else f"{v:,}" for v in values]
    table, _ = ddmgeo.read_table(pd.DataFrame({"district": W3, "x": text}), numeric={"x": "."})
    assert table["x"].tolist() == values


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(-99_999_999, 99_999_999), min_size=3, max_size=3))
def test_float32_values_are_their_shortest_decimal(hundredths):
    """A float32 column: every value is the shortest decimal that float32 holds, never its binary expansion."""
    f32 = np.array([h / 100 for h in hundredths], dtype="float32")
    table, _ = ddmgeo.read_table(pd.DataFrame({"district": W3, "x": f32}))
    assert table["x"].tolist() == [float(np.format_float_positional(v, unique=True)) for v in f32]
    assert all(float(np.float32(a)) == float(b) or np.float32(b) == a for a, b in zip(table["x"], f32))
