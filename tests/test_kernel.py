"""One geography kernel and one reader (issue 19): column roles, coordinates and the point rule are owned
once and every feature agrees. Synthetic fixtures (tiny squares, small tables) test the kernel without the
real data; one real-data test feeds the same table to read_table, read_points, count_points, assign_points,
spatialise and track."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

import ddmgeo
from ddmgeo import budget, overlays
from ddmgeo._area_sets import resolve_areas
from ddmgeo._columns import coordinate_candidates, role
from ddmgeo._numbers import parse_coordinates
from ddmgeo._place import place


# -- column roles: headers as planners write them


@pytest.mark.parametrize(
    "header, expected",
    [
        ("District / Metro", "name"),
        ("Local Municipality (LM)", "name"),
        ("DM name", "name"),
        ("Muni", "name"),
        ("municipality_name", "name"),
        ("Location", "name"),
        ("MDB code", "code"),
        ("geo_code", "code"),
        ("District code", "code"),
        ("Province", "province"),
        ("province_code", "province"),
        ("Prov", "province"),
        ("Project", None),
        ("Project code", None),
        ("Amount (R)", None),
        ("id", None),
    ],
)
def test_header_roles(header, expected):
    assert role(header) == expected


@pytest.mark.parametrize(
    "columns, lon, lat",
    [
        (["lon", "lat"], ["lon"], ["lat"]),
        (["GIS Longitude", "GIS Latitude"], ["GIS Longitude"], ["GIS Latitude"]),
        (["X", "Y", "name"], ["X"], ["Y"]),
        (["Longitude", "x", "Latitude"], ["Longitude"], ["Latitude"]),  # a named column beats x/y
        (["name", "amount"], [], []),
    ],
)
def test_coordinate_columns(columns, lon, lat):
    assert coordinate_candidates(columns, "lon") == lon and coordinate_candidates(columns, "lat") == lat


def test_one_coordinate_parser_reads_decimal_commas_and_names_bad_cells():
    x, bad = parse_coordinates(pd.Series(["28,188", "-25,75", " 28.5 ", "", None, "east", "1,234,5"]))
    assert x.tolist()[:3] == [28.188, -25.75, 28.5]
    assert bad.tolist() == [False, False, False, False, False, True, True]


# -- the point rule, on two squares


@pytest.fixture(scope="module")
def squares():
    """Two 0.5-degree squares side by side: A (28-28.5 E) and B (28.5-29 E), 25.5-26 S."""
    gdf = gpd.GeoDataFrame({"code": ["A", "B"]}, geometry=[shapely.box(28, -26, 28.5, -25.5), shapely.box(28.5, -26, 29, -25.5)], crs=4326)
    return resolve_areas(None, areas=gdf)


def test_inside_edge_outside_and_missing(squares):
    p = place(squares, [28.2, 28.5, 28.7, 40.0, np.nan], [-25.8, -25.8, -25.8, 0.0, -25.8])
    assert p.index.tolist() == [0, 0, 1, -1, -1] and p.on_boundary == 1  # the shared edge goes to the first
    assert not p.snapped.any()


def test_snapping_takes_the_nearest_area_within_the_distance(squares):
    # 0.01 degree (about 1 km) east of B, and 0.5 degree (about 50 km) east of B
    p = place(squares, [29.01, 29.5], [-25.75, -25.75], snap_km=5)
    assert p.index.tolist() == [1, -1] and p.snapped.tolist() == [True, False]
    assert 0.9 < p.distance_m[0] / 1000 < 1.1 and np.isnan(p.distance_m[1])


def test_swapped_coordinates_are_reported_not_applied(squares):
    p = place(squares, [-25.75], [28.2], detect_swapped=True)
    assert p.index.tolist() == [-1] and p.swapped.tolist() == [0]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(27.9, 29.1), st.floats(-26.1, -25.4)), min_size=1, max_size=40), st.sampled_from([0.0, 2.0, 20.0]))
def test_every_point_in_at_most_one_area_the_one_that_holds_it_or_the_nearest(squares, pts, snap):
    x, y = np.array([p[0] for p in pts]), np.array([p[1] for p in pts])
    p = place(squares, x, y, snap_km=snap)
    assert p.index.shape == x.shape and set(p.index.tolist()) <= {-1, 0, 1}
    for k, (xi, yi) in enumerate(pts):
        holders = [i for i, g in enumerate(squares.geometry) if shapely.intersects_xy(g, xi, yi)]
        if holders:
            assert p.index[k] == holders[0] and not p.snapped[k]
        elif p.index[k] >= 0:
            assert p.snapped[k] and p.distance_m[k] <= snap * 1000 + 1e-6


# -- every caller places the same point in the same area (real boundaries)


@pytest.fixture(scope="module")
def agreement_table():
    """The same rows a planner might bring, read by every feature: decorated headers, decimal commas,
    a coastal point just outside the generalised boundaries, a row with a name only."""
    return pd.DataFrame(
        {
            "Local Municipality (LM)": ["Polokwane", "Mossel Bay", "Lephalale", "Thabazimbi"],
            "Province": ["LP", "WC", "LP", "LP"],
            "GIS Longitude": ["29,4486", "22,130775", "", "27,41"],
            "GIS Latitude": ["-23,9045", "-34,1813", "", "-24,59"],
            "Amount": ["R 1 000,00", "2 000", "3 000", "4 000"],
            "indicator": ["unemployment_rate"] * 4,
            "target": [30, 20, 25, 25],
            "target_year": [2030] * 4,
        }
    )


@pytest.mark.usefixtures("shared_data")
def test_the_same_table_reads_and_places_the_same_everywhere(agreement_table):
    t = agreement_table
    table, report = ddmgeo.read_table(t, level="municipality")
    assert report.area_column == "Local Municipality (LM)"
    assert table["code"].tolist() == ["LIM354", "WC043", "LIM362", "LIM361"]
    points = overlays.read_points(t)
    lon = points.geometry.x.to_numpy()
    assert lon[[0, 1, 3]].tolist() == [29.4486, 22.130775, 27.41] == table["GIS Longitude"].to_numpy()[[0, 1, 3]].tolist()
    assigned = overlays.assign_points(t, level="municipality")
    assert assigned.tolist() == ["LIM354", "WC043", None, "LIM361"]  # Mossel Bay's point lies 1.7 km offshore: snapped
    counted = overlays.count_points(t, level="municipality").set_index("code")["n"]
    assert counted[["LIM354", "WC043", "LIM361"]].tolist() == [1, 1, 1] and counted.sum() == 3
    spent = budget.spatialise(t, amount="Amount", level="municipality")  # no location=: headers recognised
    spent.check()
    by_row = spent.allocations.set_index("row")
    assert by_row["code"].astype(str).tolist() == table["code"].tolist()  # points where they have one, else the name
    assert by_row.loc[[0, 1, 3], "code"].astype(str).tolist() == [c for c in assigned.tolist() if c]
    assert by_row["amount_cents"].tolist() == [100_000, 200_000, 300_000, 400_000]
    tracked, _ = ddmgeo.monitoring.track(t, level="municipality", latest=2011)
    assert tracked["code"].tolist() == table["code"].tolist()


@pytest.mark.usefixtures("shared_data")
def test_count_points_reports_the_snapped_points(agreement_table):
    out = overlays.count_points(agreement_table, level="municipality")
    rep = out.attrs["ddmgeo"]["report"]
    assert rep.snapped[["row", "code"]].values.tolist() == [[1, "WC043"]] and "placed in the nearest area" in str(rep)
    exact = overlays.count_points(agreement_table, level="municipality", snap_km=0)
    assert exact["n"].sum() == 2 and len(exact.attrs["ddmgeo"]["report"].outside) == 1


@pytest.mark.usefixtures("shared_data")
@settings(max_examples=15, deadline=None)
@given(st.lists(st.tuples(st.floats(16.3, 33.0), st.floats(-35.0, -22.0)), min_size=1, max_size=25))
def test_assign_points_and_spatialise_agree_on_random_points(pts):
    t = pd.DataFrame({"lon": [p[0] for p in pts], "lat": [p[1] for p in pts], "amount": [1] * len(pts)})
    assigned = overlays.assign_points(t, level="district")
    placed = budget.spatialise(t, amount="amount", split="equal").allocations
    rule = placed["rule"].astype(str)
    by_point = placed[rule.str.startswith("point")].set_index("row")["code"].astype(str)
    for i, code in assigned.items():
        if code is None:
            assert i not in by_point.index
        else:
            assert by_point[i] == code


@pytest.mark.usefixtures("shared_data")
def test_spatialise_without_a_recognisable_column_lists_what_each_looked_like():
    t = pd.DataFrame({"Project": ["School roof", "Clinic"], "Where exactly": ["see memo", "tbc"], "Rand": [1, 2]})
    with pytest.raises(ddmgeo.errors.BudgetError) as err:
        budget.spatialise(t, amount="Rand")
    text = str(err.value)
    assert "'Project' (text, 0% area names or codes)" in text and "'Where exactly' (text" in text and "location=" in text
    assert "no location" not in text


@pytest.mark.usefixtures("shared_data")
def test_a_column_of_area_names_is_found_by_its_content():
    t = pd.DataFrame({"Project": ["A", "B"], "Beneficiary": ["Waterberg", "Capricorn"], "Rand": [1, 2]})
    r = budget.spatialise(t, amount="Rand")
    assert r.allocations["code"].astype(str).tolist() == ["DC36", "DC35"]


@pytest.mark.usefixtures("shared_data")
@pytest.mark.parametrize("header", ["District / Metro", "DM name", "District Municipality", "district"])
def test_decorated_district_headers_place_rows_without_location(header):
    t = pd.DataFrame({header: ["Waterberg", "City of Tshwane"], "amount": [10, 20]})
    r = budget.spatialise(t, amount="amount")
    assert r.allocations["code"].astype(str).tolist() == ["DC36", "TSH"] and r.unallocated.empty


@pytest.mark.usefixtures("shared_data")
def test_row_numbers_are_the_files_line_numbers_in_every_report(tmp_path):
    path = tmp_path / "targets.csv"
    path.write_text(
        "district,indicator,target,target_year,amount\n"
        "Waterberg,unemployment_rate,25,2030,100\n"
        "\n"
        "Atlantis,unemployment_rate,25,2030,200\n",
        encoding="utf-8",
    )
    _, read = ddmgeo.read_table(path)
    _, tracked = ddmgeo.monitoring.track(path)
    spent = budget.spatialise(path, amount="amount")
    assert read.unmatched["line"].tolist() == tracked.unmatched_areas["line"].tolist() == spent.unallocated["line"].tolist() == [4]
    assert "line 4:" in str(spent)
    frame = pd.DataFrame({"district": ["Waterberg", "Atlantis"], "amount": [1, 2]}, index=["p1", "p2"])
    assert budget.spatialise(frame, amount="amount").unallocated["line"].tolist() == ["p2"]  # a DataFrame's index label
    assert ddmgeo.read_table(frame)[1].unmatched["line"].tolist() == ["p2"]


@pytest.mark.parametrize("given, geometry, codes", [(2011, 2011, 2011), (2016, 2016, 2016), (2020, 2021, 2016), (2021, 2021, 2016), ("2016", 2016, 2016)])
def test_one_rule_says_what_a_vintage_stands_for(given, geometry, codes):
    from ddmgeo._vintage import boundary_vintage, code_vintage

    assert (boundary_vintage(given), code_vintage(given)) == (geometry, codes)


@pytest.mark.parametrize("bad", [2015, "twenty", None, 2022])
def test_an_unknown_vintage_names_the_valid_ones(bad):
    from ddmgeo._vintage import code_vintage

    with pytest.raises(ddmgeo.errors.VintageError, match="2016 .* 2011 .* 2021"):
        code_vintage(bad)


@pytest.mark.usefixtures("shared_data")
def test_every_feature_reports_the_code_set_of_the_2021_boundaries_as_2016():
    t = ddmgeo.indicators.get("population", level="district", vintage=2021)
    r = budget.spatialise(pd.DataFrame({"where": ["Waterberg"], "x": [1]}), amount="x", location="where", vintage=2020)
    _, rep = ddmgeo.read_table(pd.DataFrame({"district": ["Waterberg"], "v": [1]}), vintage=2021)
    assert t.attrs["ddmgeo"]["vintage"] == r.vintage == 2016 and rep.n_rows == 1
    assert ddmgeo.resolve("Waterberg", vintage=2020) == ddmgeo.resolve("Waterberg", vintage=2016) == "DC36"
