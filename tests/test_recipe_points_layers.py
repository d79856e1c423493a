"""The points and layers recipes on tiny synthetic inputs (no real data needed)."""

from __future__ import annotations

import csv
import json
import math
import sys
from pathlib import Path

import pytest

from ddmgeo._recipes import layers, points
from ddmgeo.errors import MissingDependencyError


def _read_csv(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


# --------------------------------------------------------------------------- Natural Earth


def _feature(name: str, geometry: dict | None) -> dict:
    return {"type": "Feature", "properties": {"name": name, "rank": 1, "min_zoom": 4.0}, "geometry": geometry}


def _point(lon: float, lat: float) -> dict:
    return {"type": "Point", "coordinates": [lon, lat]}


def _triangle(lon: float, lat: float) -> dict:
    ring = [[lon, lat], [lon + 0.5, lat], [lon + 0.5, lat + 0.5], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


FEATURES = [
    _feature("Maputo", _point(32.58, -25.96)),  # inside
    _feature("Lisbon", _point(-9.14, 38.72)),  # outside
    _feature("no geometry", None),  # dropped, not an error
    _feature("Orange", {"type": "LineString", "coordinates": [[10.0, -28.6], [20.0, -28.6]]}),  # crosses the edge
    _feature("Edge", _point(33.0, -22.0)),  # on the corner: intersects
    _feature("Ōmaruru", _triangle(15.0, -21.0)),  # outside, just north-west of the box
    _feature("Kaapstad – Kapstadt", _triangle(18.0, -34.0)),  # inside, non-ASCII name
]


def _upstream_geojson(path: Path) -> Path:
    """A world file in the GDAL layout of the upstream files (spaces inside brackets, long decimals)."""
    body = ",\n".join(json.dumps(f, ensure_ascii=False).replace("[", "[ ") for f in FEATURES)
    path.write_text('{\n"type": "FeatureCollection",\n"features": [\n' + body + "\n]\n}\n", encoding="utf-8")
    return path


def _kept_names(out: Path) -> list[str]:
    return [f["properties"]["name"] for f in json.loads(out.read_text(encoding="utf-8"))["features"]]


def test_natural_earth_keeps_the_features_that_touch_the_box_in_order(tmp_path):
    out = tmp_path / "za.geojson"
    layers.natural_earth_za({"ne_world": _upstream_geojson(tmp_path / "world.json")}, out)
    assert _kept_names(out) == ["Maputo", "Orange", "Edge", "Kaapstad – Kapstadt"]
    kept = json.loads(out.read_text(encoding="utf-8"))["features"]
    assert kept[1] == FEATURES[3]  # the line is kept whole, not clipped at the box


def test_natural_earth_writes_one_feature_per_line_without_escaping(tmp_path):
    out = tmp_path / "za.geojson"
    layers.natural_earth_za({"ne_world": _upstream_geojson(tmp_path / "world.json")}, out)
    keep = [FEATURES[i] for i in (0, 3, 4, 6)]
    expected = '{\n"type": "FeatureCollection",\n"features": [\n'
    expected += ",\n".join(json.dumps(f, ensure_ascii=False) for f in keep) + "\n]\n}\n"
    assert out.read_bytes() == expected.encode("utf-8")
    assert "Kaapstad – Kapstadt" in out.read_text(encoding="utf-8")


def test_natural_earth_coordinates_are_the_same_doubles_in_shortest_form(tmp_path):
    src = tmp_path / "world.json"
    src.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, '
        '"geometry": {"type": "Point", "coordinates": [ 28.045000000000001, -26.204999999999998 ]}}]}',
        encoding="utf-8",
    )
    out = tmp_path / "za.geojson"
    layers.natural_earth_za({"x": src}, out)
    assert '"coordinates": [28.045, -26.205]' in out.read_text(encoding="utf-8")


def test_natural_earth_with_nothing_in_the_box_is_still_a_feature_collection(tmp_path):
    src = tmp_path / "world.json"
    src.write_text(json.dumps({"type": "FeatureCollection", "features": [FEATURES[1]]}), encoding="utf-8")
    out = tmp_path / "za.geojson"
    layers.natural_earth_za({"x": src}, out)
    assert json.loads(out.read_text(encoding="utf-8")) == {"type": "FeatureCollection", "features": []}


def test_natural_earth_reads_the_json_member_of_a_7z_archive(tmp_path):
    py7zr = pytest.importorskip("py7zr")
    world = _upstream_geojson(tmp_path / "ne_10m_world.json")
    archive = tmp_path / "ne_10m_world.7z"
    with py7zr.SevenZipFile(archive, "w") as z:
        z.write(world, arcname=world.name)
    from_json, from_7z = tmp_path / "a.geojson", tmp_path / "b.geojson"
    layers.natural_earth_za({"plain": world}, from_json)
    layers.natural_earth_za({"archived": archive}, from_7z)
    assert from_7z.read_bytes() == from_json.read_bytes()


def test_natural_earth_without_py7zr_says_how_to_install_it(tmp_path, monkeypatch):
    archive = tmp_path / "x.7z"
    archive.write_bytes(b"7z\xbc\xaf\x27\x1c" + b"\0" * 26)
    monkeypatch.setitem(sys.modules, "py7zr", None)
    with pytest.raises(MissingDependencyError, match=r'pip install "ddmgeo\[build\]"'):
        layers.natural_earth_za({"x": archive}, tmp_path / "out.geojson")


def test_natural_earth_takes_exactly_one_input(tmp_path):
    with pytest.raises(ValueError, match="exactly one input"):
        layers.natural_earth_za({}, tmp_path / "out.geojson")


# --------------------------------------------------------------------------- GeoNames


def _geonames_line(gid: int, name: str, lat: str, lon: str, alt: str = "", admin2: str = "") -> str:
    fields = [str(gid), name, name, alt, lat, lon, "P", "PPL", "ZA", "", "06", admin2, "", "", "20756", "", "1073",
              "Africa/Johannesburg", "2012-01-18"]
    assert len(fields) == 19
    return "\t".join(fields) + "\n"


def test_geonames_keeps_the_rows_in_the_box_unchanged(tmp_path):
    src = tmp_path / "cities15000.txt"
    src.write_text(
        _geonames_line(1, "Soweto", "-26.26781", "27.85849", alt="Soweto,Соуэто", admin2="JHB")
        + _geonames_line(2, "Paris", "48.85341", "2.3488")
        + _geonames_line(3, "Corner", "-35.0", "33.0")  # both edges included
        + _geonames_line(4, "Just south", "-35.00001", "20.0")
        + _geonames_line(5, "Windhoek", "-22.55941", "17.08323", admin2="021"),
        encoding="utf-8",
    )
    out = tmp_path / "za.csv"
    layers.geonames_za({"cities15000.txt": src}, out)
    rows = _read_csv(out)
    assert rows[0] == list(layers.GEONAMES_COLUMNS) and len(rows[0]) == 19
    assert [r[1] for r in rows[1:]] == ["Soweto", "Corner", "Windhoek"]
    assert rows[1][3] == "Soweto,Соуэто" and rows[1][11] == "JHB"
    assert rows[3][11] == "021"  # codes stay text
    raw = out.read_bytes()
    assert raw.count(b"\r\n") == 4 and b'"Soweto,\xd0\xa1' in raw  # csv defaults: CRLF, minimal quoting, UTF-8


def test_geonames_rejects_a_short_line(tmp_path):
    src = tmp_path / "cities15000.txt"
    src.write_text("1\tBroken\t-26\t28\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 1: 4 fields"):
        layers.geonames_za({"cities15000.txt": src}, tmp_path / "za.csv")


# --------------------------------------------------------------------------- Budget Review projects

UPSTREAM_COLUMNS = [
    "administration_type", "government_institution", "sector", "project_name", "project_description", "gps_code",
    "nature_of_investment", "infrastructure_type", "current_project_stage", "sip_category", "total_project_cost",
    "br_featured", "featured", "financial_year", "budget_phase", "amount_rands", "project_slug",
]


def _project_rows(slug: str, gps: str, amounts: dict[tuple[str, str], str]) -> list[dict[str, str]]:
    base = {c: f"{c} of {slug}" for c in UPSTREAM_COLUMNS}
    base.update(gps_code=gps, total_project_cost="1000", featured="TRUE", project_slug=slug)
    return [
        {**base, "financial_year": y, "budget_phase": p, "amount_rands": a, "br_featured": ""}
        for (y, p), a in amounts.items()
    ]


def test_budget_review_projects_pivots_amounts_and_parses_lat_lon(tmp_path):
    src = tmp_path / "infrastructure.csv"
    dam = {("2018", "Adjusted Appropriation"): "5", ("2015", "Audited Outcome"): "7"}
    rows = _project_rows("b-dam", "-30.4759, 30.2030", dam)
    rows += _project_rows("a-schools", "various", {("2015", "Audited Outcome"): "1", ("2019", "MTEF"): "2"})
    rows += _project_rows("c-road", "-33.5,21.6", {("2019", "MTEF"): "0"})
    with open(src, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, UPSTREAM_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    out = tmp_path / "projects.csv"
    points.budget_review_projects({"vulekamali_infrastructure_2019_20": src}, out)
    got = _read_csv(out)
    amounts = ["amount_fy2015_audited_outcome", "amount_fy2018_adjusted_appropriation", "amount_fy2019_mtef"]
    assert got[0] == ["project_slug", *points.PROJECT_ATTRIBUTES, "lon", "lat", *amounts]
    table = [dict(zip(got[0], r)) for r in got[1:]]
    assert [r["project_slug"] for r in table] == ["b-dam", "a-schools", "c-road"]  # first appearance
    assert (table[0]["lon"], table[0]["lat"]) == ("30.203", "-30.4759")  # upstream is lat, lon
    assert (table[1]["lon"], table[1]["lat"]) == ("", "")
    assert (table[2]["lon"], table[2]["lat"]) == ("21.6", "-33.5")
    assert [table[0][a] for a in amounts] == ["7", "5", ""]
    assert [table[1][a] for a in amounts] == ["1", "", "2"]
    assert table[0]["total_project_cost"] == "1000" and "featured" not in got[0]
    assert b"\r" not in out.read_bytes()


def test_budget_review_projects_refuses_two_amounts_for_one_year(tmp_path):
    src = tmp_path / "infrastructure.csv"
    rows = _project_rows("x", "Not specified", {("2015", "Audited Outcome"): "1"}) * 2
    with open(src, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, UPSTREAM_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(ValueError, match="two rows for amount_fy2015_audited_outcome"):
        points.budget_review_projects({"v": src}, tmp_path / "out.csv")


# --------------------------------------------------------------------------- DBE schools

SHEET_HEADER = [
    "NatEmis", "DataYear", "ProvinceCD", "Province", "Institution_Name", "Status", "Sector", "Type_DoE", "Phase",
    "Specialization", "OwnerLand", "GIS_Longitude", "GIS_Latitude", "GISSource", "DMunName", "LMunName", "Ward_ID",
    "EIDistrict", "Telephone", "E_Mail", "Quintile", "NoFeeSchool", "Urban_Rural", "Educator_Number 2017",
    "Learner_Number 2017",
]


def _school(emis: str, name: str, lon, lat, educators, learners, province: str = "WC", ward="10206007") -> list:
    return [emis, 2017, 1, province, name, "OPEN", "PUBLIC", "ORDINARY SCHOOL", "PRIMARY SCHOOL", ".", "STATE",
            lon, lat, "NEIMS 2007", "CAPE WINELANDS", "LANGEBERG", ward, "CAPE WINELANDS", "0215722970",
            "school@example.org", "1", "YES", "RURAL", educators, learners]


def _workbook(path: Path, rows: list[list], sheet: str = "WC") -> Path:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(SHEET_HEADER)
    for row in rows:
        ws.append(row)
    book.create_sheet("notes").append(["ignored"])
    book.save(path)
    return path


def test_dbe_schools_concatenates_sheets_in_name_order_and_converts(tmp_path):
    wc = _workbook(tmp_path / "WesternCape.xlsx", [
        _school("127337447", "A.F. KRIEL, VGK PRIM.", "20.193621", "-33.812546", 5, 55),
        [None] * len(SHEET_HEADER),  # an empty row is no school
        _school("136477621", "NO COORDINATES", ".", ".", ".", 216.0, ward=10102006.0),
    ])
    nw_school = _school("600100383", "Ga-iserael", 27.341167, -26.642333, None, 17, "NW")
    nc_school = _school("300042222", "WESTERKIM", "21.2004", "-28.4539", 51, 1519, "NC")
    nw = _workbook(tmp_path / "NorthWest.xlsx", [nw_school], "NW")
    nc = _workbook(tmp_path / "NorthernCape.xlsx", [nc_school], "NC")
    out = tmp_path / "schools.csv"
    inputs = {"data_raw/WesternCape.xlsx": wc, "data_raw/NorthernCape.xlsx": nc, "data_raw/NorthWest.xlsx": nw}
    points.dbe_schools(inputs, out)
    rows = _read_csv(out)
    assert rows[0] == list(points.SCHOOL_COLUMNS.values())
    table = [dict(zip(rows[0], r)) for r in rows[1:]]
    # byte order of the names: NorthWest before NorthernCape before WesternCape
    assert [r["NatEmis"] for r in table] == ["600100383", "300042222", "127337447", "136477621"]
    first, wc1, wc2 = table[0], table[2], table[3]
    numbers = ("lon", "lat", "educators_2017", "learners_2017")
    assert [first[c] for c in numbers] == ["27.341167", "-26.642333", "", "17.0"]
    assert (wc1["lon"], wc1["educators_2017"], wc1["learners_2017"]) == ("20.193621", "5.0", "55.0")
    assert wc1["Institution_Name"] == "A.F. KRIEL, VGK PRIM." and wc1["DataYear"] == "2017" and wc1["ProvinceCD"] == "1"
    assert (wc2["lon"], wc2["lat"], wc2["educators_2017"], wc2["Specialization"]) == ("", "", "", "")  # '.' -> empty
    assert wc2["Ward_ID"] == "10102006"  # a whole float cell reads as its integer text
    assert not {"OwnerLand", "Telephone", "E_Mail"} & set(rows[0])
    assert b'"A.F. KRIEL, VGK PRIM."' in out.read_bytes() and b"\r" not in out.read_bytes()


def test_dbe_schools_names_a_missing_column(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.append(["NatEmis", "DataYear"])
    book.save(tmp_path / "Gauteng.xlsx")
    with pytest.raises(ValueError, match="Gauteng.xlsx: sheet 1 lacks"):
        points.dbe_schools({"data_raw/Gauteng.xlsx": tmp_path / "Gauteng.xlsx"}, tmp_path / "out.csv")


def test_dbe_schools_without_openpyxl_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    with pytest.raises(MissingDependencyError, match=r'pip install "ddmgeo\[build\]"'):
        points.dbe_schools({"data_raw/Gauteng.xlsx": tmp_path / "Gauteng.xlsx"}, tmp_path / "out.csv")


# --------------------------------------------------------------------------- WHO-KEMRI


def test_who_kemri_keeps_south_africa_and_every_column(tmp_path):
    rdata = pytest.importorskip("rdata")
    pd = pytest.importorskip("pandas")
    text = pd.StringDtype("python")
    frame = pd.DataFrame({
        "Country": pd.array(["Angola", "South Africa", "South Africa", "Zambia"], dtype=text),
        "Admin1": pd.array(["Bengo", "Eastern Cape", "Gauteng", "Lusaka"], dtype=text),
        "Facility name": pd.array(["A", "Aberdeen Hospital", "Clinic, Ext 2", "Z"], dtype=text),
        "Lat": [-8.5, -32.4862, math.nan, -15.4],
        "Long": [13.2, 24.06093, math.nan, 28.3],
        "LL source": pd.array(["GPS", "GPS", None, "GPS"], dtype=text),
        "Tier": [3.0, 3.0, 2.0, 1.0],
    }, index=pd.RangeIndex(1, 5))
    src = tmp_path / "df_who_sites.rda"
    try:
        rdata.write_rda(src, {"df_who_sites": frame})
    except Exception as exc:  # writing is not what is tested; old/new rdata may not write this frame
        pytest.skip(f"this rdata cannot write the fixture: {exc!r}")
    out = tmp_path / "who.csv"
    points.who_kemri({"data/df_who_sites.rda": src}, out)
    assert out.read_text(encoding="utf-8") == (
        "Country,Admin1,Facility name,Lat,Long,LL source,Tier\n"
        "South Africa,Eastern Cape,Aberdeen Hospital,-32.4862,24.06093,GPS,3.0\n"
        'South Africa,Gauteng,"Clinic, Ext 2",,,,2.0\n'
    )


def test_who_kemri_cells_are_written_like_pandas_to_csv():
    pd = pytest.importorskip("pandas")
    np = pytest.importorskip("numpy")
    cells = [None, pd.NA, math.nan, np.float64(3.0), -32.4862, "GPS", np.int64(7)]
    assert [points._r_cell(v) for v in cells] == ["", "", "", "3.0", "-32.4862", "GPS", "7"]


def test_who_kemri_without_rdata_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "rdata", None)
    with pytest.raises(MissingDependencyError, match=r'pip install "ddmgeo\[build\]"'):
        points.who_kemri({"data/df_who_sites.rda": tmp_path / "x.rda"}, tmp_path / "out.csv")


def test_recipes_take_exactly_one_input_where_they_need_one(tmp_path):
    for recipe in (points.budget_review_projects, points.who_kemri, layers.geonames_za):
        with pytest.raises(ValueError, match="exactly one input"):
            recipe({"a": tmp_path / "a", "b": tmp_path / "b"}, tmp_path / "out")


def test_numbers_are_written_as_float_repr():
    assert [points._number(t) for t in ("30.2030", "35", " -26.1 ", "", ".", "NOT APPLICABLE", "nan", "inf")] == [
        "30.203", "35.0", "-26.1", "", "", "", "", "",
    ]

