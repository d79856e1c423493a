"""Maps for working sessions: a used frame with names, extents, honest point counts, colour-blind-safe
bivariate classes, compact offline interactive maps (issue 22), checked as objects and as images."""

from __future__ import annotations

import itertools
import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest
import shapely
import shapely.ops

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

import ddmgeo  # noqa: E402
from ddmgeo import indicators as I  # noqa: E402
from ddmgeo import maps, overlays  # noqa: E402
from ddmgeo._cartographic import MAP_CRS, neighbours  # noqa: E402
from ddmgeo.errors import RawCountWarning  # noqa: E402

from .browser import not_blank, open_page  # noqa: E402

pytestmark = pytest.mark.usefixtures("shared_data")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def _title_of(fig) -> str:
    return next(t.get_text() for t in fig.texts if t.get_fontweight() == "bold")


def _ink(fig, tmp_path) -> np.ndarray:
    """A 4 x 6 grid of the figure below the title: True where the cell holds something drawn."""
    path = tmp_path / "m.png"
    fig.savefig(path, dpi=40)
    img = plt.imread(path)[..., :3]
    h, w = img.shape[:2]
    body = img[int(0.12 * h) : int(0.95 * h)]
    cells = np.zeros((4, 6), bool)
    for i, j in itertools.product(range(4), range(6)):
        cell = body[i * body.shape[0] // 4 : (i + 1) * body.shape[0] // 4, j * w // 6 : (j + 1) * w // 6]
        cells[i, j] = (cell.min(axis=2) < 0.9).mean() > 0.01
    return cells


def test_a_national_slide_map_uses_the_frame_and_names_the_district_spaces(tmp_path):
    fig = maps.choropleth(column="unemployment_rate")
    cells = _ink(fig, tmp_path)
    assert cells.sum() >= 18, cells.astype(int)  # legend and Gauteng inset fill the right-hand side
    assert cells[:, 4:].sum() >= 4, cells.astype(int)
    names = set(_texts(fig))
    placed = {n.replace("\n", " ") for n in names}
    assert {"Waterberg", "Namakwa", "Chris Hani", "City of Johannesburg"} <= placed
    assert len(placed & set(ddmgeo.districts().name)) >= 35
    subtitle = " ".join(t.get_text() for t in fig.texts)
    assert "quantile classes" in subtitle and "quantiles classes" not in subtitle


def test_labels_of_a_map_do_not_overlap():
    fig = maps.choropleth(column="unemployment_rate")
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        boxes = [t.get_window_extent(renderer) for t in ax.texts if t.get_text() not in ("N", "0") and "km" not in t.get_text()]
        for a, b in itertools.combinations(boxes, 2):
            assert not a.overlaps(b)


def test_area_sets_the_extent_and_classifies_only_its_areas():
    t = I.get("unemployment_rate", level="municipality")
    fig = maps.choropleth(t, "unemployment_rate", level="municipality", area="Limpopo")
    lim = ddmgeo.areas_table(vintage=2016).query("level == 'municipality' and province_code == 'LIM'")
    assert sum(n for _, n in fig._ddmgeo_legend) == len(lim) == 22
    assert "Polokwane" in _texts(fig) and "Limpopo" in _title_of(fig)
    with pytest.raises(ddmgeo.errors.TableError, match="map a finer level"):
        maps.choropleth(I.get("unemployment_rate", level="district"), "unemployment_rate", area="Waterberg")


def test_a_raw_count_warns_and_points_to_a_share_or_proportional_symbols():
    with pytest.warns(RawCountWarning, match="proportional_symbols"):
        maps.choropleth(column="population")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RawCountWarning)
        maps.choropleth(column="unemployment_rate")


@pytest.fixture(scope="module")
def facilities():
    return {"Hospitals": overlays.read_points("dsfsi_hospitals"), "Schools": overlays.read_points("dbe_schools_2017q1")}


def test_district_map_counts_only_the_points_inside_and_does_not_warn_for_a_national_layer(facilities):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ddmgeo.errors.DDMGeoWarning)
        fig = maps.district_map("Waterberg", layers=facilities)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    counts = overlays.count_points(facilities["Hospitals"], level="district").set_index("code")
    schools = overlays.count_points(facilities["Schools"], level="district").set_index("code")
    n_h, n_s = int(counts.loc["DC36"].iloc[-1]), int(schools.loc["DC36"].iloc[-1])
    assert f"Hospitals ({n_h})" in legend and f"Schools ({n_s})" in legend
    assert (n_h, n_s) == (16, 424)  # as the Waterberg profile reports them
    assert "Local municipality" in legend


def test_a_metro_map_says_metropolitan_municipality_and_a_misplaced_layer_warns(facilities):
    fig = maps.district_map("eThekwini", layers={"Hospitals": facilities["Hospitals"]})
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "Metropolitan municipality" in legend and "Local municipality" not in legend
    swapped = facilities["Hospitals"].set_geometry(facilities["Hospitals"].geometry.map(lambda p: type(p)(p.y, p.x) if p is not None and not p.is_empty else p))
    with pytest.warns(ddmgeo.errors.DDMGeoWarning, match="outside South Africa"):
        maps.district_map("eThekwini", layers={"Hospitals": swapped.set_crs(4326, allow_override=True)})


def test_a_border_district_map_draws_and_names_the_neighbouring_countries():
    fig = maps.district_map("Vhembe")
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "Neighbouring country" in legend
    assert {"Zimbabwe", "Botswana", "Mozambique"} <= set(fig._ddmgeo_countries)
    assert "ZIMBABWE" in _texts(fig)
    inland = maps.district_map("Cape Winelands")
    assert inland._ddmgeo_countries == [] and "Neighbouring country" not in [t.get_text() for t in inland.legends[0].get_texts()]


def test_a_national_map_fills_lesotho_and_eswatini(tmp_path):
    fig = maps.choropleth(column="unemployment_rate", level="district")
    assert set(fig._ddmgeo_countries) >= {"Lesotho", "eSwatini", "Botswana", "Namibia"}
    assert {"LESOTHO", "ESWATINI"} <= set(_texts(fig))
    fig.canvas.draw()
    image = np.asarray(fig.canvas.buffer_rgba())
    ax = fig.axes[0]
    land = neighbours().to_crs(MAP_CRS)
    for name in ("Lesotho", "eSwatini"):  # the middle of each country shows the country's fill, not the white page
        inside = land[(land["kind"] == "land") & (land["name"] == name)].geometry.iloc[0]
        spot = shapely.ops.polylabel(inside.buffer(-3000), tolerance=1000)
        x, y = ax.transData.transform((spot.x, spot.y + 25_000))  # above the country's name
        pixel = image[int(image.shape[0] - y), int(x), :3]
        assert tuple(pixel) == (0xF1, 0xEE, 0xE6), (name, pixel)


def test_official_spelling_of_district_names():
    names = set(ddmgeo.districts().name)
    assert {"uMgungundlovu", "uThukela", "uMzinyathi", "uMkhanyakude"} <= names
    assert ddmgeo.resolve("Umgungundlovu") == "DC22"


# -- bivariate: nine classes stay apart for colour-blind readers

_MACHADO = {  # Machado, Oliveira & Fernandes (2009), severity 1.0, on linear RGB
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]]),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]]),
}


def _lab(hex_colour: str, vision: str | None) -> np.ndarray:
    rgb = np.array([int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    if vision:
        lin = np.clip(_MACHADO[vision] @ lin, 0, 1)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ lin / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def test_the_simulation_separates_what_it_should():
    # red and green collapse under deuteranopia, blue and yellow do not: the check can fail
    assert np.linalg.norm(_lab("#d62728", "deuteranopia") - _lab("#2ca02c", "deuteranopia")) < 0.5 * np.linalg.norm(_lab("#d62728", None) - _lab("#2ca02c", None))


@pytest.mark.parametrize("vision, floor", [(None, 15), ("deuteranopia", 15), ("protanopia", 10)])
def test_bivariate_palette_stays_distinguishable(vision, floor):
    colours = [c for row in maps._static.BIVARIATE for c in row]
    assert len(set(colours)) == 9
    labs = [_lab(c, vision) for c in colours]
    closest = min(np.linalg.norm(a - b) for a, b in itertools.combinations(labs, 2))
    assert closest >= floor, closest


def test_bivariate_title_names_both_years_when_they_differ():
    a = I.get("unemployment_rate", level="district")
    b = I.get("population", level="district", year=2022)
    both = a.merge(b[["code", "population"]], on="code")
    both.attrs = {"ddmgeo": {"indicators": {**a.attrs["ddmgeo"]["indicators"], **b.attrs["ddmgeo"]["indicators"]}}}
    title = _title_of(maps.bivariate(both, "unemployment_rate", "population"))
    assert "(2011)" in title and "(2022)" in title
    same = I.get(["unemployment_rate", "no_toilet_share"], level="district", year=2011)
    title = _title_of(maps.bivariate(same, "unemployment_rate", "no_toilet_share"))
    assert title.count("(20") == 0 and title.endswith(str(same.attrs["ddmgeo"]["indicators"]["unemployment_rate"]["year"]))


def test_bivariate_with_many_equal_values_says_so_on_the_map_not_in_a_mapclassify_warning():
    t = I.get(["piped_water_share"], level="district")
    t["spend"] = 0.0
    t.loc[t.index[:10], "spend"] = np.arange(1.0, 11.0)  # 42 of the 52 at zero: no three tertiles of spend
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = maps.bivariate(t, "piped_water_share", "spend")
    assert [str(w.message) for w in caught if "mapclassify" in w.filename] == []
    assert fig._ddmgeo_bivariate["y_bins"] == [0.0, 10.0]  # two classes of spend
    assert any("(only 2 classes: many equal values)" in " ".join(text.get_text().split()) for text in fig.texts)


# -- interactive


def test_interactive_map_of_all_schools_is_small_offline_clustered_and_metric(tmp_path, facilities):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no folium API-key warning, no other warning...
        warnings.filterwarnings("ignore", category=ddmgeo.errors.DDMGeoWarning, message=".*no geometry")  # ...but the schools' missing coordinates
        m = maps.interactive(column="unemployment_rate", layers={"Schools": facilities["Schools"]})
    path = tmp_path / "schools.html"
    m.save(str(path))
    html = path.read_text(encoding="utf-8")
    assert path.stat().st_size < 5_000_000
    assert "https://" not in html and "http://" not in html.replace("http://www.w3.org", "")  # no CDN, no tiles
    assert "markerClusterGroup" in html and "imperial: false" in html
    tooltip = next(s for s in html.split("\n") if "GeoJsonTooltip" in s or "max-width" in s)
    assert "max-width:320px" in tooltip
    page = open_page(path, tmp_path)
    assert not page.js_errors and not page.alerts, page.js_errors
    assert not_blank(page.screenshot) and "marker-cluster" in page.dom  # clusters drawn after the scripts ran


def test_tiles_needing_an_api_key_are_refused_and_openstreetmap_works():
    with pytest.raises(ValueError, match="API key"):
        maps.interactive(column="unemployment_rate", tiles="cartodbpositron")
    m = maps.interactive(column="unemployment_rate", tiles="openstreetmap")
    assert "tile.openstreetmap.org" in m.get_root().render()


def test_cli_map_title_palette_area(tmp_path):
    from typer.testing import CliRunner

    from ddmgeo.cli import app

    out = tmp_path / "lim.png"
    res = CliRunner().invoke(app, ["map", "unemployment_rate", "--level", "municipality", "--area", "Limpopo", "--title", "Jobless in Limpopo", "--palette", "viridis", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert out.stat().st_size > 50_000
    res = CliRunner().invoke(app, ["map", "unemployment_rate", "--palette", "Viridis", "--out", str(tmp_path / "x.png")])
    assert res.exit_code == 2 and "not a matplotlib colormap" in res.output


def test_choropleth_title_and_palette_reach_the_figure():
    fig = maps.choropleth(column="unemployment_rate", title="Jobless", cmap="viridis")
    assert _title_of(fig) == "Jobless"
    colours = {tuple(np.round(p.get_facecolor()[:3], 3)) for p in fig.legends[0].get_patches()}
    viridis = {tuple(np.round(matplotlib.colormaps["viridis"](0.15 + 0.8 * i / 4)[:3], 3)) for i in range(5)}
    assert colours == viridis


def test_profile_and_budget_maps_still_draw(tmp_path):
    t = pd.DataFrame({"where": ["Waterberg", "Capricorn"], "rand": [1_000_000, 2_000_000]})
    r = ddmgeo.budget.spatialise(t, amount="rand", location="where")
    for fig in (r.map_per_capita(), r.map_amounts()):
        assert fig.axes
