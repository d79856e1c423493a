"""Overlays: points, rasters, lines, polygons, distances and hotspots per area.

Synthetic cases have answers known by construction (a 3x3 grid of 1 km squares in UTM
35S, rasters of ones, points on edges and corners, a polygon smaller than a pixel, nodata
holes, a raster in another CRS); real cases use the shared data (hospitals, schools,
infrastructure projects, WorldPop, Natural Earth layers).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings, strategies as st

gpd = pytest.importorskip("geopandas")

from ddmgeo import overlays  # noqa: E402
from ddmgeo.errors import CRSError, DDMGeoWarning, TableError  # noqa: E402

UTM = "EPSG:32735"  # UTM 35S: metres, inside South Africa
X0, Y0, SIDE = 500_000.0, 7_100_000.0, 1000.0


def grid_areas(n: int = 3, *, crs: str = UTM) -> "gpd.GeoDataFrame":
    """n x n squares of SIDE metres; codes A1..C3 row by row from the top left."""
    rows = []
    for r in range(n):
        for c in range(n):
            x, y = X0 + c * SIDE, Y0 - (r + 1) * SIDE
            rows.append({"code": f"{'ABCDEFGHIJ'[r]}{c + 1}", "name": f"cell {r},{c}", "geometry": shapely.box(x, y, x + SIDE, y + SIDE)})
    return gpd.GeoDataFrame(rows, crs=UTM).to_crs(crs)


def utm_points(xy, **cols) -> "gpd.GeoDataFrame":
    xy = np.asarray(xy, float)
    return gpd.GeoDataFrame(cols, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=UTM)


# ----------------------------------------------------------------------------- read_points


def test_read_points_finds_columns_and_keeps_bad_rows():
    df = pd.DataFrame({"Name": ["a", "b", "c", "d", "e"], "Long": [28.05, "various", None, "18,42", 200], "Lat": [-26.2, -25.0, None, "-33,92", -30]})
    pts = overlays.read_points(df)
    assert len(pts) == 5 and pts.crs.to_epsg() == 4326
    assert list(pts.index) == list(df.index)
    assert pts.geometry.isna().tolist() == [False, True, True, False, True]
    reasons = pts.attrs["ddmgeo"]["points"]["no_coordinates"]
    assert set(reasons) == {1, 2, 4}
    assert "various" in reasons[1] and "no coordinates" in reasons[2] and "out of range" in reasons[4]
    assert pts.geometry.iloc[3].x == pytest.approx(18.42)  # decimal comma


@pytest.mark.parametrize(
    "cols",
    [("lon", "lat"), ("LONGITUDE", "Latitude"), ("x", "y"), ("GIS_Longitude", "GIS_Latitude"), ("lng", "LAT")],
)
def test_read_points_column_names(cols):
    df = pd.DataFrame({cols[0]: [28.0], cols[1]: [-26.0]})
    assert overlays.read_points(df).geometry.iloc[0].equals(shapely.Point(28.0, -26.0))


def test_read_points_named_columns_crs_and_errors():
    df = pd.DataFrame({"E": [X0 + 10], "N": [Y0 - 10], "lon": [1.0], "longitude": [2.0], "lat": [3.0]})
    pts = overlays.read_points(df, lon="E", lat="N", crs=UTM)
    back = gpd.GeoSeries(pts.geometry, crs=4326).to_crs(UTM).iloc[0]
    assert back.x == pytest.approx(X0 + 10, abs=1e-6) and back.y == pytest.approx(Y0 - 10, abs=1e-6)
    with pytest.raises(TableError, match="Several columns"):
        overlays.read_points(df)
    with pytest.raises(TableError, match="no longitude"):
        overlays.read_points(pd.DataFrame({"a": [1]}))
    with pytest.raises(CRSError, match="no CRS"):
        overlays.read_points(gpd.GeoDataFrame(geometry=[shapely.Point(1, 2)]))
    with pytest.raises(TableError, match="not points"):
        overlays.read_points(gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1, 1)], crs=4326))


def test_read_points_transforms_other_crs():
    pts = overlays.read_points(utm_points([[X0, Y0]]))
    assert pts.crs.to_epsg() == 4326
    assert 26 < pts.geometry.iloc[0].x < 28 and -27 < pts.geometry.iloc[0].y < -25


# ----------------------------------------------------------------------------- assign / count, synthetic


def test_assign_points_interior_edges_corners_outside():
    areas = grid_areas()
    xy = [
        [X0 + 500, Y0 - 500],  # A1 interior
        [X0 + 2500, Y0 - 2500],  # C3 interior
        [X0 + 1000, Y0 - 500],  # edge A1|A2 -> A1 (first in order)
        [X0 + 1000, Y0 - 1000],  # corner of A1, A2, B1, B2 -> A1
        [X0 + 2000, Y0 - 2500],  # edge C2|C3 -> C2
        [X0 + 1500, Y0 - 2000],  # edge B2|C2 -> B2
        [X0 + 3000, Y0 - 1500],  # outer edge of B3 -> B3
        [X0 - 1, Y0 - 1500],  # just outside
        [X0 + 5000, Y0],  # far outside
    ]
    codes = overlays.assign_points(utm_points(xy), areas=areas)
    assert codes.tolist() == ["A1", "C3", "A1", "A1", "C2", "B2", "B3", None, None]
    # the same in another order of the areas: the rule follows the areas' order
    rev = areas.iloc[::-1].reset_index(drop=True)
    assert overlays.assign_points(utm_points(xy), areas=rev).tolist()[2:4] == ["A2", "B2"]


def test_count_points_every_area_weights_by_and_report():
    areas = grid_areas()
    xy = [[X0 + 500, Y0 - 500], [X0 + 600, Y0 - 400], [X0 + 1500, Y0 - 500], [X0 + 1000, Y0 - 500], [X0 - 50, Y0 - 50], [np.nan, np.nan]]
    pts = utm_points(xy, budget=[1.0, 2.0, np.nan, 4.0, 8.0, 16.0], kind=["x", "y", "x", None, "x", "y"])
    pts.index = [f"p{i}" for i in range(len(pts))]
    t = overlays.count_points(pts, areas=areas, weights="budget", by="kind")
    assert t["code"].tolist() == areas["code"].tolist()
    assert t.set_index("code")["n"].to_dict() == {"A1": 3, "A2": 1, "A3": 0, "B1": 0, "B2": 0, "B3": 0, "C1": 0, "C2": 0, "C3": 0}
    assert t.set_index("code").loc["A1", "budget"] == 7.0
    assert np.isnan(t.set_index("code").loc["A2", "budget"])  # its only point has no budget: unknown, not 0
    assert t.set_index("code").loc["A3", "budget"] == 0.0  # no point: nothing to add
    assert t.set_index("code").loc["A1", "n_x"] == 1 and t.set_index("code").loc["A1", "n_missing"] == 1
    assert t.set_index("code").loc["A1", "budget_y"] == 2.0
    rep = t.attrs["ddmgeo"]["report"]
    assert rep.n_points == 6 and rep.n_assigned == 4
    assert rep.outside[["row", "index"]].values.tolist() == [[4, "p4"]]
    assert rep.outside["lon"].iloc[0] == pytest.approx(27.0, abs=1.0)
    assert rep.no_coordinates[["row", "index"]].values.tolist() == [[5, "p5"]]
    assert rep.missing_weights == {"budget": 1}
    assert rep.on_boundary == 1
    assert "outside every area" in str(rep) and "p4" in str(rep)


def test_count_points_errors():
    areas = grid_areas()
    pts = utm_points([[X0 + 1, Y0 - 1]], w=["abc"])
    with pytest.raises(TableError, match="not numbers"):
        overlays.count_points(pts, areas=areas, weights="w")
    with pytest.raises(TableError, match="not in the points"):
        overlays.count_points(pts, areas=areas, weights="nope")
    with pytest.raises(CRSError):
        overlays.count_points(gpd.GeoDataFrame(geometry=[shapely.Point(1, 1)]), areas=areas)
    with pytest.raises(CRSError):
        overlays.count_points(utm_points([[X0, Y0]]), areas=grid_areas().set_crs(None, allow_override=True))


_coord = st.one_of(
    st.integers(-2, 14).map(lambda k: k * 250.0),  # on edges and corners of the 1 km grid
    st.floats(-500, 3500, allow_nan=False),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_coord, _coord), min_size=1, max_size=60))
def test_counts_conserve_points(xy):
    areas = grid_areas()
    pts = utm_points([[X0 + x, Y0 - y] for x, y in xy])
    t = overlays.count_points(pts, areas=areas)
    rep = t.attrs["ddmgeo"]["report"]
    assert t["n"].sum() + len(rep.outside) + len(rep.no_coordinates) == len(xy)
    px, py = pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy()
    inside = int(((px >= X0) & (px <= X0 + 3000) & (py <= Y0) & (py >= Y0 - 3000)).sum())
    assert t["n"].sum() == inside
    codes = overlays.assign_points(pts, areas=areas)
    geoms = areas.set_index("code").geometry
    for code, p in zip(codes, pts.geometry):  # each point in the closure of its area, else in none
        if code is None:
            assert not geoms.intersects(p).any()
        else:
            assert geoms[code].intersects(p)
            first = geoms.index[geoms.intersects(p).to_numpy()][0]
            assert code == first


# ----------------------------------------------------------------------------- real points


def test_hospitals_per_district_match_sjoin(shared_data):
    t = overlays.count_points("dsfsi_hospitals", level="district", by="Category", weights=None, snap_km=0)  # the within rule
    rep = t.attrs["ddmgeo"]["report"]
    assert len(t) == 52 and t["code"].is_unique and t["n"].ge(0).all()
    assert t["n"].sum() + len(rep.outside) + len(rep.no_coordinates) == 899
    assert len(rep.no_coordinates) == 8  # 7 blank + one malformed longitude '29.2805.5'
    cats = [c for c in t.columns if c.startswith("n_")]
    assert (t[cats].sum(axis=1) == t["n"]).all()
    pts = overlays.read_points("dsfsi_hospitals")
    import ddmgeo

    d = ddmgeo.districts()
    j = gpd.sjoin(pts[pts.geometry.notna()], d[["code", "geometry"]], predicate="within")
    assert j.index.is_unique
    expected = j.groupby("code").size().reindex(t["code"], fill_value=0)
    assert (expected.to_numpy() == t["n"].to_numpy()).all()
    assert t.set_index("code").loc["JHB", "n"] > t.set_index("code").loc["DC45", "n"]


def test_schools_per_municipality_with_learners(shared_data):
    t = overlays.count_points("dbe_schools_2017q1", level="municipality", weights=["learners_2017", "educators_2017"], snap_km=0)
    rep = t.attrs["ddmgeo"]["report"]
    assert len(t) == 213
    assert t["n"].sum() + len(rep.outside) + len(rep.no_coordinates) == 24_813
    assert 600 <= len(rep.no_coordinates) <= 630 and 10 <= len(rep.outside) <= 40
    assert t["learners_2017"].sum() > 10_000_000
    assert (t["n"] > 0).all()  # every municipality has a school
    # swapped coordinates are reported with their values, not dropped
    assert ((rep.outside["lon"] < 0) | (rep.outside["lon"] > 40)).any()


def test_infrastructure_budget_per_district(shared_data):
    t = overlays.count_points("infrastructure_projects_br2019", weights="total_project_cost")
    rep = t.attrs["ddmgeo"]["report"]
    assert t["n"].sum() + len(rep.outside) + len(rep.no_coordinates) == 25
    assert len(rep.no_coordinates) == 4
    assert t["total_project_cost"].sum() > 0


@pytest.mark.parametrize("level,vintage", [("district", 2016), ("municipality", 2016), ("ward", 2021)])
def test_identical_to_sjoin_within_on_100k_points(shared_data, level, vintage):
    import ddmgeo

    areas = ddmgeo.boundaries(level, vintage=vintage)
    rng = np.random.default_rng(7)
    b = areas.total_bounds
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(rng.uniform(b[0], b[2], 100_000), rng.uniform(b[1], b[3], 100_000)), crs=4326)
    ours = overlays.assign_points(pts, level=level, vintage=vintage, snap_km=0)  # the within rule, no snapping
    j = gpd.sjoin(pts, areas[["code", "geometry"]].reset_index(names="order"), predicate="within")
    first = j.sort_values("order").groupby(level=0)["code"].first()  # overlapping wards: the first area
    expected = pd.Series(None, index=pts.index, dtype=object)
    expected.loc[first.index] = first
    assert (ours.fillna("-") == expected.fillna("-")).all()


def test_choropleth_of_counts(shared_data, tmp_path):
    pytest.importorskip("matplotlib")
    from ddmgeo import maps

    t = overlays.count_points("dsfsi_hospitals", level="district")
    fig = maps.choropleth(t, "n", level="district", title="Hospitals per district space")
    maps.save(fig, tmp_path / "hospitals.png")
    assert (tmp_path / "hospitals.png").stat().st_size > 10_000


# ----------------------------------------------------------------------------- zonal, synthetic


def make_raster(path, data, *, x0, y0, dx, dy, crs=UTM, nodata=None):
    rasterio = pytest.importorskip("rasterio")
    from rasterio.transform import Affine

    data = np.asarray(data, dtype="float32")
    with rasterio.open(
        path, "w", driver="GTiff", width=data.shape[1], height=data.shape[0], count=1, dtype="float32", crs=crs,
        transform=Affine(dx, 0, x0, 0, dy, y0), nodata=nodata,
    ) as ds:
        ds.write(data, 1)
    return path


def test_zonal_ones_aligned_and_shifted(tmp_path):
    areas = grid_areas()
    # 100 m cells aligned with the grid: each area holds exactly 100 cells
    r = make_raster(tmp_path / "ones.tif", np.ones((40, 40)), x0=X0 - 500, y0=Y0 + 500, dx=100, dy=-100)
    for cov in ("fractional", "centre"):
        z = overlays.zonal_stats(r, areas=areas, coverage=cov)
        assert z["count"].tolist() == [100] * 9
        assert np.allclose(z["sum"], 100) and np.allclose(z["mean"], 1) and (z["min"] == 1).all() and (z["max"] == 1).all()
    # 70 m cells shifted by a third of a cell: fractions are exact, sums are the areas in cells
    r2 = make_raster(tmp_path / "shift.tif", np.ones((60, 60)), x0=X0 - 523.3, y0=Y0 + 511.7, dx=70, dy=-70)
    z = overlays.zonal_stats(r2, areas=areas)
    assert np.allclose(z["sum"], SIDE**2 / 70**2, rtol=1e-12)
    assert np.allclose(z["count"], SIDE**2 / 70**2, rtol=1e-12)


def test_zonal_small_polygon_nodata_and_sum_conservation(tmp_path):
    data = np.arange(1, 401, dtype=float).reshape(20, 20)
    data[5:8, 5:8] = -9999  # a nodata hole
    r = make_raster(tmp_path / "vals.tif", data, x0=X0, y0=Y0, dx=150, dy=-150, nodata=-9999)
    tiny = shapely.box(X0 + 310, Y0 - 440, X0 + 330, Y0 - 420)  # 20 m x 20 m, inside cell (row 2, col 2)
    hole = shapely.box(X0 + 5 * 150 + 10, Y0 - 8 * 150 + 10, X0 + 8 * 150 - 10, Y0 - 5 * 150 - 10)  # wholly in the hole
    areas = gpd.GeoDataFrame({"code": ["tiny", "hole"]}, geometry=[tiny, hole], crs=UTM)
    z = overlays.zonal_stats(r, areas=areas).set_index("code")
    assert z.loc["tiny", "count"] == pytest.approx(400 / 150**2, rel=1e-12)
    assert z.loc["tiny", "mean"] == pytest.approx(data[2, 2]) and z.loc["tiny", "min"] == data[2, 2]
    assert z.loc["hole", "count"] == 0 and np.isnan(z.loc["hole", "sum"]) and np.isnan(z.loc["hole", "mean"])
    zc = overlays.zonal_stats(r, areas=areas, coverage="centre").set_index("code")
    assert zc.loc["tiny", "count"] == 1 and zc.loc["tiny", "sum"] == data[2, 2]  # smaller than a pixel: still a value
    # the 3x3 grid over this raster: sums over areas equal the raster total inside their union
    grid = grid_areas()
    zs = overlays.zonal_stats(r, areas=grid)
    union = gpd.GeoDataFrame({"code": ["all"]}, geometry=[grid.union_all()], crs=UTM)
    zu = overlays.zonal_stats(r, areas=union)
    assert zs["sum"].sum() == pytest.approx(zu["sum"].iloc[0], rel=1e-12)
    assert zs["count"].sum() == pytest.approx(zu["count"].iloc[0], rel=1e-12)
    # and the exact value by brute force over the cells
    cells = [shapely.box(X0 + c * 150, Y0 - (r_ + 1) * 150, X0 + (c + 1) * 150, Y0 - r_ * 150) for r_ in range(20) for c in range(20)]
    frac = shapely.area(shapely.intersection(np.array(cells), grid.union_all())) / 150**2
    vals = data.ravel()
    ok = vals != -9999
    assert zu["sum"].iloc[0] == pytest.approx((vals * frac)[ok].sum(), rel=1e-12)


def test_zonal_raster_in_another_crs(tmp_path):
    # the areas in EPSG:4326, the raster in UTM: the areas are reprojected, not the raster
    areas = grid_areas(crs="EPSG:4326")
    r = make_raster(tmp_path / "utm.tif", np.ones((40, 40)), x0=X0 - 500, y0=Y0 + 500, dx=100, dy=-100)
    z = overlays.zonal_stats(r, areas=areas, stats=["sum", "count"])
    assert np.allclose(z["count"], 100, rtol=1e-4)  # straight edges in lon/lat are nearly straight in UTM
    assert z["sum"].sum() == pytest.approx(900, rel=1e-6)
    # a lon/lat raster with area weights gives km²
    b = areas.total_bounds
    r2 = make_raster(tmp_path / "ll.tif", np.ones((50, 50)), x0=b[0] - 0.01, y0=b[3] + 0.01, dx=(b[2] - b[0] + 0.02) / 50, dy=-(b[3] - b[1] + 0.02) / 50, crs="EPSG:4326")
    za = overlays.zonal_stats(r2, areas=areas, stats=["sum", "mean"], weights="area")
    assert np.allclose(za["sum"], 1.0, rtol=2e-3)  # 1 km² each
    assert np.allclose(za["mean"], 1.0)


def test_zonal_windowed_and_cached(tmp_path, monkeypatch):
    from ddmgeo import _zonal

    rng = np.random.default_rng(3)
    r = make_raster(tmp_path / "rand.tif", rng.random((120, 90)), x0=X0 - 300, y0=Y0 + 300, dx=41, dy=-41)
    areas = grid_areas()
    whole = overlays.zonal_stats(r, areas=areas)
    monkeypatch.setattr(_zonal, "WINDOW_CELLS", 200)  # a few rows per window
    _zonal._MEMO.clear()
    windowed = overlays.zonal_stats(r, areas=areas)
    pd.testing.assert_frame_equal(whole, windowed, rtol=1e-12)
    assert any(p.name.startswith("zonal-fractional") for p in (_zonal.settings.cache_dir() / "overlays").iterdir())
    # a second raster on the same grid reuses the structure
    r2 = make_raster(tmp_path / "rand2.tif", 2 * rng.random((120, 90)), x0=X0 - 300, y0=Y0 + 300, dx=41, dy=-41)
    n = len(_zonal._MEMO)
    overlays.zonal_stats(r2, areas=areas)
    assert len(_zonal._MEMO) == n


def test_zonal_matches_exactextract(tmp_path):
    exactextract = pytest.importorskip("exactextract")
    rng = np.random.default_rng(5)
    r = make_raster(tmp_path / "ee.tif", rng.random((64, 64)) * 10, x0=X0 - 777, y0=Y0 + 555, dx=77, dy=-77)
    areas = grid_areas()
    areas.loc[4, "geometry"] = areas.geometry[4].buffer(-300).union(shapely.Point(X0 + 1500, Y0 - 1500).buffer(120))
    ours = overlays.zonal_stats(r, areas=areas)
    ee = exactextract.exact_extract(str(r), areas, ["sum", "mean", "count", "min", "max"], include_cols=["code"], output="pandas")
    m = ours.merge(ee, on="code", suffixes=("", "_ee"))
    for s in ("sum", "mean", "count", "min", "max"):
        assert np.allclose(m[s], m[f"{s}_ee"], rtol=1e-6), s  # exactextract keeps coverage fractions in float32


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(
    cuts=st.lists(st.floats(0.05, 0.95), min_size=1, max_size=4, unique=True),
    rows=st.lists(st.floats(0.05, 0.95), min_size=1, max_size=4, unique=True),
    ox=st.floats(-0.9, 0.0),
    oy=st.floats(0.0, 0.9),
    cell=st.floats(0.013, 0.2),
    seed=st.integers(0, 10_000),
)
def test_zonal_fractional_sums_conserve_the_total(tmp_path_factory, cuts, rows, ox, oy, cell, seed):
    """A random partition of the unit square: the sum over its parts is the raster total inside the square."""
    xs = [0.0, *sorted(cuts), 1.0]
    ys = [0.0, *sorted(rows), 1.0]
    polys = [shapely.box(xs[i], ys[j], xs[i + 1], ys[j + 1]) for i in range(len(xs) - 1) for j in range(len(ys) - 1)]
    areas = gpd.GeoDataFrame({"code": [str(k) for k in range(len(polys))]}, geometry=polys, crs=UTM)
    n = int(np.ceil(1.2 / cell)) + 2
    data = np.random.default_rng(seed).random((n, n)) * 100
    path = tmp_path_factory.mktemp("prop") / "r.tif"
    make_raster(path, data, x0=ox * cell, y0=1 + oy * cell, dx=cell, dy=-cell)
    z = overlays.zonal_stats(path, areas=areas, stats=["sum"])
    # exact total inside [0,1]²: per cell, the product of its overlaps with [0,1] in x and y
    x_lo = ox * cell + np.arange(n) * cell
    y_hi = 1 + oy * cell - np.arange(n) * cell
    fx = np.clip(np.minimum(x_lo + cell, 1) - np.maximum(x_lo, 0), 0, None) / cell
    fy = np.clip(np.minimum(y_hi, 1) - np.maximum(y_hi - cell, 0), 0, None) / cell
    total = float((data.astype(np.float32).astype(float) * np.outer(fy, fx)).sum())
    assert z["sum"].sum() == pytest.approx(total, rel=1e-9)


# ----------------------------------------------------------------------------- zonal, real raster


def test_worldpop_population_conserved_and_density_guarded(shared_data):
    import ddmgeo

    pop = overlays.population_from_density("worldpop_density_2020", level="district")
    assert len(pop) == 52 and pop["population"].notna().all() and (pop["population"] > 0).all()
    country = ddmgeo.boundaries("province").dissolve()[["geometry"]].assign(code="ZA")
    whole = overlays.population_from_density("worldpop_density_2020", areas=country)
    assert pop["population"].sum() == pytest.approx(whole["population"].iloc[0], rel=1e-9)
    assert 35e6 < pop["population"].sum() < 65e6
    top = pop.nlargest(3, "density_km2")["code"].tolist()
    assert set(top) <= {"JHB", "EKU", "CPT", "ETH", "TSH", "NMA", "BUF", "DC42", "DC48"}
    prov = overlays.population_from_density("worldpop_density_2020", level="province")
    assert prov["population"].sum() == pytest.approx(pop["population"].sum(), rel=1e-9)  # nested levels
    with pytest.warns(DDMGeoWarning, match="densities"):
        overlays.zonal_stats("worldpop_density_2020", stats=["sum"])


def test_worldpop_matches_exactextract_and_bruteforce(shared_data):
    exactextract = pytest.importorskip("exactextract")
    import ddmgeo
    import rasterio

    path = ddmgeo.datasets.fetch("worldpop_density_2020")
    d = ddmgeo.districts()
    with pytest.warns(DDMGeoWarning, match="densities"):  # summing densities as they are: warned
        ours = overlays.zonal_stats(path, level="district", stats=["sum", "mean", "count", "min", "max"])
    ee = exactextract.exact_extract(str(path), d, ["sum", "mean", "count", "min", "max"], include_cols=["code"], output="pandas")
    m = ours.merge(ee, on="code", suffixes=("", "_ee"))
    for s in ("sum", "mean", "count", "min", "max"):
        assert np.allclose(m[s], m[f"{s}_ee"], rtol=1e-6), s
    # exact against shapely for one district: value-weighted cell/polygon intersection areas
    with rasterio.open(path) as ds:
        data, t, nd = ds.read(1).astype(float), ds.transform, ds.nodata
    geom = d.set_index("code").geometry["DC36"]
    r0, c0 = rasterio.transform.rowcol(t, geom.bounds[0], geom.bounds[3])
    r1, c1 = rasterio.transform.rowcol(t, geom.bounds[2], geom.bounds[1])
    rr, cc = np.mgrid[r0 : r1 + 1, c0 : c1 + 1]
    cells = shapely.box(t.c + cc * t.a, t.f + (rr + 1) * t.e, t.c + (cc + 1) * t.a, t.f + rr * t.e).ravel()
    frac = shapely.area(shapely.intersection(cells, geom)) / abs(t.a * t.e)
    v = data[rr.ravel(), cc.ravel()]
    ok = v != nd
    assert ours.set_index("code").loc["DC36", "sum"] == pytest.approx((v * frac)[ok].sum(), rel=1e-9)


# ----------------------------------------------------------------------------- lines, polygons, distances


def test_line_length_synthetic_and_rivers(shared_data):
    areas = grid_areas()
    line = gpd.GeoDataFrame(geometry=[shapely.LineString([(X0 - 500, Y0 - 500), (X0 + 3500, Y0 - 500)])], crs=UTM)
    t = overlays.line_length(line, areas=areas).set_index("code")
    # measured in EPSG:9221, whose scale differs from UTM's by well under 1 %
    assert t.loc[["A1", "A2", "A3"], "length_km"].to_numpy() == pytest.approx([1, 1, 1], rel=0.01)
    assert t.loc[["B1", "C3"], "length_km"].sum() == 0
    assert t.attrs["ddmgeo"]["outside_km"] == pytest.approx(1.0, rel=0.01)
    rivers = overlays.line_length("ne10m_rivers_za", level="district")
    assert len(rivers) == 52 and (rivers["length_km"] > 0).sum() == 34
    assert rivers["length_km"].sum() == pytest.approx(5895, rel=0.01)  # README: 5,895 km in ESRI:102022
    assert rivers.nlargest(1, "length_km")["code"].item() == "DC8"


def test_overlap_dissolves_and_urban_share(shared_data):
    areas = grid_areas()
    a = shapely.box(X0, Y0 - 1000, X0 + 1000, Y0)  # all of A1
    b = shapely.box(X0 + 500, Y0 - 1000, X0 + 1500, Y0)  # overlaps a, half of A2
    t = overlays.overlap(gpd.GeoDataFrame(geometry=[a, b], crs=UTM), areas=areas).set_index("code")
    assert t.loc["A1", "share"] == pytest.approx(1.0, rel=1e-3) and t.loc["A2", "share"] == pytest.approx(0.5, rel=1e-3)
    assert t["covered_km2"].sum() == pytest.approx(1.5, rel=1e-3)  # the overlap counted once
    urban = overlays.overlap("ne50m_urban_areas_za", level="district").set_index("code")
    assert urban.loc["JHB", "share"] == pytest.approx(0.84, abs=0.01)
    assert urban["covered_km2"].sum() == pytest.approx(11_422, rel=0.005)


def test_nearest_and_summary():
    areas = grid_areas()
    origins = utm_points([[X0 + 500, Y0 - 500], [X0 + 2500, Y0 - 500], [X0 + 2500, Y0 - 2500], [np.nan, np.nan]], people=[10, 20, 30, 5])
    dest = utm_points([[X0 + 500, Y0 - 1500]])
    d = overlays.nearest(origins, dest, areas=areas)
    assert d["code"].tolist() == ["A1", "A3", "C3", None]
    assert d["distance_km"].iloc[:3].to_numpy() == pytest.approx([1.0, np.hypot(2, 1), np.hypot(2, 1)], rel=0.01)
    assert np.isnan(d["distance_km"].iloc[3])
    near = overlays.nearest(origins, dest, areas=areas, max_distance=1.5)
    assert near["distance_km"].isna().tolist() == [False, True, True, True]
    with pytest.raises(ValueError, match="areas="):
        overlays.distance_summary(d)
    s = overlays.distance_summary(d, threshold_km=1.5, weights=origins["people"].to_numpy(), areas=areas).set_index("code")
    assert s.loc["A1", "n"] == 1 and s.loc["A1", "share_beyond"] == 0 and s.loc["A3", "share_beyond"] == 1
    assert s.loc["B2", "n"] == 0 and np.isnan(s.loc["B2", "mean_km"])
    with pytest.raises(ValueError, match="max_distance"):
        overlays.distance_summary(near, threshold_km=5, areas=areas)


def test_nearest_real_schools_to_hospitals(shared_data):
    d = overlays.nearest("dbe_schools_2017q1", "dsfsi_hospitals", max_distance=400)
    assert len(d) == 24_813
    s = overlays.distance_summary(d, threshold_km=25)
    assert len(s) == 52
    assert s.set_index("code").loc["JHB", "median_km"] < s.set_index("code").loc["DC6", "median_km"]


def test_density_and_per_capita(shared_data):
    t = overlays.count_points("dsfsi_hospitals")
    dens = overlays.density(t, "n")
    assert dens["n_per_km2"].to_numpy() == pytest.approx((dens["n"] / dens["area_km2"]).to_numpy())
    pc = overlays.per_capita(t, "n", year=2016)
    assert pc["population"].notna().all() and pc["n_per_100000"].between(0, 100).all()
    own = overlays.per_capita(t, "n", per=1, population=pd.DataFrame({"code": t["code"], "population": 1000.0}))
    assert own["n_per_capita"].to_numpy() == pytest.approx(t["n"].to_numpy() / 1000)
    with pytest.raises(TableError):
        overlays.density(t.drop(columns="code"), "n")


def test_hotspots_gi_star_and_local_moran():
    pytest.importorskip("esda")
    areas = grid_areas(5)
    values = pd.DataFrame({"code": areas["code"], "v": [10.0 if c[0] in "AB" and int(c[1]) <= 2 else 1.0 for c in areas["code"]]})
    values.loc[24, "v"] = np.nan
    h = overlays.hotspots(values, "v", areas=areas, permutations=199, seed=1)
    assert list(h.columns) == ["code", "name", "value", "statistic", "p_value", "label"]
    assert h.set_index("code").loc["A1", "label"] == "hot"
    assert h.set_index("code").loc["E5", "label"] == "no data"
    assert set(h["label"]) <= {"hot", "cold", "not significant", "no data"}
    again = overlays.hotspots(values, "v", areas=areas, permutations=199, seed=1)
    assert h["p_value"].equals(again["p_value"])
    m = overlays.hotspots(values, "v", areas=areas, method="local_moran", permutations=199, seed=1)
    assert set(m["label"]) <= {"hot", "cold", "high-low", "low-high", "not significant", "no data"}
    with pytest.raises(ValueError, match="method"):
        overlays.hotspots(values, "v", areas=areas, method="lisa")


# ----------------------------------------------------------------------------- CLI


def test_cli_points_and_zonal(shared_data, tmp_path):
    from typer.testing import CliRunner

    from ddmgeo.cli import app

    runner = CliRunner()
    out = tmp_path / "h.csv"
    res = runner.invoke(app, ["points", "dsfsi_hospitals", "--level", "district", "--snap-km", "0", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "outside every area" in res.output and "without usable coordinates" in res.output
    t = pd.read_csv(out)
    assert len(t) == 52 and t["n"].sum() == 889
    csv = tmp_path / "pts.csv"
    pd.DataFrame({"longitude": [28.04, 18.42, "x"], "latitude": [-26.2, -33.92, -30]}).to_csv(csv, index=False)
    res = runner.invoke(app, ["points", str(csv), "--level", "province", "--out", str(tmp_path / "p.csv")])
    assert res.exit_code == 0 and "1 row(s) without usable coordinates" in res.output
    zout = tmp_path / "z.csv"
    res = runner.invoke(app, ["zonal", "worldpop_density_2020", "--level", "province", "--area-weighted", "--stats", "sum,mean", "--out", str(zout)])
    assert res.exit_code == 0, res.output
    z = pd.read_csv(zout)
    assert list(z.columns) == ["code", "name", "sum", "mean", "coverage_share"] and len(z) == 9 and (z["coverage_share"] > 0.9).all()


@pytest.mark.parametrize("level", ["district", "municipality"])
def test_dask_engine_equals_in_memory(shared_data, tmp_path, level):
    """engine='dask' reads partition by partition and adds up to exactly the in-memory result."""
    pytest.importorskip("dask.dataframe")
    import ddmgeo

    ov = overlays
    path = ddmgeo.datasets.fetch("dbe_schools_2017q1")
    mem = ov.count_points(path, level=level, weights="learners_2017")
    cap = 500_000  # bytes per partition: the file (5.4 MB) is ten times larger than this "memory cap"
    big = ov.count_points(path, level=level, weights="learners_2017", engine="dask", blocksize=cap)
    assert path.stat().st_size > 10 * cap and big.attrs["ddmgeo"]["partitions"] >= 10
    assert list(big.code) == list(mem.code) and (big.n.to_numpy() == mem.n.to_numpy()).all()
    assert np.allclose(big.learners_2017.to_numpy(), mem.learners_2017.to_numpy(), rtol=0, atol=1e-6)
    rep = mem.attrs["ddmgeo"]["report"]
    assert f"{len(rep.outside)} outside every area" in big.attrs["ddmgeo"]["report"]
    assert f"{len(rep.no_coordinates)} without usable coordinates" in big.attrs["ddmgeo"]["report"]
    # a Parquet file of the same points, in several row groups
    pq = tmp_path / "schools.parquet"
    pd.read_csv(path, usecols=["lon", "lat", "learners_2017"]).to_parquet(pq, row_group_size=3000)
    import dask.dataframe as dd

    from_pq = ov.count_points(dd.read_parquet(pq).repartition(npartitions=5), level=level, weights="learners_2017", engine="dask")
    assert (from_pq.n.to_numpy() == mem.n.to_numpy()).all()
    with pytest.raises(ddmgeo.errors.TableError, match="by= is not available"):
        ov.count_points(path, level=level, by="Sector", engine="dask")


def test_zonal_dask_engine_equals_in_memory(shared_data, tmp_path):
    """engine='dask' reduces tiles of rows as dask tasks and adds up to the in-memory result."""
    dask = pytest.importorskip("dask")
    import rasterio

    import ddmgeo

    path = ddmgeo.datasets.fetch("worldpop_density_2020")
    mem = overlays.zonal_stats(path, level="municipality", weights="area")
    rows = 5  # the "memory cap": one task holds at most 5 rows of the raster, a tenth or less of what is read
    for scheduler in ("threads", "processes"):
        with dask.config.set(scheduler=scheduler):
            big = overlays.zonal_stats(str(path), level="municipality", weights="area", engine="dask", tile_rows=rows)
        meta = big.attrs["ddmgeo"]
        assert meta["engine"] == "dask" and meta["tiles"] >= 10
        assert list(big.code) == list(mem.code)
        for stat in ("sum", "mean", "count"):
            np.testing.assert_allclose(big[stat], mem[stat], rtol=1e-12, atol=0)
        for stat in ("min", "max"):
            np.testing.assert_array_equal(big[stat], mem[stat])
    # the in-memory engine and the default dask tiles agree exactly on the same windows
    same = overlays.zonal_stats(path, level="district", weights="area", stats=["sum"], engine="dask")
    np.testing.assert_array_equal(same["sum"], overlays.zonal_stats(path, level="district", weights="area", stats=["sum"])["sum"])
    with rasterio.open(path) as ds, pytest.raises(ValueError, match="by file path"):  # an open dataset cannot be shared
        overlays.zonal_stats(ds, level="district", weights="area", engine="dask")
    with pytest.raises(ValueError, match="engine must be"):
        overlays.zonal_stats(path, level="district", engine="spark")
    with pytest.raises(ValueError, match="tile_rows"):
        overlays.zonal_stats(path, level="district", weights="area", engine="dask", tile_rows=0)
    with pytest.raises(ValueError, match="pass engine='dask'"):
        overlays.zonal_stats(path, level="district", weights="area", tile_rows=10)
    from typer.testing import CliRunner

    from ddmgeo.cli import app

    out = tmp_path / "z.csv"
    res = CliRunner().invoke(app, ["zonal", str(path), "--out", str(out), "--area-weighted", "--engine", "dask", "--tile-rows", "10"])
    assert res.exit_code == 0, res.output
    z = pd.read_csv(out)
    districts = overlays.zonal_stats(path, level="district", weights="area")
    assert list(z.code) == list(districts.code)
    np.testing.assert_allclose(z["sum"], districts["sum"], rtol=1e-12)


def test_dask_engine_reads_geoparquet_and_dask_geopandas(shared_data, tmp_path):
    """Point geometries (GeoParquet, dask-geopandas, any CRS) count like lon/lat columns."""
    dask_geopandas = pytest.importorskip("dask_geopandas")
    import geopandas as gpd

    import ddmgeo

    path = ddmgeo.datasets.fetch("dbe_schools_2017q1")
    mem = overlays.count_points(path, level="district", weights="learners_2017")
    table = pd.read_csv(path, usecols=["lon", "lat", "learners_2017"])
    x, y = pd.to_numeric(table.lon, errors="coerce"), pd.to_numeric(table.lat, errors="coerce")
    usable = x.notna() & y.notna()
    pts = gpd.GeoDataFrame(table[usable], geometry=gpd.points_from_xy(x[usable], y[usable]), crs=4326)
    geo = tmp_path / "schools.geoparquet"
    pts.to_crs(3857).to_parquet(geo, row_group_size=2500)  # projected, in several row groups
    for source in (str(geo), dask_geopandas.from_geopandas(pts, npartitions=7)):
        got = overlays.count_points(source, level="district", weights="learners_2017", engine="dask")
        assert got.attrs["ddmgeo"]["partitions"] >= 4
        assert (got.n.to_numpy() == mem.n.to_numpy()).all()
        np.testing.assert_allclose(got.learners_2017, mem.learners_2017, rtol=0, atol=1e-6)
    lines = gpd.GeoDataFrame({"v": [1]}, geometry=[shapely.LineString([(28, -26), (29, -25)])], crs=4326)
    with pytest.raises(TableError, match="point geometries; 1 row"):
        overlays.count_points(dask_geopandas.from_geopandas(lines, npartitions=1), level="district", engine="dask")
    with pytest.raises(TableError, match="no CRS"):
        overlays.count_points(dask_geopandas.from_geopandas(pts.set_crs(None, allow_override=True), npartitions=2), level="district", engine="dask")


def test_dask_engine_finds_coordinate_columns_like_read_points(tmp_path):
    """Both engines use read_points' column rule: names, a ...longitude suffix, and a refusal when ambiguous."""
    pytest.importorskip("dask.dataframe")
    path = tmp_path / "p.csv"
    pd.DataFrame({"GIS_Longitude": [28.0, 18.9], "GIS_Latitude": [-26.2, -33.9]}).to_csv(path, index=False)
    mem, big = overlays.count_points(path), overlays.count_points(path, engine="dask")
    assert (big.n.to_numpy() == mem.n.to_numpy()).all() and big.n.sum() == 2
    pd.DataFrame({"gps_longitude": [28.0], "GIS_Longitude": [28.0], "lat": [-26.2]}).to_csv(path, index=False)
    for engine in ("memory", "dask"):
        with pytest.raises(TableError, match=r"Several columns could hold the longitude: \['gps_longitude', 'GIS_Longitude'\]"):
            overlays.count_points(path, engine=engine)


def test_locator_cache_written_in_background_and_reloaded(tmp_path, monkeypatch):
    """The label grid's cache file is packed in a background thread; a new session (memo cleared) waits for
    the write, loads the file instead of rebuilding, and places points identically."""
    from ddmgeo import _area_sets as _areas
    from ddmgeo import _locator

    monkeypatch.setenv("DDMGEO_CACHE_DIR", str(tmp_path))
    areas = grid_areas(5)
    aset = _areas.resolve_areas(None, areas=areas)
    rng = np.random.default_rng(1)
    x, y = rng.uniform(X0 - 100, X0 + 5100, 5000), rng.uniform(Y0 - 5100, Y0 + 100, 5000)
    first = _locator.locator(aset)
    path = _areas.cache_file("locator", f"{aset.key}-{_locator.SMALL_GRID_SIZE}")
    built, _ = first.locate(x, y)
    _locator._MEMO.clear()
    monkeypatch.setattr(_locator, "_build", lambda *a, **k: pytest.fail("rebuilt instead of loading the cache file"))
    again = _locator.locator(aset)  # joins the pending write, then reads the file
    assert path.is_file() and not _areas._PENDING
    loaded, _ = again.locate(x, y)
    assert again is not first and np.array_equal(built, loaded)
    expected = gpd.sjoin(utm_points(np.c_[x, y]), areas, predicate="within").groupby(level=0).code.first()
    expected = expected.sort_index()
    assert np.array_equal(np.flatnonzero(loaded >= 0), expected.index.to_numpy())
    assert (aset.codes[loaded[loaded >= 0]] == expected.to_numpy()).all()


def test_locator_shared_between_threads_gives_the_single_thread_answer(tmp_path, monkeypatch):
    """dask's threaded scheduler asks one locator for many partitions at once; building, preparing and
    the exact GEOS tests are serialised (prepared geometries are not thread-safe), the rest runs in parallel."""
    from concurrent.futures import ThreadPoolExecutor

    from ddmgeo import _area_sets as _areas
    from ddmgeo import _locator

    monkeypatch.setenv("DDMGEO_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(_locator, "LOCATE_CHUNK", 1000)  # many passes per call
    rng = np.random.default_rng(8)
    x, y = rng.uniform(X0 - 100, X0 + 6100, 20_000), rng.uniform(Y0 - 6100, Y0 + 100, 20_000)
    areas = grid_areas(6)
    expected, _ = _locator.locator(_areas.resolve_areas(None, areas=areas)).locate(x, y)
    for trial in range(5):  # fresh geometries each time: preparing them happens inside the threads
        fresh = areas.copy()
        fresh["geometry"] = shapely.from_wkb(shapely.to_wkb(areas.geometry.values))
        fresh["code"] = fresh["code"] + f"-{trial}"  # another identity: no memo or cache hit
        aset = _areas.resolve_areas(None, areas=fresh)
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda part: _locator.locator(aset).locate(x[part::8], y[part::8])[0], range(8)))
        got = np.empty(len(x), dtype=np.int64)
        for part, r in enumerate(results):
            got[part::8] = r
        assert np.array_equal(got, expected)
