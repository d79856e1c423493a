"""Maps given tables and geometries they cannot draw truthfully: ddmgeo.maps."""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")

import geopandas as gpd
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, Polygon

from ddmgeo import indicators, maps
from ddmgeo.errors import CRSError, DataNotAvailableError, DDMGeoWarning, GeometryRepairedWarning, RawCountWarning, TableError, UnknownAreaError, UnknownIndicatorError, VintageError

from ._support import Case, expect, params

pytestmark = pytest.mark.usefixtures("shared_data")

L3 = ["DC36", "DC35", "DC34"]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _df(values, codes=L3):
    return pd.DataFrame({"code": codes[: len(values)], "x": values})


def _gdf(geoms, crs=4326, values=None):
    return gpd.GeoDataFrame({"code": [f"A{i}" for i in range(len(geoms))], "x": values or list(range(1, len(geoms) + 1))}, geometry=geoms, crs=crs)


SQUARE = Polygon([(28, -24), (29, -24), (29, -25), (28, -25)])
BOWTIE = Polygon([(28, -24), (29, -25), (29, -24), (28, -25)])
POINTS = gpd.GeoDataFrame({"name": ["clinic"]}, geometry=[Point(28.0, -24.0)], crs=4326)

CASES = [
    Case("choropleth-no-column", lambda: maps.choropleth(), ValueError, (r"Name the column",)),
    Case("choropleth-unknown-indicator", lambda: maps.choropleth(column="nope"), UnknownIndicatorError, (r"No indicator 'nope'",)),
    Case("choropleth-missing-column", lambda: maps.choropleth(_df([1, 2]), "y"), TableError, (r"Column 'y' is not in the data; it has \['code', 'x'\]",)),
    Case("choropleth-no-code", lambda: maps.choropleth(pd.DataFrame({"district": ["Waterberg"], "x": [1]}), "x"), TableError, (r"needs a 'code' column", r"read_table")),
    Case("choropleth-duplicate-codes", lambda: maps.choropleth(_df([1, 2], ["DC36", "DC36"]), "x"), TableError, (r"Codes \['DC36'\] appear more than once", r"aggregate first")),
    Case("choropleth-numbers-as-text", lambda: maps.choropleth(_df(["1 000", "n.v.t.", "3"]), "x"), TableError, (r"not numbers \(DC36 '1 000', DC35 'n\.v\.t\.'\)", r"drawn as 'No data'", r"read_table")),
    Case("choropleth-infinite", lambda: maps.choropleth(_df([np.inf, 1.0, 2.0]), "x"), TableError, (r"not finite \(DC36 inf\)",)),
    Case("choropleth-booleans", lambda: maps.choropleth(_df([True, False, True]), "x"), TableError, (r"true/false values",)),
    Case("choropleth-codes-of-another-level", lambda: maps.choropleth(_df([1, 2], ["LIM361", "LIM362"]), "x"), TableError, (r"None of the table's codes are district areas of the 2016 boundaries", r"pass the level=")),
    Case("choropleth-k-zero", lambda: maps.choropleth(column="population", k=0), ValueError, (r"k=0: the number of classes is a whole number of at least 1",)),
    Case("choropleth-bins-unsorted", lambda: maps.choropleth(column="unemployment_rate", scheme="user_defined", bins=[0.5, 0.1]), ValueError, (r"bins=\[0\.5, 0\.1\]: give the upper bound of each class in increasing order",)),
    Case("choropleth-scheme", lambda: maps.choropleth(column="population", scheme="jenks"), ValueError, (r"Unknown scheme 'jenks'",)),
    Case("choropleth-size", lambda: maps.choropleth(column="population", size="huge"), ValueError, (r"Unknown size 'huge'",)),
    Case("choropleth-level", lambda: maps.choropleth(column="population", level="county"), VintageError, (r"Unknown level 'county'",)),
    Case("choropleth-all-missing", lambda: maps.choropleth(_df([np.nan, np.nan]), "x"), DataNotAvailableError, (r"Every value is missing",)),
    Case("geometry-no-crs", lambda: maps.choropleth(_gdf([SQUARE], crs=None), "x"), CRSError, (r"no CRS: set it",)),
    Case("geometry-metres-labelled-lonlat", lambda: maps.choropleth(_gdf([SQUARE]).to_crs(3857).set_crs(4326, allow_override=True), "x"), CRSError, (r"says it is in EPSG:4326", r"they are projected \(metres\)", r"allow_override=True")),
    Case("geometry-empty", lambda: maps.choropleth(_gdf([SQUARE, Polygon()]), "x"), TableError, (r"1 area\(s\) have no geometry \(A1\)", r"Drop those rows")),
    Case("geometry-missing", lambda: maps.choropleth(_gdf([SQUARE, None]), "x"), TableError, (r"have no geometry \(A1\)",)),
    Case("geometry-points", lambda: maps.choropleth(_gdf([SQUARE, Point(28, -24)]), "x"), TableError, (r"This map draws polygons; A1 are \[.Point.\]", r"proportional_symbols")),
    Case("district-map-unknown", lambda: maps.district_map("Atlantis"), UnknownAreaError, (r"'Atlantis' matches no area",)),
    Case("district-map-municipality", lambda: maps.district_map("Lephalale"), UnknownAreaError, (r"it lies in Waterberg \(DC36",)),
    Case("district-map-size", lambda: maps.district_map("Waterberg", size="huge"), ValueError, (r"Unknown size 'huge'",)),
    Case("district-map-layer-not-geodataframe", lambda: maps.district_map("Waterberg", layers={"Clinics": pd.DataFrame({"lon": [28]})}), TypeError, (r"layer 'Clinics' must be a GeoDataFrame, not DataFrame",)),
    Case("district-map-layer-no-crs", lambda: maps.district_map("Waterberg", layers={"Clinics": POINTS.set_crs(None, allow_override=True)}), CRSError, (r"layer 'Clinics' has no CRS",)),
    Case(
        "district-map-layer-mixed-types",
        lambda: maps.district_map("Waterberg", layers={"Assets": gpd.GeoDataFrame(geometry=[Point(28, -24), LineString([(28, -24), (28.5, -24.5)])], crs=4326)}),
        TableError,
        (r"layer 'Assets' mixes LineString, Point geometries: pass one layer per kind",),
    ),
    Case("bivariate-missing-y", lambda: maps.bivariate(indicators.get("unemployment_rate"), "unemployment_rate", "nope"), TableError, (r"Column 'nope' is not in the data",)),
    Case("bivariate-text-y", lambda: maps.bivariate(indicators.get(["unemployment_rate", "piped_water_share"]).assign(piped_water_share="high"), "unemployment_rate", "piped_water_share"), TableError, (r"'piped_water_share' holds values that are not numbers \(BUF 'high'",)),
    Case("bivariate-too-few", lambda: maps.bivariate(indicators.get(["unemployment_rate", "piped_water_share"]).head(2), "unemployment_rate", "piped_water_share"), DataNotAvailableError, (r"at least 3 areas with both values",)),
    Case("symbols-negative", lambda: maps.proportional_symbols(_df([-5.0, 3.0]), "x"), TableError, (r"negative values \(DC36 -5\)", r"maps\.choropleth")),
    Case("symbols-all-zero", lambda: maps.proportional_symbols(_df([0, 0]), "x"), DataNotAvailableError, (r"zero or missing: there is nothing to draw",)),
    Case("symbols-lines", lambda: maps.proportional_symbols(_gdf([LineString([(28, -24), (29, -25)])]), "x"), TableError, (r"This map draws points or polygons; A0 are \['LineString'\]",)),
    Case("symbols-infinite", lambda: maps.proportional_symbols(_df([np.inf, 3.0]), "x"), TableError, (r"not finite",)),
    Case("interactive-text-values", lambda: maps.interactive(_df(["1", "abc"]), "x", tiles=None), TableError, (r"DC35 'abc'",)),
    Case("interactive-layer-no-crs", lambda: maps.interactive(column="population", tiles=None, layers={"H": POINTS.set_crs(None, allow_override=True)}), CRSError, (r"layer 'H' has no CRS",)),
    Case("interactive-layer-not-geodataframe", lambda: maps.interactive(column="population", tiles=None, layers={"H": [1, 2]}), TypeError, (r"layer 'H' must be a GeoDataFrame, not list",)),
    Case("interactive-unknown-tiles", lambda: maps.interactive(column="population", tiles="googlemaps"), ValueError, (r"tiles='googlemaps' is not a tile set folium knows", r"None for a map that needs no internet")),
    Case("save-jpeg", lambda: maps.save(plt.figure(), "map.jpg"), ValueError, (r"use \.png, \.svg or \.pdf",)),
    Case("save-not-a-figure", lambda: maps.save("map", "map.png"), TypeError, (r"takes the matplotlib Figure", r"m\.save\('map\.html'\)")),
    Case("cartographic-level", lambda: maps.cartographic("county"), VintageError, (r"Unknown level 'county'",)),
    Case("cartographic-negative-tolerance", lambda: maps.cartographic(tolerance=-5), ValueError, (r"cannot be negative",)),
]


@pytest.mark.parametrize("case", params(CASES))
def test_bad_map_input(case):
    expect(case)


@pytest.mark.parametrize("kwargs", [{"scheme": "jenks"}, {"k": 0}, {"size": "huge"}], ids=["scheme", "k", "size"])
def test_a_count_map_refused_for_its_arguments_does_not_warn_about_the_count_first(kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ValueError):
            maps.choropleth(column="population", **kwargs)
    assert [w for w in caught if issubclass(w.category, RawCountWarning)] == []


def test_codes_of_another_vintage_are_named_not_dropped_silently():
    with pytest.warns(DDMGeoWarning, match=r"1 code\(s\) of the table are not district areas .*\['EC103'\].*harmonise"):
        fig = maps.choropleth(_df([1.0, 2.0, 3.0], ["DC36", "DC13", "EC103"]), "x")
    assert fig._ddmgeo_legend[-1] == ("No data", 50)


def test_invalid_polygon_is_repaired_and_said():
    with pytest.warns(GeometryRepairedWarning, match=r"1 invalid polygon\(s\) were repaired .*A1"):
        fig = maps.choropleth(_gdf([SQUARE, BOWTIE]), "x")
    assert sum(n for _, n in fig._ddmgeo_legend) == 2


def test_swapped_layer_is_reported():
    swapped = gpd.GeoDataFrame({"name": ["clinic"]}, geometry=[Point(-24.0, 28.0)], crs=4326)
    with pytest.warns(DDMGeoWarning, match=r"layer 'Clinics': 1 of 1 features are not drawn .* longitude and latitude are swapped"):
        maps.district_map("Waterberg", layers={"Clinics": swapped})


@pytest.mark.parametrize(
    "values, label",
    [pytest.param([1e300, 1.0, 2.0], "1e+300", id="1e300"), pytest.param([float(10**30), 1.0, 2.0], "1e+30", id="ten-to-the-30")],
)
def test_enormous_values_have_readable_legends(values, label):
    fig = maps.choropleth(_df(values), "x")
    labels = [text for text, _ in fig._ddmgeo_legend]
    assert any(label in text for text in labels) and max(len(t) for t in labels) < 40


def test_nan_is_no_data_and_zero_is_a_value():
    fig = maps.choropleth(_df([0.0, np.nan, -1.0]), "x")
    assert fig._ddmgeo_legend[-1] == ("No data", 50)
    assert sum(n for _, n in fig._ddmgeo_legend[:-1]) == 2


@pytest.mark.parametrize(
    "value, unit, text",
    [
        pytest.param(float("inf"), "rand", "\u221e", id="inf-rand"),
        pytest.param(float("-inf"), "", "-\u221e", id="minus-inf"),
        pytest.param(1e300, "", "1e+300", id="1e300"),
        pytest.param(10**30, "rand", "R 1e+30", id="ten-to-the-30-rand"),
        pytest.param(float("nan"), "persons", "No data", id="nan"),
    ],
)
def test_format_value_of_odd_numbers(value, unit, text):
    assert maps.format_value(value, unit) == text


def test_change_map_bad_inputs():
    from ddmgeo import monitoring

    c = monitoring.change(["population", "formal_dwelling_share"], start=2011, end=2016)
    with pytest.raises(KeyError, match=r"Not a change table"):
        maps.change_map(pd.DataFrame({"code": ["DC36"]}), "population")
    with pytest.raises(ValueError, match=r"Percentage points are for shares"):
        maps.change_map(c, "population", measure="change_pp")
    with pytest.raises(ValueError, match=r"more than once for some areas"):
        maps.change_map(pd.concat([c, c.head(1)]), "population")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(DataNotAvailableError, match=r"No area has both values"):
            maps.dumbbell(c.assign(start_value=np.nan), "population")


def test_symbols_at_points_are_drawn():
    """proportional_symbols takes a GeoDataFrame of points (its documented input), checked like polygons."""
    fig = maps.proportional_symbols(_gdf([Point(28, -24), Point(29, -25)], values=[3.0, 1.0]), "x")
    assert fig is not None
