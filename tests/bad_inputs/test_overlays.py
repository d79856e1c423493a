"""Points, areas, lines and rasters that are not what they claim: ddmgeo.overlays.

Rasters are tiny GeoTIFFs written with rasterio in tmp_path: without a CRS, without nodata, with
NaN, enormous values, or a PNG under a .tif name.
"""

from __future__ import annotations

import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, Polygon

from ddmgeo import overlays as ov
from ddmgeo.errors import CRSError, DDMGeoWarning, TableError, VintageError

from ._support import Case, expect, params

pytestmark = pytest.mark.usefixtures("shared_data")

SQUARE = Polygon([(27.5, -23.5), (28.5, -23.5), (28.5, -24.5), (27.5, -24.5)])
PT = pd.DataFrame({"lon": [28.0], "lat": [-25.0]})


def _areas(geoms, codes=None, crs=4326):
    return gpd.GeoDataFrame({"code": codes or [chr(65 + i) for i in range(len(geoms))]}, geometry=geoms, crs=crs)


def _tif(path, data, *, crs="EPSG:4326", nodata=None):
    import rasterio
    from affine import Affine

    transform = Affine(0.2, 0.0, 27.0, 0.0, -0.2, -23.0)  # 0.2 degree cells from (27 E, 23 S)
    with rasterio.open(path, "w", driver="GTiff", height=data.shape[0], width=data.shape[1], count=1, dtype=data.dtype, crs=crs, nodata=nodata, transform=transform) as dst:
        dst.write(data, 1)
    return path


def _ones(dtype="float32"):
    return np.ones((10, 10), dtype)


def _png(path):
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(128))
    return path


def _zip_csv(path):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("points.csv", "lon,lat\n28,-25\n")
    return path


def _html(path):
    path.write_text("<!DOCTYPE html><html><body>Access denied</body></html>")
    return path


_OVERLAYS = "overlays/ (not editable here)"

CASES = [
    Case("points-no-longitude-column", lambda tmp: ov.read_points(pd.DataFrame({"a": [1], "b": [2]})), TableError, (r"Found no longitude column among \['a', 'b'\]: name it lon='\.\.\.'",)),
    Case("points-two-longitude-columns", lambda tmp: ov.read_points(pd.DataFrame({"lon": [1], "longitude": [1], "lat": [2]})), TableError, (r"Several columns could hold the longitude: \['lon', 'longitude'\]; choose one with lon=",)),
    Case("points-lon-equals-lat", lambda tmp: ov.read_points(pd.DataFrame({"c": [1]}), lon="c", lat="c"), TableError, (r"same \('c'\): name both",)),
    Case("points-lon-option-not-a-column", lambda tmp: ov.read_points(PT, lon="x_coord"), TableError, (r"lon='x_coord' is not a column",)),
    Case("points-no-crs", lambda tmp: ov.read_points(gpd.GeoDataFrame(geometry=[Point(28, -25)])), CRSError, (r"The points have no CRS", r"set_crs\('EPSG:4326'\)")),
    Case("points-crs-contradicts", lambda tmp: ov.read_points(gpd.GeoDataFrame(geometry=[Point(28, -25)], crs=4326), crs=3857), CRSError, (r"crs=3857 contradicts the GeoDataFrame's own CRS EPSG:4326",)),
    Case("points-are-lines", lambda tmp: ov.count_points(gpd.GeoDataFrame(geometry=[LineString([(28, -25), (29, -26)])], crs=4326)), TableError, (r"are \['LineString'\], not points: for lines use line_length", r"representative_point")),
    Case("points-missing-file", lambda tmp: ov.read_points(tmp / "nope.csv"), FileNotFoundError, (r"neither a file nor a registered dataset",)),
    Case("points-not-a-table", lambda tmp: ov.read_points([(28, -25)]), TypeError, (r"Points must be a GeoDataFrame, a DataFrame with lon/lat columns",)),
    Case("weights-text", lambda tmp: ov.count_points(PT.assign(w=["lots"]), weights="w"), TableError, (r"Weight column 'w' holds values that are not numbers \(\['lots'\]\)",)),
    Case("weights-missing", lambda tmp: ov.count_points(PT, weights="beds"), TableError, (r"Column 'beds' is not in the points",)),
    Case("weight-and-by-same", lambda tmp: ov.count_points(PT.assign(w=[1]), weights="w", by="w"), TableError, (r"cannot be both a weight and the by= category",)),
    Case("level-unknown", lambda tmp: ov.assign_points(PT, level="county"), VintageError, (r"Unknown level 'county'",)),
    Case("areas-no-code", lambda tmp: ov.count_points(PT, areas=gpd.GeoDataFrame(geometry=[SQUARE], crs=4326)), TableError, (r"areas= needs a 'code' column",)),
    Case("areas-duplicate-codes", lambda tmp: ov.count_points(PT, areas=_areas([SQUARE, SQUARE], ["A", "A"])), TableError, (r"areas= has codes \['A'\] more than once: dissolve them first",)),
    Case("areas-no-crs", lambda tmp: ov.count_points(PT, areas=_areas([SQUARE], crs=None)), CRSError, (r"areas= has no CRS",)),
    Case("areas-are-points", lambda tmp: ov.count_points(PT, areas=_areas([Point(28, -25)])), TableError, (r"areas= must hold polygons",)),
    Case("areas-missing-geometry", lambda tmp: ov.count_points(PT, areas=_areas([None, SQUARE])), TableError, (r"areas= must hold polygons",)),
    Case("raster-no-crs", lambda tmp: ov.zonal_stats(_tif(tmp / "r.tif", _ones(), crs=None)), CRSError, (r"has no CRS: assign one \(rasterio or gdal_edit\.py -a_srs EPSG:4326\)",)),
    Case("raster-cells-no-crs", lambda tmp: ov.raster_cells(_tif(tmp / "r.tif", _ones(), crs=None)), CRSError, (r"has no CRS",)),
    Case("density-no-crs", lambda tmp: ov.population_from_density(_tif(tmp / "r.tif", _ones(), crs=None)), CRSError, (r"has no CRS",)),
    Case("raster-band", lambda tmp: ov.zonal_stats(_tif(tmp / "r.tif", _ones(), nodata=-9999), band=2), ValueError, (r"band=2: the raster has bands 1 to 1",)),
    Case("raster-statistic", lambda tmp: ov.zonal_stats(_tif(tmp / "r.tif", _ones(), nodata=-9999), stats=["median"]), ValueError, (r"Unknown statistics \['median'\]",)),
    Case("raster-coverage", lambda tmp: ov.zonal_stats(_tif(tmp / "r.tif", _ones(), nodata=-9999), coverage="touching"), ValueError, (r"coverage='touching': use 'fractional'",)),
    Case("raster-missing", lambda tmp: ov.zonal_stats(tmp / "nope.tif"), FileNotFoundError, (r"neither a raster file nor a registered dataset",)),
    Case("lines-are-points", lambda tmp: ov.line_length(gpd.GeoDataFrame(geometry=[Point(28, -25)], crs=4326)), TableError, (r"1 features are \['Point'\]: line_length measures lines",)),
    Case("lines-no-crs", lambda tmp: ov.line_length(gpd.GeoDataFrame(geometry=[LineString([(28, -25), (29, -26)])])), CRSError, (r"The lines have no CRS",)),
    Case("overlap-points", lambda tmp: ov.overlap(gpd.GeoDataFrame(geometry=[Point(28, -25)], crs=4326)), TableError, (r"overlap measures polygons",)),
    Case("nearest-unknown-targets", lambda tmp: ov.nearest(PT, "hospitals_2030"), FileNotFoundError, (r"'hospitals_2030' is neither a file nor a registered dataset",)),
    Case("density-missing-column", lambda tmp: ov.density(pd.DataFrame({"code": ["DC36"]}), "n"), TableError, (r"Column 'n' is not in the table",)),
    Case("density-unknown-codes", lambda tmp: ov.density(pd.DataFrame({"code": ["XX"], "n": [1]}), "n"), TableError, (r"Codes \['XX'\] are not district 2016 areas",)),
    Case("per-capita-no-code", lambda tmp: ov.per_capita(pd.DataFrame({"x": [1]}), "x"), TableError, (r"needs a 'code' column",)),
    Case("hotspots-duplicate-codes", lambda tmp: ov.hotspots(pd.DataFrame({"code": ["DC36", "DC36"], "x": [1.0, 2.0]}), "x"), TableError, (r"Each area must appear once",)),
    Case("hotspots-too-few", lambda tmp: ov.hotspots(pd.DataFrame({"code": ["DC36"], "x": [1.0]}), "x"), ValueError, (r"hotspots need at least 3 areas with data",)),
    # known failures in overlays/ (not editable by this corpus)
    Case("points-png-named-geojson", lambda tmp: ov.read_points(_png(tmp / "p.geojson")), TableError, (r"PNG",)),
    Case("points-zip-named-csv", lambda tmp: ov.read_points(_zip_csv(tmp / "p.csv")), TableError, (r"ZIP archive",)),
    Case("points-html-named-xlsx", lambda tmp: ov.read_points(_html(tmp / "p.xlsx")), TableError, (r"HTML",)),
    Case("raster-png-named-tif", lambda tmp: ov.zonal_stats(_png(tmp / "r.tif")), TableError, (r"PNG|not a GeoTIFF|not a raster",)),
    Case("areas-empty-polygon", lambda tmp: ov.count_points(PT, areas=_areas([Polygon(), SQUARE])), TableError, (r"empty",)),
    Case("areas-metres-labelled-lonlat", lambda tmp: ov.count_points(PT, areas=_areas([SQUARE]).to_crs(3857).set_crs(4326, allow_override=True)), CRSError, (r"EPSG:4326",)),
    Case("per-capita-unknown-codes", lambda tmp: ov.per_capita(pd.DataFrame({"code": ["XX"], "n": [1]}), "n"), TableError, (r"XX",)),
    Case("hotspots-numbers-as-text", lambda tmp: ov.hotspots(pd.DataFrame({"code": ["DC36", "DC35", "DC34", "DC33"], "x": ["a", "1", "2", "3"]}), "x"), TableError, (r"not numbers",)),
    Case("distance-summary-wrong-table", lambda tmp: ov.distance_summary(pd.DataFrame({"x": [1]})), TableError, (r"nearest",)),
]


@pytest.mark.parametrize("case", params(CASES))
def test_bad_overlay_input(case, tmp_path):
    expect(case, tmp_path)


# --------------------------------------------------------------------------- report entries


def _report(table):
    return table.attrs["ddmgeo"]["report"]


def test_unusable_coordinates_are_listed_with_reasons():
    pts = pd.DataFrame({"lon": ["abc", "28.0", "", "28,5", 2800000.0], "lat": ["-25", None, "-25", "-25,5", -2500000.0]})
    t = ov.count_points(pts)
    report = _report(t)
    reasons = dict(zip(report.no_coordinates["row"], report.no_coordinates["reason"]))
    assert reasons[0] == "longitude 'abc' is not a number" and reasons[1] == "no latitude" and reasons[2] == "no longitude"
    assert "swapped or projected" in reasons[4]
    assert t["n"].sum() == 1 and report.n_points == 5  # '28,5' / '-25,5' (decimal commas) is placed


def test_swapped_and_foreign_points_are_listed_outside():
    pts = pd.DataFrame({"lon": [-25.0, 2.35, 28.0], "lat": [28.0, 48.85, -25.0]})
    t = ov.count_points(pts)
    report = _report(t)
    assert report.outside["row"].tolist() == [0, 1] and report.n_assigned == 1 and t["n"].sum() == 1
    assert "outside every area" in str(report)


def test_empty_and_missing_point_geometries_are_listed():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = ov.count_points(gpd.GeoDataFrame(geometry=[Point(), None, Point(28, -25)], crs=4326))
    assert _report(t).no_coordinates["reason"].tolist() == ["empty or missing geometry"] * 2 and t["n"].sum() == 1


def test_no_points_gives_every_area_zero():
    t = ov.count_points(pd.DataFrame({"lon": [], "lat": []}))
    assert len(t) == 52 and (t["n"] == 0).all() and _report(t).n_points == 0


@pytest.mark.parametrize(
    "nodata, cell, expected_sum, expected_count",
    [
        pytest.param(-9999, -9999, 24.0, 24.0, id="declared-nodata"),
        pytest.param(None, np.nan, 24.0, 24.0, id="nan-without-nodata"),
        pytest.param(-9999, np.nan, 24.0, 24.0, id="nan-with-nodata"),
    ],
)
def test_raster_invalid_cells_are_not_summed(tmp_path, nodata, cell, expected_sum, expected_count):
    data = _ones()
    data[3, 3] = cell
    t = ov.zonal_stats(_tif(tmp_path / "r.tif", data, nodata=nodata), areas=_areas([SQUARE]), stats=["sum", "count", "min"])
    assert t.loc[0, "sum"] == expected_sum and t.loc[0, "count"] == expected_count and t.loc[0, "min"] == 1.0


def test_raster_without_nodata_warns_about_sentinels(tmp_path):
    data = _ones()
    data[3, 3] = -9999
    with pytest.warns(DDMGeoWarning, match="nodata"):
        ov.zonal_stats(_tif(tmp_path / "r.tif", data), areas=_areas([SQUARE]), stats=["sum"])


def test_enormous_raster_values_are_summed_not_overflowed(tmp_path):
    t = ov.zonal_stats(_tif(tmp_path / "r.tif", np.full((10, 10), 1e38, "float32"), nodata=-9999), areas=_areas([SQUARE]), stats=["sum", "count"])
    assert np.isfinite(t.loc[0, "sum"]) and t.loc[0, "sum"] == pytest.approx(25 * float(np.float32(1e38)))


def test_invalid_polygon_layer_is_repaired_not_zeroed():
    bowtie = Polygon([(28, -25), (29, -26), (29, -25), (28, -26)])
    t = ov.overlap(gpd.GeoDataFrame(geometry=[bowtie], crs=4326))
    valid_area = gpd.GeoSeries([bowtie], crs=4326).make_valid().to_crs("ESRI:102022").area.sum() / 1e6
    assert t["covered_km2"].sum() == pytest.approx(valid_area, rel=1e-6)
