"""What real sheets bring: workbooks of several (or hidden) sheets, CSV title rows and Excel's ``sep=;`` line,
UTF-16 and Windows-1252 point files, quoted line breaks, need tables keyed by names, shapefile field names.

Each class is tried on every reader that meets it (read_table, budget.spatialise, monitoring.track,
overlays.read_points / count_points and their dask engines, budget.reprioritise, the ``ddm`` commands):
the table is read correctly (with a note saying what was done) or refused with a ddmgeo error that says
what to pass, never read from sheet 1 silently and never a dependency's traceback.
"""

from __future__ import annotations

import codecs
import re
import warnings

import pandas as pd
import pytest
from typer.testing import CliRunner

import ddmgeo
from ddmgeo import budget, monitoring
from ddmgeo import overlays as ov
from ddmgeo.budget import BudgetError
from ddmgeo.cli import app
from ddmgeo.errors import DDMGeoWarning, TableError

from ._support import Case, expect, params

pytestmark = pytest.mark.usefixtures("shared_data")
openpyxl = pytest.importorskip("openpyxl")

POINTS = [["name", "lon", "lat", "beds"], ["Polokwane", 29.45, -23.90, 10], ["Cape Town", 18.42, -33.92, 20], ["Nowhere", 0.0, 0.0, 5]]
PROJECTS = [["District", "Amount"], ["Waterberg", 100], ["Vhembe", 250]]
TARGETS = [["District", "Indicator", "Target", "Target year", "Baseline year"], ["Waterberg", "population", 800000, 2021, 2011]]


def _book(path, sheets: dict, hidden=()):
    """A workbook with one sheet per (name -> rows), in order; the names in *hidden* are hidden."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
        if name in hidden:
            ws.sheet_state = "hidden"
    wb.save(path)
    return path


def _csv(path, text: str, encoding: str = "utf-8", bom: bytes = b""):
    path.write_bytes(bom + text.encode(encoding))
    return path


def _text(rows) -> str:
    return "".join(",".join(map(str, r)) + "\n" for r in rows)


# --------------------------------------------------------------------------- 1. workbooks: several visible sheets, hidden sheets

SEVERAL = r"has 2 visible sheets \('Notes', 'Data'\).*pass sheet= with the one to read, e.g. sheet='Notes'"


def _several(tmp, rows):
    return _book(tmp / "book.xlsx", {"Notes": [["read me"], ["Data are on the next sheet"]], "Data": rows})


WORKBOOK_CASES = [
    Case("read-table-several-visible", lambda tmp: ddmgeo.read_table(_several(tmp, PROJECTS)), TableError, (SEVERAL,)),
    Case("spatialise-several-visible", lambda tmp: budget.spatialise(_several(tmp, PROJECTS), amount="Amount"), TableError, (SEVERAL,)),
    Case("track-several-visible", lambda tmp: monitoring.track(_several(tmp, TARGETS), latest=2016), TableError, (SEVERAL,)),
    Case("read-points-several-visible", lambda tmp: ov.read_points(_several(tmp, POINTS)), TableError, (SEVERAL,)),
    Case("count-points-several-visible", lambda tmp: ov.count_points(_several(tmp, POINTS)), TableError, (SEVERAL,)),
    Case(
        "reprioritise-need-several-visible",
        lambda tmp: budget.reprioritise(budget.spatialise(pd.DataFrame({"district": ["Waterberg"], "x": [1]}), amount="x"), _several(tmp, [["District", "need"], ["Waterberg", 0.5]])),
        TableError,
        (SEVERAL,),
    ),
    Case(
        "unknown-sheet-lists-hidden",
        lambda tmp: ddmgeo.read_table(_book(tmp / "h.xlsx", {"Old": PROJECTS, "Data": PROJECTS}, hidden=("Old",)), sheet="2024"),
        TableError,
        (r"has no sheet '2024'; its sheets are 'Old', 'Data' \(hidden: 'Old'\)",),
    ),
    Case("sheet-on-a-csv", lambda tmp: ddmgeo.read_table(_csv(tmp / "t.csv", _text(PROJECTS)), sheet="Data"), TableError, (r"t\.csv is a text file, not a workbook.*Leave sheet= \(--sheet\) out",)),
    Case("sheet-on-a-dataframe-spatialise", lambda tmp: budget.spatialise(pd.DataFrame({"district": ["Waterberg"], "x": [1]}), amount="x", sheet=0), BudgetError, (r"sheet=0 names a sheet of a workbook file, but the projects are a DataFrame",)),
    Case("sheet-on-a-geojson-points", lambda tmp: ov.read_points(_csv(tmp / "p.geojson", '{"type": "FeatureCollection", "features": []}'), sheet=1), TableError, (r"p\.geojson is not a workbook: sheet=1",)),
    Case("sheet-with-dask-engine", lambda tmp: ov.count_points(_csv(tmp / "p.csv", _text(POINTS)), engine="dask", sheet=0), TableError, (r"engine='dask' reads CSV and Parquet files, not workbook sheets",)),
]


@pytest.mark.parametrize("case", params(WORKBOOK_CASES))
def test_workbook_is_never_read_from_sheet_1_silently(case, tmp_path):
    expect(case, tmp_path)


@pytest.mark.parametrize("sheet", ["Data", 1, "1"])
def test_sheet_picks_the_table_in_every_reader(tmp_path, sheet):
    """The same sheet= in every reader gives the known answer: 350 rand in two districts, 2 of 3 points placed."""
    projects = _several(tmp_path, PROJECTS)
    table, report = ddmgeo.read_table(projects, sheet=sheet)
    assert table["code"].tolist() == ["DC36", "DC34"] and report.ok
    result = budget.spatialise(projects, amount="Amount", sheet=sheet)
    result.check()
    assert result.allocated_cents == 35_000 and dict(zip(result.allocations.code.astype(str), result.allocations.amount_cents)) == {"DC36": 10_000, "DC34": 25_000}
    points = _book(tmp_path / "points.xlsx", {"Notes": [["about"]], "Data": POINTS})
    counted = ov.count_points(points, sheet=sheet, weights="beds")
    assert int(counted.n.sum()) == 2 and float(counted.beds.sum()) == 30.0
    assert ov.read_points(points, sheet=sheet)["beds"].dtype.kind in "if"  # numbers stay numbers
    targets = _book(tmp_path / "targets.xlsx", {"Notes": [["about"]], "Data": TARGETS})
    tracked, _ = monitoring.track(targets, latest=2016, sheet=sheet)
    assert tracked["code"].tolist() == ["DC36"]


def test_hidden_first_sheet_reads_the_only_visible_one_and_says_so(tmp_path):
    path = _book(tmp_path / "h.xlsx", {"Lookup": [["District", "Amount"], ["Vhembe", 999]], "Data": PROJECTS}, hidden=("Lookup",))
    table, report = ddmgeo.read_table(path)
    assert table["Amount"].tolist() == [100, 250]  # not the hidden sheet 1
    assert any(re.search(r"read sheet 'Data', the only visible one \(the first sheet is hidden\); hidden: 'Lookup'", n) for n in report.notes), report.notes
    _, report = ddmgeo.read_table(path, sheet=0)
    assert table is not None and "sheet 'Lookup' is hidden in the workbook" in report.notes
    assert budget.spatialise(path, amount="Amount").allocated_cents == 35_000
    points = _book(tmp_path / "p.xlsx", {"Old": [["name", "lon", "lat"], ["x", 28.0, -26.0]], "Points": POINTS}, hidden=("Old",))
    counted = ov.count_points(points)
    assert int(counted.n.sum()) == 2 and "the only visible one" in str(counted.attrs["ddmgeo"]["report"])


runner = CliRunner()


@pytest.mark.parametrize("command", ["spatialise", "points"])
def test_cli_sheet_option(command, tmp_path):
    rows = PROJECTS if command == "spatialise" else POINTS
    book = _several(tmp_path, rows)
    extra = ["--amount", "Amount"] if command == "spatialise" else []
    out = tmp_path / "out.csv"
    res = runner.invoke(app, [command, str(book), *extra, "--out", str(out)])
    assert res.exit_code == 1 and "Traceback" not in res.output, res.output
    assert re.search(r"error: book\.xlsx has 2 visible sheets .*--sheet", res.output), res.output
    assert not out.exists()
    res = runner.invoke(app, [command, str(book), *extra, "--out", str(out), "--sheet", "Data", "--allow-unallocated"] if command == "spatialise" else [command, str(book), "--out", str(out), "--sheet", "1"])
    assert res.exit_code == 0, res.output
    written = pd.read_csv(out)
    assert (written.amount_cents.sum() == 35_000) if command == "spatialise" else (written.n.sum() == 2)


# --------------------------------------------------------------------------- 2. CSV title rows, Excel's sep= line, encodings


TITLE = "Infrastructure budget by district 2024/25\n\n"  # a title with an unquoted comma splits into two cells: see the padded case


@pytest.mark.parametrize(
    "text, note",
    [
        pytest.param(TITLE + _text(PROJECTS), r"title row\(s\) above the header skipped \(line 1 'Infrastructure budget by district 2024/25'\); the header is line 3", id="title-row"),
        pytest.param('"Budget, 2024/25",\n' + _text(PROJECTS), r"title row.*line 1 'Budget, 2024/25'", id="title-row-excel-padded"),
        pytest.param("sep=;\n" + _text(PROJECTS).replace(",", ";"), r"line 1 'sep=;' \(Excel's delimiter line\) names the delimiter ';'", id="excel-sep-line"),
        pytest.param('"sep=,"\n' + TITLE + _text(PROJECTS), r"names the delimiter ','.*|title row", id="sep-line-and-title"),
    ],
)
def test_csv_header_found_below_title_and_sep_line(tmp_path, text, note):
    path = _csv(tmp_path / "budget.csv", text)
    table, report = ddmgeo.read_table(path)
    assert table["code"].tolist() == ["DC36", "DC34"] and table["Amount"].tolist() == [100, 250] and report.ok
    assert any(re.search(note, n) for n in report.notes), report.notes
    assert budget.spatialise(path, amount="Amount").allocated_cents == 35_000


def test_a_one_cell_header_is_not_taken_for_a_title(tmp_path):
    """'district' over rows of numbers is the header of a table with a blank second name, not a title."""
    with pytest.raises(TableError, match=r"line 2: 2 cells but the header \(line 1\) names 1 columns"):
        ddmgeo.read_table(_csv(tmp_path / "t.csv", "district,\nWaterberg,1\n"))
    table, report = ddmgeo.read_table(_csv(tmp_path / "one.csv", "District\nWaterberg\nVhembe\n"))
    assert table["code"].tolist() == ["DC36", "DC34"] and not any("title" in n for n in report.notes)


POINT_TEXT = _text(POINTS)


@pytest.mark.parametrize(
    "name, data, note",
    [
        pytest.param("p.csv", codecs.BOM_UTF16_LE + POINT_TEXT.encode("utf-16-le"), "read as UTF-16", id="utf16-le-bom"),
        pytest.param("p.csv", codecs.BOM_UTF16_BE + POINT_TEXT.encode("utf-16-be"), "read as UTF-16", id="utf16-be-bom"),
        pytest.param("p.csv", ("Clinics 2024\n" + POINT_TEXT.replace("Polokwane", "Polokwane Caf\u00e9")).encode("cp1252"), "Windows-1252", id="cp1252-with-title"),
        pytest.param("p.csv", ("sep=;\n" + POINT_TEXT.replace(",", ";")).encode(), "sep=;", id="sep-line"),
        pytest.param("p.txt", ("Hospitals\n" + POINT_TEXT.replace(",", "\t")).encode(), "title row", id="tab-txt-title"),
    ],
)
def test_point_files_as_they_come(tmp_path, name, data, note):
    path = tmp_path / name
    path.write_bytes(data)
    points = ov.read_points(path)
    assert len(points) == 3 and points.geometry.notna().all() and points["beds"].tolist() == [10, 20, 5]
    assert any(note in n for n in points.attrs["ddmgeo"]["points"]["notes"]), points.attrs["ddmgeo"]["points"]["notes"]
    counted = ov.count_points(path, weights="beds")
    assert int(counted.n.sum()) == 2 and float(counted.beds.sum()) == 30.0
    assert note in str(counted.attrs["ddmgeo"]["report"])
    out = tmp_path / "counts.csv"
    res = runner.invoke(app, ["points", str(path), "--out", str(out)])
    assert res.exit_code == 0 and "Traceback" not in res.output, res.output
    assert pd.read_csv(out).n.sum() == 2


def test_point_names_in_cp1252_are_not_mangled(tmp_path):
    path = _csv(tmp_path / "p.csv", POINT_TEXT.replace("Polokwane", "Polokwane Caf\u00e9"), "cp1252")
    assert ov.read_points(path)["name"].iloc[0] == "Polokwane Caf\u00e9"  # not 'Caf\ufffd'


def test_point_csv_with_duplicated_coordinate_column_is_refused(tmp_path):
    path = _csv(tmp_path / "p.csv", "name,lon,lat,lon\nA,28,-26,29\n")
    with pytest.raises(TableError, match=r"'lon' in columns 2 and 4"):
        ov.read_points(path)


# dask engines: a CSV read in blocks

ROWS = "".join(f"Caf\u00e9 {i},{28 + (i % 5) * 0.1:.2f},-24.0,{i}\n" for i in range(600))
HEADER = "name,lon,lat,amount\n"


def _dask_count(path):
    return int(ov.count_points(path, engine="dask", blocksize=4096).n.sum())


def _dask_cents(path):
    return budget.spatialise(path, amount="amount", engine="dask", blocksize=4096).allocated_cents


@pytest.mark.parametrize("run", [_dask_count, _dask_cents], ids=["count_points", "spatialise"])
@pytest.mark.parametrize(
    "text, encoding",
    [
        pytest.param(HEADER + ROWS, "cp1252", id="cp1252"),
        pytest.param("sep=;\n" + (HEADER + ROWS).replace(",", ";"), "utf-8", id="sep-line"),
        pytest.param("Projects 2024\n" + HEADER + ROWS, "utf-8", id="title-row"),
        pytest.param(HEADER + ROWS, "utf-8-sig", id="utf8-bom"),
        # a quoted value spanning lines in every block, which a split at any line-end byte would cut in two
        pytest.param(HEADER + "".join(f'"Caf\u00e9\n{i}",{28 + (i % 5) * 0.1:.2f},-24.0,{i}\n' for i in range(600)), "utf-8", id="quoted-newlines"),
    ],
)
def test_dask_engines_read_what_the_memory_engine_reads(tmp_path, run, text, encoding):
    pytest.importorskip("dask.dataframe")
    path = _csv(tmp_path / "big.csv", text, encoding)
    memory = int(ov.count_points(path).n.sum()) if run is _dask_count else budget.spatialise(path, amount="amount").allocated_cents
    assert memory == (600 if run is _dask_count else sum(range(600)) * 100)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no dask or pandas warning either
        assert run(path) == memory


DASK_REFUSED = [
    Case("utf16", lambda tmp: (tmp / "big.csv", codecs.BOM_UTF16_LE + (HEADER + ROWS).encode("utf-16-le")), TableError, (r"big\.csv is UTF-16 text: engine='dask'", r"Save it as 'CSV UTF-8'", r"engine='memory'")),
    Case("neither-utf8-nor-cp1252", lambda tmp: (tmp / "big.csv", (HEADER + ROWS).encode() + b"x\x81\x8d,28,-24,1\n"), TableError, (r"neither UTF-8 nor Windows-1252 \(cp1252\) text \(byte 0x81 at offset \d+\)", r"CSV UTF-8")),
]


@pytest.mark.parametrize("run", [_dask_count, _dask_cents], ids=["count_points", "spatialise"])
@pytest.mark.parametrize("case", params(DASK_REFUSED))
def test_dask_engines_refuse_what_blocks_cannot_hold(tmp_path, run, case):
    pytest.importorskip("dask.dataframe")
    path, data = case.call(tmp_path)
    path.write_bytes(data)
    expect(Case(case.id, lambda: run(path), case.exc, case.fragments))


# --------------------------------------------------------------------------- 3. reprioritise: need tables keyed by names, duplicated columns


@pytest.fixture(scope="module")
def spent():
    return budget.spatialise(pd.DataFrame({"district": ["Waterberg", "Vhembe", "Capricorn"], "x": [100, 200, 300]}), amount="x")


BY_CODE = pd.Series({"DC36": 0.5, "DC34": 0.2, "DC35": 0.1}, name="backlog")


@pytest.mark.parametrize(
    "need",
    [
        pytest.param(pd.Series({"Waterberg": 0.5, "Vhembe": 0.2, "Capricorn": 0.1}, name="backlog"), id="series-by-name"),
        pytest.param({"Waterberg DM": 0.5, "vhembe": 0.2, "DC35": 0.1}, id="mapping-mixed"),
        pytest.param(pd.DataFrame({"backlog": [0.5, 0.2, 0.1]}, index=pd.Index(["Waterberg", "Vhembe", "Capricorn"], name="District")), id="frame-indexed-by-name"),
        pytest.param(pd.DataFrame({"District": ["Waterberg", "Vhembe", "Capricorn"], "backlog": ["50%", "20%", "10%"]}), id="frame-percent-text"),
        pytest.param("file", id="csv-file"),
    ],
)
def test_need_by_names_equals_need_by_codes(spent, need, tmp_path):
    if isinstance(need, str):
        need = _csv(tmp_path / "need.csv", "Need by district\n" + _text([["District", "backlog"], ["Waterberg", 0.5], ["Vhembe", 0.2], ["Capricorn", 0.1]]))
    expected = budget.reprioritise(spent, BY_CODE).table
    got = budget.reprioritise(spent, need).table
    pd.testing.assert_frame_equal(got[["code", "need", "need_allocation", "gap"]], expected[["code", "need", "need_allocation", "gap"]])
    assert got.need_allocation.sum() == pytest.approx(600.0)  # the same total (R 600), to the cent


NEED_CASES = [
    Case("duplicated-column-names", lambda s, tmp: budget.reprioritise(s, pd.DataFrame([["Waterberg", 1, 2]], columns=["district", "need", "need"])), TableError, (r"'need' in columns 2 and 3", r"rename the copies")),
    Case("duplicated-column-names-file", lambda s, tmp: budget.reprioritise(s, _csv(tmp / "n.csv", "district,need,need\nWaterberg,1,2\n")), TableError, (r"n\.csv has column names given more than once: 'need' in columns 2 and 3", r"header on line 1")),
    Case("unknown-name", lambda s, tmp: budget.reprioritise(s, pd.Series({"Atlantis": 1.0, "Waterberg": 2.0})), BudgetError, (r"cannot all be matched to district areas", r"'Atlantis': no such area", r"never dropped")),
    Case("area-given-twice", lambda s, tmp: budget.reprioritise(s, pd.Series({"Waterberg": 1.0, "DC36": 2.0})), BudgetError, (r"DC36 given on lines 0, 1",)),
    Case("several-number-columns", lambda s, tmp: budget.reprioritise(s, pd.DataFrame({"d": ["Waterberg"], "a": [1], "b": [2]})), BudgetError, (r"its number columns are \['a', 'b'\]: pass column='<need column>'",)),
    Case("unknown-need-column", lambda s, tmp: budget.reprioritise(s, pd.DataFrame({"d": ["Waterberg"], "a": [1]}), column="b"), BudgetError, (r"no column 'b'",)),
    Case("need-text", lambda s, tmp: budget.reprioritise(s, pd.DataFrame({"d": ["Waterberg"], "a": ["high"]}), column="a"), BudgetError, (r"The need column 'a' holds values that are not numbers \(\['high'\]\)",)),
    Case("column-with-indicator", lambda s, tmp: budget.reprioritise(s, "piped_water_share", column="x"), BudgetError, (r"column= and sheet= apply to a need table or file, not to the indicator",)),
    Case("need-wrong-type", lambda s, tmp: budget.reprioritise(s, 3), TypeError, (r"need must be an indicator id, a Series or mapping",)),
]


@pytest.mark.parametrize("case", params(NEED_CASES))
def test_need_table_problems(spent, case, tmp_path):
    expect(case, spent, tmp_path)


def test_need_column_chosen(spent):
    table = pd.DataFrame({"District": ["Waterberg", "Vhembe", "Capricorn"], "other": [9, 9, 9], "backlog": [0.5, 0.2, 0.1]})
    rp = budget.reprioritise(spent, table, column="backlog")
    assert rp.need_label == "backlog" and rp.table.set_index("code").need.dropna().to_dict() == BY_CODE.to_dict()


# --------------------------------------------------------------------------- 4. shapefile field names


def test_shapefile_export_says_once_which_fields_were_renamed(tmp_path):
    pyogrio = pytest.importorskip("pyogrio")
    gdf = ddmgeo.districts().head(3)[["code", "province_code", "district_code", "geometry"]].copy()
    gdf["province_code_long"] = 1
    from ddmgeo.io import _write_vector

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _write_vector(gdf, tmp_path / "d.shp")
    assert [w.category for w in caught] == [DDMGeoWarning], [str(w.message) for w in caught]
    text = str(caught[0].message)
    assert "3 field(s) were renamed: 'province_code' -> 'province_c'; 'district_code' -> 'district_c'; 'province_code_long' -> 'province_1'" in text
    assert "Write .gpkg or .parquet" in text
    assert list(pyogrio.read_info(tmp_path / "d.shp")["fields"]) == ["code", "province_c", "district_c", "province_1"]


def test_short_field_names_write_without_a_note(tmp_path):
    gdf = ddmgeo.districts().head(2)[["code", "name", "geometry"]]
    from ddmgeo.io import _write_vector

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _write_vector(gdf, tmp_path / "d.shp")


@pytest.mark.filterwarnings("default::ddmgeo.errors.DDMGeoWarning")  # the CLI shows the note as a warning line
def test_cli_shapefile_note(tmp_path):
    res = runner.invoke(app, ["districts", "--out", str(tmp_path / "d.shp")])
    assert res.exit_code == 0, res.output
    notes = [line for line in res.output.splitlines() if line.startswith("warning:")]
    assert len(notes) == 1 and "'official_name' -> 'official_n'" in notes[0] and "RuntimeWarning" not in res.output, res.output
